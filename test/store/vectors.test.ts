import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel, fromVectorLiteral, toVectorLiteral, type Store } from '../../apps/api/src/store/index.js';
import { prng } from '../helpers/prng.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

// Runs on whichever backend the environment selects: embedded PGlite by default,
// the Postgres server when DATABASE_URL is set (.ci/run does both).

const DIM = 512;
const PER_MODEL = 300;

const normalize = (v: Float32Array) => {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
};

/** Points around 12 centres, like embeddings of a library with a few kinds of sound. */
function clustered(n: number, seed: number): Float32Array[] {
  const r = prng(seed); // seeded: every run stores the same vectors
  const centres = Array.from({ length: 12 }, () => normalize(Float32Array.from({ length: DIM }, () => r() * 2 - 1)));
  return Array.from({ length: n }, (_, i) => normalize(centres[i % 12].map((c) => c + (r() * 2 - 1) * 0.08)));
}

const cosineDistance = (a: Float32Array, b: Float32Array) => {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(na * nb);
};

async function insertSegments(store: Store, modelId: number, prefix: string, vectors: Float32Array[]): Promise<number[]> {
  const rows = await store.sql<{ id: number }>(
    `INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding)
     SELECT t.h, $1::int, 'clip', 0, 1, t.v::vector FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(h, v, o)
     ORDER BY t.o RETURNING id`,
    [modelId, vectors.map((_, i) => `${prefix}${i}`), vectors.map(toVectorLiteral)],
  );
  return rows.map((r) => r.id);
}

let t: TestStore;
let store: Store;
let modelA: number;
let modelB: number;
let stored: Map<number, Float32Array>; // id → vector as read back from the database (model A)
const vecA = clustered(PER_MODEL, 1);
const queries = clustered(24, 99).slice(0, 8);

beforeAll(async () => {
  t = await openTestStore();
  store = t.store;
  modelA = (await ensureModel(store, { name: 'model-a', version: 'v1', dim: DIM, featureMode: 'fusion' })).id;
  modelB = (await ensureModel(store, { name: 'model-b', version: 'v1', dim: DIM, featureMode: 'rand_trunc' })).id;
  await insertSegments(store, modelA, 'a', vecA);
  // Model B holds near-copies of model A's vectors: if a query for A ever leaked into B's rows,
  // B's would tie with the true answers and show up.
  await insertSegments(
    store,
    modelB,
    'b',
    vecA.map((v) => normalize(v.map((x, i) => x + (i % 7 === 0 ? 1e-4 : 0)))),
  );
  const rows = await store.sql<{ id: number; embedding: string }>(`SELECT id, embedding::text AS embedding FROM "Segment" WHERE "modelId" = $1`, [modelA]);
  stored = new Map(rows.map((r) => [r.id, fromVectorLiteral(r.embedding)]));
});

afterAll(async () => {
  await t?.cleanup();
});

/** Make the HNSW index the only plan (see the EXPLAIN test), so its filtered results are what is checked. */
async function forceHnsw(tx: { sql: Store['sql'] }) {
  await tx.sql(`SET LOCAL enable_seqscan = off`);
  await tx.sql(`SET LOCAL enable_bitmapscan = off`);
}

function bruteForce(q: Float32Array, k: number): { id: number; d: number }[] {
  return [...stored]
    .map(([id, v]) => ({ id, d: cosineDistance(q, v) }))
    .sort((x, y) => x.d - y.d)
    .slice(0, k);
}

describe(`vectors on ${process.env.DATABASE_URL ? 'the Postgres server' : 'embedded PGlite'}`, () => {
  it('stores 512-d vectors and reads them back exactly (float32)', async () => {
    expect(stored.size).toBe(PER_MODEL);
    const [first] = await store.sql<{ embedding: string; dims: number }>(
      `SELECT embedding::text AS embedding, vector_dims(embedding) AS dims FROM "Segment" WHERE "modelId" = $1 AND "contentHash" = 'a0'`,
      [modelA],
    );
    expect(first.dims).toBe(DIM);
    expect(Array.from(fromVectorLiteral(first.embedding))).toEqual(Array.from(Float32Array.from(vecA[0])));
  });

  it('exact KNN by cosine (<=>, no index) returns the brute-force neighbours and distances', async () => {
    for (const q of queries) {
      const rows = await store.tx(async (tx) => {
        await tx.sql(`SET LOCAL enable_indexscan = off`);
        return tx.sql<{ id: number; d: number }>(`SELECT id, embedding <=> $1::vector AS d FROM "Segment" WHERE "modelId" = $2 ORDER BY embedding <=> $1::vector LIMIT 10`, [
          toVectorLiteral(q),
          modelA,
        ]);
      });
      const want = bruteForce(q, 10);
      expect(rows.map((r) => r.id)).toEqual(want.map((w) => w.id));
      rows.forEach((r, i) => expect(r.d).toBeCloseTo(want[i].d, 5));
    }
  });

  it('the planner uses the HNSW cosine index for ORDER BY <=> LIMIT, with and without a model filter', async () => {
    // A 600-row table is small enough that a scan + sort is cheaper, so the cheaper plans are
    // switched off: what is checked is that the index exists and fits this query shape.
    // `"modelId" + 0` hides the btree on modelId, whose exact plan would otherwise win at this size.
    await store.sql(`ANALYZE "Segment"`);
    const explain = (where: string) =>
      store.tx(async (tx) => {
        await tx.sql(`SET LOCAL enable_seqscan = off`);
        await tx.sql(`SET LOCAL enable_bitmapscan = off`);
        const rows = await tx.sql(`EXPLAIN SELECT id FROM "Segment" ${where} ORDER BY embedding <=> '${toVectorLiteral(queries[0])}'::vector LIMIT 10`);
        return rows.map((r) => String(Object.values(r)[0]).replace(/'\[[^\]]*\]'/g, "'[…]'")).join('\n');
      });
    expect(await explain('')).toMatch(/Index Scan using "?Segment_embedding_hnsw"?/);
    expect(await explain(`WHERE ("modelId" + 0) = ${modelA}`)).toMatch(/Index Scan using "?Segment_embedding_hnsw"?/);
  });

  it('HNSW search filtered by model returns only that model, a full page (iterative scan), with high recall', async () => {
    let hits = 0;
    for (const q of queries) {
      const rows = await store.tx(async (tx) => {
        await forceHnsw(tx);
        await tx.sql(`SET LOCAL hnsw.ef_search = 100`);
        return tx.sql<{ id: number; modelId: number }>(`SELECT id, "modelId" FROM "Segment" WHERE ("modelId" + 0) = $2 ORDER BY embedding <=> $1::vector LIMIT 10`, [
          toVectorLiteral(q),
          modelA,
        ]);
      });
      expect(rows).toHaveLength(10);
      expect(new Set(rows.map((r) => r.modelId))).toEqual(new Set([modelA]));
      const want = new Set(bruteForce(q, 10).map((w) => w.id));
      hits += rows.filter((r) => want.has(r.id)).length;
    }
    expect(hits / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('a query for model B never returns model A rows, even for A-identical query vectors', async () => {
    for (const q of vecA.slice(0, 5)) {
      const rows = await store.tx(async (tx) => {
        await forceHnsw(tx);
        return tx.sql<{ modelId: number; contentHash: string }>(
          `SELECT "modelId", "contentHash" FROM "Segment" WHERE ("modelId" + 0) = $2 ORDER BY embedding <=> $1::vector LIMIT 10`,
          [toVectorLiteral(q), modelB],
        );
      });
      expect(rows).toHaveLength(10);
      expect(rows.every((r) => r.modelId === modelB && r.contentHash.startsWith('b'))).toBe(true);
    }
  });

  it('a small model far from the query still gets a full page through HNSW (iterative scan is on by default)', async () => {
    // Without hnsw.iterative_scan the index returns its ef_search nearest rows, all of other
    // models here, and the filter leaves 0 rows; the store turns it on for every session.
    const [setting] = await store.sql<{ v: string }>(`SELECT current_setting('hnsw.iterative_scan') AS v`);
    expect(setting.v).toBe('strict_order');
    const small = (await ensureModel(store, { name: 'model-small', version: 'v1', dim: DIM, featureMode: 'fusion' })).id;
    await insertSegments(
      store,
      small,
      's',
      vecA.slice(0, 20).map((v) => v.map((x) => -x)),
    );
    const rows = await store.tx(async (tx) => {
      await forceHnsw(tx);
      return tx.sql<{ modelId: number }>(`SELECT "modelId" FROM "Segment" WHERE ("modelId" + 0) = $2 ORDER BY embedding <=> $1::vector LIMIT 10`, [
        toVectorLiteral(vecA[0]),
        small,
      ]);
    });
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.modelId === small)).toBe(true);
    await store.sql(`DELETE FROM "EmbeddingModel" WHERE id = $1`, [small]);
  });

  it('every connection searches with iterative scans and ef_search 200 (recall@10 ≥ 0.98 at 100k in bench:queries)', async () => {
    const [a] = await store.sql<{ ef: string; it: string }>(`SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS it`);
    const b = await store.tx(({ sql }) => sql<{ ef: string }>(`SELECT current_setting('hnsw.ef_search') AS ef`));
    expect([a.ef, a.it, b[0].ef]).toEqual(['200', 'strict_order', '200']);
  });

  it('ensureModel: one row per identity, new version = new model, same identity with other dim refused', async () => {
    const again = await ensureModel(store, { name: 'model-a', version: 'v1', dim: DIM, featureMode: 'fusion' });
    expect(again.id).toBe(modelA);
    const v2 = await ensureModel(store, { name: 'model-a', version: 'v2', dim: DIM, featureMode: 'fusion' });
    expect(v2.id).not.toBe(modelA);
    await expect(ensureModel(store, { name: 'model-a', version: 'v1', dim: 256, featureMode: 'fusion' })).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
    });
    // Deleting a model removes its vectors (Segment → EmbeddingModel ON DELETE CASCADE), never another model's.
    await insertSegments(store, v2.id, 'v2-', vecA.slice(0, 3));
    await store.sql(`DELETE FROM "EmbeddingModel" WHERE id = $1`, [v2.id]);
    const [left] = await store.sql<{ a: bigint; v2: bigint }>(`SELECT count(*) FILTER (WHERE "modelId" = $1) AS a, count(*) FILTER (WHERE "modelId" = $2) AS v2 FROM "Segment"`, [
      modelA,
      v2.id,
    ]);
    expect(Number(left.a)).toBe(PER_MODEL);
    expect(Number(left.v2)).toBe(0);
  });

  it('a pgvector column refuses a vector of the wrong dimension', async () => {
    await expect(insertSegments(store, modelA, 'short', [new Float32Array(3).fill(0.5)])).rejects.toThrow(/512|dimension/i);
  });
});

describe('transactions', () => {
  it('raw SQL and Prisma in one transaction commit together and roll back together', async () => {
    await expect(
      store.tx(async (tx) => {
        await tx.prisma.labelSet.create({ data: { name: 'rolled-back', labels: ['a'] } });
        await tx.sql(`INSERT INTO "LabelSet" (name, labels, "updatedAt") VALUES ('rolled-back-raw', ARRAY['b'], now())`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.prisma.labelSet.count({ where: { name: { startsWith: 'rolled-back' } } })).toBe(0);

    const n = await store.tx(async (tx) => {
      await tx.prisma.labelSet.create({ data: { name: 'kept', labels: ['dog', 'cat'] } });
      await tx.sql(`UPDATE "LabelSet" SET "multiLabel" = true WHERE name = $1`, ['kept']);
      return tx.prisma.labelSet.count();
    });
    expect(n).toBe(1);
    const kept = await store.prisma.labelSet.findUniqueOrThrow({ where: { name: 'kept' } });
    expect(kept).toMatchObject({ labels: ['dog', 'cat'], multiLabel: true });
  });
});

describe('full-text search column', () => {
  it('splits file-name separators into words and finds clips through the GIN index', async () => {
    const clip = (p: string, tags: string[]) =>
      store.sql(
        `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, tags, "updatedAt")
         VALUES ($1, $2, $3, 'h', 'wav', 48000, 1, 1.5, 10, now(), $4::text[], now())`,
        [p, p.slice(0, p.lastIndexOf('/') + 1), p.slice(p.lastIndexOf('/') + 1), tags],
      );
    await clip('/lib/Animals/Dogs/dog_bark-02.wav', ['pets']);
    await clip('/lib/Vehicles/car.engine.idle.flac', []);
    await clip('/lib/Foley/door_slam.wav', ['wood', 'Interior']);
    const find = async (q: string) =>
      (await store.sql<{ name: string }>(`SELECT name FROM "Clip" WHERE search @@ earshot_words_query($1) ORDER BY ts_rank(search, earshot_words_query($1)) DESC, name`, [q])).map(
        (r) => r.name,
      );
    expect(await find('bark')).toEqual(['dog_bark-02.wav']);
    expect(await find('dog_bark')).toEqual(['dog_bark-02.wav']);
    expect(await find('02')).toEqual(['dog_bark-02.wav']);
    expect(await find('engine')).toEqual(['car.engine.idle.flac']);
    expect(await find('animals')).toEqual(['dog_bark-02.wav']); // folder names count
    expect(await find('interior')).toEqual(['door_slam.wav']); // tags, case-insensitive
    expect(await find('wav')).toEqual(['dog_bark-02.wav', 'door_slam.wav']);
    expect(await find('cat')).toEqual([]);
    const plan = await store.tx(async (tx) => {
      await tx.sql(`SET LOCAL enable_seqscan = off`);
      const rows = await tx.sql(`EXPLAIN SELECT id FROM "Clip" WHERE search @@ earshot_words_query('bark')`);
      return rows.map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toMatch(/Clip_search_gin/);
  });

  it('stems English words, drops stop words, and weighs name and tags above folder words', async () => {
    await store.sql(`DELETE FROM "Clip"`);
    const clip = (p: string, tags: string[] = []) =>
      store.sql(
        `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, tags, "updatedAt")
         VALUES ($1, $2, $3, 'h', 'wav', 48000, 1, 1.5, 10, now(), $4::text[], now())`,
        [p, p.slice(0, p.lastIndexOf('/') + 1), p.slice(p.lastIndexOf('/') + 1), tags],
      );
    await clip('/lib/misc/accordion-in-a-room.wav');
    await clip('/lib/foley/footsteps_gravel.wav');
    await clip('/lib/rain/take_01.wav');
    await clip('/lib/misc/roof_rain_heavy.wav');
    await clip('/lib/misc/tin_can.wav', ['rain']);
    const rank = async (q: string) =>
      (
        await store.sql<{ name: string }>(
          `SELECT name FROM "Clip", (SELECT replace(earshot_words_query($1)::text, ' & ', ' | ')::tsquery AS q) w
            WHERE search @@ w.q ORDER BY ts_rank('{0.1, 0.2, 0.4, 1.0}', search, w.q) DESC, name`,
          [q],
        )
      ).map((r) => r.name);
    expect(await rank('footstep')).toEqual(['footsteps_gravel.wav']); // stemmed both ways
    expect(await rank('footsteps')).toEqual(['footsteps_gravel.wav']);
    expect(await rank('a')).toEqual([]); // a stop word matches nothing
    expect(await rank('accordion-in-a-room')).toEqual(['accordion-in-a-room.wav']); // an exact file-name token still does
    // "rain on a tin roof": the name and tag matches lead; the clip only in a folder called rain comes last.
    const r = await rank('rain on a tin roof');
    expect(r.slice(0, 2).sort()).toEqual(['roof_rain_heavy.wav', 'tin_can.wav']);
    expect(r.at(-1)).toBe('take_01.wav');
    expect(r).not.toContain('accordion-in-a-room.wav');
  });
});
