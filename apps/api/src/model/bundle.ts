/**
 * Model bundles: a folder with manifest.json, audio_model.onnx, text_model.onnx and tokenizer.json.
 * One loader for every bundle (the bundled demo model, fetched exports, our own CLAP exports).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EarshotError } from '../errors.js';
import { sha256File } from '../hash.js';

const manifestSchema = z.object({
  name: z.string().min(1),
  source: z.string().min(1),
  description: z.string().optional(),
  embeddingDim: z.literal(512),
  featureMode: z.enum(['fusion', 'rand_trunc']),
  sampleRate: z.literal(48000),
  /** ln of the audio→text logit scale (CLAP's logit_scale_a): probabilities use exp() of it */
  logitScaleA: z.number().finite(),
  logitScaleT: z.number().finite(),
  promptTemplate: z.string().includes('{}'),
  maxTextLength: z.number().int().min(4).max(512),
  isDemo: z.boolean().default(false),
  /** Audio tower exported with a fixed batch (fused CLAP export: 1, SPEC §3.2): the runtime runs at most this many clips per call. */
  maxAudioBatch: z.number().int().positive().optional(),
  /** Cosine at which a label's multi-label score is 0.5 (see zeroShot). */
  multiLabelCosine: z.number().min(-1).max(1).optional(),
  files: z.object({ audio: z.string().min(1), text: z.string().min(1), tokenizer: z.string().min(1) }),
  sha256: z.record(z.string(), z.string()).optional(),
});

export type BundleManifest = z.infer<typeof manifestSchema>;

export interface ModelBundle {
  dir: string;
  manifest: BundleManifest;
  audioPath: string;
  textPath: string;
  tokenizerPath: string;
  /** sha256 (16 hex) over both towers: vectors of different weights never mix. */
  version: string;
}

async function mustExist(file: string, what: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size === 0) throw new EarshotError('MODEL_INVALID', `${what} is empty or not a file`, { subject: file });
    return st;
  } catch (e) {
    if (e instanceof EarshotError) throw e;
    throw new EarshotError('MODEL_NOT_FOUND', `${what} is missing`, { subject: file, cause: e });
  }
}

/**
 * Hashing hundreds of MB at every open is slow: remember the version per (path, size, mtime) for the life
 * of the process. Nothing is written beside the bundle (bundles may be read-only or committed).
 */
const versionCache = new Map<string, string>();

async function towerVersion(files: string[]): Promise<string> {
  const stats = await Promise.all(files.map((f) => fs.stat(f)));
  const key = files.map((f, i) => `${f}:${stats[i].size}:${stats[i].mtimeMs}`).join('|');
  const hit = versionCache.get(key);
  if (hit) return hit;
  const h = createHash('sha256');
  for (const f of files) h.update(await sha256File(f));
  const version = h.digest('hex').slice(0, 16);
  versionCache.set(key, version);
  return version;
}

export async function loadBundle(dir: string): Promise<ModelBundle> {
  const abs = path.resolve(dir);
  const manifestPath = path.join(abs, 'manifest.json');
  try {
    await fs.access(abs);
  } catch (e) {
    throw new EarshotError('MODEL_NOT_FOUND', `no model bundle folder (run \`npm run model:fetch -- <name>\` or set EARSHOT_MODEL_DIR)`, {
      subject: abs,
      cause: e,
    });
  }
  await mustExist(manifestPath, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new EarshotError('MODEL_INVALID', `manifest.json is not valid JSON: ${(e as Error).message}`, { subject: manifestPath, cause: e });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new EarshotError('MODEL_INVALID', `manifest.json: ${issues}`, { subject: manifestPath });
  }
  const m = parsed.data;
  const audioPath = path.join(abs, m.files.audio);
  const textPath = path.join(abs, m.files.text);
  const tokenizerPath = path.join(abs, m.files.tokenizer);
  await mustExist(audioPath, `audio tower ${m.files.audio}`);
  await mustExist(textPath, `text tower ${m.files.text}`);
  await mustExist(tokenizerPath, `tokenizer ${m.files.tokenizer}`);
  try {
    JSON.parse(await fs.readFile(tokenizerPath, 'utf8'));
  } catch (e) {
    throw new EarshotError('MODEL_INVALID', `tokenizer is not valid JSON: ${(e as Error).message}`, { subject: tokenizerPath, cause: e });
  }
  return { dir: abs, manifest: m, audioPath, textPath, tokenizerPath, version: await towerVersion([audioPath, textPath]) };
}
