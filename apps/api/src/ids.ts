/** Row ids as the API takes them: Postgres `int`, given as a GraphQL ID (a string) or a number. */
import { EarshotError } from './errors.js';

/** Ids are Postgres `int`: anything above this cannot name a row (and would overflow the parameter). */
export const MAX_ID = 2 ** 31 - 1;

/** True when v is a possible row id: an integer in [1, MAX_ID]. */
export const isId = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_ID;

/** Parse a GraphQL ID that must be a positive integer. */
export function intId(v: string | number, field: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!isId(n)) throw new EarshotError('BAD_USER_INPUT', `${field} must be a positive integer id, got ${JSON.stringify(v)}`, { subject: field });
  return n;
}
