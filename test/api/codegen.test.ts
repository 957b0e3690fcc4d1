/**
 * graphql-codegen (codegen.ts, rerun by scripts/prepare.mjs) types the API's resolver map against
 * the merged schema modules (apps/api/src/generated/graphql.ts) and the web app's operations (apps/web/lib/generated/graphql.ts):
 * the generated files are what the generator writes now, a web operation the schema does not allow fails the
 * generation, and tsc refuses a resolver whose result has a shape the schema lacks.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, describe, expect, it } from 'vitest';
import config from '../../codegen.ts';
import * as webQueries from '../../apps/web/lib/queries.ts';
import { REPO_ROOT } from '../../apps/api/src/config.js';

const TMP = path.join(REPO_ROOT, '.tmp');

describe('graphql codegen', () => {
  it('the generated files are those of the current schema modules and web queries', async () => {
    const outs: { filename: string; content: string }[] = await generate({ ...config, cwd: REPO_ROOT, silent: true }, false);
    expect(outs.map((o) => o.filename).sort()).toEqual(['apps/api/src/generated/graphql.ts', 'apps/web/lib/generated/graphql.ts']);
    for (const o of outs) expect(fs.readFileSync(path.join(REPO_ROOT, o.filename), 'utf8'), `${o.filename} is stale: run node scripts/prepare.mjs`).toBe(o.content);
    // Every operation of apps/web/lib/queries.ts has its result and variable types.
    const web = outs.find((o) => o.filename.startsWith('apps/web'))!.content;
    const operations = Object.values<unknown>(webQueries).flatMap((q) => (typeof q === 'string' ? [...q.matchAll(/^\s*(query|mutation) (\w+)/g)] : []));
    expect(operations.length).toBeGreaterThan(10);
    for (const [, kind, name] of operations) {
      const t = `${name}${kind === 'query' ? 'Query' : 'Mutation'}`;
      expect(web).toMatch(new RegExp(`export type ${t} = `));
      expect(web).toMatch(new RegExp(`export type ${t}Variables = `));
    }
  }, 60_000);

  it("a web operation that the schema does not allow fails the generation (and so npm test's prepare step)", async () => {
    const web = config.generates['apps/web/lib/generated/graphql.ts'];
    const bad = (documents: string[]) => generate({ ...config, cwd: REPO_ROOT, silent: true, generates: { 'bad.ts': { ...(web as object), documents } } }, false);
    await expect(bad(['query Bad { health { ok nope } }'])).rejects.toThrow(/Cannot query field "nope" on type "Health"/);
    await expect(bad(['query Bad($q: Int!) { searchByText(query: $q) { totalCount } }'])).rejects.toThrow(
      /Variable "\$q" of type "Int!" used in position expecting type "String!"/,
    );
    await expect(bad(['query Good { health { ok } }'])).resolves.toHaveLength(1);
  }, 60_000);

  let dir: string | undefined;
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('a resolver returning the wrong shape fails the typecheck; the right shape and the real map pass', () => {
    fs.mkdirSync(TMP, { recursive: true });
    dir = fs.mkdtempSync(path.join(TMP, 'codegen-typecheck-'));
    const head = `import type { Resolvers } from '../../apps/api/src/generated/graphql.ts';\n`;
    const cases: Record<string, string> = {
      // Health.ok is Boolean!
      'wrong-type.ts': `export const r: Resolvers = { Query: { health: () => ({ ok: 'yes', backend: 'pglite', clips: 1, segments: 2, version: '1' }) } };`,
      // Health.version is non-null and missing
      'missing-field.ts': `export const r: Resolvers = { Query: { health: async () => ({ ok: true, backend: 'pglite', clips: 1, segments: 2 }) } };`,
      // ClipStatus is ACTIVE | MISSING, not the domain's lower-case value
      'wrong-enum.ts': `export const r: Resolvers = { Clip: { status: () => 'active' } };`,
      // a module resolver handing on the service's page as it is (hasNextPage/endCursor, not the schema's pageInfo)
      'unmapped-service-result.ts': `import type { ApiContext } from '../../apps/api/src/graphql/context.ts';\nexport const r: Resolvers = { Query: { clips: (_: unknown, a: { first?: number | null }, ctx: ApiContext) => ctx.services.library.listClips(a) } };`,
      // a field the schema does not have
      'unknown-field.ts': `export const r: Resolvers = { Query: { healthz: () => true } };`,
      'right.ts': `export const r: Resolvers = { Query: { health: async () => ({ ok: true, backend: 'pglite', clips: 1, segments: 2, version: '1' }) }, Clip: { status: () => 'MISSING' } };`,
      // every schema module's part of the map, as the server hands them to Apollo
      'real-map.ts': `import { moduleResolvers } from '../../apps/api/src/graphql/resolvers.ts';\nexport const r: Resolvers[] = Object.values(moduleResolvers);`,
    };
    for (const [f, body] of Object.entries(cases)) fs.writeFileSync(path.join(dir, f), head + body + '\n');
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'] }));
    const r = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    const out = r.stdout + r.stderr;
    expect(r.status, out).not.toBe(0);
    // tsc names each file relative to its working directory: `wrong-type.ts(2,57): error TS2322: …`
    const errorsIn = (f: string) => out.split('\n').filter((l) => l.startsWith(`${f}(`) && l.includes('error TS'));
    for (const f of ['wrong-type.ts', 'missing-field.ts', 'wrong-enum.ts', 'unmapped-service-result.ts', 'unknown-field.ts'])
      expect(errorsIn(f), `${f} should fail:\n${out}`).not.toEqual([]);
    expect(errorsIn('right.ts'), out).toEqual([]);
    expect(errorsIn('real-map.ts'), out).toEqual([]);
    expect(out).toMatch(/Type '"active"' is not assignable to type 'Promise<ClipStatus> \| ClipStatus'/);
  }, 60_000);
});
