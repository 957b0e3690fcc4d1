/** "Job": one row per piece of long work (apps/api/src/jobs), its progress, heartbeat and resume cursor. */
import { first, int, num, qb, rows, sql, toDate, type Db } from '../query.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRow {
  id: number;
  kind: string;
  key: string;
  modelId: number;
  payload: unknown;
  status: JobStatus;
  total: number;
  processed: number;
  failed: number;
  cursor: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  updatedAt: Date;
  finishedAt: Date | null;
}

const JOB_SELECT = [
  'id',
  'kind',
  'key',
  'modelId',
  'payload',
  'status',
  'total',
  'processed',
  'failed',
  'cursor',
  'error',
  'createdAt',
  'startedAt',
  'updatedAt',
  'finishedAt',
] as const;

function mapJob(r: Record<string, unknown>): JobRow {
  return {
    id: num(r.id),
    kind: String(r.kind),
    key: String(r.key),
    modelId: num(r.modelId),
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    status: r.status as JobStatus,
    total: num(r.total),
    processed: num(r.processed),
    failed: num(r.failed),
    cursor: (r.cursor as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    createdAt: toDate(r.createdAt),
    startedAt: r.startedAt == null ? null : toDate(r.startedAt),
    updatedAt: toDate(r.updatedAt),
    finishedAt: r.finishedAt == null ? null : toDate(r.finishedAt),
  };
}

// Written out, not bound: "Job_one_unfinished" is a partial unique index on exactly this predicate.
const UNFINISHED = sql<boolean>`status IN ('queued', 'running')`;

/** A new queued job, or null when an unfinished job of the same key exists (the partial unique index decides). */
export async function insertJob(db: Db, p: { kind: string; key: string; modelId: number; payload: unknown }): Promise<number | null> {
  const r = await first(
    db,
    qb
      .insertInto('Job')
      .values({ kind: p.kind, key: p.key, modelId: int(p.modelId), payload: JSON.stringify(p.payload), status: 'queued', updatedAt: sql<Date>`now()` })
      .onConflict((oc) => oc.column('key').where(UNFINISHED).doNothing())
      .returning('id'),
  );
  return r ? num(r.id) : null;
}

/** The unfinished job of a key. */
export async function unfinishedJobByKey(db: Db, key: string): Promise<number | null> {
  const r = await first(db, qb.selectFrom('Job').select('id').where('key', '=', key).where(UNFINISHED).orderBy('id', 'desc').limit(1));
  return r ? num(r.id) : null;
}

export async function jobById(db: Db, id: number): Promise<JobRow | null> {
  const r = await first(db, qb.selectFrom('Job').select(JOB_SELECT).where('id', '=', int(id)));
  return r ? mapJob(r) : null;
}

/** The newest jobs first, of one kind or all. */
export async function latestJobs(db: Db, p: { first: number; kind?: string | null }): Promise<JobRow[]> {
  let q = qb.selectFrom('Job').select(JOB_SELECT).orderBy('id', 'desc').limit(p.first);
  if (p.kind) q = q.where('kind', '=', p.kind);
  return (await rows(db, q)).map(mapJob);
}

/**
 * Take a job to run: a queued one, or a running one whose heartbeat is older than `staleSec` (its process
 * died). The row as it is now, or null when someone else runs it or it has ended. One statement, so two
 * processes claiming the same job cannot both win.
 */
export async function claimJob(db: Db, id: number, staleSec: number): Promise<JobRow | null> {
  const r = await first(
    db,
    qb
      .updateTable('Job')
      .set({ status: 'running', startedAt: sql<Date>`coalesce("startedAt", now())`, updatedAt: sql<Date>`now()` })
      .where('id', '=', int(id))
      .where((eb) =>
        eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('updatedAt', '<=', sql<Date>`now() - make_interval(secs => ${staleSec}::float8)`)])]),
      )
      .returning(JOB_SELECT),
  );
  return r ? mapJob(r) : null;
}

/** Progress of a running job (also its heartbeat); the row as it is now (a cancelled job says so). */
export async function storeJobProgress(db: Db, id: number, p: { total?: number; processed?: number; failed?: number; cursor?: string | null }): Promise<JobRow | null> {
  const r = await first(
    db,
    qb
      .updateTable('Job')
      .set({
        ...(p.total !== undefined ? { total: int(p.total) } : {}),
        ...(p.processed !== undefined ? { processed: int(p.processed) } : {}),
        ...(p.failed !== undefined ? { failed: int(p.failed) } : {}),
        ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', int(id))
      .returning(JOB_SELECT),
  );
  return r ? mapJob(r) : null;
}

/** Terminal transition of an unfinished job (a cancelled job stays cancelled); true when it happened. */
export async function endJob(db: Db, id: number, status: 'done' | 'failed' | 'cancelled', error: string | null = null): Promise<boolean> {
  const r = await rows(
    db,
    qb
      .updateTable('Job')
      .set({ status, error, finishedAt: sql<Date>`now()`, updatedAt: sql<Date>`now()` })
      .where('id', '=', int(id))
      .where(UNFINISHED)
      .returning('id'),
  );
  return r.length > 0;
}

/** Unfinished jobs of a model, oldest first. */
export async function unfinishedJobs(db: Db, modelId: number): Promise<{ id: number; kind: string }[]> {
  const rs = await rows(db, qb.selectFrom('Job').select(['id', 'kind']).where('modelId', '=', int(modelId)).where(UNFINISHED).orderBy('id'));
  return rs.map((r) => ({ id: num(r.id), kind: r.kind }));
}

/** The newest job of a kind and model in one of these states. */
export async function newestJobOf(db: Db, kind: string, modelId: number, statuses: JobStatus[]): Promise<JobRow | null> {
  const r = await first(
    db,
    qb.selectFrom('Job').select(JOB_SELECT).where('kind', '=', kind).where('modelId', '=', int(modelId)).where('status', 'in', statuses).orderBy('id', 'desc').limit(1),
  );
  return r ? mapJob(r) : null;
}
