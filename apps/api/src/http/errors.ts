/** REST error bodies: { error: { code, message, subject } } with an HTTP status that fits the code. */
import type { Response } from 'express';
import { asEarshotError, type ErrorCode } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  FILE_EMPTY: 400,
  UNSUPPORTED_FORMAT: 415,
  AUDIO_DECODE_FAILED: 422,
  AUDIO_NO_SAMPLES: 422,
  AUDIO_INVALID_SAMPLES: 422,
  AUDIO_BAD_SAMPLE_RATE: 422,
  CLIP_TOO_LONG: 413,
  UPLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  LIMIT_EXCEEDED: 413,
};

export function sendError(res: Response, e: unknown, log: (m: string) => void = console.error): void {
  const err = asEarshotError(e, 'INTERNAL');
  if (err.code === 'INTERNAL') log(`INTERNAL ${err.message}\n${err.stack ?? ''}`);
  const body = { code: err.code, message: err.code === 'INTERNAL' ? 'internal error' : err.message, ...(err.subject && err.code !== 'INTERNAL' ? { subject: err.subject } : {}) };
  if (!res.headersSent) res.status(STATUS[err.code] ?? 500).json({ error: body });
  else res.end();
}
