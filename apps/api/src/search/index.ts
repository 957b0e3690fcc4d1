/** search/: plain functions over (store, runtime, modelId, input) → plain results matching the GraphQL types. */
export * from './filters.js';
export * from './clips.js';
export * from './rank.js';
export * from './relevance.js';
export * from './classify.js';
export * from './export.js';
export * from './export-lists.js';
export * from './text.js';
export { UploadRegistry, type UploadInfo, type UploadOptions } from './uploads.js';
export { classifyFiles, formatAnswers, type FileAnswer, type ClassifyFilesInput, type ClassifyFilesResult } from './classify-files.js';
