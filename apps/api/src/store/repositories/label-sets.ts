/** "LabelSet": saved label lists for zero-shot classification. */
import { first, int, intArray, now, qb, rows, sql, textArray, type Db } from '../query.js';

export interface LabelSetRow {
  id: number;
  name: string;
  labels: string[];
  template: string;
  multiLabel: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface LabelSetValues {
  name: string;
  labels: string[];
  template: string;
  multiLabel: boolean;
}

const SET_SELECT = ['id', 'name', 'labels', 'template', 'multiLabel', 'createdAt', 'updatedAt'] as const;

function mapSet(r: Record<string, unknown>): LabelSetRow {
  return {
    id: Number(r.id),
    name: String(r.name),
    labels: (r.labels as string[] | null) ?? [],
    template: String(r.template),
    multiLabel: Boolean(r.multiLabel),
    createdAt: r.createdAt as Date,
    updatedAt: r.updatedAt as Date,
  };
}

export async function allLabelSets(db: Db): Promise<LabelSetRow[]> {
  return (await rows(db, qb.selectFrom('LabelSet').select(SET_SELECT).orderBy('name').orderBy('id'))).map(mapSet);
}

export async function labelSetById(db: Db, id: number): Promise<LabelSetRow | null> {
  const r = await first(db, qb.selectFrom('LabelSet').select(SET_SELECT).where('id', '=', int(id)));
  return r ? mapSet(r) : null;
}

/** Several sets by id (one statement: the per-request loader of Clip.predictions). */
export async function labelSetsByIds(db: Db, ids: number[]): Promise<Map<number, LabelSetRow>> {
  if (!ids.length) return new Map();
  const rs = await rows(
    db,
    qb
      .selectFrom('LabelSet')
      .select(SET_SELECT)
      .where('id', '=', sql<number>`ANY(${intArray(ids)})`),
  );
  return new Map(rs.map((r) => [Number(r.id), mapSet(r)]));
}

/** Whether another set (not `exceptId`) has this name. */
export async function labelSetNameTaken(db: Db, name: string, exceptId = 0): Promise<boolean> {
  return (await rows(db, qb.selectFrom('LabelSet').select('id').where('name', '=', name).where('id', '<>', int(exceptId)))).length > 0;
}

export async function insertLabelSet(db: Db, v: LabelSetValues): Promise<LabelSetRow> {
  const r = await first(
    db,
    qb
      .insertInto('LabelSet')
      .values({ name: v.name, labels: textArray(v.labels), template: v.template, multiLabel: v.multiLabel, updatedAt: now() })
      .returning(SET_SELECT),
  );
  return mapSet(r!);
}

export async function updateLabelSetRow(db: Db, id: number, v: LabelSetValues): Promise<LabelSetRow> {
  const r = await first(
    db,
    qb
      .updateTable('LabelSet')
      .set({ name: v.name, labels: textArray(v.labels), template: v.template, multiLabel: v.multiLabel, updatedAt: now() })
      .where('id', '=', int(id))
      .returning(SET_SELECT),
  );
  return mapSet(r!);
}

export async function deleteLabelSetRow(db: Db, id: number): Promise<void> {
  await rows(db, qb.deleteFrom('LabelSet').where('id', '=', int(id)));
}
