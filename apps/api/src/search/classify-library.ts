/**
 * Classifying the library with a label set, as the 'classifyLibrary' job: a page of contents at a time in hash
 * order, one stored prediction per content, progress in clips. The cursor is the last content of the last
 * stored page: a resumed job continues after it and classifies nothing twice (a page redone after a crash
 * between its upsert and its progress write is upserted again, same result).
 */
import { JOB_KINDS, type JobHandler } from '../jobs/registry.js';
import type { Jobs } from '../jobs/runner.js';
import { requireLabelSet } from '../library/label-sets.js';
import * as repo from '../store/index.js';
import type { Store } from '../store/index.js';
import { classifyContents, prepareLabelSet, type ClassifyRuntime } from './classify.js';
import type { ClipFilter } from './filters.js';

const CLASSIFY_LIBRARY_JOB = JOB_KINDS.classifyLibrary;

export interface ClassifyLibraryPayload {
  labelSetId: number;
  filter?: ClipFilter | null;
}

/** Contents per page (one vector read, one upsert). */
const PAGE = 200;

export function classifyLibraryJob(store: Store, rt: ClassifyRuntime, opts: { pageSize?: number; onPage?: (hashes: string[]) => void } = {}): JobHandler<ClassifyLibraryPayload> {
  const pageSize = opts.pageSize ?? PAGE;
  return {
    async run(ctx) {
      const { modelId } = ctx.job;
      const { labelSetId, filter } = ctx.payload;
      const prepared = await prepareLabelSet(store, rt, String(labelSetId));
      let cursor = ctx.job.cursor;
      let processed = cursor ? ctx.job.processed : 0;
      await ctx.progress({ total: await repo.countEmbeddedClips(store, modelId, filter), processed });
      for (;;) {
        if (ctx.stopping()) return ctx.cancelled() ? 'cancelled' : 'stopped';
        const page = await repo.embeddedContentPage(store, modelId, { filter, after: cursor, limit: pageSize });
        if (!page.length) return 'done';
        const hashes = page.map((p) => p.h);
        await classifyContents(store, modelId, rt, prepared, hashes);
        opts.onPage?.(hashes);
        cursor = hashes[hashes.length - 1];
        processed += page.reduce((a, p) => a + p.clips, 0);
        await ctx.progress({ processed, cursor });
      }
    },
  };
}

/**
 * The classifyLibrary mutation: checks the set and the filter, enqueues the job and returns it at once (the same
 * set and filter while a job of them is unfinished get that job). Poll job(id) for progress; predictedLabels
 * has the counts when it is done.
 */
export async function startClassifyLibrary(jobs: Jobs, labelSet: string, filter?: ClipFilter | null): Promise<{ id: number; joined: boolean }> {
  const set = await requireLabelSet(jobs.store, labelSet);
  await repo.countEmbeddedClips(jobs.store, jobs.modelId, filter); // a filter that cannot run fails here, not in the background
  return jobs.enqueue(CLASSIFY_LIBRARY_JOB, { labelSetId: set.id, filter: filter ?? null } satisfies ClassifyLibraryPayload);
}
