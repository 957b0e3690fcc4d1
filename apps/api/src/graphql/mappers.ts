/**
 * The domain rows that resolvers hand on for schema types with field resolvers (codegen.ts `mappers`):
 * a resolver returning a Clip returns a ClipRow, and Clip's own resolvers turn it into the schema's fields.
 */
export type { ClipRow as ClipModel, LabelSetRow as LabelSetModel } from '../library/index.js';
export type { IngestRunRow as IngestRunModel } from '../ingest/index.js';
export type { JobRow as JobModel } from '../jobs/index.js';
export type { NearDuplicatesState as NearDuplicatesStatusModel } from '../search/index.js';
