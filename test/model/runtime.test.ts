import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarshotError } from '../../apps/api/src/errors.js';
import { clapFeatures } from '../../apps/api/src/features/index.js';
import { ClapRuntime, loadBundle, scoreLabels } from '../../apps/api/src/model/index.js';
import { features, HAS_MINI, MINI_DIR, RUNTIME_OPTS, synth } from './mini.js';

const require = createRequire(import.meta.url);
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
/** .npy float16 reader (little-endian, C order) for the bundle's reference features. */
function readNpyF16(buf: Buffer): { shape: number[]; data: Float32Array } {
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  if (!header.includes("'<f2'") || header.includes("'fortran_order': True")) throw new Error(`unexpected npy header ${header}`);
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .filter((x) => x.trim())
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = buf.readUInt16LE(10 + hlen + 2 * i);
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : 2 ** (e - 15) * (1 + m / 1024);
    data[i] = h & 0x8000 ? -v : v;
  }
  return { shape, data };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe.skipIf(!HAS_MINI)('ClapRuntime on models/clap-mini', () => {
  let rt: ClapRuntime;
  beforeAll(async () => {
    rt = await ClapRuntime.open(await loadBundle(MINI_DIR), RUNTIME_OPTS);
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('names the words its word-level vocabulary cannot represent', () => {
    // clap-mini v2's words are GloVe's (50k): everyday words are known, nonsense is not.
    expect(rt.unknownWords('Rain on the tin-roof!')).toEqual([]);
    expect(rt.unknownWords('solo violin, grand piano')).toEqual([]);
    expect(rt.unknownWords('xyzzy violin xyzzy')).toEqual(['xyzzy']);
    expect(rt.unknownWords('a dog barking near qwfp')).toEqual(['a', 'qwfp']);
  });

  it('a byte-level BPE tokenizer (as every real CLAP has) reports no unknown words', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bpe-')), 'bpe-mini');
    fs.cpSync(MINI_DIR, dir, { recursive: true });
    // GPT-2's byte → printable character map: every byte has a token, so nothing is ever <unk>.
    const bytes = [...Array(256).keys()];
    const printable = bytes.filter((b) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255));
    let extra = 0;
    const char = new Map(bytes.map((b) => [b, String.fromCharCode(printable.includes(b) ? b : 256 + extra++)]));
    const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
    for (const b of bytes) vocab[char.get(b)!] = 4 + b;
    const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    fs.writeFileSync(
      path.join(dir, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>')],
        normalizer: null,
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: [] },
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'tokenizer_config.json'),
      JSON.stringify({ tokenizer_class: 'RobertaTokenizer', bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>' }),
    );
    const bpe = await ClapRuntime.open(await loadBundle(dir), RUNTIME_OPTS);
    try {
      expect(bpe.tokenize('xyzzy').length).toBe(2 + 5); // <s> x y z z y </s>: one token per byte
      expect(bpe.unknownWords('xyzzy rain on a tin roof')).toEqual([]);
    } finally {
      await bpe.close();
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('has the identity of its bundle', async () => {
    const b = await loadBundle(MINI_DIR);
    expect(rt.identity).toEqual({ name: b.manifest.name, version: b.version, dim: 512, featureMode: b.manifest.featureMode });
  });

  it('tokenizes exactly as the bundle was trained (tokenizer.json through transformers.js, offline)', () => {
    const golden = path.join(MINI_DIR, 'tokenizer_golden.json');
    const g = fs.existsSync(golden) ? (JSON.parse(fs.readFileSync(golden, 'utf8')) as { texts: string[]; ids: number[][] }) : null;
    expect(g, 'models/clap-mini/tokenizer_golden.json (ids from the training script)').not.toBeNull();
    for (let i = 0; i < g!.texts.length; i++) expect(rt.tokenize(g!.texts[i]), g!.texts[i]).toEqual(g!.ids[i]);
    // truncation to maxTextLength keeps the end token
    const long = rt.tokenize(Array(200).fill('piano').join(' '));
    expect(long.length).toBe(rt.manifest.maxTextLength);
    expect(long.at(-1)).toBe(g!.ids[0].at(-1));
  });

  it('matches the training framework: onnxruntime vs the torch reference saved with the bundle', async () => {
    const refFile = path.join(MINI_DIR, 'torch_reference.json');
    const npyFile = path.join(MINI_DIR, 'reference_features.npy');
    expect(fs.existsSync(refFile) && fs.existsSync(npyFile), 'torch_reference.json + reference_features.npy in the bundle').toBe(true);
    const ref = JSON.parse(fs.readFileSync(refFile, 'utf8')) as { texts: string[]; text_embeds: number[][]; audio_embeds: number[][] };
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return Float32Array.from(v, (x) => x / n);
    };
    const texts = await rt.embedText(ref.texts);
    texts.forEach((t, i) => expect(maxDiff(t, unit(ref.text_embeds[i])), ref.texts[i]).toBeLessThan(1e-4));
    const { shape, data } = readNpyF16(fs.readFileSync(npyFile));
    expect(shape.slice(1)).toEqual([1001, 64]);
    if (rt.identity.featureMode === 'fusion') {
      const per = 1001 * 64;
      const feats = Array.from({ length: shape[0] }, (_, i) => {
        const one = data.subarray(i * per, (i + 1) * per);
        const four = new Float32Array(4 * per);
        for (let c = 0; c < 4; c++) four.set(one, c * per);
        return { data: four, channels: 4 as const, frames: 1001 as const, mels: 64 as const, isLonger: true };
      });
      const audio = await rt.embedAudio(feats);
      audio.forEach((a, i) => expect(maxDiff(a, unit(ref.audio_embeds[i])), `reference clip ${i}`).toBeLessThan(1e-4));
    }
  });

  it('audio embeddings are 512-d, unit length and deterministic', async () => {
    const f = features(1, 4, rt.identity.featureMode);
    const [a] = await rt.embedAudio([f]);
    const [b] = await rt.embedAudio([f]);
    expect(a.length).toBe(512);
    expect(norm(a)).toBeCloseTo(1, 5);
    expect(maxDiff(a, b)).toBe(0);
    const [other] = await rt.embedAudio([features(7, 4, rt.identity.featureMode)]);
    expect(maxDiff(a, other)).toBeGreaterThan(1e-3);
  });

  it('a batch of 8 equals 8 single runs within 1e-5 (short and long clips, is_longer per clip)', async () => {
    const mode = rt.identity.featureMode;
    const batch = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => features(s, s % 3 === 0 ? 14 : 1 + s, mode));
    if (mode === 'fusion') expect(batch.map((f) => f.isLonger)).toContain(true);
    const together = await rt.embedAudio(batch);
    expect(together).toHaveLength(8);
    for (let i = 0; i < 8; i++) {
      const [single] = await rt.embedAudio([batch[i]]);
      expect(maxDiff(together[i], single), `clip ${i}`).toBeLessThan(1e-5);
    }
  });

  it('a bundle with maxAudioBatch (fixed-batch export) is fed in chunks with the same results', async () => {
    const os = await import('node:os');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-maxbatch-'));
    try {
      fs.cpSync(MINI_DIR, tmp, { recursive: true });
      const mf = path.join(tmp, 'manifest.json');
      fs.writeFileSync(mf, JSON.stringify({ ...JSON.parse(fs.readFileSync(mf, 'utf8')), maxAudioBatch: 3 }));
      const chunked = await ClapRuntime.open(await loadBundle(tmp), RUNTIME_OPTS);
      try {
        const batch = [1, 2, 3, 4, 5, 6, 7].map((s) => features(s, 2, rt.identity.featureMode));
        const a = await chunked.embedAudio(batch);
        const b = await rt.embedAudio(batch);
        expect(a).toHaveLength(7);
        a.forEach((v, i) => expect(maxDiff(v, b[i])).toBeLessThan(1e-5));
      } finally {
        await chunked.close();
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('MODEL_INVALID at open when a tower lacks its contract inputs or is not ONNX, naming the file', async () => {
    const os = await import('node:os');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-towers-'));
    try {
      fs.cpSync(MINI_DIR, tmp, { recursive: true });
      const b = await loadBundle(tmp);
      // towers swapped: the "text" file is an audio tower
      fs.copyFileSync(b.audioPath, b.textPath);
      const e1 = await ClapRuntime.open(await loadBundle(tmp), RUNTIME_OPTS).catch((x) => x);
      expect((e1 as EarshotError).code).toBe('MODEL_INVALID');
      expect((e1 as EarshotError).subject).toBe(b.textPath);
      expect((e1 as EarshotError).message).toMatch(/input_ids/);
      fs.writeFileSync(b.audioPath, 'not an onnx file');
      const e2 = await ClapRuntime.open(await loadBundle(tmp), RUNTIME_OPTS).catch((x) => x);
      expect((e2 as EarshotError).code).toBe('MODEL_INVALID');
      expect((e2 as EarshotError).subject).toBe(b.audioPath);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('rejects features of the other mode with MODEL_MISMATCH', async () => {
    const other = rt.identity.featureMode === 'fusion' ? 'rand_trunc' : 'fusion';
    const e = await rt.embedAudio([clapFeatures(synth(1, 2), other)]).catch((x) => x);
    expect(e).toBeInstanceOf(EarshotError);
    expect((e as EarshotError).code).toBe('MODEL_MISMATCH');
  });

  it('text embeddings are unit length, batch-independent and served from the LRU cache on repeat', async () => {
    const texts = ['This is a sound of cello.', 'This is a sound of siren.', 'a violin, slow']; // not used by earlier tests: the cache starts cold for them
    const before = rt.textCacheStats;
    const first = await rt.embedText(texts);
    for (const v of first) expect(norm(v)).toBeCloseTo(1, 5);
    const mid = rt.textCacheStats;
    expect(mid.misses - before.misses).toBe(3);
    const again = await rt.embedText([texts[1], texts[0]]);
    const after = rt.textCacheStats;
    expect(after.hits - mid.hits).toBe(2);
    expect(after.misses).toBe(mid.misses);
    expect(again[0]).toBe(first[1]);
    // a padded batch gives the same vector as the text alone (attention_mask is honoured)
    const { ClapRuntime: R } = await import('../../apps/api/src/model/index.js');
    const fresh = await R.open(await loadBundle(MINI_DIR), { ...RUNTIME_OPTS, textCacheSize: 0 });
    try {
      const [alone] = await fresh.embedText([texts[0]]);
      expect(maxDiff(alone, first[0])).toBeLessThan(1e-5);
      expect(fresh.textCacheStats.size).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('zero-shot: probabilities sum to 1 and follow softmax(exp(logitScaleA)·cos); multi-label scores lie in [0,1]', async () => {
    const [audio] = await rt.embedAudio([features(2, 5, rt.identity.featureMode)]);
    const labels = ['piano', 'siren', 'speech', 'white noise', 'violin'];
    const res = await rt.zeroShot(audio, labels);
    expect(res.map((r) => r.label)).toEqual(labels);
    expect(res.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 6);
    const scale = Math.exp(rt.manifest.logitScaleA);
    const cos = (await rt.embedText(labels.map((l) => rt.manifest.promptTemplate.replace('{}', l)))).map((t) => t.reduce((s, x, i) => s + x * audio[i], 0));
    cos.forEach((c, i) => expect(res[i].cosine).toBeCloseTo(c, 6));
    // ratio of two probabilities = exp(scale · Δcos)
    expect(res[0].score / res[1].score).toBeCloseTo(Math.exp(scale * (cos[0] - cos[1])), 4);
    const multi = await rt.zeroShot(audio, labels, { multiLabel: true });
    for (const r of multi) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    // multi-label scores are independent of the other labels
    const alone = await rt.zeroShot(audio, [labels[2]], { multiLabel: true });
    expect(alone[0].score).toBeCloseTo(multi[2].score, 10);
    // a custom template changes the prompts
    const custom = await rt.zeroShot(audio, labels, { template: 'the sound of {}' });
    expect(custom.map((r) => r.cosine)).not.toEqual(res.map((r) => r.cosine));
  });

  it("provider 'cuda' runs (on CPU with a warning where the CUDA execution provider is unavailable) and gives the same vectors", async () => {
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarn);
    const gpu = await ClapRuntime.open(await loadBundle(MINI_DIR), { ...RUNTIME_OPTS, provider: 'cuda' });
    try {
      const f = features(3, 3, rt.identity.featureMode);
      const [a] = await gpu.embedAudio([f]);
      const [b] = await rt.embedAudio([f]);
      expect(maxDiff(a, b)).toBeLessThan(1e-4);
      await new Promise((r) => setImmediate(r));
      // the npm package ships the CPU build only: then the fallback must have said so
      if (!fs.existsSync(path.join(path.dirname(require.resolve('onnxruntime-node')), '../bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'))) {
        expect(warnings.join('\n')).toMatch(/CUDA execution provider unavailable/);
      }
    } finally {
      process.off('warning', onWarn);
      await gpu.close();
    }
  });

  it('scoreLabels is numerically stable for large scales', () => {
    const a = new Float32Array([1, 0]);
    const t = [new Float32Array([1, 0]), new Float32Array([0, 1])];
    const m = { ...rt.manifest, logitScaleA: Math.log(1e4) };
    const r = scoreLabels(a, ['x', 'y'], t, m, false);
    expect(r[0].score).toBeCloseTo(1, 10);
    expect(Number.isFinite(r[1].score)).toBe(true);
  });
});
