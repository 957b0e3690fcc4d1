/** Write access: the configured API key (x-api-key or Bearer), or — with no key configured — loopback callers only. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function presentedKey(req: IncomingMessage): string | null {
  const h = req.headers['x-api-key'];
  if (typeof h === 'string' && h) return h;
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m ? m[1].trim() : null;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function canWrite(req: IncomingMessage, apiKey: string | undefined): boolean {
  if (apiKey) {
    const k = presentedKey(req);
    return k !== null && same(k, apiKey);
  }
  return LOOPBACK.has(req.socket.remoteAddress ?? '');
}
