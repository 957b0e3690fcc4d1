/**
 * A server-side deadline per request: whatever a request waits on (a slow statement, a busy tower),
 * its client gets DEADLINE_EXCEEDED after `ms` instead of an open connection. The work itself is
 * bounded elsewhere (input limits, statement_timeout); this bounds what a client sees.
 */
import type { NextFunction, Request, Response } from 'express';
import { EarshotError } from '../errors.js';
import { sendError } from './errors.js';

export function deadline(ms: number, log?: (m: string) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent) return; // a stream under way (audio) is not cut off
      sendError(res, new EarshotError('DEADLINE_EXCEEDED', `the request took longer than ${ms} ms and was stopped; try a narrower request`, { subject: req.path }), log);
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
