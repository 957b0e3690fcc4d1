/**
 * The schema is written as modules (apps/api/src/graphql/modules/<name>/schema.graphql), each with its resolvers
 * beside it; what clients see is their merge. Printed in a stable order it must equal test/api/schema.snapshot.graphql:
 * a change to the API's contract shows in review as a change of that one file
 * (`npx vitest run test/api/schema.test.ts -u` rewrites it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, Kind, lexicographicSortSchema, parse, printSchema, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { moduleResolvers } from '../../apps/api/src/graphql/resolvers.js';
import { SCHEMA_FILES, SCHEMA_MODULES, typeDefs } from '../../apps/api/src/graphql/schema.js';

const MODULES_DIR = path.join(path.dirname(SCHEMA_FILES[0]), '..');
const documentOf = (m: string): DocumentNode => parse(fs.readFileSync(path.join(MODULES_DIR, m, 'schema.graphql'), 'utf8'));

/** The root fields (Query, Mutation) a module's schema adds. */
function rootFields(doc: DocumentNode): Record<'Query' | 'Mutation', string[]> {
  const out = { Query: [] as string[], Mutation: [] as string[] };
  for (const d of doc.definitions)
    if (d.kind === Kind.OBJECT_TYPE_EXTENSION && (d.name.value === 'Query' || d.name.value === 'Mutation')) out[d.name.value].push(...(d.fields ?? []).map((f) => f.name.value));
  return out;
}

describe('graphql schema', () => {
  it('the merged schema is the printed contract', async () => {
    await expect(printSchema(lexicographicSortSchema(buildSchema(typeDefs)))).toMatchFileSnapshot('./schema.snapshot.graphql');
  });

  it('every folder under graphql/modules is a module the server reads, with its schema and its resolvers', () => {
    const folders = fs.readdirSync(MODULES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.map((d) => d.name).sort()).toEqual([...SCHEMA_MODULES].sort());
    for (const m of SCHEMA_MODULES) {
      expect(fs.existsSync(path.join(MODULES_DIR, m, 'schema.graphql')), m).toBe(true);
      expect(fs.existsSync(path.join(MODULES_DIR, m, 'resolvers.ts')), m).toBe(true);
    }
  });

  it('base defines Query and Mutation; the other modules only extend them', () => {
    for (const m of SCHEMA_MODULES) {
      const defined = documentOf(m)
        .definitions.filter((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && (d.name.value === 'Query' || d.name.value === 'Mutation'))
        .map((d) => (d as { name: { value: string } }).name.value);
      expect(defined, m).toEqual(m === 'base' ? ['Query', 'Mutation'] : []);
    }
  });

  it('each root field is resolved by the module whose schema declares it, and by no other', () => {
    const schema = buildSchema(typeDefs);
    const resolvedBy = new Map<string, string[]>();
    for (const m of SCHEMA_MODULES) {
      const declared = rootFields(documentOf(m));
      for (const root of ['Query', 'Mutation'] as const) {
        const resolved = Object.keys((moduleResolvers[m] as Record<string, object | undefined>)[root] ?? {});
        expect(resolved.sort(), `${m} ${root}`).toEqual([...declared[root]].sort());
        for (const f of resolved) resolvedBy.set(`${root}.${f}`, [...(resolvedBy.get(`${root}.${f}`) ?? []), m]);
      }
    }
    const all = [schema.getQueryType()!, schema.getMutationType()!].flatMap((t) => Object.keys(t.getFields()).map((f) => `${t.name}.${f}`));
    expect(all.length).toBeGreaterThan(25);
    for (const f of all) expect(resolvedBy.get(f), f).toHaveLength(1);
  });
});
