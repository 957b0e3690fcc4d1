/**
 * Fitting a bundle's calibration (model/calibration.ts) on a labelled folder ingested with the real
 * pipeline: every (label, clip) and (clip, clip) pair becomes one cosine with a yes/no "same label".
 */
import { EarshotError } from '../errors.js';
import { cosine } from '../model/index.js';
import { fitLogistic, type Calibration, type CalibrationCurve } from '../model/calibration.js';
import { storedVectors } from '../search/index.js';
import type { IngestedLibrary } from './run.js';

export interface Pairs {
  x: number[];
  y: boolean[];
}

export type FolderPairs = Awaited<ReturnType<typeof collectPairs>>;

/**
 * One curve over the pairs of several folders, each folder weighing the same whatever its size: a big
 * synthetic folder the model knows well would otherwise set the curve alone, and it runs looser on real
 * recordings than on the audio it was fitted on. Weights are scaled so their sum is the pair count.
 */
function curveOf(parts: Pairs[]): CalibrationCurve {
  const n = parts.reduce((s, p) => s + p.x.length, 0);
  const weights = parts.flatMap((p) => p.x.map(() => n / (parts.length * p.x.length)));
  const fit = fitLogistic(
    parts.flatMap((p) => p.x),
    parts.flatMap((p) => p.y),
    { weights },
  );
  return { ...fit, n, positives: parts.reduce((s, p) => s + p.y.filter(Boolean).length, 0) };
}

/** The three kinds of pairs, scored as the product scores them (search: best segment; classify: the template). */
export async function collectPairs(l: IngestedLibrary): Promise<{ textToAudio: Pairs; audioToAudio: Pairs; labelPresence: Pairs }> {
  const { store, modelId, runtime, lib } = l;
  const labels = [...new Set(lib.clips.map((c) => c.label))].sort();
  const segs = await Promise.all(lib.clips.map((c) => storedVectors(store, modelId, c.named.contentHash)));
  const whole = segs.map((s) => (s.find((v) => v.kind === 'clip') ?? s[0]).embedding);
  const t = await runtime.embedText(labels);
  const template = runtime.manifest.promptTemplate;
  const p = await runtime.embedText(labels.map((x) => template.replaceAll('{}', x)));
  const out = { textToAudio: { x: [], y: [] } as Pairs, audioToAudio: { x: [], y: [] } as Pairs, labelPresence: { x: [], y: [] } as Pairs };
  labels.forEach((label, i) => {
    lib.clips.forEach((c, j) => {
      out.textToAudio.x.push(Math.max(...segs[j].map((s) => cosine(t[i], s.embedding))));
      out.textToAudio.y.push(c.label === label);
      out.labelPresence.x.push(cosine(p[i], whole[j]));
      out.labelPresence.y.push(c.label === label);
    });
  });
  for (let i = 0; i < whole.length; i++) {
    for (let j = i + 1; j < whole.length; j++) {
      out.audioToAudio.x.push(cosine(whole[i], whole[j]));
      out.audioToAudio.y.push(lib.clips[i].label === lib.clips[j].label);
    }
  }
  return out;
}

/**
 * Fit the three curves on the pairs of one or more folders (pairs never cross folders: their labels are
 * not one vocabulary); the good-match cutoff is p ≥ 0.5 (a true match is then more likely than not).
 */
export function fitCalibration(folders: FolderPairs[], bundleVersion: string, source: string): Calibration {
  if (!folders.length) throw new EarshotError('BAD_USER_INPUT', 'calibration needs at least one labelled folder');
  return {
    schema: 1,
    bundleVersion,
    source,
    createdAt: new Date().toISOString(),
    goodMatch: 0.5,
    textToAudio: curveOf(folders.map((f) => f.textToAudio)),
    audioToAudio: curveOf(folders.map((f) => f.audioToAudio)),
    labelPresence: curveOf(folders.map((f) => f.labelPresence)),
  };
}
