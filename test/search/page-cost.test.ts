/**
 * The relevance lists fetch what the page needs, not the library: good matches are counted up to
 * GOOD_COUNT_MAX (then totalCountExact is false), and paging still reaches every good match past it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_COUNT_MAX, searchByText, similarTo, type HitPage, type Relevance } from '../../apps/api/src/search/index.js';
import { ensureModel, toVectorLiteral } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

const DIM = 512;
const GOOD = GOOD_COUNT_MAX + 100;
const WEAK = 40;
const nameOf = (g: number) => `${g}${g % 7 === 0 ? '_bell' : ''}.wav`;
const goodNames = Array.from({ length: GOOD }, (_, i) => nameOf(i + 2));

/** The query vector: the first axis. */
const e0 = Float32Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0));
/** A unit vector at cosine `cos` from e0, the rest on axis k. */
const at = (cos: number, k: number) => {
  const v = new Array<number>(DIM).fill(0);
  v[0] = cos;
  v[k] = Math.sqrt(1 - cos * cos);
  return toVectorLiteral(v);
};

async function fill(t: TestStore, modelId: number) {
  const n = 1 + GOOD + WEAK;
  // Clip 1 is the query (e0); then GOOD clips from cos 0.95 down to 0.6 (the first 100 in /near/), then WEAK at 0.3.
  await t.store.sql(
    `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, "updatedAt")
     SELECT f || g || CASE WHEN g % 7 = 0 THEN '_bell' ELSE '' END || '.wav', f, g || CASE WHEN g % 7 = 0 THEN '_bell' ELSE '' END || '.wav', 'h' || g, 'wav', 48000, 1, 1, 1, now(), now()
       FROM generate_series(1, $1::int) g, LATERAL (SELECT CASE WHEN g BETWEEN 2 AND 101 THEN '/near/' ELSE '/lib/' END AS f) x
      ORDER BY g`,
    [n],
  );
  const vecs = Array.from({ length: n }, (_, i) => (i === 0 ? at(1, 1) : i <= GOOD ? at(0.95 - (0.35 * (i - 1)) / GOOD, 1 + (i % (DIM - 1))) : at(0.3, 1 + (i % (DIM - 1)))));
  await t.store.sql(
    `INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding)
     SELECT 'h' || g, $1::int, 'clip', 0, 1, v::vector FROM unnest($2::text[]) WITH ORDINALITY AS u(v, g)`,
    [modelId, vecs],
  );
  await t.store.sql(`ANALYZE`);
}

describe('relevance lists: cost follows the page', () => {
  let t: TestStore;
  let modelId: number;
  // cos 0.5 is the cutoff (p = 0.5); the test vectors sit well away from it.
  const rel: Relevance = { kind: 'BUNDLE', source: 'test', goodMatch: 0.5, text: { a: 20, b: -10 }, audio: { a: 20, b: -10 }, presence: null };
  const noUpload = async (): Promise<never> => {
    throw new Error('no uploads here');
  };
  beforeAll(async () => {
    t = await openTestStore();
    ({ id: modelId } = await ensureModel(t.store, { name: 'page-cost', version: '1', dim: DIM, featureMode: 'none' }));
    await fill(t, modelId);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const walk = async (input: { weak?: boolean; filter?: { folderPrefix: string }; text?: string; first?: number }) => {
    const names: string[] = [];
    let after: string | null = null;
    let first = true;
    let total = { totalCount: 0, totalCountExact: true };
    for (let pages = 0; pages < 100; pages++) {
      const p: HitPage = input.text
        ? await searchByText(t.store, modelId, async () => [e0], { query: input.text, first: input.first ?? 50, after, relevance: rel, weak: input.weak, hybrid: true })
        : await similarTo(t.store, modelId, noUpload, { clip: '1', first: 50, after, relevance: rel, ...input });
      if (first) total = { totalCount: p.totalCount, totalCountExact: p.totalCountExact };
      first = false;
      names.push(...p.hits.map((h) => h.clip.name));
      if (!p.hasNextPage) break;
      after = p.endCursor;
    }
    return { ...total, names };
  };

  it('counts good matches up to GOOD_COUNT_MAX, says the count is a lower bound, and pages on to every good match', async () => {
    const all = await walk({});
    expect(all.totalCountExact).toBe(false);
    expect(all.totalCount).toBe(GOOD_COUNT_MAX);
    expect(all.names).toEqual(goodNames);
  });

  it('counts exactly when the good matches are fewer, and lists the weaker ones after them on request', async () => {
    const near = await walk({ filter: { folderPrefix: '/near/' } });
    expect(near).toEqual({ totalCount: 100, totalCountExact: true, names: goodNames.slice(0, 100) });
    const weak = await walk({ weak: true });
    expect(weak.names).toHaveLength(GOOD + WEAK);
    expect(new Set(weak.names).size).toBe(GOOD + WEAK);
    expect(weak.names.slice(0, GOOD)).toEqual(goodNames);
  });

  it('hybrid: pages of 50 list what one long page lists, keyword matches lifted by the keyword half', async () => {
    const paged = await walk({ text: 'bell', weak: true });
    const whole = await walk({ text: 'bell', weak: true, first: 2000 });
    expect(paged.names).toEqual(whole.names);
    expect(paged.names).toHaveLength(GOOD + WEAK + 1);
    // a weak clip whose name has the word ranks above the weak ones without it
    const weak = Array.from({ length: WEAK }, (_, i) => GOOD + 2 + i);
    const weakBell = paged.names.indexOf(nameOf(weak.find((g) => g % 7 === 0) as number));
    const weakPlain = paged.names.indexOf(nameOf(weak.find((g) => g % 7 !== 0) as number));
    expect(weakBell).toBeGreaterThan(-1);
    expect(weakBell).toBeLessThan(weakPlain);
  });
});

describe('vector ranking under a filter few clips pass', () => {
  let t: TestStore;
  let modelId: number;
  const rel: Relevance = { kind: 'BUNDLE', source: 'test', goodMatch: 0.5, text: { a: 20, b: -10 }, audio: { a: 20, b: -10 }, presence: null };
  beforeAll(async () => {
    // The index is made to give up early (what hnsw.max_scan_tuples does at 20,000 entries in a big library), and
    // sorting is made dear so the planner takes the HNSW index even for 741 rows.
    t = await openTestStore({ sessionSettings: { 'hnsw.max_scan_tuples': '60', enable_seqscan: 'off', enable_sort: 'off' } });
    ({ id: modelId } = await ensureModel(t.store, { name: 'page-cost-filter', version: '1', dim: DIM, featureMode: 'none' }));
    await fill(t, modelId);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('ranks the filtered clips exactly when the index scan stops short', async () => {
    const p = await similarTo(t.store, modelId, async () => [] as never, { clip: '1', first: 80, relevance: rel, filter: { folderPrefix: '/near/' } });
    expect(p.totalCount).toBe(100);
    expect(p.hits.map((h) => h.clip.name)).toEqual(goodNames.slice(0, 80));
  });
});
