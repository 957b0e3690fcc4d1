/**
 * decodeBuffer on a worker thread. Decoding and resampling a long file takes seconds of CPU; on the
 * thread that answers HTTP that stalled every request (a 600 KB WAV held the server for 4.7 s). One
 * worker, started on first use; jobs queue in its message port. The worker does not keep the
 * process alive.
 */
import { Worker } from 'node:worker_threads';
import { EarshotError, type ErrorCode } from '../errors.js';
import type { AudioMeta, DecodedAudio, DecodeOptions } from './index.js';

type Reply = { id: number; ok: true; samples: Float32Array; meta: AudioMeta } | { id: number; ok: false; err: { code: ErrorCode; message: string; subject?: string } };

export class DecodeThread {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (d: DecodedAudio) => void; reject: (e: Error) => void }>();

  /** Like decodeBuffer; the bytes are copied to the worker (the caller keeps its buffer). */
  decode(bytes: Uint8Array, opts: Pick<DecodeOptions, 'maxDurationSec' | 'name'> = {}): Promise<DecodedAudio> {
    const w = this.start();
    const id = this.next++;
    return new Promise<DecodedAudio>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, bytes, opts });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.fail(new EarshotError('AUDIO_DECODE_FAILED', 'the decode thread was closed'));
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
      if (r.ok) p.resolve({ samples: r.samples, sampleRate: 48000, meta: r.meta });
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
