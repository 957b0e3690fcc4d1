import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { EarshotError, asEarshotError } from '../errors.js';
import { activeRunIds, countRunFiles, type Store } from '../store/index.js';
import { ingestDb, type IngestDb } from './db.js';
import type { AudioEmbedder } from '../model/embed.js';
import { EmbedderPool } from './models.js';
import { markFileFailed, processFile, type FileDecoder, type FileJob, type FileOutcome, type ProcessSettings } from './process-file.js';
import { DecodePool } from '../audio/decode-thread.js';
import { enqueueFiles, isConnectionLoss, openBoss, runLocalQueue, workFiles } from './queue.js';
import {
  ACTIVE_RUN_STATUSES,
  cancelRun,
  createOrJoinRun,
  finishIfComplete,
  finishRun,
  getRun,
  listFailures,
  markScanning,
  pendingFiles,
  recordScan,
  refreshCounters,
  type IngestFailure,
  type IngestRunRow,
} from './runs.js';
import { resolveIngestRoot } from './roots.js';
import { enqueueIngestJob, finishedRun, NEAR_DUPLICATES_JOB } from './ingest-jobs.js';
import { scanFolder } from './scan.js';
import { timedDb, type StageTimings } from './timings.js';
import type { Jobs } from '../jobs/runner.js';

export interface IngestDeps {
  store: Store;
  /** The runtime of the configured model (ClapRuntime). */
  runtime: AudioEmbedder;
  config: Config;
  /**
   * The server's job runner: startIngest and resumeIngests then run the ingest as an 'ingest' job (ingest/job.ts),
   * and a finished ingest enqueues the near-duplicate computation. Without it (the CLI, tests of the pipeline
   * alone) the run executes in the background of this process directly.
   */
  jobs?: Jobs;
}

/** Counters as this process sees them, for a progress bar. */
export interface ProgressSnapshot {
  run: IngestRunRow;
  pending: number;
  /** Rates over files handled by this session (a resumed run's earlier work is excluded). */
  session: { handled: number; audioSeconds: number; elapsedSec: number; filesPerSec: number; audioHoursPerSec: number; etaSec: number | null };
}

export interface ExecuteOptions {
  concurrency?: number;
  onProgress?: (p: ProgressSnapshot) => void;
  /** Called after each file this process handled. */
  onFile?: (job: FileJob, outcome: FileOutcome) => void;
  /** bench:ingest: summed ms per stage (decode, resample, features, model, hash, database) of this run. */
  timings?: StageTimings;
}

export interface IngestSummary {
  runId: number;
  resumed: boolean;
  run: IngestRunRow;
  /** Files that were neither audio nor had an audio extension. */
  ignoredFiles: number;
  failures: IngestFailure[];
}

/** Counters are written at most this often (ms): enough for a live bar, cheap for the database. */
const PROGRESS_MS = 500;

export function processSettings(cfg: Config, decoder: FileDecoder): ProcessSettings {
  return {
    decoder,
    windowSec: cfg.ingest.windowSec,
    hopSec: cfg.ingest.hopSec,
    batchSize: cfg.ort.audioBatchSize,
    maxDurationSec: cfg.ingest.maxDurationSec,
  };
}

/** The folder to ingest, absolute; FILE_NOT_FOUND / BAD_USER_INPUT naming it otherwise. */
export async function checkRoot(root: string): Promise<string> {
  const abs = path.resolve(root);
  let st;
  try {
    st = await fs.stat(abs);
  } catch (e) {
    throw new EarshotError('FILE_NOT_FOUND', `folder not found: ${abs}`, { subject: abs, cause: e });
  }
  if (!st.isDirectory()) throw new EarshotError('BAD_USER_INPUT', `not a folder: ${abs}`, { subject: abs });
  return abs;
}

/**
 * Create the run row for a folder, or join the active run of the same folder, model and mode
 * (created: false; see createOrJoinRun); nothing is read yet. Any folder: the caller decides
 * whether it may be ingested (startIngest checks the ingest roots, the CLI does not).
 */
export async function prepareRun(deps: IngestDeps, p: { root: string; reindex?: boolean }): Promise<{ runId: number; resumed: boolean; created: boolean }> {
  const root = await checkRoot(p.root);
  const pool = new EmbedderPool(ingestDb(deps.store), deps.store, deps.config, deps.runtime);
  const modelId = await pool.ownModelId();
  const r = await createOrJoinRun(ingestDb(deps.store), { root, modelId, reindex: p.reindex ?? false });
  return { ...r, resumed: !r.created };
}

/**
 * Per store (run ids are per database): the runs this process is executing or has lined up to
 * resume, so a second startIngest joins instead of repeating the work.
 */
const executingByStore = new WeakMap<Store, Map<number, Promise<IngestSummary | null>>>();

export function executingIn(store: Store): Map<number, Promise<IngestSummary | null>> {
  let m = executingByStore.get(store);
  if (!m) executingByStore.set(store, (m = new Map()));
  return m;
}

export function track(store: Store, runId: number, work: Promise<IngestSummary | null>): Promise<IngestSummary | null> {
  const executing = executingIn(store);
  executing.set(runId, work);
  void work.finally(() => {
    if (executing.get(runId) === work) executing.delete(runId);
  });
  return work;
}

/** Throttled refresh of a run's counters (exported for its test). */
export function progressKeeper(db: IngestDb, runId: number, onProgress?: (p: ProgressSnapshot) => void) {
  const t0 = Date.now();
  let base: { handled: number; secs: number } | null = null;
  let last = 0;
  let inFlight: Promise<{ run: IngestRunRow | null; pending: number }> | null = null;
  /**
   * A timed tick shares the refresh in flight. A forced one (the run's end) must see every file
   * settled before it was called: a refresh begun earlier may count a file as pending that has
   * since been stored, so it queues a fresh one behind it. Sharing that earlier one left finished
   * runs "running" forever whenever the timer's refresh overlapped the last file.
   */
  const tick = async (force = false) => {
    if (!force && Date.now() - last < PROGRESS_MS) return null;
    if (inFlight && !force) return inFlight;
    last = Date.now();
    const mine = (inFlight ?? Promise.resolve()).catch(() => {}).then(() => refreshCounters(db, runId));
    inFlight = mine;
    try {
      const r = await mine;
      if (r.run && onProgress) {
        const handled = r.run.processedFiles + r.run.skippedFiles + r.run.failedFiles;
        base ??= { handled, secs: r.run.audioSeconds };
        const elapsedSec = (Date.now() - t0) / 1000;
        const h = handled - base.handled;
        const secs = r.run.audioSeconds - base.secs;
        const fps = elapsedSec > 0 ? h / elapsedSec : 0;
        onProgress({
          run: r.run,
          pending: r.pending,
          session: {
            handled: h,
            audioSeconds: secs,
            elapsedSec,
            filesPerSec: fps,
            audioHoursPerSec: elapsedSec > 0 ? secs / 3600 / elapsedSec : 0,
            etaSec: r.pending === 0 ? 0 : fps > 0 ? r.pending / fps : null,
          },
        });
      }
      return r;
    } finally {
      if (inFlight === mine) inFlight = null;
    }
  };
  return { tick, setBase: (handled: number, secs: number) => (base = { handled, secs }) };
}

/**
 * Scan the run's folder, record the files and work through the pending ones. On a Postgres
 * server the files go through the pg-boss queue (this process works on it too, and any
 * `earshot worker` processes share the load); on PGlite an in-process queue runs them.
 * Returns when no file of the run is pending, or the run was cancelled.
 */
export async function executeRun(deps: IngestDeps, runId: number, opts: ExecuteOptions = {}): Promise<IngestSummary> {
  const db = timedDb(ingestDb(deps.store), opts.timings);
  const run0 = await getRun(db, runId);
  if (!run0) throw new EarshotError('NOT_FOUND', `no ingest run with id ${runId}`, { subject: String(runId) });
  // Resumed = an earlier scan of this run was recorded (a crash or kill -9 interrupted it).
  const resumed = (await countRunFiles(db, runId)) > 0;
  const concurrency = Math.max(1, opts.concurrency ?? deps.config.ingest.concurrency);
  const pool = new EmbedderPool(db, deps.store, deps.config, deps.runtime, opts.timings);
  await pool.ownModelId();
  const decoder = new DecodePool(Math.min(deps.config.ingest.decodeThreads, concurrency));
  const settings = { ...processSettings(deps.config, decoder), timings: opts.timings };
  const progress = progressKeeper(db, runId, opts.onProgress);
  let ignoredFiles: number;
  let cancelled = false;
  const timer = setInterval(() => {
    progress
      .tick()
      .then((r) => {
        if (r?.run && !ACTIVE_RUN_STATUSES.includes(r.run.status)) cancelled = r.run.status === 'cancelled' || cancelled;
      })
      .catch(() => {});
  }, PROGRESS_MS);
  const handle = async (job: FileJob) => {
    const outcome = await processFile(db, await pool.get(job.modelId), job, settings);
    opts.onFile?.(job, outcome);
    if (outcome.status === 'noop') {
      const r = await getRun(db, job.runId);
      if (r?.status === 'cancelled' && job.runId === runId) cancelled = true;
    }
  };
  try {
    await markScanning(db, runId);
    const scan = await scanFolder(run0.root);
    ignoredFiles = scan.ignored;
    await recordScan(db, runId, run0.root, scan.files, scan.failures);
    const first = await progress.tick(true);
    if (first?.run) progress.setBase(first.run.processedFiles + first.run.skippedFiles + first.run.failedFiles, first.run.audioSeconds);
    const jobs: FileJob[] = (await pendingFiles(db, runId)).map((f) => ({
      runId,
      fileId: f.id,
      path: f.path,
      modelId: run0.modelId,
      reindex: run0.reindex,
    }));
    if (deps.store.backend === 'postgres' && deps.config.databaseUrl) {
      const boss = await openBoss(deps.config.databaseUrl);
      try {
        await enqueueFiles(boss, jobs);
        const stop = await workFiles(boss, concurrency, handle, (job, e) => markFileFailed(db, job, e));
        // Other processes may hold some of the jobs: wait on the database, not on our own handlers.
        for (;;) {
          const r = await progress.tick(true);
          if (!r?.run || r.pending === 0 || !ACTIVE_RUN_STATUSES.includes(r.run.status)) break;
          await new Promise((res) => setTimeout(res, PROGRESS_MS));
        }
        await stop();
      } finally {
        await boss.stop({ graceful: true, wait: true, close: true, timeout: 30_000 }).catch(() => {});
      }
    } else {
      await runLocalQueue(jobs, concurrency, handle, () => cancelled);
    }
    // The statement itself checks that no file is pending; the counters are stored first all the same, so a
    // run seen DONE shows its final counts (test/api/files saw DONE with 1 of 3 files counted).
    await progress.tick(true);
    await finishIfComplete(db, runId);
  } catch (e) {
    const err = lostDatabase(e)
      ? new EarshotError(
          'DB_UNREACHABLE',
          `lost the database connection during the ingest (${firstLine(e)}); every file is written whole or not at all: run the same command again to resume`,
          { subject: run0.root, cause: e },
        )
      : diskFull(e)
        ? new EarshotError(
            'NO_SPACE_LEFT',
            `no space left on the device of the database during the ingest (${firstLine(e)}); every file is written whole or not at all: free space and run the same command again to resume`,
            { subject: run0.root, cause: e },
          )
        : asEarshotError(e, 'INGEST_FAILED', run0.root);
    await finishRun(db, runId, 'failed', err.toLine()).catch(() => {});
    throw err;
  } finally {
    clearInterval(timer);
    await pool.close();
    await decoder.close();
  }
  const final = await progress.tick(true);
  return { runId, resumed, run: final!.run!, ignoredFiles, failures: await listFailures(db, runId, 10_000) };
}

/** The CLI: create or resume the run for `root`, then execute it in this process. */
export async function runIngest(deps: IngestDeps, p: { root: string; reindex?: boolean } & ExecuteOptions): Promise<IngestSummary> {
  const { runId } = await prepareRun(deps, { root: p.root, reindex: p.reindex });
  const work = executeRun(deps, runId, p);
  // npm start ingests the demo library this way inside the server: a startIngest of it joins this run.
  void track(
    deps.store,
    runId,
    work.catch(() => null),
  );
  const summary = await work;
  if (deps.jobs && summary.run.processedFiles > 0) await deps.jobs.enqueue(NEAR_DUPLICATES_JOB, {}).catch(() => {});
  return summary;
}

/**
 * For the startIngest mutation: only a folder inside the ingest roots (config.ingest.roots, real
 * paths: see resolveIngestRoot). Creates the run and returns its id at once, already "scanning";
 * the work goes on in the background of the calling (server) process. Errors end up on the run
 * (status failed, error), never as an unhandled rejection. Poll getRun / listRuns for progress;
 * `finished` resolves when the background work ends (tests and graceful shutdown await it).
 * Identical calls while a run is active get that run back (joined: true) and start nothing: its
 * `finished` when this process executes it, else null (on a Postgres server another process does;
 * a run whose process died is resumed by the next server start).
 */
export async function startIngest(
  deps: IngestDeps,
  p: { root: string; reindex?: boolean; concurrency?: number },
): Promise<{ runId: number; joined: boolean; finished: Promise<IngestSummary | null> }> {
  const root = await resolveIngestRoot(p.root, deps.config.ingest.roots);
  const { runId, created } = await prepareRun(deps, { root, reindex: p.reindex });
  const running = executingIn(deps.store).get(runId);
  if (running) return { runId, joined: true, finished: running };
  // PGlite belongs to this process alone: an active run nobody here executes was left by a dead one.
  if (!created && deps.store.backend === 'postgres') return { runId, joined: true, finished: Promise.resolve(null) };
  if (deps.jobs) {
    // A new run is "scanning" before this returns; the job's handler (ingest/job.ts) executes it. A joined
    // one is left as it is: marking it again could move a run already past its scan back to "scanning".
    if (created) await markScanning(ingestDb(deps.store), runId);
    const job = await enqueueIngestJob(deps.jobs, runId, p.concurrency);
    return { runId, joined: !created || job.joined, finished: finishedRun(deps.jobs, job.id, runId) };
  }
  // Registered before the next await, so a racing identical call finds it. The run is "scanning"
  // before this returns; never rejects: a failure is recorded on the run (status failed, error) by executeRun.
  const marked = markScanning(ingestDb(deps.store), runId);
  const finished = track(
    deps.store,
    runId,
    marked.then(() => executeRun(deps, runId, { concurrency: p.concurrency })).catch(() => null),
  );
  await marked.catch(() => {});
  return { runId, joined: !created, finished };
}

/**
 * For server start-up: runs left queued/scanning/running by a process that died (for this
 * process's model) are resumed in the background, exactly as a re-run of the CLI would.
 */
export async function resumeIngests(deps: IngestDeps, p: { concurrency?: number } = {}): Promise<{ runIds: number[]; finished: Promise<unknown> }> {
  const db = ingestDb(deps.store);
  const pool = new EmbedderPool(db, deps.store, deps.config, deps.runtime);
  const modelId = await pool.ownModelId();
  const runIds = (await activeRunIds(db, modelId)).filter((id) => !executingIn(deps.store).has(id));
  if (deps.jobs) {
    // Each joins the unfinished job of its run if there is one (Jobs.start resumes those) or gets a new one.
    const jobs = deps.jobs;
    const ids = await Promise.all(runIds.map((id) => enqueueIngestJob(jobs, id, p.concurrency)));
    return { runIds, finished: Promise.all(ids.map((j, i) => finishedRun(jobs, j.id, runIds[i]))) };
  }
  // One after the other; each is registered at once so a startIngest of the same folder joins it.
  let chain: Promise<unknown> = Promise.resolve();
  for (const id of runIds) {
    const work = chain.then(() => executeRun(deps, id, { concurrency: p.concurrency })).catch(() => null);
    void track(deps.store, id, work);
    chain = work;
  }
  return { runIds, finished: chain };
}

/** Stop a run: no new file is started (files in flight finish their transaction). Returns the updated run. */
export async function cancelIngest(deps: Pick<IngestDeps, 'store'>, runId: number): Promise<IngestRunRow> {
  return cancelRun(ingestDb(deps.store), runId);
}

/**
 * `earshot worker`: serve the pg-boss queue of the Postgres server until stopped. Each file job
 * is processed with the run's model; counters are refreshed at most every 0.5 s, and the worker
 * that handles a run's last pending file marks the run done (the coordinator may be gone).
 */
export async function startWorker(
  deps: IngestDeps,
  opts: { concurrency?: number; onFile?: (job: FileJob, outcome: FileOutcome) => void } = {},
): Promise<{ stop: () => Promise<void> }> {
  if (deps.store.backend !== 'postgres' || !deps.config.databaseUrl) {
    throw new EarshotError(
      'CONFIG_INVALID',
      'workers share a queue on a Postgres server: set DATABASE_URL (the embedded PGlite database belongs to one process; `ingest` runs its queue in-process)',
      { subject: 'DATABASE_URL' },
    );
  }
  const db = ingestDb(deps.store);
  const pool = new EmbedderPool(db, deps.store, deps.config, deps.runtime);
  await pool.ownModelId();
  const concurrency = Math.max(1, opts.concurrency ?? deps.config.ingest.concurrency);
  const decoder = new DecodePool(Math.min(deps.config.ingest.decodeThreads, concurrency));
  const settings = processSettings(deps.config, decoder);
  const keepers = new Map<number, ReturnType<typeof progressKeeper>>();
  const boss = await openBoss(deps.config.databaseUrl);
  const stopWork = await workFiles(
    boss,
    concurrency,
    async (job) => {
      const outcome = await processFile(db, await pool.get(job.modelId), job, settings);
      opts.onFile?.(job, outcome);
      let k = keepers.get(job.runId);
      if (!k) keepers.set(job.runId, (k = progressKeeper(db, job.runId)));
      await k.tick();
      // Whoever handles a run's last file closes it: the coordinator that started it may be gone.
      if (outcome.status !== 'noop' && (await finishIfComplete(db, job.runId))) await k.tick(true);
    },
    async (job, e) => {
      await markFileFailed(db, job, e);
      await finishIfComplete(db, job.runId);
    },
  );
  return {
    stop: async () => {
      await stopWork();
      await boss.stop({ graceful: true, wait: true, close: true, timeout: 30_000 }).catch(() => {});
      await pool.close();
      await decoder.close();
    },
  };
}

/** A lost database anywhere in the cause chain (Prisma wraps the driver's error). */
export function lostDatabase(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if (isConnectionLoss(x)) return true;
  }
  return false;
}

/** A full disk anywhere in the cause chain: SQLSTATE 53100 (disk_full), ENOSPC/EDQUOT, or the OS's words in a wrapped message. */
export function diskFull(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const { code, message } = x as { code?: unknown; message?: unknown };
    if (code === '53100' || code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (/No space left on device|ENOSPC|Disk quota exceeded|Code: `53100`/.test(String(message ?? ''))) return true;
  }
  return false;
}

const firstLine = (e: unknown) => {
  const m = String((e as Error)?.message ?? e);
  return (/Message: `([^`]*)`/.exec(m)?.[1] ?? m.split('\n').find((l) => l.trim()) ?? m).trim().slice(0, 200);
};
