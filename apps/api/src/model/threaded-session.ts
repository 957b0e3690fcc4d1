/**
 * An onnxruntime InferenceSession that runs in its own worker thread (ort-host.mjs), so a forward
 * pass never blocks the event loop: while the audio tower works, the ingest decodes, resamples and
 * computes features of the next files, writes finished ones to the database, and the server answers
 * requests. Inputs are transferred, not copied; outputs (a few 512-d rows) are copied back.
 * The worker keeps the process alive only while a call is pending, so a runtime nobody closes
 * does not hang a CLI at exit.
 */
import { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';

type TensorMsg = { type: ort.Tensor.Type; data: ort.Tensor.DataType; dims: readonly number[] };
type Reply = { id: number; outputs?: Record<string, TensorMsg>; ms?: number; error?: string };

export class ThreadedSession {
  private readonly pending = new Map<number, { resolve: (v: Record<string, ort.Tensor>) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dead: Error | null = null;
  /** Summed ms of the forward passes themselves, timed inside the worker (no queueing, no hand-off). */
  busyMs = 0;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    worker.on('message', (m: Reply) => this.settle(m));
    worker.on('error', (e) => this.fail(new Error(`onnxruntime worker failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`onnxruntime worker exited (code ${code})`)));
    worker.unref();
  }

  /** Rejects with onnxruntime's own message when the model cannot be loaded (callers wrap it). */
  static create(file: string, options: ort.InferenceSession.SessionOptions): Promise<ThreadedSession> {
    // No inherited execArgv: the host is plain JavaScript, and flags of the parent (a TypeScript
    // loader, `--input-type` of an `-e` script) would only get in the way of loading it.
    const worker = new Worker(new URL('./ort-host.mjs', import.meta.url), { workerData: { file, options }, execArgv: [] });
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      const onExit = (code: number) => reject(new Error(`onnxruntime worker exited (code ${code}) while loading ${file}`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (m: { type: 'ready'; inputNames: string[]; outputNames: string[] } | { type: 'error'; message: string }) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (m.type === 'ready') resolve(new ThreadedSession(worker, m.inputNames, m.outputNames));
        else {
          void worker.terminate();
          reject(new Error(m.message));
        }
      });
    });
  }

  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const msg: Record<string, TensorMsg> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, t] of Object.entries(feeds)) {
      const data = t.data as ArrayBufferView & ort.Tensor.DataType;
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      // Only a buffer the tensor owns whole is moved; a view into a larger one is copied (structured clone).
      if (whole && !transfer.includes(data.buffer)) transfer.push(data.buffer);
      msg[name] = { type: t.type, data, dims: t.dims };
    }
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, feeds: msg }, transfer);
    });
  }

  async release(): Promise<void> {
    if (this.dead) return;
    this.dead = new Error('onnxruntime session released');
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'release' });
    // The host frees the session and ends by itself; a host stuck in a pass is stopped.
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    this.busyMs += m.ms ?? 0;
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(Object.fromEntries(Object.entries(m.outputs!).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)])));
  }

  private fail(e: Error): void {
    if (!this.dead) this.dead = e;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }
}
