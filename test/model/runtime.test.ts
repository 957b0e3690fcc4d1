import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarshotError } from '../../apps/api/src/errors.js';
import { clapFeatures } from '../../apps/api/src/features/index.js';
import { ClapRuntime, loadBundle, scoreLabels } from '../../apps/api/src/model/index.js';
import { features, HAS_MINI, MINI_DIR, RUNTIME_OPTS, synth } from './mini.js';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe.skipIf(!HAS_MINI)('ClapRuntime on models/clap-mini', () => {
  let rt: ClapRuntime;
  beforeAll(async () => {
    rt = await ClapRuntime.open(await loadBundle(MINI_DIR), RUNTIME_OPTS);
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('has the identity of its bundle', async () => {
    const b = await loadBundle(MINI_DIR);
    expect(rt.identity).toEqual({ name: b.manifest.name, version: b.version, dim: 512, featureMode: b.manifest.featureMode });
  });

  it('tokenizes exactly as the bundle was trained (tokenizer.json through transformers.js, offline)', () => {
    const golden = path.join(MINI_DIR, 'tokenizer_golden.json');
    const g = fs.existsSync(golden)
      ? (JSON.parse(fs.readFileSync(golden, 'utf8')) as { texts: string[]; ids: number[][] })
      : null;
    expect(g, 'models/clap-mini/tokenizer_golden.json (ids from the training script)').not.toBeNull();
    for (let i = 0; i < g!.texts.length; i++) expect(rt.tokenize(g!.texts[i]), g!.texts[i]).toEqual(g!.ids[i]);
    // truncation to maxTextLength keeps the end token
    const long = rt.tokenize(Array(200).fill('piano').join(' '));
    expect(long.length).toBe(rt.manifest.maxTextLength);
    expect(long.at(-1)).toBe(g!.ids[0].at(-1));
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

  it('rejects features of the other mode with MODEL_MISMATCH', async () => {
    const other = rt.identity.featureMode === 'fusion' ? 'rand_trunc' : 'fusion';
    const e = await rt.embedAudio([clapFeatures(synth(1, 2), other)]).catch((x) => x);
    expect(e).toBeInstanceOf(EarshotError);
    expect((e as EarshotError).code).toBe('MODEL_MISMATCH');
  });

  it('text embeddings are unit length, batch-independent and served from the LRU cache on repeat', async () => {
    const texts = ['This is a sound of piano.', 'This is a sound of siren.', 'a violin, slow'];
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

  it('scoreLabels is numerically stable for large scales', () => {
    const a = new Float32Array([1, 0]);
    const t = [new Float32Array([1, 0]), new Float32Array([0, 1])];
    const m = { ...rt.manifest, logitScaleA: Math.log(1e4) };
    const r = scoreLabels(a, ['x', 'y'], t, m, false);
    expect(r[0].score).toBeCloseTo(1, 10);
    expect(Number.isFinite(r[1].score)).toBe(true);
  });
});
