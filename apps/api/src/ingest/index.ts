/**
 * Ingest: scan → sniff → hash → skip unchanged → decode → features → audio tower (batched)
 * → one transaction per file. Queue: pg-boss on a Postgres server, in-process on PGlite.
 */
export { startIngest, cancelIngest, resumeIngests, runIngest, prepareRun, executeRun, startWorker, processSettings } from './pipeline.js';
export type { IngestDeps, IngestSummary, ProgressSnapshot, ExecuteOptions } from './pipeline.js';
export { getRun, listRuns, listFailures, failuresOfRuns, runProgress, ACTIVE_RUN_STATUSES } from './runs.js';
export type { IngestRunRow, IngestFailure, RunProgress, RunStatus } from './runs.js';
export { processFile } from './process-file.js';
export type { FileJob, FileOutcome, ProcessSettings } from './process-file.js';
export { scanFolder, AUDIO_EXTENSIONS } from './scan.js';
export { ingestDb } from './db.js';
export { INGEST_QUEUE } from './queue.js';
export { newStageTimings, STAGES } from './timings.js';
export type { StageTimings, Stage } from './timings.js';
export { openIngestedFile, ingestRootOf } from './clip-file.js';
export { resolveIngestRoot } from './roots.js';
export { reembedJob, reembedRoots, startReembed } from './reembed.js';
