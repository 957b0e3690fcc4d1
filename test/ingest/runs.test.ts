/**
 * One active run per folder, model and mode (issue 15 #14), on the suite's backend (PGlite, or the
 * Postgres server of DATABASE_URL, where the racing INSERTs really run side by side).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDb } from '../../apps/api/src/ingest/index.js';
import { progressKeeper } from '../../apps/api/src/ingest/pipeline.js';
import { createOrJoinRun, finishRun, pendingFiles, recordScan } from '../../apps/api/src/ingest/runs.js';
import { ensureModel, markFileSettled } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

describe('createOrJoinRun', () => {
  let t: TestStore;
  let modelId = 0;
  beforeAll(async () => {
    t = await openTestStore();
    modelId = (await ensureModel(t.store, { name: 'runs-test', version: 'v1', dim: 512, featureMode: 'fusion' })).id;
  }, 120_000);
  afterAll(async () => t?.cleanup());

  it('ten identical calls at once make one run; another mode or model is another run; a finished run is not joined', async () => {
    const db = ingestDb(t.store);
    const p = { root: '/srv/sounds', modelId, reindex: false };
    const all = await Promise.all(Array.from({ length: 10 }, () => createOrJoinRun(db, p)));
    expect(new Set(all.map((r) => r.runId)).size).toBe(1);
    expect(all.filter((r) => r.created)).toHaveLength(1);
    const runId = all[0].runId;
    const reindex = await createOrJoinRun(db, { ...p, reindex: true });
    expect(reindex).toMatchObject({ created: true });
    expect(reindex.runId).not.toBe(runId);
    const other = (await ensureModel(t.store, { name: 'runs-test', version: 'v2', dim: 512, featureMode: 'fusion' })).id;
    expect((await createOrJoinRun(db, { ...p, modelId: other })).created).toBe(true);
    expect(await createOrJoinRun(db, p)).toEqual({ runId, created: false });
    // The database refuses a second active row however it is written.
    await expect(
      t.store.sql(`INSERT INTO "IngestRun" (root, "modelId", status, reindex, "updatedAt") VALUES ($1, $2, 'running', false, now())`, [p.root, modelId]),
    ).rejects.toThrow(/IngestRun_one_active|unique/i);
    await finishRun(db, runId, 'done');
    const next = await createOrJoinRun(db, p);
    expect(next.created).toBe(true);
    expect(next.runId).not.toBe(runId);
  }, 60_000);

  it("the run's last count sees every file settled before it was asked for, even while the timer's count is in flight", async () => {
    const db = ingestDb(t.store);
    const { runId } = await createOrJoinRun(db, { root: '/srv/progress', modelId, reindex: false });
    await recordScan(db, runId, '/srv/progress', [{ path: '/srv/progress/a.wav', size: 10, mtimeMs: 1 }]);
    const [file] = await pendingFiles(db, runId);
    const k = progressKeeper(db, runId);
    // The timer's count starts while the file is pending; the file is stored before that count has
    // written its counters. The end-of-run count must not hand back the older answer: it did, and a
    // run whose last file overlapped the timer stayed "running" forever (CI, twice).
    const timerCount = k.tick(true);
    await markFileSettled(db, file.id, 'done', 'c0ffee', 1);
    const last = await k.tick(true);
    expect(last?.pending).toBe(0);
    expect(last?.run?.processedFiles).toBe(1);
    expect((await timerCount)?.run).toBeTruthy();
  }, 60_000);
});
