/**
 * scripts/export-clap-onnx.py end to end with Debian's torch, against a small stand-in for `transformers`
 * (test/model/fake_transformers: ClapModel's module layout and the fused model's is_longer indexing; the
 * real package and checkpoints are not available offline). Proves the export wrapper, the manifest, that
 * the written graphs meet Earshot's I/O contract under onnxruntime-node, and that the exporter's batch-safe
 * fusion makes fused graphs (dynamic, batch 1, fixed N) right for any is_longer mix on a reproduction of
 * HF's fused patch embedding — not the LAION weights or the real HTSAT (docs/models.md says what was run where).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { features, HAS_MINI, MINI_DIR, REPO_ROOT, RUNTIME_OPTS } from './mini.js';

const PY = '/usr/bin/python3';
const HAS_TORCH = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
if (!HAS_TORCH) console.warn('skipping export script test: /usr/bin/python3 cannot import torch and onnx (Debian python3-torch, python3-onnx)');

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.skipIf(!HAS_TORCH || !HAS_MINI)('scripts/export-clap-onnx.py', () => {
  let tmp: string;
  const env = { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'test/model/fake_transformers'), FAKE_TOKENIZER_JSON: path.join(MINI_DIR, 'tokenizer.json') };
  const run = (ckpt: string, out: string, ...args: string[]) =>
    execFileSync(PY, [path.join(REPO_ROOT, 'scripts/export-clap-onnx.py'), ckpt, out, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // Each export is a Python process that imports torch (~2-5 s of CPU); on a loaded 2-core machine they need
  // more than the default timeouts, so the exports are done once here and the limits below are raised.
  const SLOW = 400_000;
  let fusedLog = '';
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-export-'));
    fusedLog = run('laion/clap-htsat-fused', path.join(tmp, 'clap-htsat-fused')); // the default: dynamic batch
  }, SLOW);
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'fused checkpoint → fusion bundle with is_longer, a dynamic batch, logit scales from the model; runs in ClapRuntime',
    async () => {
      const out = path.join(tmp, 'clap-htsat-fused');
      const log = fusedLog;
      expect(log).toMatch(/enable_fusion=True; audio batch dynamic/);
      // The exporter compares its batch-safe fusion with the stand-in's HF-shaped forward before writing.
      expect(log).toMatch(/batch-safe fusion vs HF forward \(is_longer=\[0, 0, 0\]\)/);
      const b = await loadBundle(out);
      expect(b.manifest).toMatchObject({ name: 'clap-htsat-fused', featureMode: 'fusion', logitScaleA: 4.5, logitScaleT: 2.25, maxTextLength: 77, isDemo: false });
      expect(b.manifest.maxAudioBatch).toBeUndefined();
      const rt = await ClapRuntime.open(b, RUNTIME_OPTS);
      try {
        const batch = [1, 2, 3].map((s) => features(s, s === 2 ? 12 : 3, 'fusion'));
        const embs = await rt.embedAudio(batch);
        expect(embs).toHaveLength(3);
        for (const e of embs) expect(Math.hypot(...e)).toBeCloseTo(1, 5);
        const [t] = await rt.embedText(['This is a sound of dog barking.']);
        expect(t).toHaveLength(512);
        const zs = await rt.zeroShot(embs[0], ['dog', 'rain']);
        expect(zs[0].score + zs[1].score).toBeCloseTo(1, 6);
      } finally {
        await rt.close();
      }
    },
    SLOW,
  );

  describe("fused graphs batch any mix of is_longer (HF's HTSAT fusion path, reproduced in the stand-in)", () => {
    // Long and short clips; each case below sets is_longer per row regardless of length (Earshot sends
    // true; other callers may not), so the fused and plain paths both run inside one batch.
    const clips = [1, 2, 3, 4, 5, 6, 7].map((s) => features(s, s % 3 === 0 ? 14 : 2 + s, 'fusion'));
    const cases: Record<string, boolean[]> = {
      'all true': clips.map(() => true),
      mixed: clips.map((_, i) => i % 2 === 0),
      'all false': clips.map(() => false),
    };
    const flagged = (flags: boolean[]) => clips.map((c, i) => ({ ...c, isLonger: flags[i] }));
    let one: ClapRuntime, dyn: ClapRuntime, fixed3: ClapRuntime;
    let torchRef: Record<string, number[][]>;

    beforeAll(async () => {
      run('laion/clap-htsat-fused', path.join(tmp, 'b1'), '--audio-batch', '1');
      run('laion/clap-htsat-fused', path.join(tmp, 'b3'), '--audio-batch', '3');
      [one, dyn, fixed3] = await Promise.all(['b1', 'clap-htsat-fused', 'b3'].map(async (d) => ClapRuntime.open(await loadBundle(path.join(tmp, d)), RUNTIME_OPTS)));
      // PyTorch's answer for the same features: the stand-in's own (unpatched, HF-shaped) forward, whole batches.
      const feats = path.join(tmp, 'features.f32');
      fs.writeFileSync(feats, Buffer.concat(clips.map((c) => Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength))));
      const py = `
import json, sys, numpy as np, torch, transformers
m = transformers.ClapModel.from_pretrained('laion/clap-htsat-fused').eval()
x = torch.from_numpy(np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, 4, 1001, 64))
out = {}
with torch.no_grad():
    for name, flags in json.loads(sys.argv[2]).items():
        e = m.audio_projection(m.audio_model(x, torch.tensor(flags).view(-1, 1)).pooler_output)
        out[name] = torch.nn.functional.normalize(e, dim=-1).tolist()
print(json.dumps(out))`;
      torchRef = JSON.parse(execFileSync(PY, ['-c', py, feats, JSON.stringify(cases)], { env, encoding: 'utf8', maxBuffer: 1 << 26 }));
    }, SLOW);
    afterAll(async () => {
      await Promise.all([one, dyn, fixed3].map((r) => r?.close()));
    });

    for (const [name, flags] of Object.entries(cases)) {
      it(
        `${name}: the dynamic graph's batch and a graph fixed at 3 (batches of 1–7) equal the batch-1 graph and PyTorch within 1e-5`,
        async () => {
          const batch = flagged(flags);
          const want: Float32Array[] = [];
          for (const c of batch) want.push(...(await one.embedAudio([c])));
          const got = await dyn.embedAudio(batch);
          expect(got).toHaveLength(batch.length);
          got.forEach((v, i) => expect(maxDiff(v, want[i]), `dynamic batch, clip ${i}`).toBeLessThan(1e-5));
          want.forEach((v, i) => expect(maxDiff(v, Float32Array.from(torchRef[name][i])), `batch-1 graph vs torch, clip ${i}`).toBeLessThan(1e-5));
          for (const n of [1, 2, 3, 4, 7]) {
            const part = await fixed3.embedAudio(batch.slice(0, n));
            expect(part, `fixed-3 graph, batch of ${n}`).toHaveLength(n);
            part.forEach((v, i) => expect(maxDiff(v, want[i]), `fixed-3 graph, batch of ${n}, clip ${i}`).toBeLessThan(1e-5));
          }
        },
        SLOW,
      );
    }

    it('the fusion is in the graph: is_longer true and false give different vectors for the same clip', async () => {
      const [t] = await dyn.embedAudio([{ ...clips[0], isLonger: true }]);
      const [f] = await dyn.embedAudio([{ ...clips[0], isLonger: false }]);
      expect(maxDiff(t, f)).toBeGreaterThan(1e-3);
    });
  });

  it(
    'unfused checkpoint → rand_trunc bundle with a dynamic batch; --quantize int8 also writes a runnable int8 bundle',
    async () => {
      const out = path.join(tmp, 'clap-htsat-unfused');
      expect(run('laion/clap-htsat-unfused', out, '--quantize', 'int8')).toMatch(/\[quantize\] wrote bundle .*clap-htsat-unfused-int8/);
      const b = await loadBundle(out);
      expect(b.manifest.featureMode).toBe('rand_trunc');
      expect(b.manifest.maxAudioBatch).toBeUndefined();
      const rt = await ClapRuntime.open(b, RUNTIME_OPTS);
      const q = await ClapRuntime.open(await loadBundle(`${out}-int8`), RUNTIME_OPTS);
      try {
        const batch = [1, 2, 3, 4].map((s) => features(s, 2 + s, 'rand_trunc'));
        const together = await rt.embedAudio(batch);
        for (let i = 0; i < 4; i++) {
          const [one] = await rt.embedAudio([batch[i]]);
          expect(one.reduce((m, x, j) => Math.max(m, Math.abs(x - together[i][j])), 0)).toBeLessThan(1e-5);
        }
        const quantized = await q.embedAudio(batch);
        quantized.forEach((v, i) => expect(v.reduce((s, x, j) => s + x * together[i][j], 0)).toBeGreaterThan(0.99));
      } finally {
        await Promise.all([rt.close(), q.close()]);
      }
    },
    SLOW,
  );
});
