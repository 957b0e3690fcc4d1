/**
 * The README's GraphQL examples are part of the contract: every operation in its ```graphql blocks and in its curl
 * examples must validate against the API's schema (the merged modules of apps/api/src/graphql/modules), so the front door cannot drift from the API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { typeDefs } from '../../apps/api/src/graphql/schema.js';

const ROOT = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const schema = buildSchema(typeDefs);

/** Operations: each non-comment line of a graphql block that starts an operation, and each curl JSON "query". */
function examples(): string[] {
  const ops: string[] = [];
  for (const block of readme.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      const t = line.trim();
      if (t.startsWith('{') || t.startsWith('mutation') || t.startsWith('query')) ops.push(t);
    }
  }
  for (const m of readme.matchAll(/-d '\{"query":\s*"([\s\S]*?)"\}'/g)) ops.push(m[1].replace(/\\"/g, '"').replace(/\s+/g, ' '));
  return ops;
}

describe('README GraphQL examples', () => {
  const ops = examples();

  it('the README has examples of search, similarity, classification and ingest', () => {
    const all = ops.join('\n');
    for (const field of ['searchByText', 'similarTo', 'classify', 'startIngest', 'ingestRun']) expect(all).toContain(field);
  });

  for (const op of ops) {
    it(`validates: ${op.slice(0, 70)}`, () => {
      const errors = validate(schema, parse(op)).map((e) => e.message);
      expect(errors).toEqual([]);
    });
  }
});
