/** Every statement of the application, by table (search/rank.ts and search/relevance.ts are still to move here). */
export * from './clip-filter.js';
export * from './clips.js';
export * from './health.js';
export * from './ingest-runs.js';
export * from './label-sets.js';
export * from './models.js';
export * from './predictions.js';
export * from './segments.js';
