/**
 * The statements of ranked retrieval (search/rank.ts): HNSW KNN over segments joined to filtered clips, the
 * keyword half's full-text statements, near-duplicate probes. pgvector's `<=>`, ts_rank and the planner
 * switches are raw SQL by nature; every value is a bound parameter and the clip filter is the one fragment
 * the listing uses too (clip-filter.ts).
 */
import { clipFilter, embeddedFilter, type ClipFilter } from './clip-filter.js';
import { fromVectorLiteral, toVectorLiteral } from '../vectors.js';
import { num, raw, sql, type Db, type RawBuilder } from '../query.js';
import type { Store } from '../index.js';

export interface SegmentHit {
  clipId: number;
  startSec: number;
  endSec: number;
  /** 1 − cosine distance. */
  sim: number;
}

const hit = (r: { clipId: unknown; startSec: unknown; endSec: unknown; sim: unknown }): SegmentHit => ({
  clipId: num(r.clipId),
  startSec: num(r.startSec),
  endSec: num(r.endSec),
  sim: num(r.sim),
});

export interface KnnQuery {
  modelId: number;
  q: Float32Array;
  filter: ClipFilter | null | undefined;
  excludeClipId?: number;
  limit: number;
}

const knnWhere = (k: Pick<KnnQuery, 'modelId' | 'filter' | 'excludeClipId'>): RawBuilder<boolean> =>
  k.excludeClipId === undefined ? clipFilter(k.filter, k.modelId) : sql<boolean>`${clipFilter(k.filter, k.modelId)} AND c.id <> ${k.excludeClipId}::int`;

/** The `limit` segments of this model nearest to q whose clip passes the filter (the HNSW index, iterative scan). */
export async function nearestSegments(db: Db, k: KnnQuery): Promise<SegmentHit[]> {
  const q = toVectorLiteral(k.q);
  const rs = await raw(
    db,
    sql<SegmentHit>`SELECT c.id AS "clipId", s."startSec", s."endSec", 1 - (s.embedding <=> ${q}::vector) AS sim
      FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
     WHERE s."modelId" = ${k.modelId}::int AND ${knnWhere(k)}
     ORDER BY s.embedding <=> ${q}::vector
     LIMIT ${k.limit}::int`,
  );
  return rs.map(hit);
}

/** How many of this model's segments pass the filter, counted up to `limit`. */
export async function filteredSegmentCount(db: Db, k: Omit<KnnQuery, 'q'>): Promise<number> {
  const [r] = await raw(
    db,
    sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
      WHERE s."modelId" = ${k.modelId}::int AND ${knnWhere(k)} LIMIT ${k.limit}::int) x`,
  );
  return num(r?.n);
}

/** nearestSegments ranked exactly over the filtered segments (a materialized set the planner cannot take to the index). */
export async function nearestSegmentsExact(db: Db, k: KnnQuery): Promise<SegmentHit[]> {
  const q = toVectorLiteral(k.q);
  const rs = await raw(
    db,
    sql<SegmentHit>`WITH cand AS MATERIALIZED (
        SELECT c.id AS "clipId", s."startSec", s."endSec", s.embedding FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
         WHERE s."modelId" = ${k.modelId}::int AND ${knnWhere(k)})
      SELECT "clipId", "startSec", "endSec", 1 - (embedding <=> ${q}::vector) AS sim FROM cand ORDER BY embedding <=> ${q}::vector LIMIT ${k.limit}::int`,
  );
  return rs.map(hit);
}

/** A fixed, spread-out sample of active clips' whole-clip vectors: the same clips every time for the same library. */
export async function sampleClipVectors(db: Db, modelId: number, n: number): Promise<{ clipId: number; embedding: Float32Array }[]> {
  const rs = await raw(
    db,
    sql<{
      id: number;
      v: string;
    }>`SELECT c.id, s.embedding::text AS v FROM "Clip" c JOIN "Segment" s ON s."contentHash" = c."contentHash" AND s."modelId" = ${modelId}::int AND s.kind = 'clip'
     WHERE c.status = 'active' ORDER BY md5(c."contentHash"), c.id LIMIT ${n}::int`,
  );
  return rs.map((r) => ({ clipId: num(r.id), embedding: fromVectorLiteral(r.v) }));
}

// ---- the keyword half

/** Clip count the LibraryMarker triggers keep in every insert's transaction (null before the marker exists). */
export async function markedClipCount(db: Db): Promise<number | null> {
  const [r] = await raw(db, sql<{ clips: number }>`SELECT clips FROM "LibraryMarker" WHERE id = 1`);
  return r ? num(r.clips) : null;
}

const CLIP_ESTIMATE = sql`SELECT reltuples::float8 AS t, relpages AS p FROM pg_class WHERE oid = '"Clip"'::regclass`;

/** "Clip"'s size estimate, which ANALYZE rewrites: a new one means new planner statistics. */
export async function clipTableEstimate(db: Db): Promise<string> {
  const [r] = await raw(db, sql<{ t: number; p: number }>`${CLIP_ESTIMATE}`);
  return statsKey(r?.t, r?.p);
}

const statsKey = (t: unknown, p: unknown) => `${t === undefined || t === null ? t : num(t)}:${p === undefined || p === null ? p : num(p)}`;

/** The planner's share of clips for each common lexeme of the keyword columns, and whether there are statistics at all. */
export async function keywordStatistics(db: Db): Promise<{ stats: boolean; freq: Map<string, number> }> {
  const rs = await raw(
    db,
    sql<{
      lex: string | null;
      f: number | null;
      stats: boolean;
    }>`WITH has AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'Clip' AND attname = 'search' AND most_common_elems IS NOT NULL) AS stats)
     SELECT u.e AS lex, max(u.f)::float8 AS f, (SELECT stats FROM has) AS stats FROM pg_stats s
      CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs[1:cardinality(s.most_common_elems::text::text[])]) AS u(e, f)
      WHERE s.schemaname = current_schema() AND s.tablename = 'Clip' AND s.attname IN ('search', 'descriptionSearch')
      GROUP BY u.e
     UNION ALL SELECT NULL, NULL, (SELECT stats FROM has)`,
  );
  return { stats: rs.some((r) => r.stats), freq: new Map(rs.filter((r) => r.lex !== null).map((r) => [r.lex as string, num(r.f)])) };
}

/**
 * The keyword half's document: the name/tags/folder words ("search") and the embedded descriptions and UCS
 * category ("descriptionSearch", weight A, issue 14), each with its own GIN index, so a match is an OR of two
 * index probes and the rank is taken over both.
 */
const kwMatch = (q: RawBuilder<unknown>) => sql<boolean>`(c.search @@ ${q} OR c."descriptionSearch" @@ ${q})`;
/** The keyword document ts_rank scores. */
const KW_DOC = sql`(c.search || coalesce(c."descriptionSearch", ''::tsvector))`;
/** ts_rank weights {D, C, B, A}: name and tags (A) count five times a folder word (C). Postgres's defaults. */
const TS_WEIGHTS = sql.lit('{0.1, 0.2, 0.4, 1.0}');

/** The rows (w.word, l.lex): each word with each of its English stems (a stop word has none). */
const stemsOf = (ws: string[]) => sql`FROM unnest(${ws}::text[]) AS w(word) CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', w.word))) AS l(lex)`;

/**
 * Each word's English stems (none for a stop word). With `count`, also how many clips under the filter have
 * each stem, counted up to `count.cap` (for a library without planner statistics).
 */
export async function wordStems(
  db: Db,
  ws: string[],
  count?: { filter: ClipFilter | null | undefined; modelId: number; cap: number },
): Promise<{ word: string; lex: string; n: number | null }[]> {
  const n = count
    ? sql`, (SELECT count(*) FROM (SELECT 1 FROM "Clip" c WHERE ${kwMatch(sql`plainto_tsquery('simple', l.lex)`)} AND ${clipFilter(count.filter, count.modelId)} AND ${embeddedFilter(count.modelId)} LIMIT ${count.cap}::int) m)::int AS n`
    : sql``;
  const rs = await raw(db, sql<{ word: string; lex: string; n: number | null }>`SELECT w.word, l.lex${n} ${stemsOf(ws)}`);
  return rs.map((r) => ({ word: r.word, lex: r.lex, n: r.n === undefined || r.n === null ? null : num(r.n) }));
}

/**
 * Each word's English stems and, in the same statement, clipTableEstimate's key: a search reads both, and on
 * PGlite every statement costs a round trip to the database thread (1-2 ms even for a catalogue read).
 */
export async function wordStemsAndStatsKey(db: Db, ws: string[]): Promise<{ stems: { word: string; lex: string; n: null }[]; statsKey: string }> {
  const rs = await raw(
    db,
    sql<{ word: string | null; lex: string | null; t: number | null; p: number | null }>`SELECT w.word, l.lex, NULL::float8 AS t, NULL::int AS p ${stemsOf(ws)}
     UNION ALL SELECT NULL, NULL, e.t, e.p FROM (${CLIP_ESTIMATE}) e`,
  );
  const est = rs.find((r) => r.word === null);
  return {
    stems: rs.filter((r) => r.word !== null).map((r) => ({ word: r.word as string, lex: r.lex as string, n: null })),
    statsKey: statsKey(est?.t, est?.p),
  };
}

/** Which of these lexemes some clip under the filter has. */
export async function lexemesPresent(db: Db, lexemes: string[], filter: ClipFilter | null | undefined, modelId: number): Promise<string[]> {
  const rs = await raw(
    db,
    sql<{
      lex: string;
    }>`SELECT x AS lex FROM unnest(${lexemes}::text[]) AS x WHERE EXISTS (SELECT 1 FROM "Clip" c WHERE ${kwMatch(sql`plainto_tsquery('simple', x)`)} AND ${clipFilter(filter, modelId)})`,
  );
  return rs.map((r) => r.lex);
}

export interface KeywordHitRow {
  id: number;
  /** The lexemes the clip has. */
  matched: string[];
  /** Its best segment against q (null when q is absent). */
  best: SegmentHit | null;
}

/**
 * The keyword half in one statement: candidates tier by tier (each a tsquery, the tiers disjoint, all together
 * at most `max` clips, earlier tiers first), the `need` best of them by weighted ts_rank of the OR of the
 * lexemes, each with the lexemes it matched and, given q, its best segment. One statement, not a statement per
 * tier and two more for the rank and the segments: on PGlite every statement queues on the one database
 * thread, and hybrid search cost 3.4x the vector search. (As a statement of its own, the every-word tier was
 * planned as a sequential scan of 28k clips, 33 ms at 100k; as a branch of this one it is a GIN bitmap scan.)
 * The tiers carry each candidate's document along (joined back to "Clip", the planner merged them against a
 * scan of every clip's primary key). The candidates are walked in rank order and each one's
 * segments are read by index until `need` have a vector of this model: a clip without one is not ranked.
 */
export async function keywordHits(
  db: Db,
  k: { tiers: { match: string; not: string | null }[]; lexemes: string[]; filter: ClipFilter | null | undefined; modelId: number; max: number; need: number; q?: Float32Array },
): Promise<KeywordHitRow[]> {
  if (!k.tiers.length || !k.lexemes.length) return [];
  const tier = (t: { match: string; not: string | null }) =>
    sql`(SELECT c.id, c."contentHash" AS h, ${KW_DOC} AS doc FROM "Clip" c WHERE ${kwMatch(sql`to_tsquery('simple', ${t.match})`)}${t.not ? sql` AND NOT ${kwMatch(sql`to_tsquery('simple', ${t.not})`)}` : sql``} AND ${clipFilter(k.filter, k.modelId)} LIMIT ${k.max}::int)`;
  const v = k.q ? toVectorLiteral(k.q) : null;
  // The nearest segment of the clip; its ORDER BY leads with the content hash, so the planner cannot take the HNSW
  // index for it: the (modelId, contentHash) index reads the clip's few segments.
  const seg = v
    ? sql`SELECT s."startSec", s."endSec", 1 - (s.embedding <=> ${v}::vector) AS sim FROM "Segment" s
           WHERE s."contentHash" = r.h AND s."modelId" = ${k.modelId}::int ORDER BY s."contentHash", s.embedding <=> ${v}::vector LIMIT 1`
    : sql`SELECT NULL::float8 AS "startSec", NULL::float8 AS "endSec", NULL::float8 AS sim FROM "Segment" e
           WHERE e."contentHash" = r.h AND e."modelId" = ${k.modelId}::int AND e.kind = 'clip' LIMIT 1`;
  const rs = await raw(
    db,
    sql<{ id: number; matched: string[]; startSec: number | null; endSec: number | null; sim: number | null }>`WITH cand AS MATERIALIZED (
        SELECT * FROM (${sql.join(k.tiers.map(tier), sql` UNION ALL `)}) u LIMIT ${k.max}::int)
      SELECT r.id, ARRAY(SELECT DISTINCT l FROM unnest(tsvector_to_array(r.doc)) AS l WHERE l = ANY(${k.lexemes}::text[])) AS matched, b."startSec", b."endSec", b.sim
        FROM (SELECT c.id, c.h, c.doc, ts_rank(${TS_WEIGHTS}, c.doc, to_tsquery('simple', ${k.lexemes.join(' | ')})) AS rank FROM cand c ORDER BY rank DESC, c.id) r
       CROSS JOIN LATERAL (${seg}) b
       ORDER BY r.rank DESC, r.id
       LIMIT ${k.need}::int`,
  );
  return rs.map((r) => ({
    id: num(r.id),
    matched: r.matched,
    best: r.sim === null || r.sim === undefined ? null : hit({ clipId: r.id, startSec: r.startSec, endSec: r.endSec, sim: r.sim }),
  }));
}

/**
 * Run `fn` with sequential scans off: for words the statistics do not hold (rare or absent), where the
 * planner, hoping for an early hit, would scan the whole table for a word no clip has, and the GIN index
 * answers at once.
 */
export function withIndexScans<T>(store: Pick<Store, 'tx'>, fn: (db: Db) => Promise<T>): Promise<T> {
  return store.tx(async (t) => {
    await t.sql(`SET LOCAL enable_seqscan = off`);
    return fn(t);
  });
}

// ---- near-duplicates

/** Active clips of these contents, and of every content that several active clips share. */
export async function activeClipsOfContents(db: Db, hashes: string[]): Promise<{ id: number; h: string }[]> {
  const rs = await raw(
    db,
    sql<{ id: number; h: string }>`SELECT c.id, c."contentHash" AS h FROM "Clip" c
      WHERE c.status = 'active' AND (c."contentHash" = ANY(${hashes}::text[])
         OR c."contentHash" IN (SELECT "contentHash" FROM "Clip" WHERE status = 'active' GROUP BY "contentHash" HAVING count(*) > 1))`,
  );
  return rs.map((r) => ({ id: num(r.id), h: r.h }));
}

/** Active clips whose whole-clip vector lies within maxDistance of q, nearest first, but clip `self`. */
export async function clipsNear(db: Db, modelId: number, q: Float32Array, self: number, maxDistance: number, first: number): Promise<{ a: number; b: number; d: number }[]> {
  const v = toVectorLiteral(q);
  const rs = await raw(
    db,
    sql<{ a: number; b: number; d: number }>`SELECT ${self}::int AS a, c.id AS b, s.embedding <=> ${v}::vector AS d
      FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
     WHERE s."modelId" = ${modelId}::int AND s.kind = 'clip' AND c.status = 'active' AND c.id <> ${self}::int AND (s.embedding <=> ${v}::vector) <= ${maxDistance}::float8
     ORDER BY d, c.id LIMIT ${first}::int`,
  );
  return rs.map((r) => ({ a: num(r.a), b: num(r.b), d: num(r.d) }));
}
