/**
 * Towers that other exporters write: an audio graph fixed at exactly N clips (`--audio-batch N`) and a
 * text graph without an attention_mask input. Both are made from the mini bundle with Debian's
 * python3-onnx (graph surgery only, same weights), and must give the mini bundle's own embeddings.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { features, HAS_MINI, MINI_DIR, RUNTIME_OPTS } from './mini.js';

const PY = '/usr/bin/python3';
const HAS_ONNX = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
if (!HAS_ONNX) console.warn('skipping graph variant tests: /usr/bin/python3 cannot import onnx (Debian python3-onnx)');

const SURGERY = `
import sys, onnx
from onnx import helper, TensorProto
kind, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
m = onnx.load(src)
g = m.graph
if kind == 'fixed-batch':
    n = int(sys.argv[4])
    for v in list(g.input) + list(g.output):
        v.type.tensor_type.shape.dim[0].ClearField('dim_param')
        v.type.tensor_type.shape.dim[0].dim_value = n
else:  # no-mask: attention_mask becomes ones of input_ids' shape, computed inside the graph
    keep = [i for i in g.input if i.name != 'attention_mask']
    del g.input[:]
    g.input.extend(keep)
    one = helper.make_tensor('one', TensorProto.INT64, [1], [1])
    g.node.insert(0, helper.make_node('ConstantOfShape', ['ids_shape'], ['attention_mask'], value=one))
    g.node.insert(0, helper.make_node('Shape', ['input_ids'], ['ids_shape']))
onnx.save(m, dst)
`;

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.skipIf(!HAS_ONNX || !HAS_MINI)('tower graphs from other exporters', () => {
  let tmp = '';
  let ref: ClapRuntime;
  const variant = (name: string, kind: 'fixed-batch' | 'no-mask', file: 'audio_model.onnx' | 'text_model.onnx', extra: Record<string, unknown> = {}, arg?: number) => {
    const dir = path.join(tmp, name);
    fs.cpSync(MINI_DIR, dir, { recursive: true });
    execFileSync(PY, ['-c', SURGERY, kind, path.join(MINI_DIR, file), path.join(dir, file), ...(arg ? [String(arg)] : [])]);
    const mf = path.join(dir, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
    delete m.sha256; // the graph changed on purpose
    fs.writeFileSync(mf, JSON.stringify({ ...m, ...extra }));
    return dir;
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-variants-'));
    ref = await ClapRuntime.open(await loadBundle(MINI_DIR), RUNTIME_OPTS);
  });
  afterAll(async () => {
    await ref?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('an audio graph fixed at 3 clips runs batches of any size (padded), equal to the dynamic graph', async () => {
    const dir = variant('fixed3', 'fixed-batch', 'audio_model.onnx', { maxAudioBatch: 3 }, 3);
    const rt = await ClapRuntime.open(await loadBundle(dir), RUNTIME_OPTS);
    try {
      const clips = [1, 2, 3, 4, 5, 6, 7].map((s) => features(s, s === 4 ? 12 : 2, rt.identity.featureMode));
      const want = await ref.embedAudio(clips);
      for (const n of [1, 2, 3, 4, 7]) {
        const got = await rt.embedAudio(clips.slice(0, n));
        expect(got, `batch of ${n}`).toHaveLength(n);
        got.forEach((v, i) => expect(maxDiff(v, want[i]), `batch of ${n}, clip ${i}`).toBeLessThan(1e-5));
      }
    } finally {
      await rt.close();
    }
    // Without maxAudioBatch the same graph refuses other sizes: the manifest's word is what makes it work.
    const bare = variant('fixed3-bare', 'fixed-batch', 'audio_model.onnx', {}, 3);
    const rt2 = await ClapRuntime.open(await loadBundle(bare), RUNTIME_OPTS);
    try {
      await expect(rt2.embedAudio([features(1, 2, rt2.identity.featureMode)])).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
    } finally {
      await rt2.close();
    }
  });

  it('a text graph without attention_mask loads and gives the same embeddings for each text alone', async () => {
    const dir = variant('nomask', 'no-mask', 'text_model.onnx');
    const rt = await ClapRuntime.open(await loadBundle(dir), RUNTIME_OPTS);
    try {
      for (const t of ['This is a sound of rain.', 'a dog barking in the distance']) {
        const [a] = await rt.embedText([t]);
        const [b] = await ref.embedText([t]);
        expect(maxDiff(a, b), t).toBeLessThan(1e-5);
      }
    } finally {
      await rt.close();
    }
  });
});
