/**
 * Counts the rankings weigh with (exact, and recent for the search path). The library's clip functions that
 * rank.ts and relevance.ts use are re-exported from library/ so those files keep their imports.
 */
import type { Store } from '../store/index.js';
import * as repo from '../store/index.js';
import type { ClipFilter } from './filters.js';

export { getClips, requireClip, type ClipRow } from '../library/clips.js';
export { decodeCursor, encodeCursor } from '../library/pages.js';

/** Count of clips under the filter that have an embedding of this model. */
export async function countEmbedded(store: Store, modelId: number, filter?: ClipFilter | null, excludeClipId?: number): Promise<number> {
  return repo.countEmbeddedClips(store, modelId, filter, excludeClipId);
}

/** How long a recentCount stays in use: long enough to take the exact count off the search path, short enough to follow an ingest. */
export const RECENT_COUNT_MS = 10_000;
const recentCounts = new WeakMap<Store, Map<string, { at: number; n: Promise<number> }>>();

/**
 * countEmbedded as of at most RECENT_COUNT_MS ago, per store, model and filter. The exact count is a join
 * over every clip (46–65 ms at 100k on PGlite, where the KNN takes 5 ms); the searches that only weigh
 * with it (the keyword half's share of a word, the library-null cache key) use this one. Shown totals
 * never come from here.
 */
export function recentCount(store: Store, modelId: number, filter?: ClipFilter | null): Promise<number> {
  let m = recentCounts.get(store);
  if (!m) recentCounts.set(store, (m = new Map()));
  const key = `${modelId}:${JSON.stringify(filter ?? null)}`;
  const now = Date.now();
  const hit = m.get(key);
  if (hit && now - hit.at < RECENT_COUNT_MS) return hit.n;
  if (m.size >= 256) m.clear(); // filters are open-ended: a bounded memo, not a growing one
  const n = countEmbedded(store, modelId, filter);
  m.set(key, { at: now, n });
  n.catch(() => m.delete(key));
  return n;
}
