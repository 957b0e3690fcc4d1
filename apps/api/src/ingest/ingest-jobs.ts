/** How startIngest and resumeIngests hand a run to the 'ingest' job (ingest/job.ts) and get its summary back. */
import { JOB_KINDS } from '../jobs/registry.js';
import type { Jobs } from '../jobs/runner.js';
import type { Store } from '../store/index.js';
import type { IngestSummary } from './pipeline.js';

const INGEST_JOB = JOB_KINDS.ingest;
/** The library-wide near-duplicate computation (search/near-duplicates.ts), enqueued after an ingest that embedded files. */
export const NEAR_DUPLICATES_JOB = JOB_KINDS.nearDuplicates;

export interface IngestJobPayload {
  runId: number;
  concurrency?: number;
}

/** Per store: the summary of each run a job of this process executed, until startIngest's `finished` takes it. */
const summaries = new WeakMap<Store, Map<number, IngestSummary>>();

/** One job per run (its key): a second start or resume of the same run joins it. */
export function enqueueIngestJob(jobs: Jobs, runId: number, concurrency?: number): Promise<{ id: number; joined: boolean }> {
  return jobs.enqueue(INGEST_JOB, { runId, ...(concurrency ? { concurrency } : {}) }, `ingest:run:${runId}`);
}

/** The run's summary once its job ends: null when it failed or another process executed it (its row says how it went). */
export function finishedRun(jobs: Jobs, jobId: number, runId: number): Promise<IngestSummary | null> {
  return jobs
    .wait(jobId)
    .then(() => {
      const m = summaries.get(jobs.store);
      const s = m?.get(runId) ?? null;
      m?.delete(runId);
      return s;
    })
    .catch(() => null);
}

export function rememberSummary(store: Store, runId: number, summary: IngestSummary): void {
  let m = summaries.get(store);
  if (!m) summaries.set(store, (m = new Map()));
  m.set(runId, summary);
}
