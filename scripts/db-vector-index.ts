// npm run db:vector-index [-- --m 32 --ef-construction 128 --maintenance-work-mem 6GB]
// Shows the vector (HNSW) index of the database the config selects (DATABASE_URL, else the embedded PGlite
// under EARSHOT_DATA_DIR): its m and ef_construction, its size, the segments it holds, the search depth in force
// (EARSHOT_HNSW_EF_SEARCH), and what to change for a library past 500k segments. With --m and --ef-construction
// it rebuilds the index with those settings: the new index is built beside the old one (searches and ingest go
// on; on PGlite stop the server first) and swapped in at the end. At about a million clips, m 32 /
// ef_construction 128 with EARSHOT_HNSW_EF_SEARCH=400 gave recall@10 0.996 (docs/benchmarks.md); the
// migration's m 16 / 64 is right up to ~100k clips.
// --maintenance-work-mem: memory for the build (default: ~3.5 KB per segment, at least 256MB); a graph that does
// not fit in it builds many times slower.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../apps/api/src/config.js';
import { isEarshotError } from '../apps/api/src/errors.js';
import { checkHnswSettings, rebuildVectorIndex, vectorIndexAdvice, vectorIndexState } from '../apps/api/src/search/index.js';
import { openStore } from '../apps/api/src/store/index.js';
import { exitWithHelpIfAsked } from './usage.js';

exitWithHelpIfAsked(import.meta.url);

const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;

try {
  const { values } = parseArgs({
    options: { m: { type: 'string' }, 'ef-construction': { type: 'string' }, 'maintenance-work-mem': { type: 'string' } },
    allowPositionals: false,
  });
  const rebuild = values.m !== undefined || values['ef-construction'] !== undefined;
  if (rebuild && (values.m === undefined || values['ef-construction'] === undefined)) {
    console.error('db:vector-index: give both --m and --ef-construction to rebuild (see --help)');
    process.exit(2);
  }
  const settings = { m: Number(values.m), efConstruction: Number(values['ef-construction']) };
  if (rebuild) checkHnswSettings(settings);
  const cfg = loadConfig();
  let store = await openStore(cfg);
  try {
    const state = await vectorIndexState(store);
    const show = (what: string, i: typeof state.index) =>
      console.log(
        i
          ? `${what}: m ${i.m}, ef_construction ${i.efConstruction}, ${mb(i.bytes)}${i.valid ? '' : ' (INVALID)'}; ${state.segments} segments; ef_search ${cfg.hnswEfSearch} (EARSHOT_HNSW_EF_SEARCH)`
          : `${what}: none (every vector query scans all ${state.segments} segments)`,
      );
    show(`vector index on ${store.backend}`, state.index);
    const advice = rebuild ? null : vectorIndexAdvice(state, cfg.hnswEfSearch);
    if (advice) console.log(`advice: ${advice}`);
    if (rebuild) {
      const mem = values['maintenance-work-mem'] ?? `${Math.max(256, Math.ceil((state.segments * 3.5) / 1024))}MB`;
      if (!/^\d+(kB|MB|GB)$/.test(mem)) throw new Error(`--maintenance-work-mem ${mem}: use a size such as 512MB or 6GB`);
      await store.close();
      // Build memory and a parallel worker per spare core (a server; PGlite has one process) on every connection.
      store = await openStore(cfg, {
        sessionSettings: { maintenance_work_mem: mem, ...(cfg.databaseUrl ? { max_parallel_maintenance_workers: String(Math.max(0, os.availableParallelism() - 1)) } : {}) },
      });
      console.log(`rebuilding with m ${values.m}, ef_construction ${values['ef-construction']}, maintenance_work_mem ${mem}…`);
      const r = await rebuildVectorIndex(store, {
        ...settings,
        onProgress: (p) => console.log(`  ${p.phase}: ${p.total ? `${Math.round((100 * p.done) / p.total)} %` : p.done}`),
      });
      show(`rebuilt in ${r.seconds.toFixed(1)} s`, r.after);
    }
  } finally {
    await store.close();
  }
} catch (e) {
  console.error(isEarshotError(e) ? e.toLine() : `db:vector-index: ${(e as Error).message}`);
  process.exitCode = 1;
}
