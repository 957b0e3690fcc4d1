/** GET /audio/:clipId: the stored file, with HTTP range requests (206) for seeking in the player. */
import express, { type Router } from 'express';
import { mimeTypeOf } from '../audio/mime.js';
import { EarshotError } from '../errors.js';
import { ingestDb, openIngestedFile } from '../ingest/index.js';
import { getClip } from '../library/index.js';
import type { Store } from '../store/index.js';
import { sendError } from './errors.js';

/**
 * One byte range of a `size`-byte file, 'unsatisfiable', or null for "send it all". RFC 9110 §14.2:
 * a header that is not a valid range set (multiple ranges here, junk, or last-pos < first-pos) is
 * ignored and the whole file is sent; only a valid range that starts past the end is 416.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multiple or malformed ranges: the whole file is a valid answer
  if (m[1] === '' && m[2] === '') return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    if (m[2] !== '' && Number(m[2]) < start) return null;
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

export function audioRouter(store: Store, log?: (m: string) => void): Router {
  const r = express.Router();
  r.get('/audio/:clipId', async (req, res) => {
    try {
      const clip = await getClip(store, req.params.clipId);
      if (!clip) throw new EarshotError('NOT_FOUND', `no clip with id ${req.params.clipId}`, { subject: req.params.clipId });
      // Still the ingested file (size, mtime, real path inside its root), or a coded error: never other bytes.
      const { handle, size } = await openIngestedFile(ingestDb(store), clip);
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Content-Type', mimeTypeOf(clip.format));
      res.setHeader('Cache-Control', 'no-cache');
      const range = parseRange(req.headers.range, size);
      if (range === 'unsatisfiable') {
        await handle.close();
        res.status(416).setHeader('Content-Range', `bytes */${size}`).end();
        return;
      }
      const { start, end } = range ?? { start: 0, end: size - 1 };
      if (range) {
        res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      }
      res.setHeader('Content-Length', String(size === 0 ? 0 : end - start + 1));
      if (req.method === 'HEAD' || size === 0) {
        await handle.close();
        res.end();
        return;
      }
      const stream = handle.createReadStream({ start, end, autoClose: true });
      stream.on('error', (e) => sendError(res, e, log));
      res.on('close', () => stream.destroy()); // a client that goes away must not keep the file open
      stream.pipe(res);
    } catch (e) {
      sendError(res, e, log);
    }
  });
  return r;
}
