/**
 * Clip.predictions through per-request DataLoaders: a page of clips costs the same few statements whatever its
 * size (it was one per clip plus one per label set per clip). Real server, real store, rows made by code.
 */
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/api/src/config.js';
import type { ServerHandle } from '../../apps/api/src/server.js';
import * as repo from '../../apps/api/src/store/index.js';
import type { Store } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

const MODEL_DIR = loadConfig().modelDir;
const reason = fs.existsSync(path.join(MODEL_DIR, 'clap-mini', 'manifest.json')) ? null : 'mini model bundle not built yet';

const FACTS = { format: 'wav', container: 'wav', codec: 'pcm_s16le', bitDepth: 16, sampleRate: 48000, channels: 1, decoder: 'js', durationSec: 1, peaks: [0.5], embedded: {} };
const NAMING = { description: null, ucsCatId: null, ucsCategory: null, ucsSubcategory: null };

describe.skipIf(!!reason)('Clip.predictions is batched per request', () => {
  let t: TestStore;
  let h: ServerHandle;
  const statements: string[] = [];
  let expected = new Map<string, { label: string; set: string }[]>();

  beforeAll(async () => {
    t = await openTestStore();
    // The server's store with every statement it runs written down (transactions are not used by these reads).
    const counted: Store = { ...t.store, sql: (text, params) => (statements.push(text), t.store.sql(text, params)) };
    const cfg = loadConfig({
      EARSHOT_DATA_DIR: ':memory:',
      EARSHOT_MODEL_DIR: MODEL_DIR,
      EARSHOT_MODEL: 'clap-mini',
      EARSHOT_API_PORT: '0',
      EARSHOT_LOG_LEVEL: 'error',
      EARSHOT_ORT_THREADS: '1',
    });
    const { startServer } = await import('../../apps/api/src/server.js');
    h = await startServer(cfg, { store: counted });
    const { id: modelId } = await repo.ensureModel(t.store, h.deps.runtime.identity);
    // 12 clips over 6 contents (two paths per content), 3 label sets, a prediction of every set for 4 of the contents.
    // One after the other: ids in this order, the order Clip.predictions lists them in.
    const sets: Awaited<ReturnType<typeof repo.insertLabelSet>>[] = [];
    for (const name of ['kinds', 'moods', 'places']) sets.push(await repo.insertLabelSet(t.store, { name, labels: ['a', 'b', 'c'], template: '{}', multiLabel: false }));
    expected = new Map();
    for (let i = 0; i < 12; i++) {
      const hash = `content-${i % 6}`;
      const p = `/lib/${String(i).padStart(2, '0')}.wav`;
      await repo.upsertClip(t.store, {
        path: p,
        folder: '/lib/',
        name: path.basename(p),
        contentHash: hash,
        sizeBytes: 100 + i,
        mtimeMs: 1_700_000_000_000,
        facts: FACTS,
        naming: NAMING,
      });
    }
    // 4 ingest runs with 3 failures each (their folders need not exist: nothing reads them).
    for (let r = 0; r < 4; r++) {
      const runId = (await repo.insertQueuedRun(t.store, { root: `/lib/run${r}`, modelId, reindex: false }))!;
      await repo.insertFailedFiles(
        t.store,
        runId,
        [0, 1, 2].map((f) => ({ path: `/lib/run${r}/f${f}.wav`, code: 'AUDIO_DECODE_FAILED', message: `bad ${r}.${f}` })),
      );
      await repo.endRun(t.store, runId, 'failed', 'every file failed');
    }
    for (const [k, set] of sets.entries()) {
      const preds = [0, 1, 2, 3].map((c) => ({ contentHash: `content-${c}`, label: ['a', 'b', 'c'][(c + k) % 3], score: 0.5, scores: [0.5, 0.3, 0.2] }));
      await repo.upsertPredictions(t.store, set.id, modelId, preds);
      for (const p of preds) expected.set(p.contentHash, [...(expected.get(p.contentHash) ?? []), { label: p.label, set: set.name }]);
    }
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await t?.cleanup();
  });

  const gql = async <T>(query: string, variables: Record<string, unknown>) => {
    statements.length = 0;
    const r = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await r.json()) as { data: T; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return { data: body.data, statements: [...statements] };
  };
  const page = async (first: number) => {
    const r = await gql<{ clips: { nodes: { name: string; predictions: { label: string; labelSet: { name: string } }[] }[] } }>(
      `query($n: Int) { clips(first: $n) { nodes { name predictions { label score labelSet { name } } } } }`,
      { n: first },
    );
    return { nodes: r.data.clips.nodes, statements: r.statements };
  };

  it('answers every clip with its content’s predictions, in label-set order', async () => {
    const { nodes } = await page(12);
    expect(nodes).toHaveLength(12);
    for (const [i, n] of nodes.entries()) {
      const want = expected.get(`content-${i % 6}`) ?? [];
      expect(n.predictions.map((p) => ({ label: p.label, set: p.labelSet.name }))).toEqual(want);
    }
    expect(nodes.filter((n) => n.predictions.length === 3)).toHaveLength(8);
  });

  it('costs the same statements for 12 clips as for 2: page, count, one for predictions, one for label sets', async () => {
    const small = await page(2);
    const large = await page(12);
    const kinds = (s: string[]) => s.map((x) => (/"Prediction"/.test(x) ? 'predictions' : /"LabelSet"/.test(x) ? 'label sets' : /count\(\*\)/.test(x) ? 'count' : 'page'));
    expect(kinds(large.statements).sort()).toEqual(['count', 'label sets', 'page', 'predictions']);
    expect(large.statements.length).toBe(small.statements.length);
  });

  it("IngestRun.failures of a runs list: one statement for the runs, one for every run's failures", async () => {
    const r = await gql<{ ingestRuns: { root: string; failures: { path: string; message: string }[] }[] }>(
      `query($f: Int) { ingestRuns(first: 10) { root failures(first: $f) { path message } } }`,
      { f: 2 },
    );
    expect(r.data.ingestRuns.map((x) => [x.root, x.failures.map((f) => f.message)])).toEqual([3, 2, 1, 0].map((k) => [`/lib/run${k}`, [`bad ${k}.0`, `bad ${k}.1`]]));
    expect(r.statements.map((x) => (/"IngestFile"/.test(x) ? 'failures' : /"IngestRun"/.test(x) ? 'runs' : x))).toEqual(['runs', 'failures']);
  });
});
