import type { ClapFeatures } from '../features/index.js';
import type { AudioEmbedder } from '../model/embed.js';
import type { StageTimings } from './timings.js';

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
