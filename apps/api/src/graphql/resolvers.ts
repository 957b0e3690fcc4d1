/**
 * The resolver map, one part per schema module (modules/<name>/resolvers.ts beside its schema.graphql), each typed
 * against the generated schema types (codegen.ts): a resolver returning the wrong shape fails `npm run typecheck`.
 * Resolvers are thin: check arguments, call one domain function, map rows to schema types. Mutations are
 * authorised once per operation (index.ts operationGuard), not here.
 */
import type * as G from '../generated/graphql.js';
import type { SCHEMA_MODULES } from './schema.js';
import { baseResolvers } from './modules/base/resolvers.js';
import { classifyResolvers } from './modules/classify/resolvers.js';
import { ingestResolvers } from './modules/ingest/resolvers.js';
import { jobsResolvers } from './modules/jobs/resolvers.js';
import { libraryResolvers } from './modules/library/resolvers.js';
import { searchResolvers } from './modules/search/resolvers.js';
import { systemResolvers } from './modules/system/resolvers.js';

export type { ApiContext } from './context.js';

/** Each schema module's resolvers (Apollo merges them). */
export const moduleResolvers: Record<(typeof SCHEMA_MODULES)[number], G.Resolvers> = {
  base: baseResolvers,
  system: systemResolvers,
  library: libraryResolvers,
  search: searchResolvers,
  classify: classifyResolvers,
  ingest: ingestResolvers,
  jobs: jobsResolvers,
};

export const resolvers: G.Resolvers[] = Object.values(moduleResolvers);
