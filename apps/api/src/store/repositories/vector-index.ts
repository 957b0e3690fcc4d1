/**
 * The statements that inspect and rebuild the HNSW index of the segment vectors (search/vector-index.ts). DDL
 * takes no bind parameters: m and ef_construction are checked integers written as literals.
 */
import { num, raw, sql, type Db } from '../query.js';

/** The index the init migration builds and every KNN query uses. */
export const VECTOR_INDEX = 'Segment_embedding_hnsw';
/** The index a rebuild builds beside it before the swap. */
export const NEW_VECTOR_INDEX = 'Segment_embedding_hnsw_new';

export interface VectorIndexInfo {
  /** HNSW build settings; pgvector's defaults (16, 64) when the index names none. */
  m: number;
  efConstruction: number;
  bytes: number;
  /** False for an index a failed CREATE INDEX CONCURRENTLY left behind. */
  valid: boolean;
}

/** The named index of "Segment" in this schema, or null when there is none. */
export async function vectorIndexInfo(db: Db, name: string = VECTOR_INDEX): Promise<VectorIndexInfo | null> {
  const [r] = await raw(
    db,
    sql<{ opts: string[] | null; bytes: number; valid: boolean }>`SELECT c.reloptions AS opts, pg_relation_size(c.oid)::float8 AS bytes, i.indisvalid AS valid
       FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
      WHERE c.relname = ${name} AND c.relnamespace = current_schema()::regnamespace AND i.indrelid = '"Segment"'::regclass`,
  );
  if (!r) return null;
  const opt = (k: string, dflt: number) => Number((r.opts ?? []).find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? dflt);
  return { m: opt('m', 16), efConstruction: opt('ef_construction', 64), bytes: num(r.bytes), valid: r.valid };
}

/** Segment rows (all models): what a build has to insert. */
export async function segmentRowCount(db: Db): Promise<number> {
  const [r] = await raw(db, sql<{ n: number }>`SELECT count(*)::float8 AS n FROM "Segment"`);
  return num(r?.n);
}

/** Drop what an interrupted rebuild left (an invalid index under the new name). */
export async function dropNewVectorIndex(db: Db): Promise<void> {
  await raw(db, sql`DROP INDEX IF EXISTS ${sql.id(NEW_VECTOR_INDEX)}`);
}

/** Build the new index beside the old one without blocking reads or writes (not in a transaction). */
export async function buildNewVectorIndex(db: Db, o: { m: number; efConstruction: number }): Promise<void> {
  await raw(
    db,
    sql`CREATE INDEX CONCURRENTLY ${sql.id(NEW_VECTOR_INDEX)} ON "Segment" USING hnsw ("embedding" vector_cosine_ops) WITH (m = ${sql.lit(o.m)}, ef_construction = ${sql.lit(o.efConstruction)})`,
  );
}

/** Put the new index in the old one's place (in the caller's transaction: readers see one or the other). */
export async function swapInNewVectorIndex(db: Db): Promise<void> {
  await raw(db, sql`DROP INDEX IF EXISTS ${sql.id(VECTOR_INDEX)}`);
  await raw(db, sql`ALTER INDEX ${sql.id(NEW_VECTOR_INDEX)} RENAME TO ${sql.id(VECTOR_INDEX)}`);
}

/** A running index build on "Segment", from another connection (servers; empty otherwise). */
export async function vectorIndexBuildProgress(db: Db): Promise<{ phase: string; done: number; total: number } | null> {
  const [r] = await raw(
    db,
    sql<{ phase: string; done: number; total: number }>`SELECT phase, coalesce(nullif(tuples_total, 0), blocks_total)::float8 AS total,
            (CASE WHEN tuples_total > 0 THEN tuples_done ELSE blocks_done END)::float8 AS done
       FROM pg_stat_progress_create_index WHERE relid = '"Segment"'::regclass`,
  );
  return r ? { phase: r.phase, done: num(r.done), total: num(r.total) } : null;
}
