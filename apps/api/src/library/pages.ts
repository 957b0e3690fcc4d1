/** Pages of a list: keyset cursors (opaque to clients) and the page-size check every list shares. */
import { EarshotError } from '../errors.js';

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export const encodeCursor = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
export function decodeCursor<T>(c: string | null | undefined): T | null {
  if (!c) return null;
  try {
    return JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as T;
  } catch {
    throw new EarshotError('BAD_USER_INPUT', `after: ${JSON.stringify(c)} is not a cursor from this API`, { subject: 'after' });
  }
}

export function checkPageSize(first: number | null | undefined, max: number, dflt: number): number {
  const n = first ?? dflt;
  if (!Number.isInteger(n) || n < 0) throw new EarshotError('BAD_USER_INPUT', `first must be a non-negative integer, got ${n}`, { subject: 'first' });
  if (n > max) throw new EarshotError('LIMIT_EXCEEDED', `first = ${n} exceeds the maximum page size ${max}`, { subject: 'first' });
  return n;
}
