/** Every statement of the application, by table, and the statements of ranked retrieval (ranking.ts). */
export * from './clip-filter.js';
export * from './clips.js';
export * from './health.js';
export * from './ingest-runs.js';
export * from './jobs.js';
export * from './label-sets.js';
export * from './models.js';
export * from './near-pairs.js';
export * from './predictions.js';
export * from './ranking.js';
export * from './segments.js';
export * from './vector-index.js';
