/**
 * Near-duplicates. Library-wide pairs are computed by the 'nearDuplicates' job (after an ingest, or on demand)
 * and stored per model (NearPair); the query reads the newest complete set and says whether it is stale. The
 * pairs of one clip stay a live query: one HNSW probe.
 */
import { EarshotError } from '../errors.js';
import { JOB_KINDS, type JobHandler, type JobRow } from '../jobs/registry.js';
import type { Jobs } from '../jobs/runner.js';
import * as repo from '../store/index.js';
import type { Store } from '../store/index.js';
import { getClips, requireClip, type ClipRow } from './clips.js';
import { clipVector } from './rank.js';

export interface DuplicatePair {
  a: ClipRow;
  b: ClipRow;
  distance: number;
  identical: boolean;
}

const NEAR_DUPLICATES_JOB = JOB_KINDS.nearDuplicates;

/** Nearest stored contents looked at per content in the library-wide search (HNSW, one probe each). */
export const DUPLICATE_NEIGHBOURS = 16;

/**
 * The largest cosine distance the stored library-wide pairs reach: the web app's slider ends here. A pair
 * further apart is no near-duplicate, and storing every pair up to 2 would store k pairs per content.
 */
export const STORED_MAX_DISTANCE = 0.2;

/** Source contents per page of the computation (one statement of PAGE HNSW probes, one insert). */
const PAGE = 200;

export interface NearDuplicatesState {
  /** When the stored set was computed (the start of its job); null when none is stored. */
  computedAt: Date | null;
  /** Embeddings changed after that computation (an ingest embedded files), or none is stored. */
  stale: boolean;
  /** The computation queued or running now, if any. */
  job: JobRow | null;
}

export async function nearDuplicatesState(store: Store, modelId: number): Promise<NearDuplicatesState & { doneJobId: number | null }> {
  const [done, active, changed] = await Promise.all([
    repo.newestJobOf(store, NEAR_DUPLICATES_JOB, modelId, ['done']),
    repo.newestJobOf(store, NEAR_DUPLICATES_JOB, modelId, ['queued', 'running']),
    repo.lastEmbeddingChange(store, modelId),
  ]);
  const computedAt = done?.startedAt ?? done?.createdAt ?? null;
  return { computedAt, stale: !computedAt || (changed !== null && changed >= computedAt), job: active, doneJobId: done?.id ?? null };
}

/**
 * Pairs within maxDistance (cosine) of whole-clip embeddings, nearest first: of one clip (live), or across the
 * library from the stored set (only exact copies until the first computation has finished; nearDuplicatesState says so).
 */
export async function nearDuplicates(store: Store, modelId: number, p: { clip?: string | null; maxDistance: number; first: number }): Promise<DuplicatePair[]> {
  if (!(p.maxDistance >= 0 && p.maxDistance <= 2)) throw new EarshotError('BAD_USER_INPUT', `maxDistance must be in [0, 2], got ${p.maxDistance}`, { subject: 'maxDistance' });
  let rows: { a: number; b: number; d: number }[];
  if (p.clip) {
    const clip = await requireClip(store, p.clip);
    const q = await clipVector(store, modelId, clip);
    rows = await repo.clipsNear(store, modelId, q, clip.id, p.maxDistance, p.first);
  } else {
    if (p.maxDistance > STORED_MAX_DISTANCE)
      throw new EarshotError('BAD_USER_INPUT', `library-wide pairs are stored up to a cosine distance of ${STORED_MAX_DISTANCE}; got maxDistance ${p.maxDistance}`, {
        subject: 'maxDistance',
      });
    const { doneJobId } = await nearDuplicatesState(store, modelId);
    rows = await libraryPairs(store, doneJobId, p.maxDistance, p.first);
  }
  rows.sort((x, y) => x.d - y.d || x.a - y.a || x.b - y.b);
  rows = rows.slice(0, p.first);
  const clips = await getClips(store, [...new Set(rows.flatMap((r) => [Number(r.a), Number(r.b)]))]);
  return rows.flatMap((r) => {
    const a = clips.get(Number(r.a));
    const b = clips.get(Number(r.b));
    return a && b ? [{ a, b, distance: Math.max(0, Number(r.d)), identical: a.contentHash === b.contentHash }] : [];
  });
}

/**
 * Stored content pairs expanded to active clip pairs; clips sharing the same bytes pair at distance 0 (read
 * from the clips now, so a copy ingested since the computation shows). Each group (copies of one content, or
 * two contents' clips) yields at most `limit` pairs, in (a, b) order: the answer is the first `limit` pairs by
 * (d, a, b), and a pair among those is among the first `limit` of its own group, whose pairs share its d.
 * Without the cap 4,001 copies of one file made 8 million pairs (+490 MB).
 */
async function libraryPairs(store: Store, jobId: number | null, maxDistance: number, limit: number): Promise<{ a: number; b: number; d: number }[]> {
  // Copies of one content pair without any computation: before the first one, they are all there is.
  const contentPairs = jobId === null ? [] : await repo.nearPairsWithin(store, jobId, maxDistance);
  const hashes = [...new Set(contentPairs.flatMap((r) => [r.ha, r.hb]))];
  const clipRows = await repo.activeClipsOfContents(store, hashes);
  const byHash = new Map<string, number[]>();
  for (const r of clipRows) byHash.set(r.h, [...(byHash.get(r.h) ?? []), r.id]);
  const out: { a: number; b: number; d: number }[] = [];
  for (const ids of byHash.values()) ids.sort((p, q) => p - q);
  const group = (pairs: { a: number; b: number }[], d: number) => {
    pairs.sort((p, q) => p.a - q.a || p.b - q.b);
    for (const p of pairs.slice(0, limit)) out.push({ ...p, d });
  };
  for (const ids of byHash.values()) {
    // Lexicographic (a, b) pairs of one sorted group, stopping after `limit`.
    const pairs: { a: number; b: number }[] = [];
    for (let i = 0; i < ids.length && pairs.length < limit; i++) for (let j = i + 1; j < ids.length && pairs.length < limit; j++) pairs.push({ a: ids[i], b: ids[j] });
    group(pairs, 0);
  }
  for (const { ha, hb, d } of contentPairs) {
    const xs = byHash.get(ha) ?? [];
    const ys = byHash.get(hb) ?? [];
    // The smallest a's first: of each x with the smallest ys, at most `limit` per side is enough.
    const pairs: { a: number; b: number }[] = [];
    for (const i of xs.slice(0, limit)) for (const j of ys.slice(0, limit)) pairs.push({ a: Math.min(i, j), b: Math.max(i, j) });
    group(pairs, Math.max(0, d));
  }
  return out;
}

/**
 * The 'nearDuplicates' job: one HNSW probe per embedded content (its DUPLICATE_NEIGHBOURS nearest contents)
 * instead of all n² distances, a page of contents at a time in hash order; pairs within STORED_MAX_DISTANCE are
 * stored under the job. The cursor is the last content of the last stored page, so a resumed job continues
 * after it (a page redone after a crash inserts nothing twice: the pairs' key). When it ends, the model's older
 * pairs are dropped: readers see the previous complete set until then.
 */
export function nearDuplicatesJob(store: Store, opts: { pageSize?: number; onPage?: (hashes: string[]) => void } = {}): JobHandler<Record<string, never>> {
  const pageSize = opts.pageSize ?? PAGE;
  return {
    async run(ctx) {
      const { id: jobId, modelId } = ctx.job;
      let cursor = ctx.job.cursor;
      let processed = cursor ? ctx.job.processed : 0;
      await ctx.progress({ total: await repo.countEmbeddedClips(store, modelId), processed });
      for (;;) {
        if (ctx.stopping()) return ctx.cancelled() ? 'cancelled' : 'stopped';
        const page = await repo.embeddedContentPage(store, modelId, { after: cursor, limit: pageSize });
        if (!page.length) break;
        const hashes = page.map((p) => p.h);
        const near = await repo.nearContentPairsOf(store, modelId, hashes, STORED_MAX_DISTANCE, DUPLICATE_NEIGHBOURS);
        const pairs = near.filter((r) => r.ha !== r.hb).map((r) => (r.ha < r.hb ? r : { ha: r.hb, hb: r.ha, d: r.d }));
        await repo.insertNearPairs(store, jobId, modelId, dedupe(pairs));
        opts.onPage?.(hashes);
        cursor = hashes[hashes.length - 1];
        processed += page.reduce((a, p) => a + p.clips, 0);
        await ctx.progress({ processed, cursor });
      }
      await repo.deleteNearPairsExcept(store, modelId, jobId);
      return 'done';
    },
  };
}

/** One row per content pair (found from both sides), the smaller distance kept. */
function dedupe(pairs: { ha: string; hb: string; d: number }[]) {
  const m = new Map<string, { ha: string; hb: string; d: number }>();
  for (const p of pairs) {
    const k = `${p.ha}\n${p.hb}`;
    const o = m.get(k);
    if (!o || p.d < o.d) m.set(k, p);
  }
  return [...m.values()];
}

/** computeNearDuplicates: the computation now (or the one already queued or running). */
export function computeNearDuplicates(jobs: Jobs): Promise<{ id: number; joined: boolean }> {
  return jobs.enqueue(NEAR_DUPLICATES_JOB, {});
}

/** At server start: a library embedded since the last computation (by the CLI, say) gets a new one. */
export async function refreshNearDuplicatesIfStale(jobs: Jobs): Promise<number | null> {
  const state = await nearDuplicatesState(jobs.store, jobs.modelId);
  if (!state.stale || state.job || (await repo.countEmbeddedClips(jobs.store, jobs.modelId)) === 0) return null;
  return (await computeNearDuplicates(jobs)).id;
}
