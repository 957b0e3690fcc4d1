/**
 * Bounds on the text a caller sends (search queries, labels, tags), checked before anything is
 * embedded or reaches SQL: the keyword half ORs one tsquery term per word, and a 30 KB query of 6,000
 * words froze PGlite (which has no statement_timeout) and ran a server backend out of stack.
 */
import { EarshotError } from '../errors.js';

export interface TextLimits {
  maxQueryChars: number;
  maxQueryWords: number;
}

/** The defaults of config.limits, for callers (benchmarks, scripts) that pass no limits of their own. */
export const DEFAULT_TEXT_LIMITS: TextLimits = { maxQueryChars: 500, maxQueryWords: 32 };

/** Words as the full-text column splits them: lower case, split on anything not a letter or digit. */
export const words = (s: string): string[] =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/**
 * The trimmed text, or LIMIT_EXCEEDED naming the limit when it is too long or has too many distinct
 * words; BAD_USER_INPUT when it is empty. `what` names the input in messages ("query", "label 3").
 */
export function checkText(text: string, limits: TextLimits, what: string, subject = what): string {
  const t = text.trim();
  if (!t) throw new EarshotError('BAD_USER_INPUT', `${what} must not be empty`, { subject });
  // Length first, so the word split below never runs over an unbounded string.
  if (t.length > limits.maxQueryChars) {
    throw new EarshotError('LIMIT_EXCEEDED', `${what} is ${t.length} characters long; the limit is ${limits.maxQueryChars}`, {
      subject,
      details: { limit: limits.maxQueryChars, actual: t.length },
    });
  }
  const distinct = new Set(words(t)).size;
  if (distinct > limits.maxQueryWords) {
    throw new EarshotError('LIMIT_EXCEEDED', `${what} has ${distinct} distinct words; the limit is ${limits.maxQueryWords}`, {
      subject,
      details: { limit: limits.maxQueryWords, actual: distinct },
    });
  }
  return t;
}
