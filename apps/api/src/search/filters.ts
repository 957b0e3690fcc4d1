/**
 * ClipFilter as the search and library modules take it. The condition itself is built in the store
 * (store/repositories/clip-filter.ts); filterSql and embeddedSql hand it on as SQL text to the rankings that
 * still assemble statements as strings (rank.ts, until they move into store/repositories/search.ts).
 */
import { clipFilter, embeddedFilter, inline, type ClipFilter } from '../store/index.js';

export type { ClipFilter, ClipStatus } from '../store/index.js';
export { MAX_ID, intId, isId } from '../ids.js';

/**
 * SQL conditions (joined with AND) for `filter`; values are pushed onto `params`.
 * `modelId` scopes predicted-label filters to the running model's predictions.
 */
export function filterSql(filter: ClipFilter | null | undefined, params: unknown[], modelId: number): string {
  return inline(clipFilter(filter, modelId), params);
}

/** Condition: the clip's content has a whole-clip embedding of this model. */
export function embeddedSql(params: unknown[], modelId: number): string {
  return inline(embeddedFilter(modelId), params);
}
