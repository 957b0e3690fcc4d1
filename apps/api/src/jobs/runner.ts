/**
 * The one job abstraction: `enqueue(kind, payload)` writes a Job row and hands its id to a runner; the row holds
 * status, progress, a heartbeat and the resume cursor, whichever process runs it. On a Postgres server the ids
 * travel through pg-boss, so any server process may pick a job up; on PGlite (one process owns the data) an
 * in-process queue runs them. Each kind has its own lane (handler.concurrency), so a long ingest never holds
 * back a classification. Unfinished jobs are resumed at start-up (resume()) and, on a server, whenever their
 * heartbeat goes stale (a sweep every SWEEP_MS).
 */
import type PgBoss from 'pg-boss';
import { EarshotError, asEarshotError } from '../errors.js';
import { openBoss } from '../ingest/queue.js';
import * as repo from '../store/index.js';
import type { JobRow, Store } from '../store/index.js';
import type { JobContext, JobHandler, JobHandlers, JobOutcome, JobProgress } from './registry.js';

/** pg-boss queue that carries job ids between the server processes of one database. */
export const JOBS_QUEUE = 'earshot-jobs';

/** A running job writes its heartbeat this often (ms) even when it reports no progress. */
const HEARTBEAT_MS = 5_000;
/** A running job whose heartbeat is older than this (s) was left by a dead process (Postgres; PGlite has one process). */
const STALE_SEC = 30;
/** How often a server looks for jobs nobody runs (ms). */
const SWEEP_MS = 60_000;
const POLL_MS = 250;

export const TERMINAL: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);

export interface JobsOptions {
  store: Store;
  /** The model this process runs: jobs are per model, and only this model's are resumed here. */
  modelId: number;
  handlers: JobHandlers;
  /** Set on a Postgres server: jobs go through pg-boss. */
  databaseUrl?: string;
  /** Seconds of silence after which a running job is taken over (default 30; 0 in tests that restart at once). */
  staleSec?: number;
}

interface Running {
  promise: Promise<void>;
  cancelled: boolean;
  handler: JobHandler<unknown> | undefined;
  kind: string;
}

export class Jobs {
  readonly store: Store;
  readonly modelId: number;
  private readonly handlers: JobHandlers;
  private readonly databaseUrl?: string;
  private readonly staleSec: number;
  private boss: PgBoss | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly running = new Map<number, Running>();
  /** Per kind: job ids waiting for a free lane in this process. */
  private readonly waiting = new Map<string, number[]>();

  constructor(o: JobsOptions) {
    this.store = o.store;
    this.modelId = o.modelId;
    this.handlers = o.handlers;
    this.databaseUrl = o.store.backend === 'postgres' ? o.databaseUrl : undefined;
    this.staleSec = o.staleSec ?? (this.databaseUrl ? STALE_SEC : 0);
  }

  /** Start taking jobs (pg-boss on a server) and resume the unfinished ones. */
  async start(): Promise<number[]> {
    if (this.databaseUrl) {
      const boss = await openBoss(this.databaseUrl);
      try {
        await boss.createQueue(JOBS_QUEUE, { name: JOBS_QUEUE, policy: 'standard', retryLimit: 3 });
      } catch (e) {
        if (!(await boss.getQueue(JOBS_QUEUE))) throw e;
      }
      this.boss = boss;
      // Delivery only: the job's lane in this process runs it, and the Job row (not pg-boss) says what is done.
      await boss.work<{ jobId: number }>(JOBS_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (batch) => {
        for (const j of batch) await this.take(j.data.jobId);
      });
      this.sweeper = setInterval(() => void this.resume().catch(() => {}), SWEEP_MS);
      this.sweeper.unref();
    }
    return this.resume();
  }

  /**
   * A job for `kind`, or the unfinished job with the same key (joined: true; default key: kind + payload).
   * Returns at once; the work runs in the background.
   */
  async enqueue(kind: string, payload: unknown, key?: string): Promise<{ id: number; joined: boolean }> {
    if (!this.handlers[kind]) throw new EarshotError('JOB_UNKNOWN_KIND', `no job kind ${kind}`, { subject: kind });
    const k = key ?? `${kind}:${this.modelId}:${JSON.stringify(payload)}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = await repo.insertJob(this.store, { kind, key: k, modelId: this.modelId, payload });
      if (id !== null) {
        await this.dispatch(id);
        return { id, joined: false };
      }
      const active = await repo.unfinishedJobByKey(this.store, k);
      if (active !== null) return { id: active, joined: true };
    }
    throw new EarshotError('JOB_FAILED', `jobs of ${k} keep starting and ending: try again`, { subject: k });
  }

  get(id: number): Promise<JobRow | null> {
    return repo.jobById(this.store, id);
  }

  list(p: { first: number; kind?: string | null }): Promise<JobRow[]> {
    return repo.latestJobs(this.store, p);
  }

  /** Cancel an unfinished job: it stops at its next safe point, with the work done so far kept. */
  async cancel(id: number): Promise<JobRow> {
    const job = await this.get(id);
    if (!job) throw new EarshotError('NOT_FOUND', `no job with id ${id}`, { subject: String(id) });
    if (await repo.endJob(this.store, id, 'cancelled')) {
      const r = this.running.get(id);
      if (r) r.cancelled = true;
      await (this.handlers[job.kind] as JobHandler<unknown> | undefined)?.cancel?.(job.payload);
    }
    return (await this.get(id))!;
  }

  /** The job once it has ended (polls the row, so a job run by another process is waited for too). */
  async wait(id: number): Promise<JobRow> {
    for (;;) {
      const job = await this.get(id);
      if (!job) throw new EarshotError('NOT_FOUND', `no job with id ${id}`, { subject: String(id) });
      if (TERMINAL.has(job.status)) return job;
      const local = this.running.get(id)?.promise;
      await Promise.race([local ?? new Promise((r) => setTimeout(r, POLL_MS)), new Promise((r) => setTimeout(r, POLL_MS))]);
    }
  }

  /**
   * Hand every unfinished job of this model that nobody runs to a runner again: all of them on PGlite (this
   * process is the only one), queued ones and those with a stale heartbeat on a server. Returns their ids.
   */
  async resume(): Promise<number[]> {
    const ids: number[] = [];
    for (const j of await repo.unfinishedJobs(this.store, this.modelId)) {
      if (this.running.has(j.id) || this.isWaiting(j.id) || !this.handlers[j.kind]) continue;
      ids.push(j.id);
      await this.dispatch(j.id);
    }
    return ids;
  }

  /**
   * Stop taking jobs; interruptible jobs are asked to stop and awaited (they stay running in the database
   * and are resumed by the next start). Ingest jobs are not awaited: their run resumes as it always has.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.waiting.clear();
    const boss = this.boss;
    this.boss = null;
    await boss?.stop({ graceful: true, wait: true, close: true, timeout: 10_000 }).catch(() => {});
    await Promise.allSettled([...this.running.values()].filter((r) => r.handler?.interruptible !== false).map((r) => r.promise));
  }

  private isWaiting(id: number): boolean {
    for (const q of this.waiting.values()) if (q.includes(id)) return true;
    return false;
  }

  private async dispatch(id: number): Promise<void> {
    if (this.closing) return;
    if (this.boss) await this.boss.send(JOBS_QUEUE, { jobId: id });
    else await this.take(id);
  }

  /** This process got a job id: line it up in its kind's lane. */
  private async take(id: number): Promise<void> {
    if (this.closing || this.running.has(id) || this.isWaiting(id)) return;
    const job = await this.get(id);
    // A kind this process has no handler for is left to one that has (the CLI's runner registers only its own).
    if (!job || TERMINAL.has(job.status) || !this.handlers[job.kind]) return;
    const q = this.waiting.get(job.kind) ?? [];
    this.waiting.set(job.kind, q);
    q.push(id);
    this.pump(job.kind);
  }

  private pump(kind: string): void {
    const handler = this.handlers[kind] as JobHandler<unknown> | undefined;
    const lanes = handler?.concurrency ?? 1;
    const q = this.waiting.get(kind) ?? [];
    let busy = [...this.running.values()].filter((r) => r.kind === kind).length;
    while (!this.closing && q.length && busy < lanes) {
      const id = q.shift()!;
      busy++;
      const r: Running = { promise: Promise.resolve(), cancelled: false, handler, kind };
      this.running.set(id, r);
      r.promise = this.execute(id, kind, handler, r).finally(() => {
        this.running.delete(id);
        this.pump(kind);
      });
    }
  }

  private async execute(id: number, kind: string, handler: JobHandler<unknown> | undefined, r: Running): Promise<void> {
    const job = await repo.claimJob(this.store, id, this.staleSec).catch(() => null);
    if (!job) return; // ended, or another live process runs it
    if (!handler) return; // take() lines up only kinds with a handler
    const beat = async (p: JobProgress = {}) => {
      const now = await repo.storeJobProgress(this.store, id, p);
      if (now?.status === 'cancelled') r.cancelled = true;
    };
    const heartbeat = setInterval(() => void beat().catch(() => {}), HEARTBEAT_MS);
    const ctx: JobContext<unknown> = {
      job,
      payload: job.payload,
      progress: beat,
      stopping: () => r.cancelled || this.closing,
      cancelled: () => r.cancelled,
    };
    let outcome: JobOutcome | void;
    try {
      outcome = await handler.run(ctx);
    } catch (e) {
      clearInterval(heartbeat);
      await repo.endJob(this.store, id, 'failed', asEarshotError(e, 'JOB_FAILED', kind).toLine()).catch(() => {});
      return;
    }
    clearInterval(heartbeat);
    if (outcome === 'stopped' && !r.cancelled) return; // still running in the database: the next start resumes it
    if (outcome === 'cancelled' || r.cancelled) {
      await repo.endJob(this.store, id, 'cancelled');
      return;
    }
    if (await repo.endJob(this.store, id, 'done')) {
      const ended = await this.get(id);
      if (ended) await handler.after?.(ended, this).catch(() => {});
    }
  }
}
