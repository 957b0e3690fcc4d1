/**
 * Audio → segment embeddings through a model's audio tower: the one way ingest/, uploads and
 * `npm run classify` turn samples into vectors (so a file's vectors are the same whichever path made them).
 */
import { clapFeatures, splitWindows, type ClapFeatures, type FeatureMode } from '../features/index.js';

/** What the pipeline needs from the model runtime (ClapRuntime satisfies it). */
export interface AudioEmbedder {
  identity: { name: string; version: string; dim: number; featureMode: FeatureMode };
  embedAudio(batch: ClapFeatures[]): Promise<Float32Array[]>;
}

export interface SegmentVector {
  kind: 'clip' | 'window';
  startSec: number;
  endSec: number;
  embedding: Float32Array;
}

export interface EmbedOptions {
  sampleRate: number;
  windowSec: number;
  hopSec: number;
  batchSize: number;
  /** bench:ingest's stage accumulator (ingest/timings.ts StageTimings): feature time is added to ms.features; absent in production. */
  timings?: { ms: { features: number } };
}

/**
 * Where features come from when the samples are not on this thread: audio held by the decode thread
 * (audio/decode-thread.ts), which computes the features of sample ranges there.
 */
export interface FeatureSource {
  length: number;
  features(ranges: { from: number; to: number }[], mode: FeatureMode): Promise<ClapFeatures[]>;
}

/**
 * One clip-level embedding of the whole file plus, for files longer than one window, one
 * embedding per window. Features are computed one batch at a time: a fusion feature is
 * 1 MB (4×1001×64 float32), so a 3-hour file's 2,000 windows must never exist at once.
 */
export async function embedSamples(embedder: AudioEmbedder, samples: Float32Array | FeatureSource, durationSec: number, opts: EmbedOptions): Promise<SegmentVector[]> {
  const mode = embedder.identity.featureMode;
  const windows = splitWindows(samples.length, opts.sampleRate, opts.windowSec, opts.hopSec);
  const jobs: { kind: 'clip' | 'window'; startSec: number; endSec: number; from: number; to: number }[] = [
    { kind: 'clip', startSec: 0, endSec: durationSec, from: 0, to: samples.length },
    ...windows.map((w) => ({ kind: 'window' as const, startSec: w.startSec, endSec: w.endSec, from: w.start, to: w.end })),
  ];
  const out: SegmentVector[] = [];
  // The audio tower runs off this thread: the next batch's features are computed while the
  // previous batch is in the model, so at most two batches of features exist at once.
  let inFlight: { chunk: typeof jobs; vecs: Promise<Float32Array[]> } | null = null;
  const collect = async (f: NonNullable<typeof inFlight>) => {
    const vecs = await f.vecs;
    f.chunk.forEach((j, k) => out.push({ kind: j.kind, startSec: j.startSec, endSec: j.endSec, embedding: vecs[k] }));
  };
  try {
    for (let i = 0; i < jobs.length; i += opts.batchSize) {
      const chunk = jobs.slice(i, i + opts.batchSize);
      const feats =
        samples instanceof Float32Array
          ? timedFeatures(opts.timings, () => chunk.map((j) => clapFeatures(j.from === 0 && j.to === samples.length ? samples : samples.subarray(j.from, j.to), mode)))
          : await samples.features(chunk, mode);
      const previous = inFlight;
      inFlight = { chunk, vecs: embedder.embedAudio(feats) };
      if (previous) await collect(previous);
    }
    if (inFlight) await collect(inFlight);
  } catch (e) {
    // The batch sent last, still in flight when an earlier one failed, must not become an unhandled rejection.
    inFlight?.vecs.catch(() => {});
    throw e;
  }
  return out;
}

function timedFeatures<T>(t: EmbedOptions['timings'], fn: () => T): T {
  if (!t) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    t.ms.features += performance.now() - t0;
  }
}
