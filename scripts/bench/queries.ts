/**
 * npm run bench:queries [-- --sizes 10000,100000 --ef 40,100,200,400 --queries 50]
 * Vector KNN latency at scale: synthetic clustered 512-d unit vectors (like real embeddings, which
 * sit in clusters, not uniformly on the sphere) stored as Segment rows; per size, exact scan vs the
 * HNSW index at each hnsw.ef_search, p50/p95/p99 and recall@10 of HNSW against the exact top 10.
 * PGlite in memory by default; with DATABASE_URL a fresh database on that server (dropped after).
 * Two layers: the bare SQL KNN (exact vs HNSW, recall), then the API's domain functions
 * (searchByText hybrid and vector-only with the running model's text tower, similarTo a stored clip,
 * classify a stored clip against 5 labels), called as the resolvers call them (the relevance in force,
 * weak hits listed so every page has 20), over one synthetic clip per vector, with the session's
 * default index settings. Not GraphQL/HTTP: bench:load covers that. Writes
 * bench/results/queries-<backend>.json.
 * `--data-dir DIR` keeps the PGlite database in DIR and reuses the rows a previous run loaded there (the
 * 100k load and index build take minutes); the load and build times are then those of the first run.
 * `--keep-db NAME` does the same on the server of DATABASE_URL (database NAME, created when absent, never
 * dropped). `--m`, `--ef-construction` set the HNSW build (16, 64: pgvector's defaults, what the migration
 * builds); `--maintenance-work-mem` the build's memory (default: enough for the graph to fit). `--explain`
 * writes EXPLAIN (ANALYZE, BUFFERS) of every statement of one call of each API operation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../apps/api/src/config.js';
import { refreshPlannerStats } from '../../apps/api/src/ingest/runs.js';
import { openRuntime } from '../../apps/api/src/server.js';
import { classify, relevanceForSearch, searchByText, similarTo } from '../../apps/api/src/search/index.js';
import { ensureModel, openStore, toVectorLiteral, type Store } from '../../apps/api/src/store/index.js';
import { prng } from '../../test/helpers/prng.js';
import { createDatabase, createTestDatabase } from '../../test/helpers/store.js';
import { arg, numList, pct, r2, REPO_ROOT, rssMb, writeResult } from './common.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

const DIM = 512;
const SIZES = numList(arg('sizes'), [10_000, 100_000]);
const EFS = numList(arg('ef'), [40, 100, 200, 400]);
const QUERIES = numList(arg('queries'), [50])[0];
const CENTRES = 200;
const K = 10;
const BATCH = 1000;
const DATA_DIR = arg('data-dir');
const KEEP_DB = arg('keep-db');
/** --explain: EXPLAIN ANALYZE of each statement of the API operations, into bench/results/explain-<backend>.md. */
const EXPLAIN = process.argv.includes('--explain');
const explained: string[] = [];
const HNSW_M = numList(arg('m'), [16])[0];
const HNSW_EFC = numList(arg('ef-construction'), [64])[0];
/** The graph fits when the build has ~2.6 KB per 512-d vector (vector + neighbour lists); a graph that spills builds many times slower. */
const buildMemory = (rows: number) => arg('maintenance-work-mem') ?? `${Math.max(512, Math.ceil((rows * 3.2) / 1024))}MB`;

// Seeded PRNG + Box-Muller so runs are reproducible.
const rand = prng(12345);
const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
const unit = (v: Float32Array) => {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
};
const randomUnit = () => unit(Float32Array.from({ length: DIM }, gauss));
const centres = Array.from({ length: CENTRES }, randomUnit);
/** A point near a random centre; noise sigma per dim chosen so cos(point, centre) ≈ 0.7. */
const near = (sigma = 0.045) => {
  const c = centres[Math.floor(rand() * CENTRES)];
  return unit(Float32Array.from(c, (x) => x + sigma * gauss()));
};
/** File names from a small vocabulary, so hybrid search's keyword half has realistic matches to fuse. */
const WORDS = [
  'rain',
  'roof',
  'door',
  'wood',
  'metal',
  'glass',
  'car',
  'engine',
  'bird',
  'dog',
  'crowd',
  'wind',
  'water',
  'fire',
  'piano',
  'guitar',
  'drum',
  'bell',
  'siren',
  'step',
];
const clipPath = (i: number) => `/bench/${WORDS[i % 7]}-${(i >> 3) % 40}/${WORDS[(i * 7) % WORDS.length]}_${WORDS[(i * 13 + 5) % WORDS.length]}_${i}.wav`;
const lit = (v: Float32Array) => toVectorLiteral(Array.from(v, (x) => Math.round(x * 1e6) / 1e6));

async function fill(store: Store, modelId: number, from: number, to: number) {
  await store.sql(`DROP INDEX IF EXISTS "Segment_embedding_hnsw"`);
  const t0 = performance.now();
  for (let i = from; i < to; i += BATCH) {
    const n = Math.min(BATCH, to - i);
    const hashes: string[] = [];
    const vecs: string[] = [];
    const paths: string[] = [];
    for (let j = 0; j < n; j++) {
      hashes.push(`bench-${i + j}`);
      vecs.push(lit(near()));
      paths.push(clipPath(i + j));
    }
    // One clip per vector, so the domain queries (which join Clip) see the same rows as the raw KNN.
    await store.sql(
      `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, "updatedAt")
       SELECT p, regexp_replace(p, '[^/]*$', ''), regexp_replace(p, '^.*/', ''), h, 'wav', 48000, 1, 10, 960044, now(), now()
         FROM unnest($1::text[], $2::text[]) AS t(h, p)`,
      [hashes, paths],
    );
    await store.sql(
      `INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding)
       SELECT h, $3::int, 'clip', 0, 10, v::vector FROM unnest($1::text[], $2::text[]) AS t(h, v)`,
      [hashes, vecs, modelId],
    );
    if ((i / BATCH) % 10 === 0) process.stdout.write(`\r  inserted ${i + n}/${to}`);
  }
  const insertS = (performance.now() - t0) / 1000;
  process.stdout.write(`\r  inserted ${to} rows in ${r2(insertS)} s; building HNSW index…\n`);
  return { insertS: r2(insertS), ...(await buildIndex(store, to)) };
}

async function buildIndex(store: Store, to: number) {
  const t1 = performance.now();
  // A graph that fits in maintenance_work_mem builds many times faster (PGlite's default is 64 MB;
  // 100k 512-d vectors need ~250 MB). Ingest never rebuilds: the index grows row by row.
  const mem = buildMemory(to);
  await store.tx(
    async ({ sql }) => {
      await sql(`SET LOCAL maintenance_work_mem = '${mem}'`);
      // A server builds with a parallel worker per spare core (pgvector >= 0.6); PGlite has one process.
      if (store.backend === 'postgres') await sql(`SET LOCAL max_parallel_maintenance_workers = ${Math.max(0, os.availableParallelism() - 1)}`);
      await sql(`CREATE INDEX "Segment_embedding_hnsw" ON "Segment" USING hnsw ("embedding" vector_cosine_ops) WITH (m = ${HNSW_M}, ef_construction = ${HNSW_EFC})`);
    },
    { timeoutMs: 4 * 3600_000 },
  ); // a 1M build on a loaded 2-core machine takes far longer than the store's 10 min
  await refreshPlannerStats(store); // what an ingest run does when it finishes
  const indexS = (performance.now() - t1) / 1000;
  const [size] = await store.sql<{ t: bigint; i: bigint }>(`SELECT pg_table_size('"Segment"') AS t, pg_relation_size('"Segment_embedding_hnsw"') AS i`);
  const mb = (b: bigint) => Math.round(Number(b) / 2 ** 20);
  console.log(`  index built in ${r2(indexS)} s (m ${HNSW_M}, ef_construction ${HNSW_EFC}, maintenance_work_mem ${mem}); Segment ${mb(size.t)} MB, index ${mb(size.i)} MB`);
  return { indexS: r2(indexS), m: HNSW_M, efConstruction: HNSW_EFC, segmentMb: mb(size.t), indexMb: mb(size.i) };
}

const KNN = `SELECT id FROM "Segment" WHERE "modelId" = $2::int ORDER BY embedding <=> $1::vector LIMIT ${K}`;

/** Run every query in its own transaction with the given planner/index settings; ms per query. */
async function runAll(store: Store, modelId: number, qs: string[], settings: string[]) {
  const ms: number[] = [];
  const ids: number[][] = [];
  for (const q of qs) {
    const t = performance.now();
    const rows = await store.tx(async ({ sql }) => {
      for (const s of settings) await sql(s);
      return sql<{ id: number }>(KNN, [q, modelId]);
    });
    ms.push(performance.now() - t);
    ids.push(rows.map((r) => r.id));
  }
  return { ms, ids };
}

async function plan(store: Store, modelId: number, q: string, settings: string[]) {
  return store.tx(async ({ sql }) => {
    for (const s of settings) await sql(s);
    const rows = await sql<{ 'QUERY PLAN': string }>(`EXPLAIN ${KNN}`, [q, modelId]);
    return rows
      .map((r) => Object.values(r)[0])
      .join(' ')
      .includes('hnsw')
      ? 'hnsw'
      : 'seq';
  });
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement one call of each API operation runs (its SET LOCAL
 * settings replayed first), timed as the plan reports it.
 */
async function explainOps(store: Store, ops: [string, (i: number) => Promise<unknown>][]): Promise<string> {
  const out: string[] = [];
  for (const [op, run] of ops) {
    const seen: { text: string; params: unknown[]; settings: string[] }[] = [];
    const capture =
      (sql: Store['sql'], settings: string[]): Store['sql'] =>
      (text, params = []) => {
        if (/^\s*SET LOCAL/i.test(text)) settings.push(text);
        else seen.push({ text, params, settings: [...settings] });
        return sql(text, params);
      };
    const { sql, tx } = store;
    store.sql = capture(sql, []);
    store.tx = (fn, o) => tx((t) => fn({ ...t, sql: capture(t.sql, []) }), o);
    try {
      await run(QUERIES);
    } finally {
      store.sql = sql;
      store.tx = tx;
    }
    out.push(`## ${op}: ${seen.length} statements\n`);
    for (const st of seen) {
      const plan = await store.tx(async (t) => {
        for (const x of st.settings) await t.sql(x);
        return t.sql<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS) ${st.text}`, st.params);
      });
      const lines = plan.map((r) => Object.values(r)[0]);
      const time = lines.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '?';
      out.push(
        `### ${time}: \`${st.text.replace(/\s+/g, ' ').trim().slice(0, 160)}…\`\n${st.settings.length ? `(with ${st.settings.join('; ')})\n` : ''}\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`,
      );
    }
  }
  return out.join('\n');
}

/** The server's database `name`, created when absent (kept after the run). */
async function keptDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`--keep-db ${name}: use lower-case letters, digits and _`);
  return createDatabase(serverUrl, name, { keep: true });
}

async function main() {
  const cfg = loadConfig();
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (cfg.databaseUrl && KEEP_DB) {
    databaseUrl = await keptDatabase(cfg.databaseUrl, KEEP_DB);
  } else if (cfg.databaseUrl) {
    const db = await createTestDatabase(cfg.databaseUrl);
    databaseUrl = db.url;
    drop = db.drop;
  }
  // EARSHOT_HNSW_EF_SEARCH sets the API operations' search depth, as it does the server's (the bare KNN rows set their own).
  const store = await openStore({ dataDir: DATA_DIR ?? ':memory:', databaseUrl, hnswEfSearch: cfg.hnswEfSearch });
  console.log(`bench:queries on ${store.backend}: sizes ${SIZES.join(', ')}, ef_search ${EFS.join(', ')}, ${QUERIES} queries`);
  const backendName = store.backend;
  const results: Record<string, unknown>[] = [];
  const apiResults: Record<string, unknown>[] = [];
  const rt = await openRuntime(cfg);
  const embedText = (t: string[]) => rt.embedText(t);
  let textNo = 0;
  const noUpload = async (): Promise<never> => {
    throw new Error('no uploads in this benchmark');
  };
  try {
    const { id: modelId } = await ensureModel(store, { name: 'bench-synthetic', version: '1', dim: DIM, featureMode: 'none' });
    let have = 0;
    const [kept] = DATA_DIR || KEEP_DB ? await store.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "Segment" WHERE "modelId" = $1::int`, [modelId]) : [{ n: 0 }];
    for (const size of [...SIZES].sort((a, b) => a - b)) {
      console.log(`size ${size}:`);
      if (kept.n > size) throw new Error(`--data-dir/--keep-db holds ${kept.n} rows, more than size ${size}: use another folder`);
      // Rows a previous run left in --data-dir are reused; the PRNG is advanced as if they had been drawn.
      const from = Math.max(have, kept.n);
      for (let i = have; i < from; i++) near();
      const indexed = (await store.sql(`SELECT 1 FROM pg_indexes WHERE indexname = 'Segment_embedding_hnsw'`)).length > 0;
      const build =
        from < size
          ? await fill(store, modelId, from, size)
          : indexed
            ? { insertS: null, indexS: null, reused: true }
            : { insertS: null, reused: true, ...(await buildIndex(store, size)) };
      // A kept database is measured as an ingest leaves a library: fresh planner statistics, GIN pending lists
      // merged (rows an older run left in them made every keyword probe read them in full).
      if (!build.indexS) await refreshPlannerStats(store);
      have = size;
      const qs = Array.from({ length: QUERIES }, () => lit(near()));
      // Warm up caches so the first measured query is not a cold read.
      await runAll(store, modelId, qs.slice(0, 3), []);
      const exactSettings = ['SET LOCAL enable_indexscan = off'];
      const exact = await runAll(store, modelId, qs, exactSettings);
      const exactPlan = await plan(store, modelId, qs[0], exactSettings);
      const row = (mode: string, ef: number | null, ms: number[], recall: number | null, usedPlan: string) => {
        const r = {
          backend: store.backend,
          size,
          mode,
          efSearch: ef,
          plan: usedPlan,
          p50Ms: r2(pct(ms, 50)),
          p95Ms: r2(pct(ms, 95)),
          p99Ms: r2(pct(ms, 99)),
          recallAt10: recall,
          ...build,
        };
        results.push(r);
        console.log(
          `  ${mode.padEnd(6)} ef=${String(ef ?? '-').padEnd(4)} plan=${usedPlan.padEnd(4)} p50 ${r.p50Ms} ms  p95 ${r.p95Ms} ms  p99 ${r.p99Ms} ms` +
            (recall === null ? '' : `  recall@10 ${recall}`),
        );
      };
      row('exact', null, exact.ms, 1, exactPlan);
      for (const ef of EFS) {
        const settings = [`SET LOCAL hnsw.ef_search = ${ef}`];
        const h = await runAll(store, modelId, qs, settings);
        let hit = 0;
        h.ids.forEach((ids, i) => {
          const truth = new Set(exact.ids[i]);
          hit += ids.filter((id) => truth.has(id)).length;
        });
        row('hnsw', ef, h.ms, Math.round((hit / (K * qs.length)) * 1000) / 1000, await plan(store, modelId, qs[0], settings));
      }
      // The API's own operations at this size (session defaults: HNSW with iterative scans), with the
      // text tower of the running model, first page of 20 as the web app asks for.
      // New texts at every size and for each text operation (the runtime's text LRU would otherwise hide the text
      // tower from whichever operation ran second, and the hybrid/vector ratio would not compare like with like).
      const fresh = () =>
        Array.from({ length: QUERIES + 1 }, () => {
          const i = textNo++;
          return `${WORDS[i % WORDS.length]} ${WORDS[Math.floor(i / WORDS.length) % WORDS.length]} ${['sound', 'noise', 'recording', 'sample'][Math.floor(i / 400) % 4]}`;
        });
      const hybridTexts = fresh();
      const vectorTexts = fresh();
      const clipIds = Array.from({ length: QUERIES + 1 }, () => String(1 + Math.floor(rand() * size)));
      const labels = ['rain', 'dog barking', 'piano', 'car engine', 'siren'];
      const asApi = { first: 20, weak: true, limits: cfg.limits, unknownWords: (t: string) => rt.unknownWords(t) };
      const ops: [string, (i: number) => Promise<unknown>][] = [
        // As the resolvers call them (relevance in force, unknown words reported), with weak: true so that a
        // page of 20 is listed even where synthetic vectors have no good match for a real text.
        [
          'searchByText hybrid',
          async (i) => searchByText(store, modelId, embedText, { ...asApi, relevance: await relevanceForSearch(store, modelId, rt), query: hybridTexts[i], hybrid: true }),
        ],
        [
          'searchByText vector',
          async (i) => searchByText(store, modelId, embedText, { ...asApi, relevance: await relevanceForSearch(store, modelId, rt), query: vectorTexts[i], hybrid: false }),
        ],
        ['similarTo clip', async (i) => similarTo(store, modelId, noUpload, { clip: clipIds[i], first: 20, weak: true, relevance: await relevanceForSearch(store, modelId, rt) })],
        ['classify clip (5 labels)', (i) => classify(store, modelId, rt, noUpload, { clip: clipIds[i], labels }, 64)],
      ];
      for (const [op, run] of ops) {
        await run(QUERIES); // warm-up (sessions, plan cache) on a query not measured
        const ms: number[] = [];
        for (let i = 0; i < QUERIES; i++) {
          const t = performance.now();
          await run(i);
          ms.push(performance.now() - t);
        }
        const r = { backend: store.backend, size, mode: 'api', op, p50Ms: r2(pct(ms, 50)), p95Ms: r2(pct(ms, 95)), p99Ms: r2(pct(ms, 99)) };
        apiResults.push(r);
        console.log(`  api    ${op.padEnd(26)} p50 ${r.p50Ms} ms  p95 ${r.p95Ms} ms  p99 ${r.p99Ms} ms`);
      }
      if (EXPLAIN) explained.push(`# ${store.backend}, ${size} clips\n\n${await explainOps(store, ops)}`);
    }
  } finally {
    await rt.close?.();
    await store.close();
    await drop?.();
  }
  if (EXPLAIN) {
    const out = path.join(REPO_ROOT, 'bench', 'results', `explain-${backendName}.md`);
    fs.writeFileSync(out, explained.join('\n'));
    console.log(`wrote ${out}`);
  }
  const file = writeResult(`queries-${backendName}`, {
    measuredAt: new Date().toISOString(),
    model: cfg.modelName,
    dim: DIM,
    centres: CENTRES,
    queries: QUERIES,
    k: K,
    peakRssMb: rssMb(),
    results,
    api: apiResults,
  });
  console.table(results.map(({ backend, size, mode, efSearch, p50Ms, p95Ms, p99Ms, recallAt10 }) => ({ backend, size, mode, efSearch, p50Ms, p95Ms, p99Ms, recallAt10 })));
  console.table(apiResults);
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
