/** REST error bodies: { error: { code, message, subject } } with an HTTP status that fits the code. */
import type { Response } from 'express';
import { asEarshotError, httpStatus } from '../errors.js';

export function sendError(res: Response, e: unknown, log: (m: string) => void = console.error): void {
  const err = asEarshotError(e, 'INTERNAL');
  if (err.code === 'INTERNAL') log(`INTERNAL ${err.message}\n${err.stack ?? ''}`);
  const body = { code: err.code, message: err.code === 'INTERNAL' ? 'internal error' : err.message, ...(err.subject && err.code !== 'INTERNAL' ? { subject: err.subject } : {}) };
  if (!res.headersSent) res.status(httpStatus(err.code)).json({ error: body });
  else res.end();
}
