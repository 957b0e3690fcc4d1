/**
 * The GraphQL schema's source files, read once: Apollo serves their concatenation, GET /export checks its filter
 * against it, codegen.ts types the resolvers and the web app's operations with it, and test/api/schema.test.ts
 * holds it to the printed contract (test/api/schema.snapshot.graphql). Kept apart from index.ts so that codegen
 * and tests can read the schema without loading Apollo.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The modules in the order their fields appear: base (the shared types, Query and Mutation) first. */
export const SCHEMA_MODULES = ['base', 'system', 'library', 'search', 'classify', 'ingest', 'jobs'] as const;

export const SCHEMA_FILES: readonly string[] = SCHEMA_MODULES.map((m) => path.join(HERE, 'modules', m, 'schema.graphql'));

export const typeDefs = SCHEMA_FILES.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
