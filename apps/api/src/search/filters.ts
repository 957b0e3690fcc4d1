/**
 * ClipFilter as the search and library modules take it. The condition itself is one fragment built in the
 * store (store/repositories/clip-filter.ts), shared by the listing, the rankings and the counts.
 */
export type { ClipFilter, ClipStatus } from '../store/index.js';
export { MAX_ID, intId, isId } from '../ids.js';
