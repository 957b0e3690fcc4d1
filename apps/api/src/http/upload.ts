/** POST /upload: query audio as the raw body or a multipart field "file" → { id, durationSec, format, sampleRate, channels }. */
import express, { type Request, type Response, type Router } from 'express';
import { EarshotError } from '../errors.js';
import type { UploadRegistry } from '../search/index.js';
import { sendError } from './errors.js';

/** The bytes and file name of the part named `field` in a multipart/form-data body. */
export function multipartFile(body: Buffer, contentType: string, field = 'file'): { bytes: Buffer; name: string } | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new EarshotError('BAD_USER_INPUT', 'multipart body without a boundary', { subject: 'content-type' });
  const delim = Buffer.from(`--${m[1] ?? m[2]}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const headEnd = body.indexOf('\r\n\r\n', start);
    if (headEnd < 0) break;
    const head = body.subarray(start, headEnd).toString('utf8');
    const next = body.indexOf(delim, headEnd + 4);
    if (next < 0) break;
    const nameM = /name="([^"]*)"/i.exec(head);
    if (nameM?.[1] === field) {
      const fileM = /filename="([^"]*)"/i.exec(head);
      return { bytes: body.subarray(headEnd + 4, next - 2), name: fileM?.[1] || 'upload' };
    }
    pos = next;
  }
  return null;
}

/**
 * Uploads need write access like mutations (the key when one is set): each keeps decoded audio in
 * memory until it is embedded, so open uploads let anyone fill the server's memory.
 */
export function uploadRouter(uploads: UploadRegistry, maxUploadBytes: number, mayWrite: (req: Request, res: Response) => boolean, log?: (m: string) => void): Router {
  const r = express.Router();
  // Multipart framing adds a little; the audio itself is checked against the exact cap below.
  const raw = express.raw({ type: () => true, limit: maxUploadBytes + 64 * 1024 });
  r.post('/upload', (req: Request, res: Response) => {
    if (!mayWrite(req, res)) {
      // Answer before reading the body; close the connection so the unread body is not drained.
      res.setHeader('Connection', 'close');
      return sendError(res, new EarshotError('UNAUTHENTICATED', 'uploads need the API key (header x-api-key or Authorization: Bearer <key>)', { subject: 'upload' }), log);
    }
    raw(req, res, async (err?: unknown) => {
      try {
        if (err) {
          const e = err as { type?: string; status?: number };
          if (e.type === 'entity.too.large' || e.status === 413) {
            throw new EarshotError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${maxUploadBytes} bytes`, { subject: 'upload' });
          }
          throw new EarshotError('BAD_USER_INPUT', `cannot read the upload: ${(err as Error).message}`, { subject: 'upload' });
        }
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const ct = req.headers['content-type'] ?? '';
        let bytes: Buffer = body;
        let name = typeof req.headers['x-filename'] === 'string' ? req.headers['x-filename'] : 'upload';
        if (/^multipart\/form-data/i.test(ct)) {
          const part = multipartFile(body, ct);
          if (!part) throw new EarshotError('BAD_USER_INPUT', 'multipart upload has no field "file"', { subject: 'file' });
          bytes = part.bytes;
          name = part.name;
        }
        const info = await uploads.add(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
        res.status(201).json({ id: info.id, durationSec: info.durationSec, format: info.format, sampleRate: info.sampleRate, channels: info.channels, name: info.name });
      } catch (e) {
        sendError(res, e, log);
      }
    });
  });
  return r;
}
