/**
 * The vector index can be rebuilt with other HNSW settings (issue 16: a million clips needs m 32 /
 * ef_construction 128): the new index is built beside the old one and swapped in, KNN queries use it, a
 * leftover of an interrupted rebuild is cleared, and settings pgvector would refuse are refused first.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apps/api/src/config.js';
import { checkHnswSettings, LARGE_INDEX_SEGMENTS, rebuildVectorIndex, vectorIndexAdvice, vectorIndexState } from '../../apps/api/src/search/index.js';
import { ensureModel, toVectorLiteral } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

const unit = (k: number) => toVectorLiteral(Array.from({ length: 512 }, (_, i) => (i === k ? 1 : i === (k + 1) % 512 ? 0.5 : 0)));

describe('vector index rebuild', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
    const { id: modelId } = await ensureModel(t.store, { name: 'vi', version: '1', dim: 512, featureMode: 'none' });
    await t.store.sql(
      `INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding)
       SELECT 'h' || g, $1::int, 'clip', 0, 1, v::vector FROM unnest($2::text[]) WITH ORDINALITY AS x(v, g)`,
      [modelId, Array.from({ length: 40 }, (_, k) => unit(k))],
    );
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const knnPlan = async () => {
    const rows = await t.store.tx(async ({ sql }) => {
      await sql(`SET LOCAL enable_seqscan = off`);
      return sql<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT "contentHash" FROM "Segment" ORDER BY embedding <=> $1::vector LIMIT 3`, [unit(7)]);
    });
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };

  it('swaps in an index with the new settings, which the KNN uses, and clears a leftover first', async () => {
    expect((await vectorIndexState(t.store)).index).toMatchObject({ m: 16, efConstruction: 64, valid: true });
    // As if an earlier rebuild had died half-way.
    await t.store.sql(`CREATE INDEX "Segment_embedding_hnsw_new" ON "Segment" ("modelId")`);
    const r = await rebuildVectorIndex(t.store, { m: 8, efConstruction: 32 });
    expect(r.before).toMatchObject({ m: 16, efConstruction: 64 });
    expect(r.after).toMatchObject({ m: 8, efConstruction: 32, valid: true });
    expect(await vectorIndexState(t.store)).toMatchObject({ index: { m: 8, efConstruction: 32 }, segments: 40 });
    const names = await t.store.sql<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'Segment' AND indexname LIKE '%hnsw%' ORDER BY 1`);
    expect(names.map((n) => n.indexname)).toEqual(['Segment_embedding_hnsw']);
    expect(await knnPlan()).toMatch(/Segment_embedding_hnsw/);
    const [nearest] = await t.store.sql<{ h: string }>(`SELECT "contentHash" AS h FROM "Segment" ORDER BY embedding <=> $1::vector LIMIT 1`, [unit(7)]);
    expect(nearest.h).toBe('h8');
  });

  it('refuses settings pgvector would refuse, before touching the index', async () => {
    for (const bad of [
      { m: 1, efConstruction: 64 },
      { m: 16, efConstruction: 1001 },
      { m: 32, efConstruction: 40 },
      { m: 8.5, efConstruction: 64 },
    ]) {
      expect(() => checkHnswSettings(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
      await expect(rebuildVectorIndex(t.store, bad)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect((await vectorIndexState(t.store)).index).toMatchObject({ m: 8, efConstruction: 32 });
  });

  it('advises the million-clip settings only for a large library that lacks them', () => {
    const index = { m: 16, efConstruction: 64, bytes: 1, valid: true };
    expect(vectorIndexAdvice({ index, segments: 100_000 }, 200)).toBeNull();
    expect(vectorIndexAdvice({ index, segments: LARGE_INDEX_SEGMENTS }, 200)).toMatch(/--m 32 --ef-construction 128 and set EARSHOT_HNSW_EF_SEARCH=400/);
    expect(vectorIndexAdvice({ index: { ...index, m: 32, efConstruction: 128 }, segments: 1_000_000 }, 200)).toMatch(/: for .* set EARSHOT_HNSW_EF_SEARCH=400$/);
    expect(vectorIndexAdvice({ index: { ...index, m: 32, efConstruction: 128 }, segments: 1_000_000 }, 400)).toBeNull();
    expect(vectorIndexAdvice({ index: { ...index, valid: false }, segments: 10 }, 200)).toMatch(/invalid/);
    expect(vectorIndexAdvice({ index: null, segments: 10 }, 200)).toMatch(/no vector index/);
  });

  it('npm run db:vector-index shows the index, refuses half a setting and bad values with a reason', () => {
    const env = { ...process.env, EARSHOT_DATA_DIR: ':memory:', DATABASE_URL: undefined };
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-vector-index.ts', ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    const show = run([]);
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/vector index on pglite: m 16, ef_construction 64, .*; 0 segments; ef_search 200/);
    const half = run(['--m', '32']);
    expect(half.status).toBe(2);
    expect(half.stderr).toMatch(/give both --m and --ef-construction/);
    const bad = run(['--m', '32', '--ef-construction', '40']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/BAD_USER_INPUT: ef_construction must be at least twice m/);
  });
});
