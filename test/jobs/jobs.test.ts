/**
 * The job runner on real parts: PGlite (in-process queue) or, with DATABASE_URL, a fresh server database (pg-boss),
 * the real mini model and a small library of generated WAVs. A job stopped mid-way by its process going away is
 * resumed by the next runner from its cursor: every content is classified (or probed) exactly once in all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runIngest, startIngest, getRun, ingestDb, reembedJob, reembedRoots } from '../../apps/api/src/ingest/index.js';
import { Jobs, jobHandlers, type JobHandler, type JobHandlers } from '../../apps/api/src/jobs/index.js';
import { classifyLibraryJob, nearDuplicatesJob, nearDuplicatesState, startClassifyLibrary } from '../../apps/api/src/search/index.js';
import { createLabelSet } from '../../apps/api/src/library/index.js';
import type { ClapRuntime } from '../../apps/api/src/model/index.js';
import * as repo from '../../apps/api/src/store/index.js';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';
import { count, openDeps, tempDir, tone, writeWav } from '../ingest/fixtures.js';

const server = testServerUrl();

describe(`jobs on ${server ? 'a Postgres server (pg-boss)' : 'PGlite (in-process queue)'}`, () => {
  const lib = tempDir('jobs-lib');
  const extra = tempDir('jobs-extra');
  let deps: Awaited<ReturnType<typeof openDeps>>;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let modelId = 0;
  let rt: ClapRuntime;
  let labelSet = '';
  const open: Jobs[] = [];
  /** A runner as a server process has one; staleSec 0: the "dead" runner before it left its job running a moment ago. */
  const runner = async (handlers: JobHandlers) => {
    const j = new Jobs({ store: deps.store, modelId, handlers, databaseUrl: testDb?.url, staleSec: 0 });
    open.push(j);
    await j.start();
    return j;
  };

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) writeWav(path.join(lib, `t${i}.wav`), tone(1 + i * 0.25, 200 + 150 * i, 48000, i + 1));
    fs.copyFileSync(path.join(lib, 't0.wav'), path.join(lib, 't0-copy.wav')); // 8 clips, 7 contents
    writeWav(path.join(extra, 'x.wav'), tone(1.5, 1234, 48000, 99));
    testDb = server ? await createTestDatabase(server) : undefined;
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:', EARSHOT_INGEST_ROOTS: `${lib},${extra}`, ...(testDb ? { DATABASE_URL: testDb.url } : {}) });
    const s = await runIngest(deps, { root: lib, concurrency: 2 });
    expect(s.run.processedFiles).toBe(8);
    modelId = s.run.modelId;
    rt = deps.runtime as ClapRuntime;
    labelSet = String((await createLabelSet(deps.store, { name: 'tones', labels: ['beep', 'hum', 'whistle'] }, 10)).id);
  }, 300_000);
  // On a server every runner takes jobs from the one pg-boss queue (each process registers the same kinds):
  // a test's runners go before the next test's, which register other handlers.
  afterEach(async () => {
    for (const j of open.splice(0)) await j.close();
  });
  afterAll(async () => {
    await deps?.close();
    await testDb?.drop();
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(extra, { recursive: true, force: true });
  });

  it('classifyLibrary: a job stopped after its first page is resumed by the next runner, each content classified once', async () => {
    const first: string[][] = [];
    let a: Jobs | undefined;
    let gone: Promise<void> | undefined;
    const firstPage = new Promise<void>((resolve) => {
      const handlers = {
        classifyLibrary: classifyLibraryJob(deps.store, rt, {
          pageSize: 2,
          onPage: (h) => {
            first.push(h);
            gone ??= a!.close(); // the process goes away: no further page starts, the job stays running
            resolve();
          },
        }),
      };
      void runner(handlers).then((j) => (a = j));
    });
    while (!a) await new Promise((r) => setTimeout(r, 10));
    const { id } = await startClassifyLibrary(a, labelSet);
    await firstPage;
    await gone;
    const stopped = (await a.get(id))!;
    expect(stopped.status).toBe('running');
    expect(first).toHaveLength(1);
    expect(stopped.cursor).toBe(first[0][first[0].length - 1]);
    expect(stopped.processed).toBeGreaterThanOrEqual(2); // clips of the first two contents (one of them may have a copy)

    const second: string[][] = [];
    const b = await runner({ classifyLibrary: classifyLibraryJob(deps.store, rt, { pageSize: 2, onPage: (h) => second.push(h) }) });
    const done = await b.wait(id);
    expect(done).toMatchObject({ status: 'done', total: 8, processed: 8, failed: 0, error: null });
    const all = [...first.flat(), ...second.flat()];
    expect(new Set(all).size).toBe(all.length); // nothing classified twice
    expect(all.sort()).toEqual((await repo.embeddedContentPage(deps.store, modelId, { after: null, limit: 100 })).map((p) => p.h).sort());
    expect(await count(deps, `SELECT count(*) AS n FROM "Prediction" WHERE "labelSetId" = $1`, [Number(labelSet)])).toBe(7);
  });

  it('the same set while its job is unfinished joins it; cancel stops it at its next page with the work so far kept', async () => {
    let pages = 0;
    const c: Jobs = await runner({
      classifyLibrary: classifyLibraryJob(deps.store, rt, {
        pageSize: 1,
        onPage: () => {
          if (++pages === 2) void c.cancel(id);
        },
      }),
    });
    let id = -1;
    // On PGlite the job starts inside enqueue: pause it by holding the id until both enqueues are in.
    const one = await startClassifyLibrary(c, labelSet, { maxDurationSec: 60 });
    id = one.id;
    const two = await startClassifyLibrary(c, labelSet, { maxDurationSec: 60 });
    const end = await c.wait(one.id);
    if (end.status === 'cancelled') {
      expect(two).toEqual({ id: one.id, joined: true });
      expect(end.processed).toBeLessThan(end.total);
      expect(end.processed).toBeGreaterThan(0);
    } else {
      // The job ran to its end before the second enqueue (a fast machine): then the second is a new job.
      expect(two.joined).toBe(false);
    }
    await expect(c.cancel(424242)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.enqueue('nope', {})).rejects.toMatchObject({ code: 'JOB_UNKNOWN_KIND' });
  });

  it('nearDuplicates: stored pairs of a resumed computation equal those of one uninterrupted run', async () => {
    const seen: string[][] = [];
    let gone: Promise<void> | undefined;
    const a: Jobs = await runner({
      nearDuplicates: nearDuplicatesJob(deps.store, {
        pageSize: 3,
        onPage: (h) => {
          seen.push(h);
          gone ??= a.close();
        },
      }),
    });
    const { id } = await a.enqueue('nearDuplicates', {});
    while (!gone) await new Promise((r) => setTimeout(r, 10));
    await gone;
    expect((await a.get(id))?.status).toBe('running');
    expect((await nearDuplicatesState(deps.store, modelId)).job?.id).toBe(id); // being computed
    const b = await runner({ nearDuplicates: nearDuplicatesJob(deps.store, { pageSize: 3, onPage: (h) => seen.push(h) }) });
    expect((await b.wait(id)).status).toBe('done');
    const all = seen.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(7);
    const resumed = await repo.nearPairsWithin(deps.store, id, 2);
    const c = await runner({ nearDuplicates: nearDuplicatesJob(deps.store) });
    const again = (await c.enqueue('nearDuplicates', {})).id;
    expect((await c.wait(again)).status).toBe('done');
    const fresh = await repo.nearPairsWithin(deps.store, again, 2);
    const key = (p: { ha: string; hb: string; d: number }) => `${p.ha}-${p.hb}-${p.d.toFixed(6)}`;
    expect(resumed.map(key).sort()).toEqual(fresh.map(key).sort());
    expect(await repo.nearPairsWithin(deps.store, id, 2)).toEqual([]); // the older set is dropped when the new one is complete
    expect(await nearDuplicatesState(deps.store, modelId)).toMatchObject({ stale: false, job: null });
  });

  it('ingest runs as a job: startIngest returns at once, the job mirrors the run, and the near-duplicates are recomputed after it', async () => {
    const jobs = await runner(jobHandlers({ ...deps, runtime: rt }));
    const { runId, finished } = await startIngest({ ...deps, jobs }, { root: extra, concurrency: 1 });
    const summary = await finished;
    expect(summary?.run.status).toBe('done');
    expect((await getRun(ingestDb(deps.store), runId))?.processedFiles).toBe(1);
    const [job] = await jobs.list({ first: 1, kind: 'ingest' });
    expect(job).toMatchObject({ kind: 'ingest', status: 'done', total: 1, processed: 1, failed: 0, payload: { runId } });
    // The ingest embedded a file: the stored pairs are stale until the job it enqueued has run.
    let nd = await jobs.list({ first: 1, kind: 'nearDuplicates' });
    for (let i = 0; i < 100 && !(nd[0]?.createdAt >= job.finishedAt!); i++) {
      await new Promise((r) => setTimeout(r, 100));
      nd = await jobs.list({ first: 1, kind: 'nearDuplicates' });
    }
    expect(nd[0].createdAt.getTime()).toBeGreaterThanOrEqual(job.finishedAt!.getTime());
    expect((await jobs.wait(nd[0].id)).status).toBe('done');
    expect((await nearDuplicatesState(deps.store, modelId)).stale).toBe(false);
  });

  it('reembed: one --reindex run per ingested folder; a job stopped after a folder resumes with the next one', async () => {
    const roots = await reembedRoots(deps);
    expect(roots).toEqual([lib, extra].map((p) => path.resolve(p)).sort());
    const real = reembedJob(deps, { concurrency: 2 });
    let gone: Promise<void> | undefined;
    // Stops the runner as soon as the first folder is done (its cursor stored): the next folder is not started.
    const stopAfterFirst: JobHandler<Record<string, never>> = {
      ...real,
      run: (ctx) =>
        real.run({
          ...ctx,
          progress: async (p) => {
            await ctx.progress(p);
            if (p.cursor) gone ??= a.close();
          },
        }),
    };
    const a: Jobs = await runner({ reembed: stopAfterFirst });
    const { id } = await a.enqueue('reembed', {});
    while (!gone) await new Promise((r) => setTimeout(r, 50));
    await gone;
    const stopped = (await a.get(id))!;
    expect(stopped).toMatchObject({ status: 'running', cursor: roots[0] });
    const b = await runner({ reembed: reembedJob(deps, { concurrency: 2 }) });
    const done = await b.wait(id);
    expect(done).toMatchObject({ status: 'done', total: 9, processed: 9, failed: 0, cursor: roots[1] });
    // One --reindex run per folder, each done: the resumed job did not run the first folder again.
    const runs = await deps.store.sql<{ root: string; n: bigint; done: bigint; files: number }>(
      `SELECT root, count(*) AS n, count(*) FILTER (WHERE status = 'done') AS done, sum("processedFiles")::int AS files FROM "IngestRun" WHERE reindex GROUP BY root ORDER BY root`,
    );
    expect(runs.map((r) => [r.root, Number(r.n), Number(r.done), Number(r.files)])).toEqual([
      [roots[0], 1, 1, roots[0] === path.resolve(lib) ? 8 : 1],
      [roots[1], 1, 1, roots[1] === path.resolve(lib) ? 8 : 1],
    ]);
  }, 300_000);
});
