/** "Prediction": the stored best label of a label set for a content, per model. */
import { float8Array, int, num, qb, raw, rows, sql, textArray, type Db } from '../query.js';

export interface StoredPrediction {
  labelSetId: number;
  label: string;
  score: number;
}

/** Predictions of these contents for this model, per content, by label set id (one statement for a page of clips). */
export async function predictionsOf(db: Db, modelId: number, contentHashes: string[]): Promise<Map<string, StoredPrediction[]>> {
  const out = new Map<string, StoredPrediction[]>(contentHashes.map((h) => [h, []]));
  if (!contentHashes.length) return out;
  const rs = await rows(
    db,
    qb
      .selectFrom('Prediction')
      .select(['contentHash', 'labelSetId', 'label', 'score'])
      .where('contentHash', '=', sql<string>`ANY(${textArray(contentHashes)})`)
      .where('modelId', '=', int(modelId))
      .orderBy('contentHash')
      .orderBy('labelSetId'),
  );
  for (const r of rs) out.get(r.contentHash)?.push({ labelSetId: num(r.labelSetId), label: r.label, score: num(r.score) });
  return out;
}

/** Active clips per predicted label of a set (this model's predictions), most frequent first. */
export async function labelCounts(db: Db, modelId: number, labelSetId: number): Promise<{ label: string; count: number }[]> {
  const rs = await rows(
    db,
    qb
      .selectFrom('Prediction as p')
      .innerJoin('Clip as c', (j) => j.onRef('c.contentHash', '=', 'p.contentHash').on('c.status', '=', 'active'))
      .select(['p.label', (eb) => eb.fn.count('c.id').as('n')])
      .where('p.labelSetId', '=', int(labelSetId))
      .where('p.modelId', '=', int(modelId))
      .groupBy('p.label')
      .orderBy('n', 'desc')
      .orderBy('p.label'),
  );
  return rs.map((r) => ({ label: r.label, count: num(r.n) }));
}

/** Store (or replace) one prediction per content: best label, its score and every label's score in set order. */
export async function upsertPredictions(
  db: Db,
  labelSetId: number,
  modelId: number,
  preds: { contentHash: string; label: string; score: number; scores: number[] }[],
): Promise<void> {
  await raw(
    db,
    sql`INSERT INTO "Prediction" ("contentHash", "labelSetId", "modelId", label, score, scores)
       SELECT t.h, ${int(labelSetId)}, ${int(modelId)}, t.l, t.s, ARRAY(SELECT jsonb_array_elements_text(t.a::jsonb)::float8)
         FROM unnest(${textArray(preds.map((p) => p.contentHash))}, ${textArray(preds.map((p) => p.label))}, ${float8Array(preds.map((p) => p.score))}, ${textArray(preds.map((p) => JSON.stringify(p.scores)))}) AS t(h, l, s, a)
       ON CONFLICT ("contentHash", "labelSetId", "modelId") DO UPDATE
         SET label = EXCLUDED.label, score = EXCLUDED.score, scores = EXCLUDED.scores, "createdAt" = now()`,
  );
}

/** A set's predictions no longer match its labels. */
export async function deletePredictionsOfSet(db: Db, labelSetId: number): Promise<void> {
  await rows(db, qb.deleteFrom('Prediction').where('labelSetId', '=', int(labelSetId)));
}
