/**
 * Ingest as a job: the 'ingest' handler executes an IngestRun (executeRun, unchanged) and mirrors its counters
 * onto the job. The run stays the truth of an ingest (its files, failures, resume); the job makes it one of the
 * server's jobs: listed, cancelled and resumed like the others, and followed by the near-duplicate computation.
 */
import type { JobHandler } from '../jobs/registry.js';
import { NEAR_DUPLICATES_JOB, rememberSummary, type IngestJobPayload } from './ingest-jobs.js';
import { executeRun, executingIn, track, type IngestDeps, type IngestSummary } from './pipeline.js';
import { cancelRun, getRun } from './runs.js';
import { ingestDb } from './db.js';

export function ingestJob(deps: IngestDeps): JobHandler<IngestJobPayload> {
  return {
    // Several folders ingest at once, as startIngest always allowed; they share the decode threads per run.
    concurrency: Infinity,
    // A run stops between files only by being cancelled; a server that stops leaves it to the next start's resume.
    interruptible: false,
    async run(ctx) {
      const { runId } = ctx.payload;
      const running = executingIn(deps.store).get(runId);
      let summary: IngestSummary | null;
      if (running) {
        summary = await running; // the CLI inside `npm start` is executing this run already
      } else {
        const work = executeRun(deps, runId, {
          concurrency: ctx.payload.concurrency,
          onProgress: (p) => void ctx.progress({ total: p.run.totalFiles, processed: p.run.processedFiles + p.run.skippedFiles, failed: p.run.failedFiles }).catch(() => {}),
        });
        void track(
          deps.store,
          runId,
          work.catch(() => null),
        );
        summary = await work; // a failed run is recorded on it by executeRun, and on the job by the rethrow
      }
      if (!summary) return 'done';
      rememberSummary(deps.store, runId, summary);
      const r = summary.run;
      await ctx.progress({ total: r.totalFiles, processed: r.processedFiles + r.skippedFiles, failed: r.failedFiles });
      return r.status === 'cancelled' ? 'cancelled' : 'done';
    },
    async cancel(p) {
      await cancelRun(ingestDb(deps.store), p.runId).catch(() => {});
    },
    async after(job, jobs) {
      const r = await getRun(ingestDb(deps.store), (job.payload as IngestJobPayload).runId);
      if (r && r.processedFiles > 0) await jobs.enqueue(NEAR_DUPLICATES_JOB, {});
    },
  };
}
