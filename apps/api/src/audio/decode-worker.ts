/**
 * Body of the decode thread (decode-thread.ts). `decode` answers with the samples; `open` keeps them
 * here under a handle and answers with their metadata, and `features` computes CLAP features of
 * ranges of them here too, so neither decoding nor feature extraction of a long file runs on the
 * thread that answers HTTP.
 */
import { parentPort } from 'node:worker_threads';
import { isEarshotError } from '../errors.js';
import { clapFeatures, type ClapFeatures, type FeatureMode } from '../features/index.js';
import { decodeBuffer, decodeFile, peaks, type DecodeOptions } from './index.js';

type Job =
  | { id: number; op: 'decode' | 'open'; bytes: Uint8Array; opts: Pick<DecodeOptions, 'maxDurationSec' | 'name'> }
  | { id: number; op: 'openFile'; path: string; opts: Pick<DecodeOptions, 'maxDurationSec'> & { peaks: number } }
  | { id: number; op: 'features'; handle: number; ranges: { from: number; to: number }[]; mode: FeatureMode }
  | { id: number; op: 'release'; handle: number };

const held = new Map<number, Float32Array>();
let nextHandle = 1;

function run(job: Job): Promise<{ reply: Record<string, unknown>; transfer: ArrayBuffer[] }> | { reply: Record<string, unknown>; transfer: ArrayBuffer[] } {
  switch (job.op) {
    case 'decode':
    case 'open':
      return decodeBuffer(job.bytes, job.opts).then((d) => {
        if (job.op === 'decode') return { reply: { samples: d.samples, meta: d.meta }, transfer: [d.samples.buffer as ArrayBuffer] };
        const handle = nextHandle++;
        held.set(handle, d.samples);
        return { reply: { handle, length: d.samples.length, meta: d.meta }, transfer: [] };
      });
    case 'openFile':
      return openFile(job);
    case 'features': {
      const s = held.get(job.handle);
      if (!s) throw new Error(`no decoded audio under handle ${job.handle}`);
      const t0 = performance.now();
      const feats: ClapFeatures[] = job.ranges.map((r) => clapFeatures(r.from === 0 && r.to === s.length ? s : s.subarray(r.from, r.to), job.mode));
      return { reply: { feats, ms: { features: performance.now() - t0 } }, transfer: feats.map((f) => f.data.buffer as ArrayBuffer) };
    }
    case 'release':
      held.delete(job.handle);
      return { reply: {}, transfer: [] };
  }
}

/** Read, decode and resample a file here, keep its samples, and answer with its facts, peaks and stage times. */
async function openFile(job: Extract<Job, { op: 'openFile' }>) {
  const t0 = performance.now();
  let resampleMs = 0;
  const d = await decodeFile(job.path, { maxDurationSec: job.opts.maxDurationSec, onResample: (ms) => (resampleMs += ms) });
  const handle = nextHandle++;
  held.set(handle, d.samples);
  const reply = {
    handle,
    length: d.samples.length,
    meta: d.meta,
    peaks: peaks(d.samples, job.opts.peaks),
    ms: { decode: performance.now() - t0 - resampleMs, resample: resampleMs },
  };
  return { reply, transfer: [] };
}

parentPort?.on('message', async (job: Job) => {
  try {
    const { reply, transfer } = await run(job);
    parentPort?.postMessage({ id: job.id, ok: true, ...reply }, transfer);
  } catch (e) {
    const name = job.op === 'openFile' ? job.path : 'opts' in job ? job.opts.name : undefined;
    const err = isEarshotError(e) ? { code: e.code, message: e.message, subject: e.subject } : { code: 'AUDIO_DECODE_FAILED', message: (e as Error).message, subject: name };
    parentPort?.postMessage({ id: job.id, ok: false, err });
  }
});
