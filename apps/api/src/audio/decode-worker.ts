/** Body of the decode thread (decode-thread.ts): decodeBuffer on bytes sent in, samples sent back. */
import { parentPort } from 'node:worker_threads';
import { isEarshotError } from '../errors.js';
import { decodeBuffer, type DecodeOptions } from './index.js';

interface Job {
  id: number;
  bytes: Uint8Array;
  opts: Pick<DecodeOptions, 'maxDurationSec' | 'name'>;
}

parentPort?.on('message', async (job: Job) => {
  try {
    const d = await decodeBuffer(job.bytes, job.opts);
    parentPort?.postMessage({ id: job.id, ok: true, samples: d.samples, meta: d.meta }, [d.samples.buffer as ArrayBuffer]);
  } catch (e) {
    const err = isEarshotError(e) ? { code: e.code, message: e.message, subject: e.subject } : { code: 'AUDIO_DECODE_FAILED', message: (e as Error).message, subject: job.opts.name };
    parentPort?.postMessage({ id: job.id, ok: false, err });
  }
});
