/** "Segment": the vectors of a content, one whole-clip ("clip") and one per window, per model. */
import { fromVectorLiteral, toVectorLiteral } from '../vectors.js';
import { first, float8Array, int, num, qb, raw, rows, sql, textArray, type Db } from '../query.js';

export interface StoredSegment {
  kind: 'clip' | 'window';
  startSec: number;
  endSec: number;
  embedding: Float32Array;
}

/** Whether this content has a whole-clip vector of this model. */
export async function hasClipVector(db: Db, contentHash: string, modelId: number): Promise<boolean> {
  const r = await first(
    db,
    qb
      .selectFrom('Segment')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('contentHash', '=', contentHash)
      .where('modelId', '=', modelId)
      .where('kind', '=', 'clip'),
  );
  return num(r?.n) > 0;
}

/** A content's vectors of this model, whole clip first, windows in time order. */
export async function segmentsOf(db: Db, modelId: number, contentHash: string): Promise<StoredSegment[]> {
  const rs = await rows(
    db,
    qb
      .selectFrom('Segment')
      .select(['kind', 'startSec', 'endSec', sql<string>`embedding::text`.as('v')])
      .where('contentHash', '=', contentHash)
      .where('modelId', '=', int(modelId))
      .orderBy('kind')
      .orderBy('startSec'),
  );
  return rs.map((r) => ({ kind: r.kind === 'clip' ? 'clip' : 'window', startSec: num(r.startSec), endSec: num(r.endSec), embedding: fromVectorLiteral(r.v) }));
}

/** Whole-clip vectors of these contents for this model. */
export async function clipVectors(db: Db, modelId: number, contentHashes: string[]): Promise<{ contentHash: string; embedding: Float32Array }[]> {
  const rs = await rows(
    db,
    qb
      .selectFrom('Segment')
      .select(['contentHash', sql<string>`embedding::text`.as('v')])
      .where('modelId', '=', int(modelId))
      .where('kind', '=', 'clip')
      .where('contentHash', '=', sql<string>`ANY(${textArray(contentHashes)})`),
  );
  return rs.map((r) => ({ contentHash: r.contentHash, embedding: fromVectorLiteral(r.v) }));
}

/** Replace, not merge, a content's vectors of a model: a changed window/hop setting must not leave stale windows behind. Call inside a transaction. */
export async function replaceSegments(
  db: Db,
  contentHash: string,
  modelId: number,
  segments: { kind: string; startSec: number; endSec: number; embedding: Float32Array | number[] }[],
): Promise<void> {
  await rows(db, qb.deleteFrom('Segment').where('contentHash', '=', contentHash).where('modelId', '=', modelId));
  await raw(
    db,
    sql`INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding)
           SELECT ${contentHash}, ${int(modelId)}, t.kind, t.s, t.e, t.v::vector
             FROM unnest(${textArray(segments.map((g) => g.kind))}, ${float8Array(segments.map((g) => g.startSec))}, ${float8Array(segments.map((g) => g.endSec))}, ${textArray(segments.map((g) => toVectorLiteral(g.embedding)))}) AS t(kind, s, e, v)
           ON CONFLICT ("contentHash", "modelId", kind, "startSec") DO UPDATE SET "endSec" = EXCLUDED."endSec", embedding = EXCLUDED.embedding`,
  );
}
