/** The registry the server runs: every job kind with its handler, wired to the server's store and model. */
import { ingestJob } from '../ingest/job.js';
import { reembedJob } from '../ingest/reembed.js';
import type { IngestDeps } from '../ingest/index.js';
import type { ClapRuntime } from '../model/index.js';
import { classifyLibraryJob, nearDuplicatesJob } from '../search/index.js';
import { JOB_KINDS, type JobHandlers } from './registry.js';

export function jobHandlers(deps: IngestDeps & { runtime: ClapRuntime }): JobHandlers {
  return {
    [JOB_KINDS.ingest]: ingestJob(deps),
    [JOB_KINDS.classifyLibrary]: classifyLibraryJob(deps.store, deps.runtime),
    [JOB_KINDS.nearDuplicates]: nearDuplicatesJob(deps.store),
    [JOB_KINDS.reembed]: reembedJob(deps, { concurrency: deps.config.ingest.concurrency }),
  };
}
