/**
 * Re-embedding the library with the active model, as the 'reembed' job: one --reindex ingest run per folder the
 * library was ingested from (outermost folders only: a folder inside another is covered by it), one after the
 * other. Each run is an ordinary IngestRun (its files, failures and resume); the job's cursor is the last folder
 * whose run finished, and a resumed job joins the unfinished run of the next folder (createOrJoinRun), whose files
 * already re-embedded stay done. Like any --reindex run, a folder's new files are ingested and vanished ones marked
 * missing on the way.
 */
import path from 'node:path';
import { EarshotError } from '../errors.js';
import { JOB_KINDS, type JobHandler } from '../jobs/registry.js';
import type { Jobs } from '../jobs/runner.js';
import * as repo from '../store/index.js';
import { ingestDb } from './db.js';
import { NEAR_DUPLICATES_JOB } from './ingest-jobs.js';
import { executeRun, prepareRun, type IngestDeps } from './pipeline.js';
import { cancelRun } from './runs.js';

const REEMBED_JOB = JOB_KINDS.reembed;

/** The folders to re-ingest: every ingested root that no other ingested root contains, in path order. */
export async function reembedRoots(deps: Pick<IngestDeps, 'store'>): Promise<string[]> {
  const roots = [...new Set((await repo.ingestedRoots(deps.store)).map((r) => path.resolve(r)))].sort();
  const under = (r: string, o: string) => r !== o && r.startsWith(o.endsWith(path.sep) ? o : o + path.sep);
  return roots.filter((r) => !roots.some((o) => under(r, o)));
}

export function reembedJob(deps: IngestDeps, opts: { concurrency?: number } = {}): JobHandler<Record<string, never>> {
  let current: number | null = null;
  return {
    async run(ctx) {
      const roots = await reembedRoots(deps);
      const start = ctx.job.cursor ? roots.indexOf(ctx.job.cursor) + 1 : 0;
      // Progress in files: the finished folders' files plus the current run's.
      let before = ctx.job.cursor ? ctx.job.processed : 0;
      let failed = ctx.job.cursor ? ctx.job.failed : 0;
      // Total: the active clips (files) of the library, what the runs will go through.
      await ctx.progress({ total: Math.max(ctx.job.total, await repo.countClips(deps.store, ctx.job.modelId)) });
      for (const root of roots.slice(start)) {
        if (ctx.stopping()) return ctx.cancelled() ? 'cancelled' : 'stopped';
        const { runId } = await prepareRun(deps, { root, reindex: true });
        current = runId;
        const summary = await executeRun(deps, runId, {
          concurrency: opts.concurrency,
          onProgress: (p) => void ctx.progress({ processed: before + p.run.processedFiles + p.run.skippedFiles, failed: failed + p.run.failedFiles }).catch(() => {}),
        }).catch((e: unknown) => {
          // A folder that is gone fails its run; the others are still re-embedded.
          if (e instanceof EarshotError && e.code === 'FILE_NOT_FOUND') return null;
          throw e;
        });
        current = null;
        if (summary?.run.status === 'cancelled') return 'cancelled';
        const r = summary?.run;
        before += r ? r.processedFiles + r.skippedFiles : 0;
        failed += r ? r.failedFiles : 1;
        await ctx.progress({ processed: before, failed, cursor: root });
      }
      return 'done';
    },
    async cancel() {
      if (current !== null) await cancelRun(ingestDb(deps.store), current).catch(() => {});
    },
    async after(_job, jobs) {
      await jobs.enqueue(NEAR_DUPLICATES_JOB, {});
    },
  };
}

/** reembedLibrary / `earshot reembed`: the job now, or the unfinished one. */
export function startReembed(jobs: Jobs): Promise<{ id: number; joined: boolean }> {
  return jobs.enqueue(REEMBED_JOB, {});
}
