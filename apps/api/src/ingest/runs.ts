import path from 'node:path';
import { EarshotError } from '../errors.js';
import * as repo from '../store/index.js';
import type { IngestFailure, IngestRunRow, RunStatus } from '../store/index.js';
import type { IngestDb } from './db.js';
import type { ScanFailure, ScannedFile } from './scan.js';
export const ACTIVE_RUN_STATUSES: RunStatus[] = ['queued', 'scanning', 'running'];

export type { IngestFailure, IngestRunRow, RunStatus } from '../store/index.js';

export interface RunProgress {
  filesPerSec: number;
  /** Audio hours ingested per wall-clock second. */
  audioHoursPerSec: number;
  /** null until there is a rate to extrapolate from, 0 once nothing is left. */
  etaSec: number | null;
}

/** Absolute root with a trailing separator, so `/a/b` never matches `/a/bc/x.wav`. */
export const rootPrefix = (root: string) => path.resolve(root) + (path.resolve(root).endsWith(path.sep) ? '' : path.sep);

export async function getRun(db: IngestDb, runId: number): Promise<IngestRunRow | null> {
  return repo.runById(db, runId);
}

export async function listRuns(db: IngestDb, first = 20): Promise<IngestRunRow[]> {
  return repo.latestRuns(db, first);
}

export async function listFailures(db: IngestDb, runId: number, first = 100): Promise<IngestFailure[]> {
  return repo.runFailures(db, runId, first);
}

/** The first failures of several runs at once (a page of runs), by run id. */
export function failuresOfRuns(db: IngestDb, runIds: number[], first = 100): Promise<Map<number, IngestFailure[]>> {
  return repo.failuresOfRuns(db, runIds, first);
}

/**
 * The active (queued/scanning/running) run for the same folder, model and mode, or a new queued one.
 * The partial unique index "IngestRun_one_active" makes this one run however many callers race:
 * each INSERT either creates the run or yields to the one that did (created: false). An unfinished
 * run that a crash or kill -9 left behind is resumed this way; its IngestFile rows keep their status.
 */
export async function createOrJoinRun(db: IngestDb, p: { root: string; modelId: number; reindex: boolean }): Promise<{ runId: number; created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const made = await repo.insertQueuedRun(db, p);
    if (made !== null) return { runId: made, created: true };
    const active = await repo.activeRunFor(db, p);
    if (active !== null) return { runId: active, created: false };
    // The active run ended between the two statements: try to create again.
  }
  throw new EarshotError('INGEST_ALREADY_RUNNING', `runs of ${p.root} keep starting and ending: try again`, { subject: p.root });
}

/** A queued (or resumed) run says "scanning" while its folder is walked, before any file is known. */
export async function markScanning(db: IngestDb, runId: number): Promise<void> {
  await repo.markRunScanning(db, runId);
}

const CHUNK = 1000;

/**
 * Record a scan: one pending IngestFile per candidate (existing rows of a resumed run keep their
 * status), one failed row per scan failure (a folder that could not be listed, a symlink out of the
 * root), active clips under the root that
 * were not found become 'missing' (never deleted) unless they lie in such a folder, then the run
 * moves to 'running'.
 */
export async function recordScan(db: IngestDb, runId: number, root: string, files: ScannedFile[], failures: ScanFailure[] = []): Promise<{ missing: number }> {
  await markScanning(db, runId);
  if (failures.length) await repo.insertFailedFiles(db, runId, failures);
  for (let i = 0; i < files.length; i += CHUNK)
    await repo.insertPendingFiles(
      db,
      runId,
      files.slice(i, i + CHUNK).map((f) => f.path),
    );
  const run = await repo.runMode(db, runId);
  if (run && !run.reindex) {
    // Unchanged files (same path, size and mtime as an active clip whose content is embedded for this
    // model) are settled here in one statement per 1,000 files: a re-scan of 100k files costs no per-file work.
    for (let i = 0; i < files.length; i += CHUNK) await repo.skipUnchangedFiles(db, runId, run.modelId, files.slice(i, i + CHUNK));
  }
  const prefix = rootPrefix(root);
  const paths = files.map((f) => f.path);
  // Clips in a folder that could not be listed were not looked at: they are neither found nor missing.
  const unseen = failures.filter((u) => u.code === 'FOLDER_UNREADABLE').map((u) => rootPrefix(u.path));
  const missing = await repo.markUnfoundMissing(db, prefix, paths, unseen);
  await repo.markRunRunning(db, runId, missing);
  return { missing };
}

export async function pendingFiles(db: IngestDb, runId: number): Promise<{ id: number; path: string }[]> {
  return repo.pendingRunFiles(db, runId);
}

/**
 * Recompute the run's counters from its IngestFile rows (the truth, whichever process wrote them)
 * and store them. Counting instead of incrementing keeps them exact across crashes and workers.
 */
export async function refreshCounters(db: IngestDb, runId: number): Promise<{ run: IngestRunRow | null; pending: number }> {
  const c = await repo.runFileCounts(db, runId);
  const n = (k: string) => c[k]?.n ?? 0;
  const total = Object.values(c).reduce((a, r) => a + r.n, 0);
  const run = await repo.storeRunCounters(db, runId, { total, processed: n('done'), skipped: n('skipped'), failed: n('failed'), audioSeconds: c.done?.secs ?? 0 });
  const done = n('done');
  if (done >= (analyzeAt.get(runId) ?? 256)) {
    analyzeAt.set(runId, done * 2);
    await refreshPlannerStats(db);
  }
  return { run, pending: n('pending') };
}

/** Per run: the embedded-file count at which the planner statistics are next refreshed (doubling). */
const analyzeAt = new Map<number, number>();

/**
 * Refresh the planner's statistics of the searched tables. PGlite has no autovacuum daemon, so
 * without this a library ingested there keeps the empty-table estimates forever and every vector
 * search becomes an exact scan (measured: 54 ms instead of 11 ms at 5,000 clips, linear in size).
 * Run at doubling counts during an ingest and when it finishes; cheap (ANALYZE samples).
 */
export async function refreshPlannerStats(db: Pick<IngestDb, 'sql'>): Promise<void> {
  await repo.analyzeSearchTables(db);
}

/** Terminal transition; a cancelled run stays cancelled. */
export async function finishRun(db: IngestDb, runId: number, status: 'done' | 'failed', error?: string): Promise<void> {
  await repo.endRun(db, runId, status, error ?? null);
}

export async function cancelRun(db: IngestDb, runId: number): Promise<IngestRunRow> {
  const run = await getRun(db, runId);
  if (!run) throw new EarshotError('NOT_FOUND', `no ingest run with id ${runId}`, { subject: String(runId) });
  await repo.endRun(db, runId, 'cancelled');
  return (await getRun(db, runId))!;
}

/**
 * Rates from the stored counters: files/s over every file handled (embedded, skipped or failed),
 * audio hours/s over embedded audio, ETA from the pending count at the current file rate.
 */
export function runProgress(run: IngestRunRow, now: Date = new Date()): RunProgress {
  const end = run.finishedAt ?? (ACTIVE_RUN_STATUSES.includes(run.status) ? now : run.updatedAt);
  const elapsed = Math.max(1e-3, (end.getTime() - run.startedAt.getTime()) / 1000);
  const handled = run.processedFiles + run.skippedFiles + run.failedFiles;
  const filesPerSec = handled / elapsed;
  const left = Math.max(0, run.totalFiles - handled);
  return {
    filesPerSec,
    audioHoursPerSec: run.audioSeconds / 3600 / elapsed,
    etaSec: left === 0 ? 0 : filesPerSec > 0 ? left / filesPerSec : null,
  };
}

/** Mark a running run done when none of its files is pending; safe to call from any process, any number of times. */
export async function finishIfComplete(db: IngestDb, runId: number): Promise<boolean> {
  const done = await repo.finishRunIfNothingPending(db, runId);
  if (done) {
    analyzeAt.delete(runId);
    await refreshPlannerStats(db);
  }
  return done;
}
