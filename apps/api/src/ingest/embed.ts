import { clapFeatures, splitWindows, type ClapFeatures, type FeatureMode } from '../features/index.js';
import { timed, timedSync, type StageTimings } from './timings.js';

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
 * One clip-level embedding of the whole file plus, for files longer than one window, one
 * embedding per window. Features are computed one batch at a time: a fusion feature is
 * 1 MB (4×1001×64 float32), so a 3-hour file's 2,000 windows must never exist at once.
 */
export async function embedSamples(
  embedder: AudioEmbedder,
  samples: Float32Array,
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
  for (let i = 0; i < jobs.length; i += opts.batchSize) {
    const chunk = jobs.slice(i, i + opts.batchSize);
    const feats = timedSync(opts.timings, 'features', () =>
      chunk.map((j) => clapFeatures(j.from === 0 && j.to === samples.length ? samples : samples.subarray(j.from, j.to), mode)),
    );
    const vecs = await embedder.embedAudio(feats);
    chunk.forEach((j, k) => out.push({ kind: j.kind, startSec: j.startSec, endSec: j.endSec, embedding: vecs[k] }));
  }
  return out;
}

/**
 * Batches audio-tower calls across the files in flight: while one ONNX run is busy, requests from
 * other files queue up and go together in the next run (up to `batchSize`). No timer, so no added
 * latency; one run at a time, which is what the CPU can do anyway (ONNX uses all intra-op threads).
 * If a mixed batch fails, its items are retried one by one so only the bad file's request fails.
 */
export class BatchingEmbedder implements AudioEmbedder {
  private readonly queue: { f: ClapFeatures; resolve: (v: Float32Array) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly inner: AudioEmbedder,
    private readonly batchSize: number,
    /** bench:ingest: each forward pass's time (model) and size. */
    private readonly timings?: StageTimings,
  ) {}

  get identity() {
    return this.inner.identity;
  }

  embedAudio(batch: ClapFeatures[]): Promise<Float32Array[]> {
    const out = Promise.all(batch.map((f) => new Promise<Float32Array>((resolve, reject) => this.queue.push({ f, resolve, reject }))));
    void this.pump();
    return out;
  }

  private forward(batch: ClapFeatures[]): Promise<Float32Array[]> {
    this.timings?.batches.push(batch.length);
    return timed(this.timings, 'model', () => this.inner.embedAudio(batch));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const take = this.queue.splice(0, this.batchSize);
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
    } finally {
      this.running = false;
    }
  }
}
