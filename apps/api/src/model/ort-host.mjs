// @ts-check
/**
 * Worker-thread host of one onnxruntime-node InferenceSession (see threaded-session.ts).
 * onnxruntime-node's run() is synchronous under its promise (microsoft/onnxruntime#19611): run on
 * the main thread, a forward pass freezes the event loop, so an ingest cannot decode the next file
 * and a server cannot answer anything while a clip is being embedded. Here the pass blocks only this
 * thread. Plain JavaScript on purpose: a worker starts without the TypeScript loader of its parent
 * (tsx, vitest), and this file needs nothing but onnxruntime.
 *
 * Protocol: workerData = { file, options }; posts { type: 'ready', inputNames, outputNames } or
 * { type: 'error', message }. Then each { id, feeds: { name: { type, data, dims } } } is answered
 * with { id, outputs: { name: { type, data, dims } }, ms } (ms: the pass alone) or { id, error }. { type: 'release' } ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));

/** @type {ort.InferenceSession} */
let session;
try {
  session = await ort.InferenceSession.create(workerData.file, workerData.options);
  port.postMessage({ type: 'ready', inputNames: session.inputNames, outputNames: session.outputNames });
} catch (e) {
  port.postMessage({ type: 'error', message: message(e) });
  process.exit(0);
}

port.on('message', async (/** @type {any} */ msg) => {
  if (msg.type === 'release') {
    await session.release().catch(() => {});
    port.close();
    return;
  }
  try {
    /** @type {Record<string, ort.Tensor>} */
    const feeds = {};
    for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const t0 = performance.now();
    const out = await session.run(feeds);
    const ms = performance.now() - t0;
    /** @type {Record<string, { type: string, data: any, dims: readonly number[] }>} */
    const outputs = {};
    /** @type {ArrayBuffer[]} */
    const transfer = [];
    for (const [name, t] of Object.entries(out)) {
      // A copy: the result may live in memory onnxruntime owns, which cannot be transferred.
      const data = /** @type {any} */ (t.data).slice();
      outputs[name] = { type: t.type, data, dims: t.dims };
      transfer.push(data.buffer);
    }
    port.postMessage({ id: msg.id, outputs, ms }, transfer);
  } catch (e) {
    port.postMessage({ id: msg.id, error: message(e) });
  }
});
