/**
 * The schema is written as modules (apps/api/src/graphql/modules/<name>/schema.graphql); what clients see is
 * their merge. Printed in a stable order it must equal test/api/schema.snapshot.graphql: a change to the API's
 * contract shows in review as a change of that one file (`npx vitest run test/api/schema.test.ts -u` rewrites it).
 */
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { typeDefs } from '../../apps/api/src/graphql/schema.js';

describe('graphql schema', () => {
  it('the merged schema is the printed contract', async () => {
    await expect(printSchema(lexicographicSortSchema(buildSchema(typeDefs)))).toMatchFileSnapshot('./schema.snapshot.graphql');
  });
});
