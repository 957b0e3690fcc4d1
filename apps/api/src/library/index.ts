/** library/: listing, folders, facets, tags, label sets and their stored predictions, export; UCS facts of names. */
export * from './clips.js';
export * from './pages.js';
export * from './label-sets.js';
export * from './export.js';
export * from './text.js';
export { parseUcs } from './ucs.js';
