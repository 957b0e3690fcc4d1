/**
 * Relevance: the one score a search hit is ranked by and shows, in [0, 1], and the cutoff above which
 * a hit is a good match. With the bundle's calibration (calibration.json, `npm run model:calibrate`) it
 * is the fitted probability of a true match. Without one (fetched or exported real CLAP), the library
 * supplies a null: what a fixed set of unrelated background prompts (and clips, for similarity) reach
 * over this library; a hit must beat that to be good, and its score is a logistic around that cutoff.
 */
import type { Calibration, CalibrationCurve } from '../model/calibration.js';
import { probability } from '../model/calibration.js';
import type { Store } from '../store/index.js';
import { recentCount } from './clips.js';

export type CalibrationKind = 'BUNDLE' | 'LIBRARY';

export interface Curve {
  a: number;
  b: number;
}

export interface Relevance {
  kind: CalibrationKind;
  /** Where the numbers come from, in words. */
  source: string;
  goodMatch: number;
  text: Curve;
  audio: Curve;
  presence: Curve | null;
}

/** The runtime as relevance needs it. */
export interface RelevanceRuntime {
  identity: { version: string };
  calibration: Calibration | null;
  embedText(texts: string[]): Promise<Float32Array[]>;
}

/**
 * Unrelated everyday sounds and generic descriptions. The median of their best cosines over a library
 * is what a query reaches by chance there (a library that really holds one of them moves the median little).
 */
export const BACKGROUND_PROMPTS = [
  'a dog barking',
  'a car engine',
  'rain falling',
  'a door closing',
  'people talking',
  'music playing',
  'a phone ringing',
  'birds singing',
  'wind blowing',
  'footsteps',
  'an explosion',
  'water running',
  'a baby crying',
  'a clock ticking',
  'typing on a keyboard',
  'a crowd cheering',
  'an airplane',
  'a siren',
  'a guitar',
  'a piano',
  'silence',
  'static noise',
  'a cat meowing',
  'thunder',
];

/** Slope of the LIBRARY curve (p per cosine): about that of the fitted curves of clap-mini (17.7–28.6). */
const LIBRARY_SLOPE = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
};

export const relevanceOf = (c: Curve, cos: number) => probability(c, cos);

/** From a bundle's calibration. */
export function bundleRelevance(c: Calibration): Relevance {
  return { kind: 'BUNDLE', source: c.source, goodMatch: c.goodMatch, text: c.textToAudio, audio: c.audioToAudio, presence: c.labelPresence };
}

const centred = (cutoff: number): Curve => ({ a: LIBRARY_SLOPE, b: -LIBRARY_SLOPE * cutoff });

/** Null cutoffs measured on the library (the caller embeds the prompts and runs the KNN queries). */
export function libraryRelevance(promptBest: number[], clipNearest: number[], clips: number): Relevance {
  const t = median(promptBest);
  const a = median(clipNearest);
  return {
    kind: 'LIBRARY',
    source: `no calibration in the bundle: cutoffs from this library (${clips} clips): cosine ${t.toFixed(3)} (median best match of ${promptBest.length} unrelated prompts), ${a.toFixed(3)} (median nearest neighbour of ${clipNearest.length} clips)`,
    goodMatch: 0.5,
    text: centred(t),
    audio: centred(a),
    presence: null,
  };
}

type Knn = (q: Float32Array, k: number) => Promise<number[]>;
type SampleNearest = (n: number) => Promise<number[]>;

const cache = new WeakMap<object, { key: string; value: Promise<Relevance> }>();

/**
 * The relevance in force for this runtime and library: the bundle's calibration, else the library's
 * null, cached until the number of embedded clips changes (seen through recentCount, within seconds).
 */
export async function relevanceFor(store: Store, modelId: number, rt: RelevanceRuntime, knn: Knn, sampleNearest: SampleNearest): Promise<Relevance> {
  if (rt.calibration) return bundleRelevance(rt.calibration);
  const clips = await recentCount(store, modelId);
  const key = `${modelId}:${clips}`;
  const hit = cache.get(rt);
  if (hit && hit.key === key) return hit.value;
  const value = (async () => {
    const vecs = await rt.embedText(BACKGROUND_PROMPTS);
    const best: number[] = [];
    for (const v of vecs) best.push(...(await knn(v, 1)));
    return libraryRelevance(best, await sampleNearest(32), clips);
  })();
  cache.set(rt, { key, value });
  value.catch(() => cache.delete(rt));
  return value;
}

export type { CalibrationCurve };
