import { clapFeatures, splitWindows, type ClapFeatures, type FeatureMode } from '../features/index.js';
import { timedSync, type StageTimings } from './timings.js';

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
  /** bench:ingest's stage accumulator (feature time); absent in production. */
  timings?: StageTimings;
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
export async function embedSamples(
  embedder: AudioEmbedder,
  samples: Float32Array | FeatureSource,
  durationSec: number,
  opts: EmbedOptions,
): Promise<SegmentVector[]> {
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
          ? timedSync(opts.timings, 'features', () => chunk.map((j) => clapFeatures(j.from === 0 && j.to === samples.length ? samples : samples.subarray(j.from, j.to), mode)))
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

/**
 * Batches audio-tower calls across the files in flight: while the tower is busy, requests from other
 * files queue up and go together in the next pass (up to `batchSize`). No timer, so no added latency.
 * Two passes are in flight at a time: the tower runs in its own thread (ThreadedSession) and works
 * through them back to back, so it never waits for this thread to finish a long decode before it
 * gets its next batch. If a mixed batch fails, its items are retried one by one so only the bad
 * file's request fails.
 */
export class BatchingEmbedder implements AudioEmbedder {
  private readonly queue: { f: ClapFeatures; resolve: (v: Float32Array) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private busySince = 0;

  constructor(
    private readonly inner: AudioEmbedder,
    private readonly batchSize: number,
    /** bench:ingest: the time at least one pass was in flight (model) and each pass's size. */
    private readonly timings?: StageTimings,
  ) {}

  get identity() {
    return this.inner.identity;
  }

  embedAudio(batch: ClapFeatures[]): Promise<Float32Array[]> {
    const out = Promise.all(batch.map((f) => new Promise<Float32Array>((resolve, reject) => this.queue.push({ f, resolve, reject }))));
    this.pump();
    return out;
  }

  private pump(): void {
    while (this.inFlight < MAX_PASSES_IN_FLIGHT && this.queue.length > 0) {
      const take = this.queue.splice(0, this.batchSize);
      if (this.inFlight++ === 0) this.busySince = performance.now();
      if (this.timings) this.timings.towerSpan ??= { first: this.busySince, last: this.busySince };
      void this.run(take).finally(() => {
        if (--this.inFlight === 0 && this.timings) {
          const now = performance.now();
          this.timings.ms.model += now - this.busySince;
          this.timings.towerSpan!.last = now;
        }
        this.pump();
      });
    }
  }

  private forward(batch: ClapFeatures[]): Promise<Float32Array[]> {
    this.timings?.batches.push(batch.length);
    return this.inner.embedAudio(batch);
  }

  private async run(take: typeof this.queue): Promise<void> {
    try {
      const vecs = await this.forward(take.map((t) => t.f));
      take.forEach((t, i) => t.resolve(vecs[i]));
    } catch (e) {
      if (take.length === 1) take[0].reject(e);
      else
        for (const t of take) {
          try {
            t.resolve((await this.forward([t.f]))[0]);
          } catch (e1) {
            t.reject(e1);
          }
        }
    }
  }
}

/** One pass running, the next waiting in the tower's thread. More would only hold more features in memory. */
const MAX_PASSES_IN_FLIGHT = 2;
