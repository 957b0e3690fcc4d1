/** pgvector's text form ('[1,2,3]'), the way vectors travel as parameters and come back from embedding::text. */
import { EarshotError } from '../errors.js';

/** pgvector text form for a `$n::vector` parameter. Non-finite values are refused here, not by the server. */
export function toVectorLiteral(v: Float32Array | number[]): string {
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) throw new EarshotError('INTERNAL', `vector has a non-finite value at index ${i}`);
    out += (i ? ',' : '') + x;
  }
  return out + ']';
}

/** Parse pgvector's text form back into numbers. */
export function fromVectorLiteral(s: string): Float32Array {
  const body = s.trim().replace(/^\[|\]$/g, '');
  return body ? Float32Array.from(body.split(',').map(Number)) : new Float32Array(0);
}
