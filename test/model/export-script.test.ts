/**
 * scripts/export-clap-onnx.py end to end with Debian's torch, against a small stand-in for `transformers`
 * (test/model/fake_transformers: ClapModel's module layout and the fused model's is_longer indexing; the
 * real package and checkpoints are not available offline). Proves the export wrapper, the manifest and that
 * the written graphs meet Earshot's I/O contract under onnxruntime-node — not the LAION weights themselves.
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

describe.skipIf(!HAS_TORCH || !HAS_MINI)('scripts/export-clap-onnx.py', () => {
  let tmp: string;
  const run = (ckpt: string, out: string) =>
    execFileSync(PY, [path.join(REPO_ROOT, 'scripts/export-clap-onnx.py'), ckpt, out], {
      env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'test/model/fake_transformers'), FAKE_TOKENIZER_JSON: path.join(MINI_DIR, 'tokenizer.json') },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-export-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('fused checkpoint → fusion bundle with is_longer, batch 1, logit scales from the model; runs in ClapRuntime', async () => {
    const out = path.join(tmp, 'clap-htsat-fused');
    const log = run('laion/clap-htsat-fused', out);
    expect(log).toMatch(/enable_fusion=True; audio batch 1/);
    const b = await loadBundle(out);
    expect(b.manifest).toMatchObject({ name: 'clap-htsat-fused', featureMode: 'fusion', logitScaleA: 4.5, logitScaleT: 2.25, maxTextLength: 77, maxAudioBatch: 1, isDemo: false });
    const rt = await ClapRuntime.open(b, RUNTIME_OPTS);
    try {
      const batch = [1, 2, 3].map((s) => features(s, s === 2 ? 12 : 3, 'fusion'));
      const embs = await rt.embedAudio(batch); // maxAudioBatch 1: three runs
      expect(embs).toHaveLength(3);
      for (const e of embs) expect(Math.hypot(...e)).toBeCloseTo(1, 5);
      const [t] = await rt.embedText(['This is a sound of dog barking.']);
      expect(t).toHaveLength(512);
      const zs = await rt.zeroShot(embs[0], ['dog', 'rain']);
      expect(zs[0].score + zs[1].score).toBeCloseTo(1, 6);
    } finally {
      await rt.close();
    }
  });

  it('unfused checkpoint → rand_trunc bundle with a dynamic batch', async () => {
    const out = path.join(tmp, 'clap-htsat-unfused');
    run('laion/clap-htsat-unfused', out);
    const b = await loadBundle(out);
    expect(b.manifest.featureMode).toBe('rand_trunc');
    expect(b.manifest.maxAudioBatch).toBeUndefined();
    const rt = await ClapRuntime.open(b, RUNTIME_OPTS);
    try {
      const batch = [1, 2, 3, 4].map((s) => features(s, 2 + s, 'rand_trunc'));
      const together = await rt.embedAudio(batch);
      for (let i = 0; i < 4; i++) {
        const [one] = await rt.embedAudio([batch[i]]);
        expect(one.reduce((m, x, j) => Math.max(m, Math.abs(x - together[i][j])), 0)).toBeLessThan(1e-5);
      }
    } finally {
      await rt.close();
    }
  });
});
