/**
 * Per-bundle calibration: cosine → probability that a hit is a true match, one logistic curve
 * (Platt scaling) per question, fitted by `npm run model:calibrate` on labelled audio and stored beside
 * the manifest as calibration.json. It records the tower version it was fitted on; a bundle whose towers
 * changed since (a retrain) ignores a stale file, and search falls back to the library's own null cutoff.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EarshotError } from '../errors.js';

const curve = z.object({
  /** p = 1 / (1 + exp(-(a·cos + b))). */
  a: z.number().finite(),
  b: z.number().finite(),
  /** What it was fitted on: pairs, of which positives. */
  n: z.number().int().nonnegative(),
  positives: z.number().int().nonnegative(),
});

export const calibrationSchema = z.object({
  schema: z.literal(1),
  /** ModelBundle.version (hash of both towers) the curves were fitted with. */
  bundleVersion: z.string().min(1),
  source: z.string().min(1),
  createdAt: z.string(),
  /** A hit with p at or above this is a good match (the cutoff). */
  goodMatch: z.number().min(0).max(1),
  /** Search text (as typed) against clip segments. */
  textToAudio: curve,
  /** Clip against clip (whole-clip vectors). */
  audioToAudio: curve,
  /** Label prompt (the bundle's template) against a clip: is the label present, independent of the other labels. */
  labelPresence: curve,
});

export type Calibration = z.infer<typeof calibrationSchema>;
export type CalibrationCurve = z.infer<typeof curve>;

export const CALIBRATION_FILE = 'calibration.json';

export const probability = (c: Pick<CalibrationCurve, 'a' | 'b'>, cos: number): number => 1 / (1 + Math.exp(-(c.a * cos + c.b)));

/** The cosine at which a curve reaches p (its inverse), for turning the cutoff into a vector-search bound. */
export const cosineAt = (c: Pick<CalibrationCurve, 'a' | 'b'>, p: number): number => (Math.log(p / (1 - p)) - c.b) / c.a;

export interface LoadedCalibration {
  calibration: Calibration | null;
  /** Why there is none in force: absent, or fitted on other towers. */
  reason: string | null;
}

/** calibration.json of a bundle folder, if present and fitted on these towers. MODEL_INVALID for a malformed file. */
export async function loadCalibration(dir: string, version: string): Promise<LoadedCalibration> {
  const file = path.join(dir, CALIBRATION_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { calibration: null, reason: `no ${CALIBRATION_FILE} in the bundle` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EarshotError('MODEL_INVALID', `${CALIBRATION_FILE} is not valid JSON: ${(e as Error).message}`, { subject: file, cause: e });
  }
  const parsed = calibrationSchema.safeParse(raw);
  if (!parsed.success)
    throw new EarshotError('MODEL_INVALID', `${CALIBRATION_FILE}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { subject: file });
  const c = parsed.data;
  if (c.bundleVersion !== version)
    return { calibration: null, reason: `${CALIBRATION_FILE} was fitted on towers ${c.bundleVersion}, these are ${version} (run npm run model:calibrate)` };
  if (!(c.textToAudio.a > 0 && c.audioToAudio.a > 0 && c.labelPresence.a > 0)) {
    throw new EarshotError('MODEL_INVALID', `${CALIBRATION_FILE}: every curve must rise with the cosine (a > 0)`, { subject: file });
  }
  return { calibration: c, reason: null };
}

/**
 * Logistic regression of y on one score x (Newton's method on the log-likelihood, with a tiny ridge so
 * separable data stays finite): the Platt scaling of Platt (1999), without his label smoothing.
 * `weights` (one per pair, default 1) let several folders count the same whatever their sizes.
 */
export function fitLogistic(xs: readonly number[], ys: readonly boolean[], opts: { ridge?: number; weights?: readonly number[] } = {}): { a: number; b: number } {
  const { ridge = 1e-3, weights } = opts;
  if (xs.length !== ys.length || !xs.length) throw new EarshotError('BAD_USER_INPUT', 'fitLogistic needs as many labels as scores, at least one');
  if (weights && (weights.length !== xs.length || weights.some((v) => !(v >= 0)))) {
    throw new EarshotError('BAD_USER_INPUT', 'fitLogistic needs one weight ≥ 0 per score');
  }
  let a = 0;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = -ridge * a;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < xs.length; i++) {
      const p = 1 / (1 + Math.exp(-(a * xs[i] + b)));
      const wi = weights ? weights[i] : 1;
      const r = wi * ((ys[i] ? 1 : 0) - p);
      const w = wi * p * (1 - p);
      ga += r * xs[i];
      gb += r;
      haa += w * xs[i] * xs[i];
      hab += w * xs[i];
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}
