/** "IngestRun" and "IngestFile": one row per ingest of a folder, one per file it found, and their counters. */
import { first, float8, float8Array, intArray, now, num, qb, raw, rows, sql, textArray, toDate, type Db } from '../query.js';

export type RunStatus = 'queued' | 'scanning' | 'running' | 'done' | 'failed' | 'cancelled';

/** IngestRun as stored (dates as Date, numbers as numbers). */
export interface IngestRunRow {
  id: number;
  root: string;
  modelId: number;
  status: RunStatus;
  reindex: boolean;
  totalFiles: number;
  processedFiles: number;
  skippedFiles: number;
  failedFiles: number;
  missingFiles: number;
  audioSeconds: number;
  error: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface IngestFailure {
  path: string;
  code: string;
  message: string;
}

const RUN_SELECT = [
  'id',
  'root',
  'modelId',
  'status',
  'reindex',
  'totalFiles',
  'processedFiles',
  'skippedFiles',
  'failedFiles',
  'missingFiles',
  'audioSeconds',
  'error',
  'startedAt',
  'updatedAt',
  'finishedAt',
] as const;

function mapRun(r: Record<string, unknown>): IngestRunRow {
  return {
    id: num(r.id),
    root: String(r.root),
    modelId: num(r.modelId),
    status: r.status as RunStatus,
    reindex: Boolean(r.reindex),
    totalFiles: num(r.totalFiles),
    processedFiles: num(r.processedFiles),
    skippedFiles: num(r.skippedFiles),
    failedFiles: num(r.failedFiles),
    missingFiles: num(r.missingFiles),
    audioSeconds: num(r.audioSeconds),
    error: (r.error as string | null) ?? null,
    startedAt: toDate(r.startedAt),
    updatedAt: toDate(r.updatedAt),
    finishedAt: r.finishedAt == null ? null : toDate(r.finishedAt),
  };
}

// Written out, not bound: "IngestRun_one_active" is a partial unique index on exactly this predicate, and
// ON CONFLICT infers it only from the same literal condition.
const ACTIVE = sql<boolean>`status IN ('queued', 'scanning', 'running')`;

export async function runById(db: Db, runId: number): Promise<IngestRunRow | null> {
  const r = await first(db, qb.selectFrom('IngestRun').select(RUN_SELECT).where('id', '=', runId));
  return r ? mapRun(r) : null;
}

/** The newest runs first. */
export async function latestRuns(db: Db, first_: number): Promise<IngestRunRow[]> {
  return (await rows(db, qb.selectFrom('IngestRun').select(RUN_SELECT).orderBy('id', 'desc').limit(first_))).map(mapRun);
}

/** Every folder an ingest ran over. */
export async function ingestedRoots(db: Db): Promise<string[]> {
  return (await rows(db, qb.selectFrom('IngestRun').select('root').distinct())).map((r) => r.root);
}

/** The innermost root of an ingest run that holds `file` (runs are few: a scan of a small table). */
export async function innermostRootOf(db: Db, file: string): Promise<string | null> {
  const r = await first(
    db,
    qb
      .selectFrom('IngestRun')
      .select('root')
      .where(sql<boolean>`starts_with(${file}, CASE WHEN right(root, 1) = '/' THEN root ELSE root || '/' END)`)
      .orderBy(sql`length(root)`, 'desc')
      .limit(1),
  );
  return r?.root ?? null;
}

/** Active (queued, scanning, running) runs of a model, oldest first. */
export async function activeRunIds(db: Db, modelId: number): Promise<number[]> {
  return (await rows(db, qb.selectFrom('IngestRun').select('id').where('modelId', '=', modelId).where(ACTIVE).orderBy('id'))).map((r) => num(r.id));
}

/** When a run of this model last wrote embeddings (its end, or its last counter update while it runs); null if none did. */
export async function lastEmbeddingChange(db: Db, modelId: number): Promise<Date | null> {
  const r = await first(
    db,
    qb
      .selectFrom('IngestRun')
      .select(sql<unknown>`max(coalesce("finishedAt", "updatedAt"))`.as('at'))
      .where('modelId', '=', modelId)
      .where('processedFiles', '>', 0),
  );
  return r?.at == null ? null : toDate(r.at);
}

/** A new queued run, or null when an active one of the same folder, model and mode exists (the partial unique index decides). */
export async function insertQueuedRun(db: Db, p: { root: string; modelId: number; reindex: boolean }): Promise<number | null> {
  const r = await first(
    db,
    qb
      .insertInto('IngestRun')
      .values({ root: p.root, modelId: p.modelId, status: 'queued', reindex: p.reindex, startedAt: now(), updatedAt: now() })
      .onConflict((oc) => oc.columns(['root', 'modelId', 'reindex']).where(ACTIVE).doNothing())
      .returning('id'),
  );
  return r ? num(r.id) : null;
}

/** The newest active run of the same folder, model and mode. */
export async function activeRunFor(db: Db, p: { root: string; modelId: number; reindex: boolean }): Promise<number | null> {
  const r = await first(
    db,
    qb
      .selectFrom('IngestRun')
      .select('id')
      .where('root', '=', p.root)
      .where('modelId', '=', p.modelId)
      .where('reindex', '=', p.reindex)
      .where(ACTIVE)
      .orderBy('id', 'desc')
      .limit(1),
  );
  return r ? num(r.id) : null;
}

export async function markRunScanning(db: Db, runId: number): Promise<void> {
  await rows(db, qb.updateTable('IngestRun').set({ status: 'scanning', updatedAt: now() }).where('id', '=', runId).where('status', 'in', ['queued', 'running']));
}

/** Model and mode of a run. */
export async function runMode(db: Db, runId: number): Promise<{ modelId: number; reindex: boolean } | null> {
  const r = await first(db, qb.selectFrom('IngestRun').select(['modelId', 'reindex']).where('id', '=', runId));
  return r ? { modelId: num(r.modelId), reindex: Boolean(r.reindex) } : null;
}

/** A scanning run moves to running with its file total and the number of clips found missing. */
export async function markRunRunning(db: Db, runId: number, missing: number): Promise<void> {
  await rows(
    db,
    qb
      .updateTable('IngestRun')
      .set((eb) => ({
        status: 'running',
        missingFiles: missing,
        totalFiles: eb.selectFrom('IngestFile').select(eb.fn.countAll<number>().as('n')).where('runId', '=', runId),
        updatedAt: now(),
      }))
      .where('id', '=', runId)
      .where('status', '=', 'scanning'),
  );
}

/** Store the counters counted from the run's files (the total never shrinks); the run as it is now. */
export async function storeRunCounters(
  db: Db,
  runId: number,
  c: { total: number; processed: number; skipped: number; failed: number; audioSeconds: number },
): Promise<IngestRunRow | null> {
  const r = await first(
    db,
    qb
      .updateTable('IngestRun')
      .set({
        totalFiles: sql<number>`GREATEST("totalFiles", ${c.total})`,
        processedFiles: c.processed,
        skippedFiles: c.skipped,
        failedFiles: c.failed,
        audioSeconds: float8(c.audioSeconds),
        updatedAt: now(),
      })
      .where('id', '=', runId)
      .returning(RUN_SELECT),
  );
  return r ? mapRun(r) : null;
}

/** Terminal transition of an active run (a cancelled run stays cancelled); true when it happened. */
export async function endRun(db: Db, runId: number, status: 'done' | 'failed' | 'cancelled', error: string | null = null): Promise<void> {
  await rows(
    db,
    qb
      .updateTable('IngestRun')
      .set({ status, ...(status === 'cancelled' ? {} : { error }), finishedAt: now(), updatedAt: now() })
      .where('id', '=', runId)
      .where(ACTIVE),
  );
}

/** A running run with no pending file becomes done; true when this call made it so. */
export async function finishRunIfNothingPending(db: Db, runId: number): Promise<boolean> {
  const done = await rows(
    db,
    qb
      .updateTable('IngestRun')
      .set({ status: 'done', finishedAt: now(), updatedAt: now() })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('IngestFile')
              .select(sql`1`.as('one'))
              .where('runId', '=', runId)
              .where('status', '=', 'pending'),
          ),
        ),
      )
      .returning('id'),
  );
  return done.length > 0;
}

/**
 * Refresh the planner's statistics of the searched tables (PGlite has no autovacuum daemon: see
 * ingest/runs.ts refreshPlannerStats for why and when).
 */
export async function analyzeSearchTables(db: Db): Promise<void> {
  await raw(db, sql`ANALYZE "Clip", "Segment"`);
  // New rows wait in each GIN index's pending list, which every keyword probe reads in full (514 buffers for a
  // word no clip has at 1M clips) until autovacuum merges it; PGlite has no autovacuum.
  await raw(db, sql`SELECT gin_clean_pending_list(i::regclass) FROM unnest(ARRAY['"Clip_search_gin"', '"Clip_descriptionSearch_gin"']) AS i`);
}

// ---- IngestFile ----

/** Files a run recorded (any status). */
export async function countRunFiles(db: Db, runId: number): Promise<number> {
  return num(
    (
      await first(
        db,
        qb
          .selectFrom('IngestFile')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('runId', '=', runId),
      )
    )?.n,
  );
}

export async function runFailures(db: Db, runId: number, first_: number): Promise<IngestFailure[]> {
  const rs = await rows(
    db,
    qb.selectFrom('IngestFile').select(['path', 'errorCode', 'errorMessage']).where('runId', '=', runId).where('status', '=', 'failed').orderBy('path').limit(first_),
  );
  return rs.map((r) => ({ path: r.path, code: r.errorCode ?? 'INGEST_FAILED', message: r.errorMessage ?? '' }));
}

/** The first `first` failures (in path order) of each of several runs, in one statement: the runs list's loader. */
export async function failuresOfRuns(db: Db, runIds: number[], first_: number): Promise<Map<number, IngestFailure[]>> {
  const out = new Map<number, IngestFailure[]>(runIds.map((id) => [id, []]));
  if (!runIds.length) return out;
  const ranked = qb
    .selectFrom('IngestFile')
    .select(['runId', 'path', 'errorCode', 'errorMessage', sql<number>`row_number() OVER (PARTITION BY "runId" ORDER BY path)`.as('n')])
    .where('runId', '=', sql<number>`ANY(${intArray(runIds)})`)
    .where('status', '=', 'failed')
    .as('f');
  const rs = await rows(db, qb.selectFrom(ranked).select(['runId', 'path', 'errorCode', 'errorMessage']).where('n', '<=', first_).orderBy('runId').orderBy('n'));
  for (const r of rs) out.get(num(r.runId))?.push({ path: r.path, code: r.errorCode ?? 'INGEST_FAILED', message: r.errorMessage ?? '' });
  return out;
}

/** One failed row per failure (a row of a resumed run is overwritten). */
export async function insertFailedFiles(db: Db, runId: number, failures: IngestFailure[]): Promise<void> {
  await raw(
    db,
    sql`INSERT INTO "IngestFile" ("runId", path, status, "errorCode", "errorMessage", "updatedAt")
       SELECT ${runId}, t.p, 'failed', t.c, t.m, now() FROM unnest(${textArray(failures.map((u) => u.path))}, ${textArray(failures.map((u) => u.code))}, ${textArray(failures.map((u) => u.message))}) AS t(p, c, m)
       ON CONFLICT ("runId", path) DO UPDATE SET status = 'failed', "errorCode" = EXCLUDED."errorCode", "errorMessage" = EXCLUDED."errorMessage", "updatedAt" = now()`,
  );
}

/** One pending row per path; rows a resumed run has already keep their status. */
export async function insertPendingFiles(db: Db, runId: number, paths: string[]): Promise<void> {
  await raw(
    db,
    sql`INSERT INTO "IngestFile" ("runId", path, status, "updatedAt")
       SELECT ${runId}, p, 'pending', now() FROM unnest(${textArray(paths)}) AS p
       ON CONFLICT ("runId", path) DO NOTHING`,
  );
}

/**
 * Pending files with the same path, size and mtime as an active clip whose content is embedded for this
 * model become skipped, in one statement (a re-scan of 100k files costs no per-file work).
 */
export async function skipUnchangedFiles(db: Db, runId: number, modelId: number, files: { path: string; size: number; mtimeMs: number }[]): Promise<void> {
  await raw(
    db,
    sql`UPDATE "IngestFile" f SET status = 'skipped', "contentHash" = c."contentHash", "durationSec" = c."durationSec", "updatedAt" = now()
           FROM unnest(${textArray(files.map((f) => f.path))}, ${float8Array(files.map((f) => f.size))}, ${float8Array(files.map((f) => f.mtimeMs))}) AS s(path, size, mtime), "Clip" c
          WHERE f."runId" = ${runId} AND f.status = 'pending' AND f.path = s.path AND c.path = s.path AND c.status = 'active'
            AND c."sizeBytes" = s.size::bigint AND c.mtime = (to_timestamp(s.mtime / 1000) AT TIME ZONE 'UTC')
            AND c.container IS NOT NULL -- stored before the stream facts were: read once more (process-file)
            AND EXISTS (SELECT 1 FROM "Segment" g WHERE g."contentHash" = c."contentHash" AND g."modelId" = ${modelId} AND g.kind = 'clip')`,
  );
}

export async function pendingRunFiles(db: Db, runId: number): Promise<{ id: number; path: string }[]> {
  const rs = await rows(db, qb.selectFrom('IngestFile').select(['id', 'path']).where('runId', '=', runId).where('status', '=', 'pending').orderBy('id'));
  return rs.map((r) => ({ id: num(r.id), path: r.path }));
}

/** Files of a run per status, with the audio seconds of each. */
export async function runFileCounts(db: Db, runId: number): Promise<Record<string, { n: number; secs: number }>> {
  const rs = await rows(
    db,
    qb
      .selectFrom('IngestFile')
      .select(['status', (eb) => eb.fn.countAll().as('n'), sql<number>`coalesce(sum("durationSec"), 0)`.as('secs')])
      .where('runId', '=', runId)
      .groupBy('status'),
  );
  return Object.fromEntries(rs.map((r) => [r.status, { n: num(r.n), secs: num(r.secs) }]));
}

/** A file's status and its run's, or null. */
export async function fileAndRunStatus(db: Db, fileId: number): Promise<{ status: string; runStatus: string } | null> {
  const r = await first(
    db,
    qb.selectFrom('IngestFile as f').innerJoin('IngestRun as r', 'r.id', 'f.runId').select(['f.status', 'r.status as runStatus']).where('f.id', '=', fileId),
  );
  return r ?? null;
}

/** A file failed (only a pending one, with `onlyPending`: the queue's last word must not overwrite a result). */
export async function markFileFailedRow(db: Db, fileId: number, err: { code: string; message: string }, onlyPending = false): Promise<void> {
  let q = qb.updateTable('IngestFile').set({ status: 'failed', errorCode: err.code, errorMessage: err.message, updatedAt: now() }).where('id', '=', fileId);
  if (onlyPending) q = q.where('status', '=', 'pending');
  await rows(db, q);
}

export async function markFileSettled(db: Db, fileId: number, status: 'done' | 'skipped', contentHash: string, durationSec: number): Promise<void> {
  await rows(
    db,
    qb
      .updateTable('IngestFile')
      .set({ status, contentHash, durationSec: float8(durationSec), errorCode: null, errorMessage: null, updatedAt: now() })
      .where('id', '=', fileId),
  );
}

/** Other files of this run that embedded this content (--reindex: only this run's embeddings count). */
export async function countDoneWithContent(db: Db, runId: number, contentHash: string, exceptFileId: number): Promise<number> {
  return num(
    (
      await first(
        db,
        qb
          .selectFrom('IngestFile')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('runId', '=', runId)
          .where('contentHash', '=', contentHash)
          .where('status', '=', 'done')
          .where('id', '<>', exceptFileId),
      )
    )?.n,
  );
}
