/** "NearPair": near-duplicate content pairs of a model, as one nearDuplicates job stored them. */
import { float8, float8Array, int, num, qb, raw, rows, sql, textArray, type Db } from '../query.js';

/**
 * Pairs of these source contents with their `k` nearest contents (one HNSW probe each) within maxDistance;
 * each pair as (source, neighbour). The library-wide search pages its sources through this.
 */
export async function nearContentPairsOf(db: Db, modelId: number, sources: string[], maxDistance: number, k: number): Promise<{ ha: string; hb: string; d: number }[]> {
  if (!sources.length) return [];
  const rs = await raw(
    db,
    sql<{ ha: string; hb: string; d: number }>`SELECT x."contentHash" AS ha, n."contentHash" AS hb, n.d
       FROM "Segment" x
      CROSS JOIN LATERAL (
        SELECT s2."contentHash", s2.embedding <=> x.embedding AS d FROM "Segment" s2
         WHERE s2."modelId" = ${modelId}::int AND s2.kind = 'clip' AND s2.id <> x.id
         ORDER BY s2.embedding <=> x.embedding LIMIT ${k}::int) n
      WHERE x."modelId" = ${modelId}::int AND x.kind = 'clip' AND x."contentHash" = ANY(${textArray(sources)})
        AND n.d <= ${maxDistance}::float8`,
  );
  return rs.map((r) => ({ ha: r.ha, hb: r.hb, d: num(r.d) }));
}

/** Store pairs of a job (ha < hb); a pair stored before (a resumed job, or found from both sides) is kept once. */
export async function insertNearPairs(db: Db, jobId: number, modelId: number, pairs: { ha: string; hb: string; d: number }[]): Promise<void> {
  if (!pairs.length) return;
  await raw(
    db,
    sql`INSERT INTO "NearPair" ("jobId", "modelId", ha, hb, distance)
       SELECT ${int(jobId)}, ${int(modelId)}, t.a, t.b, t.d FROM unnest(${textArray(pairs.map((p) => p.ha))}, ${textArray(pairs.map((p) => p.hb))}, ${float8Array(pairs.map((p) => p.d))}) AS t(a, b, d)
       ON CONFLICT ("jobId", ha, hb) DO NOTHING`,
  );
}

/** A job's pairs within maxDistance. */
export async function nearPairsWithin(db: Db, jobId: number, maxDistance: number): Promise<{ ha: string; hb: string; d: number }[]> {
  const rs = await rows(db, qb.selectFrom('NearPair').select(['ha', 'hb', 'distance']).where('jobId', '=', int(jobId)).where('distance', '<=', float8(maxDistance)));
  return rs.map((r) => ({ ha: r.ha, hb: r.hb, d: num(r.distance) }));
}

/** Drop the pairs of a model's other jobs (a finished job replaces the set readers saw until then). */
export async function deleteNearPairsExcept(db: Db, modelId: number, keepJobId: number): Promise<void> {
  await rows(db, qb.deleteFrom('NearPair').where('modelId', '=', int(modelId)).where('jobId', '<>', int(keepJobId)));
}
