/**
 * scripts/quantize-int8.py on the committed clap-mini bundle (real trained weights): the int8 bundle loads
 * through loadBundle + ClapRuntime, has its own identity, really runs int8 kernels (MatMulInteger in the
 * graph), and stays close to fp32 (cosine ≥ 0.999 per vector). Drift and speed on real audio and on the
 * real-size stand-ins are measured by `npm run bench:int8` (docs/benchmarks.md), not asserted here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapRuntime, cosine, loadBundle } from '../../apps/api/src/model/index.js';
import { features, HAS_MINI, MINI_DIR, REPO_ROOT, RUNTIME_OPTS } from './mini.js';

const PY = '/usr/bin/python3';
const HAS_ONNX = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import onnx, numpy'], { stdio: 'ignore' }).status === 0;
if (!HAS_ONNX) console.warn('skipping int8 quantization test: /usr/bin/python3 cannot import onnx (Debian python3-onnx)');

describe.skipIf(!HAS_ONNX || !HAS_MINI)('scripts/quantize-int8.py', () => {
  let tmp = '';
  let out = '';
  let log = '';
  let fp32: ClapRuntime;
  let int8: ClapRuntime;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-int8-'));
    out = path.join(tmp, 'clap-mini-int8');
    log = execFileSync(PY, [path.join(REPO_ROOT, 'scripts/quantize-int8.py'), MINI_DIR, '--out', out], { encoding: 'utf8' });
    [fp32, int8] = [await ClapRuntime.open(await loadBundle(MINI_DIR), RUNTIME_OPTS), await ClapRuntime.open(await loadBundle(out), RUNTIME_OPTS)];
  });
  afterAll(async () => {
    await Promise.all([fp32?.close(), int8?.close()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes a separate bundle of int8 towers with its own identity and no fp32 calibration', () => {
    expect(log).toMatch(/audio_model\.onnx -> audio_model_quantized\.onnx: 2 Gemm/);
    expect(int8.manifest).toMatchObject({
      name: 'clap-mini-int8',
      featureMode: fp32.manifest.featureMode,
      files: { audio: 'audio_model_quantized.onnx', text: 'text_model_quantized.onnx' },
    });
    expect(int8.identity.version).not.toBe(fp32.identity.version);
    expect(fs.existsSync(path.join(out, 'calibration.json'))).toBe(false);
    for (const f of ['audio_model_quantized.onnx', 'text_model_quantized.onnx']) expect(fs.readFileSync(path.join(out, f)).includes('MatMulInteger'), f).toBe(true);
  });

  it('onnxruntime fuses the pattern into its int8 kernel (DynamicQuantizeMatMul) at load', async () => {
    const optimized = path.join(tmp, 'text-optimized.onnx');
    await ort.InferenceSession.create(path.join(out, 'text_model_quantized.onnx'), { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, intraOpNumThreads: 1 });
    const graph = fs.readFileSync(optimized);
    expect(graph.includes('DynamicQuantizeMatMul')).toBe(true);
  });

  it('audio and text vectors stay within cosine 0.999 of fp32, yet differ (the int8 path ran)', async () => {
    const clips = [1, 2, 3, 4, 5].map((s) => features(s, s === 3 ? 12 : 2 + s, fp32.identity.featureMode));
    const texts = ['This is a sound of rain.', 'a dog barking', 'church bells ringing far away'];
    const pairs = [
      [await fp32.embedAudio(clips), await int8.embedAudio(clips)],
      [await fp32.embedText(texts), await int8.embedText(texts)],
    ];
    let maxAbs = 0;
    for (const [a, b] of pairs) {
      a.forEach((v, i) => {
        expect(cosine(v, b[i])).toBeGreaterThan(0.999);
        v.forEach((x, j) => (maxAbs = Math.max(maxAbs, Math.abs(x - b[i][j]))));
      });
    }
    expect(maxAbs).toBeGreaterThan(1e-5);
  });
});
