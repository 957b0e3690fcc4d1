/**
 * Decoding and CLAP features on worker threads. Decoding, resampling and the features of a long
 * file take seconds of CPU; on the thread that answers HTTP that stalled every request (a 600 KB WAV
 * held the server for 4.7 s), and in an ingest they kept every core but one idle. A DecodeThread is
 * one worker, started on first use; jobs queue in its message port. A DecodePool spreads files over
 * several (ingest). Workers do not keep the process alive.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { EarshotError, type ErrorCode } from '../errors.js';
import type { ClapFeatures, FeatureMode } from '../features/index.js';
import type { AudioMeta, DecodedAudio, DecodeOptions } from './index.js';

type Reply = ({ id: number; ok: true } & Record<string, unknown>) | { id: number; ok: false; err: { code: ErrorCode; message: string; subject?: string } };

/** Decoded audio that stays in the worker: its features are computed there, range by range. */
export interface HeldAudio {
  meta: AudioMeta;
  /** Samples at 48 kHz. */
  length: number;
  features(ranges: { from: number; to: number }[], mode: FeatureMode): Promise<ClapFeatures[]>;
  release(): Promise<void>;
}

type DecodeOpts = Pick<DecodeOptions, 'maxDurationSec' | 'name'>;

/** A file decoded by a worker (DecodeThread.openFile): its facts, peak envelope and the worker's stage times. */
export interface HeldFile extends HeldAudio {
  peaks: number[];
  /** ms the worker spent reading + decoding (resampling excluded) and resampling this file. */
  decodeMs: number;
  resampleMs: number;
  /** ms the worker has spent on this file's features so far. */
  featureMs: number;
}

export class DecodeThread {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();

  /**
   * Like decodeBuffer. Bytes that fill their own ArrayBuffer are moved to the worker, not copied
   * (a 50 MB upload copied on the HTTP thread cost ~30 ms): the caller must not use them afterwards.
   */
  async decode(bytes: Uint8Array, opts: DecodeOpts = {}): Promise<DecodedAudio> {
    const r = await this.call({ op: 'decode', bytes, opts }, movable(bytes));
    return { samples: r.samples as Float32Array, sampleRate: 48000, meta: r.meta as AudioMeta };
  }

  /** Decode and keep the samples in the worker (release them when done). Bytes are moved as in decode. */
  async open(bytes: Uint8Array, opts: DecodeOpts = {}): Promise<HeldAudio> {
    const r = await this.call({ op: 'open', bytes, opts }, movable(bytes));
    return this.holder(r);
  }

  /** Read, decode and resample a file in the worker and keep its samples there (release them when done). */
  async openFile(filePath: string, opts: { maxDurationSec?: number; peaks: number }): Promise<HeldFile> {
    const r = await this.call({ op: 'openFile', path: filePath, opts });
    const ms = r.ms as { decode: number; resample: number };
    // Assigned onto the holder, not spread: its features() adds to the holder's own featureMs.
    return Object.assign(this.holder(r), { peaks: r.peaks as number[], decodeMs: ms.decode, resampleMs: ms.resample });
  }

  /** The handle of samples the worker keeps (an open or openFile answer): features of ranges of them, and their release. */
  private holder(r: Record<string, unknown>): HeldAudio & { featureMs: number } {
    const handle = r.handle as number;
    const held = {
      meta: r.meta as AudioMeta,
      length: r.length as number,
      featureMs: 0,
      features: async (ranges: { from: number; to: number }[], mode: FeatureMode) => {
        const f = await this.call({ op: 'features', handle, ranges, mode });
        held.featureMs += (f.ms as { features: number }).features;
        return f.feats as ClapFeatures[];
      },
      release: async () => {
        if (this.worker) await this.call({ op: 'release', handle });
      },
    };
    return held;
  }

  /** Jobs sent and not yet answered. */
  get queued(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.fail(new EarshotError('AUDIO_DECODE_FAILED', 'the decode thread was closed'));
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Record<string, unknown>> {
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, ...msg }, transfer);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./decode-host.mjs', import.meta.url), { execArgv: [] });
    w.unref();
    w.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (!this.pending.size) w.unref();
      if (r.ok) p.resolve(r);
      else p.reject(new EarshotError(r.err.code, r.err.message, { subject: r.err.subject }));
    });
    // A crashed worker (out of memory on a decode bomb) fails what it held; the next call starts another.
    w.on('error', (e) => this.fail(new EarshotError('AUDIO_DECODE_FAILED', `the decoder failed: ${e.message}`)));
    w.on('exit', () => {
      if (this.worker === w) this.worker = null;
      this.fail(new EarshotError('AUDIO_DECODE_FAILED', 'the decode thread stopped'));
    });
    this.worker = w;
    return w;
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** The buffer to move with `bytes`, when they fill it whole. */
const movable = (bytes: Uint8Array): ArrayBuffer[] =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];

/**
 * Several decode threads: each file goes to the one with the fewest jobs waiting, and its features
 * are computed by the same thread (which holds its samples). Sized to the machine by default, so an
 * ingest decodes, resamples and featurizes on every core while this thread only coordinates.
 */
export class DecodePool {
  private readonly threads: DecodeThread[];

  constructor(size = defaultDecodeThreads()) {
    this.threads = Array.from({ length: Math.max(1, size) }, () => new DecodeThread());
  }

  get size(): number {
    return this.threads.length;
  }

  openFile(filePath: string, opts: { maxDurationSec?: number; peaks: number }): Promise<HeldFile> {
    const t = this.threads.reduce((a, b) => (b.queued < a.queued ? b : a));
    return t.openFile(filePath, opts);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

/** One decode thread per core the process may use. */
export const defaultDecodeThreads = (): number => Math.max(1, os.availableParallelism());
