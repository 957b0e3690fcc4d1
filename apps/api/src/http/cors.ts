/** CORS for scripts and other origins: reads and writes are guarded by the API key, not by origin. */
import type { NextFunction, Request, Response } from 'express';

export function cors(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'content-type, x-api-key, authorization, x-filename, range, apollo-require-preflight');
  res.setHeader('Access-Control-Expose-Headers', 'content-range, accept-ranges, content-length');
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
}
