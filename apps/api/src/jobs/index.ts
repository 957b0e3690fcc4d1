/** Long work outside requests: a registry of job kinds (name → handler) and one runner (pg-boss on a server, in-process on PGlite). */
export { Jobs, JOBS_QUEUE, TERMINAL } from './runner.js';
export type { JobsOptions } from './runner.js';
export { JOB_KINDS } from './registry.js';
export type { JobContext, JobHandler, JobHandlers, JobOutcome, JobProgress, JobRow, JobStatus } from './registry.js';
export { jobHandlers } from './kinds.js';
