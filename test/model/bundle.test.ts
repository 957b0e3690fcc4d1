import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarshotError } from '../../apps/api/src/errors.js';
import { loadBundle } from '../../apps/api/src/model/index.js';
import { HAS_MINI, MINI_DIR } from './mini.js';

async function expectError(p: Promise<unknown>, code: string, subject: RegExp, message?: RegExp) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EarshotError);
  const err = e as EarshotError;
  expect(err.code).toBe(code);
  expect(err.subject).toMatch(subject);
  if (message) expect(err.message).toMatch(message);
}

describe.skipIf(!HAS_MINI)('loadBundle', () => {
  let tmp: string;
  /** A fresh copy of models/clap-mini that the test may break. */
  const copy = async (name: string) => {
    const dir = path.join(tmp, name);
    await fs.cp(MINI_DIR, dir, { recursive: true });
    return dir;
  };
  const editManifest = async (dir: string, f: (m: Record<string, unknown>) => void) => {
    const p = path.join(dir, 'manifest.json');
    const m = JSON.parse(await fs.readFile(p, 'utf8'));
    f(m);
    await fs.writeFile(p, JSON.stringify(m));
  };

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'earshot-bundle-'));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('loads models/clap-mini with a validated manifest and a 16-hex version over both towers', async () => {
    const b = await loadBundle(MINI_DIR);
    expect(b.manifest.embeddingDim).toBe(512);
    expect(b.manifest.sampleRate).toBe(48000);
    expect(['fusion', 'rand_trunc']).toContain(b.manifest.featureMode);
    expect(b.manifest.promptTemplate).toContain('{}');
    expect(b.version).toMatch(/^[0-9a-f]{16}$/);
    expect(path.basename(b.audioPath)).toBe(b.manifest.files.audio);
    // same towers elsewhere → same version; a changed tower → a different one
    const dir = await copy('same');
    expect((await loadBundle(dir)).version).toBe(b.version);
    await fs.appendFile(path.join(dir, b.manifest.files.text), Buffer.from([0]));
    expect((await loadBundle(dir)).version).not.toBe(b.version);
  });

  it('MODEL_NOT_FOUND for a missing folder, manifest or tower, naming the file', async () => {
    await expectError(loadBundle(path.join(tmp, 'nope')), 'MODEL_NOT_FOUND', /nope$/);
    const a = await copy('no-manifest');
    await fs.rm(path.join(a, 'manifest.json'));
    await expectError(loadBundle(a), 'MODEL_NOT_FOUND', /manifest\.json$/, /manifest\.json is missing/);
    const b = await copy('no-audio');
    await fs.rm(path.join(b, 'audio_model.onnx'));
    await expectError(loadBundle(b), 'MODEL_NOT_FOUND', /audio_model\.onnx$/);
    const c = await copy('no-tokenizer');
    await fs.rm(path.join(c, 'tokenizer.json'));
    await expectError(loadBundle(c), 'MODEL_NOT_FOUND', /tokenizer\.json$/);
  });

  it('MODEL_INVALID for a broken manifest, naming the bad field, and for empty or unparsable files', async () => {
    const a = await copy('bad-json');
    await fs.writeFile(path.join(a, 'manifest.json'), '{ "name": ');
    await expectError(loadBundle(a), 'MODEL_INVALID', /manifest\.json$/, /not valid JSON/);
    const b = await copy('bad-dim');
    await editManifest(b, (m) => (m.embeddingDim = 768));
    await expectError(loadBundle(b), 'MODEL_INVALID', /manifest\.json$/, /embeddingDim/);
    const c = await copy('bad-mode');
    await editManifest(c, (m) => {
      m.featureMode = 'stereo';
      delete m.logitScaleA;
    });
    await expectError(loadBundle(c), 'MODEL_INVALID', /manifest\.json$/, /featureMode.*logitScaleA|logitScaleA.*featureMode/);
    const d = await copy('empty-text');
    await fs.writeFile(path.join(d, 'text_model.onnx'), '');
    await expectError(loadBundle(d), 'MODEL_INVALID', /text_model\.onnx$/, /empty/);
    const e = await copy('bad-tokenizer');
    await fs.writeFile(path.join(e, 'tokenizer.json'), 'not json');
    await expectError(loadBundle(e), 'MODEL_INVALID', /tokenizer\.json$/);
  });
});
