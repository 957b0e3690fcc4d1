/**
 * The keyword half leaves out a word that more than half the clips have (KEYWORD_MAX_SHARE): from the
 * planner's statistics once ANALYZE has run (what every ingest does), from a count before that. Both
 * ways must agree on which words carry information.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keywordRanking } from '../../apps/api/src/search/index.js';
import { ensureModel, toVectorLiteral } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/** One whole-clip vector (the same for all: only the keyword half is under test) for every clip. */
const embedEvery = (t: TestStore, modelId: number) =>
  t.store.sql(`INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding) SELECT "contentHash", $1::int, 'clip', 0, 1, $2::vector FROM "Clip"`, [
    modelId,
    toVectorLiteral(Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0))),
  ]);

describe('keyword half: which words are informative', () => {
  let t: TestStore;
  let modelId: number;
  const N = 60;
  beforeAll(async () => {
    t = await openTestStore();
    ({ id: modelId } = await ensureModel(t.store, { name: 'kw-share', version: '1', dim: 512, featureMode: 'none' }));
    // Every clip sits in a "wav" folder; one in ten is thunder, the rest rain; one is also "creak".
    await t.store.sql(
      `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, "updatedAt")
       SELECT '/lib/wav/' || n, '/lib/wav/', n, md5(g::text), 'wav', 48000, 1, 1, 1, now(), now()
         FROM generate_series(1, $1::int) g,
              LATERAL (SELECT (CASE WHEN g % 10 = 0 THEN 'thunder' ELSE 'rain' END) || CASE WHEN g = 7 THEN '_creak' ELSE '' END || '_' || g || '.wav' AS n) x`,
      [N],
    );
    await embedEvery(t, modelId);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const informative = async () => {
    const hits = await keywordRanking(t.store, modelId, 'wav rain thunder creak xyzzy', null, 100, N);
    return {
      informative: hits.informative,
      ids: hits.length,
      thunder: hits.filter((h) => h.matched.includes('thunder')).length,
      rain: hits.filter((h) => h.matched.includes('rain')).length,
    };
  };

  it('agrees before and after ANALYZE: "wav" (every clip) and "rain" (54 of 60) are left out, "thunder" and "creak" count, "xyzzy" (no clip) does not', async () => {
    const counted = await informative();
    await t.store.sql(`ANALYZE "Clip"`);
    const [{ stats }] = await t.store.sql<{ stats: boolean }>(
      `SELECT count(*) > 0 AS stats FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'Clip' AND attname = 'search' AND most_common_elems IS NOT NULL`,
    );
    expect(stats).toBe(true);
    const fromStats = await informative();
    expect(counted).toEqual({ informative: 2, ids: 7, thunder: 6, rain: 0 });
    expect(fromStats).toEqual(counted);
  });
});

describe('keyword half: a bounded candidate set', () => {
  let t: TestStore;
  let modelId: number;
  beforeAll(async () => {
    t = await openTestStore();
    ({ id: modelId } = await ensureModel(t.store, { name: 'kw-bound', version: '1', dim: 512, featureMode: 'none' }));
    // 60 clips: "bell" in 4 names; "door" in 6 names and 14 folders (a third of the library); one "door_bell"; the rest neither.
    await t.store.sql(
      `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, "updatedAt")
       SELECT x.f || x.n, x.f, x.n, md5(g::text), 'wav', 48000, 1, 1, 1, now(), now()
         FROM generate_series(1, 60) g,
              LATERAL (SELECT CASE WHEN g BETWEEN 5 AND 18 THEN '/lib/door/' ELSE '/lib/misc/' END AS f,
                              CASE WHEN g <= 4 THEN 'bell_' WHEN g BETWEEN 19 AND 24 THEN 'door_' WHEN g = 60 THEN 'door_bell_' ELSE 'thing_' END || g || '.wav' AS n) x`,
    );
    await embedEvery(t, modelId);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const names = async (max: number) => {
    const hits = await keywordRanking(t.store, modelId, 'door bell', null, 100, 60, 32, max);
    const rows = await t.store.sql<{ id: number; name: string }>(`SELECT id, name FROM "Clip" WHERE id = ANY($1::int[])`, [hits.map((h) => h.clipId)]);
    return { informative: hits.informative, names: rows.map((r) => r.name.replace(/_\d+\.wav$/, '')).sort(), n: hits.length };
  };

  it('takes clips with every word first, then name matches before folder-only ones; unbounded it ranks every match', async () => {
    for (const when of ['counted', 'from statistics']) {
      if (when === 'from statistics') await t.store.sql(`ANALYZE "Clip"`);
      expect(await names(8), when).toEqual({ informative: 2, n: 8, names: ['bell', 'bell', 'bell', 'bell', 'door', 'door', 'door', 'door_bell'] });
      const all = await names(1000);
      expect(all.n, when).toBe(25);
      expect(
        all.names.filter((n) => n === 'thing'),
        when,
      ).toHaveLength(14);
    }
  });
});
