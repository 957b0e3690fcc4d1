/** search/: ranking (text, similar, hybrid, near-duplicates), classification, the filter's SQL for the rankings, uploads as queries. */
export * from './filters.js';
export { countEmbedded, recentCount, RECENT_COUNT_MS } from './clips.js';
export * from './rank.js';
export * from './relevance.js';
export * from './classify.js';
export * from './classify-library.js';
export * from './near-duplicates.js';
export * from './export-lists.js';
export * from './vector-index.js';
export { UploadRegistry, type UploadInfo, type UploadOptions } from './uploads.js';
export { classifyFiles, formatAnswers, type FileAnswer, type ClassifyFilesInput, type ClassifyFilesResult } from './classify-files.js';
