/** What a job kind provides: a handler that runs (or resumes) the work and reports progress through its context. */
import type { JobRow } from '../store/index.js';
import type { Jobs } from './runner.js';

export type { JobRow, JobStatus } from '../store/index.js';

/** The kinds of job there are, one name each (the registry's keys; Job.kind). */
export const JOB_KINDS = {
  ingest: 'ingest',
  classifyLibrary: 'classifyLibrary',
  nearDuplicates: 'nearDuplicates',
  reembed: 'reembed',
} as const;

export interface JobProgress {
  total?: number;
  processed?: number;
  failed?: number;
  /** Where a resumed run of the job continues (handler-defined). */
  cursor?: string | null;
}

export interface JobContext<P> {
  /** The job as claimed: `cursor`, `processed` and `failed` are where an earlier, interrupted run stopped. */
  job: JobRow;
  payload: P;
  /** Store progress (also the job's heartbeat). Call at least per page of work; cheap enough for that. */
  progress(p: JobProgress): Promise<void>;
  /** Cancelled, or this process is shutting down: return at the next safe point ('stopped' or 'cancelled'). */
  stopping(): boolean;
  cancelled(): boolean;
}

/**
 * 'done' (or nothing): the work is complete. 'stopped': it returned early because this process stops; the job
 * stays running and the next start resumes it from its cursor. 'cancelled': it ended because it was cancelled.
 */
export type JobOutcome = 'done' | 'stopped' | 'cancelled';

export interface JobHandler<P = unknown> {
  run(ctx: JobContext<P>): Promise<JobOutcome | void>;
  /** Called when the job is cancelled, wherever it runs (ingest cancels its run so the files stop). */
  cancel?(payload: P): Promise<void>;
  /** Jobs of this kind running at once in one process (default 1: a second one waits its turn). */
  concurrency?: number;
  /** Whether close() waits for it to return (default true). Ingest does not stop between files; it is resumed from its run. */
  interruptible?: boolean;
  /** Called after a job of this kind ended done (ingest enqueues the near-duplicate computation). */
  after?(job: JobRow, jobs: Jobs): Promise<void>;
}

/** name → handler. Every process that runs jobs registers the same map (server start-up). */
export type JobHandlers = Record<string, JobHandler<never>>;
