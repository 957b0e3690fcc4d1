/**
 * The HNSW index of the segment vectors: what it was built with, and a rebuild with other settings. The init
 * migration builds pgvector's defaults (m 16, ef_construction 64), right up to ~100k clips; at a million clips that
 * graph tops out at recall@10 0.954, and m 32 / ef_construction 128 reaches 0.996 at ef_search 400
 * (docs/benchmarks.md). A rebuild builds the new index beside the old one (CREATE INDEX CONCURRENTLY: searches and
 * ingest go on, on the old index) and swaps it in at the end, so a search is never left without an index.
 */
import { EarshotError } from '../errors.js';
import type { Store } from '../store/index.js';
import * as repo from '../store/repositories/vector-index.js';

export type { VectorIndexInfo } from '../store/repositories/vector-index.js';

export interface VectorIndexState {
  index: repo.VectorIndexInfo | null;
  segments: number;
}

export async function vectorIndexState(store: Store): Promise<VectorIndexState> {
  const [index, segments] = await Promise.all([repo.vectorIndexInfo(store), repo.segmentRowCount(store)]);
  return { index, segments };
}

/** Past this many segments the migration's m 16 graph loses recall (0.99 at 100k, at best 0.954 at 1M). */
export const LARGE_INDEX_SEGMENTS = 500_000;

/**
 * What to change, if anything, for this index and search depth: at about a million segments, m 32 /
 * ef_construction 128 with ef_search 400 (recall@10 0.996 in docs/benchmarks.md). Null when nothing needs to.
 */
export function vectorIndexAdvice(state: VectorIndexState, efSearch: number): string | null {
  if (!state.index) return 'there is no vector index: build one with --m 16 --ef-construction 64 (or 32 / 128 for a million clips)';
  if (!state.index.valid) return 'the vector index is invalid: rebuild it (--m and --ef-construction)';
  if (state.segments < LARGE_INDEX_SEGMENTS) return null;
  const advice = [...(state.index.m < 32 ? ['rebuild it with --m 32 --ef-construction 128'] : []), ...(efSearch < 400 ? ['set EARSHOT_HNSW_EF_SEARCH=400'] : [])];
  return advice.length ? `${state.segments} segments: for recall@10 near 0.99 at this size, ${advice.join(' and ')}` : null;
}

/** pgvector's bounds: m 2–100, ef_construction 4–1000 and at least twice m. */
export function checkHnswSettings(o: { m: number; efConstruction: number }): void {
  const bad = (what: string) => new EarshotError('BAD_USER_INPUT', what, { subject: 'vector index' });
  if (!Number.isInteger(o.m) || o.m < 2 || o.m > 100) throw bad(`m must be an integer from 2 to 100 (got ${o.m})`);
  if (!Number.isInteger(o.efConstruction) || o.efConstruction < 4 || o.efConstruction > 1000) {
    throw bad(`ef_construction must be an integer from 4 to 1000 (got ${o.efConstruction})`);
  }
  if (o.efConstruction < 2 * o.m) throw bad(`ef_construction must be at least twice m (${o.efConstruction} < 2 × ${o.m})`);
}

export interface RebuildProgress {
  phase: string;
  done: number;
  total: number;
}

/**
 * Rebuild the vector index with these settings. `onProgress` gets the server's build progress every
 * `progressMs` (PGlite runs the build on its one thread and reports none). Memory for the build comes from the
 * store's session settings (maintenance_work_mem): a graph that does not fit builds many times slower.
 */
export async function rebuildVectorIndex(
  store: Store,
  o: { m: number; efConstruction: number; onProgress?: (p: RebuildProgress) => void; progressMs?: number },
): Promise<{ before: repo.VectorIndexInfo | null; after: repo.VectorIndexInfo; seconds: number }> {
  checkHnswSettings(o);
  const before = await repo.vectorIndexInfo(store);
  const t0 = performance.now();
  await repo.dropNewVectorIndex(store);
  const timer =
    o.onProgress && store.backend === 'postgres'
      ? setInterval(() => {
          repo.vectorIndexBuildProgress(store).then(
            (p) => p && o.onProgress?.(p),
            () => {},
          );
        }, o.progressMs ?? 10_000)
      : undefined;
  try {
    await repo.buildNewVectorIndex(store, o);
  } catch (e) {
    await repo.dropNewVectorIndex(store).catch(() => {});
    throw new EarshotError('INTERNAL', `building the vector index failed: ${(e as Error).message}`, { subject: 'vector index', cause: e });
  } finally {
    clearInterval(timer);
  }
  await store.tx(({ sql }) => repo.swapInNewVectorIndex({ sql }));
  const after = await repo.vectorIndexInfo(store);
  if (!after?.valid) throw new EarshotError('INTERNAL', 'the rebuilt vector index is not valid', { subject: 'vector index' });
  return { before, after, seconds: (performance.now() - t0) / 1000 };
}
