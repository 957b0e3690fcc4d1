import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clapFeatures, splitWindows } from '../../apps/api/src/features/index.js';
import { BatchingEmbedder } from '../../apps/api/src/ingest/embed.js';
import { embedSamples } from '../../apps/api/src/model/embed.js';
import {
  cancelIngest,
  getRun,
  ingestDb,
  listFailures,
  prepareRun,
  resumeIngests,
  runIngest,
  runProgress,
  startIngest,
  newStageTimings,
  type IngestSummary,
} from '../../apps/api/src/ingest/index.js';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';
import { count, ffmpegConvert, hasTool, openDeps, tempDir, tone, writeWav } from './fixtures.js';

/**
 * The whole pipeline in one process with the real bundled model and WAV/FLAC/MP3 files written by
 * code: on embedded PGlite (in-process queue), or on a fresh database of the DATABASE_URL server
 * (pg-boss queue) when the suite runs against one.
 */
const server = testServerUrl();
describe(`ingest pipeline on ${server ? 'a Postgres server (pg-boss queue)' : 'PGlite (in-process queue)'}`, () => {
  const lib = tempDir('ingest-lib');
  let deps: Awaited<ReturnType<typeof openDeps>>;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  const P = (rel: string) => path.join(lib, rel);
  const LONG_SEC = 23;
  const good = ['a.wav', 'sub/b.wav', 'sub/deeper/a-copy.wav', 'long.wav', 'disguised.bin'];
  const ffmpeg = hasTool('ffmpeg');

  beforeAll(async () => {
    writeWav(P('a.wav'), tone(2, 440, 48000, 1));
    writeWav(P('sub/b.wav'), tone(3, 880, 22050, 2), 22050, 2);
    fs.mkdirSync(P('sub/deeper'), { recursive: true });
    fs.copyFileSync(P('a.wav'), P('sub/deeper/a-copy.wav'));
    writeWav(P('long.wav'), tone(LONG_SEC, 330, 48000, 3));
    writeWav(P('disguised.bin'), tone(1, 660, 16000, 4), 16000); // audio by content, not by name
    writeWav(P('.hidden.wav'), tone(1, 220, 16000, 5), 16000);
    writeWav(P('.cache/inside.wav'), tone(1, 230, 16000, 6), 16000);
    fs.writeFileSync(P('notes.txt'), 'not a sound, not an audio extension: ignored');
    fs.writeFileSync(P('fake.wav'), 'plain text with a .wav name\n'.repeat(20));
    fs.writeFileSync(P('empty.wav'), '');
    if (ffmpeg) {
      writeWav(P('src-c.wav'), tone(1.5, 523, 44100, 7), 44100);
      ffmpegConvert(P('src-c.wav'), P('c.flac'));
      ffmpegConvert(P('src-c.wav'), P('d.mp3'), ['-codec:a', 'libmp3lame', '-b:a', '96k']);
      fs.unlinkSync(P('src-c.wav'));
      good.push('c.flac', 'd.mp3');
    } else {
      console.log('ffmpeg not found: FLAC/MP3 cases skipped (WAV cases still run)');
    }
    testDb = server ? await createTestDatabase(server) : undefined;
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:', EARSHOT_INGEST_ROOTS: lib, EARSHOT_AUDIO_BATCH: '4', ...(testDb ? { DATABASE_URL: testDb.url } : {}) });
  });
  afterAll(async () => {
    await deps?.close();
    await testDb?.drop();
    fs.rmSync(lib, { recursive: true, force: true });
  });

  const windowsOf = (sec: number) => splitWindows(Math.round(sec * 48000), 48000, 10, 5);
  let first: IngestSummary;

  it('stores every good file once, shares one embedding between identical files, records the bad ones', async () => {
    first = await runIngest(deps, { root: lib, concurrency: 2 });
    const r = first.run;
    expect(r.status).toBe('done');
    expect(r.totalFiles).toBe(good.length + 2);
    expect(r.processedFiles).toBe(good.length);
    expect(r.failedFiles).toBe(2);
    expect(r.skippedFiles).toBe(0);
    expect(first.ignoredFiles).toBe(1); // notes.txt; hidden files are not even looked at
    expect(first.failures.map((f) => [path.basename(f.path), f.code])).toEqual([
      ['empty.wav', 'FILE_EMPTY'],
      ['fake.wav', 'UNSUPPORTED_FORMAT'],
    ]);

    const clips = await deps.store.sql<{ path: string; contentHash: string; durationSec: number; peaks: number[]; status: string; folder: string }>(
      `SELECT path, "contentHash", "durationSec", peaks, status, folder FROM "Clip" ORDER BY path`,
    );
    expect(clips.map((c) => c.path).sort()).toEqual(good.map(P).sort());
    for (const c of clips) {
      expect(c.contentHash).toBe(sha(c.path));
      expect(c.status).toBe('active');
      expect(c.peaks).toHaveLength(200);
      expect(c.folder).toBe(path.dirname(c.path) + path.sep);
    }
    const a = clips.find((c) => c.path === P('a.wav'))!;
    const copy = clips.find((c) => c.path === P('sub/deeper/a-copy.wav'))!;
    expect(copy.contentHash).toBe(a.contentHash);

    const uniqueContents = good.length - 1;
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE kind = 'clip'`)).toBe(uniqueContents);
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE "contentHash" = $1`, [a.contentHash])).toBe(1);

    // The long file: one clip-level vector over the whole file plus one per window, with offsets.
    const long = clips.find((c) => c.path === P('long.wav'))!;
    expect(Number(long.durationSec)).toBeCloseTo(LONG_SEC, 1);
    const segs = await deps.store.sql<{ kind: string; startSec: number; endSec: number }>(
      `SELECT kind, "startSec", "endSec" FROM "Segment" WHERE "contentHash" = $1 ORDER BY kind, "startSec"`,
      [long.contentHash],
    );
    const expected = windowsOf(Number(long.durationSec));
    expect(expected.length).toBeGreaterThan(1);
    expect(segs.filter((s) => s.kind === 'clip')).toEqual([{ kind: 'clip', startSec: 0, endSec: Number(long.durationSec) }]);
    expect(segs.filter((s) => s.kind === 'window').map((s) => [Number(s.startSec), Number(s.endSec)])).toEqual(expected.map((w) => [w.startSec, w.endSec]));
    // Short files have no windows.
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE kind = 'window'`)).toBe(expected.length);
    // Vectors are unit length (cosine search relies on it).
    const [norm] = await deps.store.sql<{ n: number }>(`SELECT vector_norm(embedding) AS n FROM "Segment" WHERE "contentHash" = $1 AND kind = 'clip'`, [a.contentHash]);
    expect(Number(norm.n)).toBeCloseTo(1, 3);

    // The finished run refreshed the planner statistics (PGlite has no autovacuum; without them the
    // planner keeps empty-table guesses and vector search never uses the HNSW index).
    const stats = await deps.store.sql<{ relname: string; reltuples: number }>(`SELECT relname, reltuples FROM pg_class WHERE relname IN ('Clip', 'Segment') ORDER BY relname`);
    expect(stats.map((s) => [s.relname, Number(s.reltuples)])).toEqual([
      ['Clip', clips.length],
      ['Segment', await count(deps, `SELECT count(*) AS n FROM "Segment"`)],
    ]);
  });

  it('skips everything on an unchanged re-scan', async () => {
    const segsBefore = await count(deps, `SELECT count(*) AS n FROM "Segment"`);
    const again = await runIngest(deps, { root: lib });
    expect(again.runId).not.toBe(first.runId);
    expect(again.run.status).toBe('done');
    expect(again.run.processedFiles).toBe(0);
    expect(again.run.skippedFiles).toBe(good.length);
    expect(again.run.failedFiles).toBe(2); // bad files stay reported on every run
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment"`)).toBe(segsBefore);
    expect(await count(deps, `SELECT count(*) AS n FROM "Clip"`)).toBe(good.length);
  });

  it('re-embeds changed files, drops orphaned vectors, marks deleted files missing, skips touched ones', async () => {
    const oldB = sha(P('sub/b.wav'));
    const disguised = sha(P('disguised.bin'));
    writeWav(P('sub/b.wav'), tone(4, 990, 22050, 42), 22050, 2);
    fs.unlinkSync(P('disguised.bin'));
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(P('a.wav'), later, later); // new mtime, same bytes
    const r = await runIngest(deps, { root: lib });
    expect(r.run.processedFiles).toBe(1);
    expect(r.run.skippedFiles).toBe(good.length - 2);
    expect(r.run.missingFiles).toBe(1);
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE "contentHash" = $1`, [oldB])).toBe(0);
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE "contentHash" = $1 AND kind = 'clip'`, [sha(P('sub/b.wav'))])).toBe(1);
    const [gone] = await deps.store.sql<{ status: string }>(`SELECT status FROM "Clip" WHERE path = $1`, [P('disguised.bin')]);
    expect(gone.status).toBe('missing');
    // A missing clip keeps its vectors: it is marked, never dropped.
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE "contentHash" = $1`, [disguised])).toBe(1);
    // The touched file's new mtime is stored, so the next scan takes the no-read fast path.
    const next = await runIngest(deps, { root: lib });
    expect(next.run.processedFiles).toBe(0);
    expect(next.run.skippedFiles).toBe(good.length - 1);
  });

  it('--reindex re-embeds every file once without duplicating vectors', async () => {
    const before = await count(deps, `SELECT count(*) AS n FROM "Segment"`);
    const r = await runIngest(deps, { root: lib, reindex: true });
    expect(r.run.status).toBe('done');
    expect(r.run.processedFiles).toBe(good.length - 1);
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment"`)).toBe(before);
  });

  it('startIngest returns at once and runs in the background; cancelIngest stops a run', async () => {
    const db = ingestDb(deps.store);
    const { runId, finished } = await startIngest(deps, { root: lib });
    expect((await getRun(db, runId))?.root).toBe(path.resolve(lib));
    const cancelled = await cancelIngest(deps, runId);
    expect(cancelled.status).toBe('cancelled');
    const summary = await finished;
    // A cancelled run never flips back to running or done, whatever the background task was doing.
    expect(summary?.run.status ?? (await getRun(db, runId))?.status).toBe('cancelled');
    expect((await getRun(db, runId))?.status).toBe('cancelled');
    await expect(cancelIngest(deps, 999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('startIngest runs a whole folder in the background and the run row carries the counters', async () => {
    const db = ingestDb(deps.store);
    const { runId, finished } = await startIngest(deps, { root: lib });
    const summary = await finished;
    const run = await getRun(db, runId);
    expect(summary?.runId).toBe(runId);
    expect(run?.status).toBe('done');
    expect(run?.skippedFiles).toBe(good.length - 1);
    expect(run?.failedFiles).toBe(2);
    expect((await listFailures(db, runId)).map((f) => f.code).sort()).toEqual(['FILE_EMPTY', 'UNSUPPORTED_FORMAT']);
    const p = runProgress(run!);
    expect(p.etaSec).toBe(0);
    expect(p.filesPerSec).toBeGreaterThan(0);
  });

  it('resumeIngests picks up a run that a dead process left behind', async () => {
    const db = ingestDb(deps.store);
    const { runId } = await prepareRun(deps, { root: lib });
    expect((await getRun(db, runId))?.status).toBe('queued');
    const { runIds, finished } = await resumeIngests(deps);
    expect(runIds).toContain(runId);
    await finished;
    expect((await getRun(db, runId))?.status).toBe('done');
  });

  it('batched audio-tower runs give the same vectors as one-by-one runs', async () => {
    const feats = [tone(1, 300, 48000, 11), tone(2, 500, 48000, 12), tone(3, 700, 48000, 13), tone(1.5, 900, 48000, 14), tone(2.5, 250, 48000, 15)].map((x) =>
      clapFeatures(x, deps.runtime.identity.featureMode),
    );
    const single = [];
    for (const f of feats) single.push((await deps.runtime.embedAudio([f]))[0]);
    const timings = newStageTimings();
    const batcher = new BatchingEmbedder(deps.runtime, 2, timings);
    // Five concurrent callers: the first two go alone (two passes in flight), the next two wait
    // and share one pass, the last goes alone.
    const batched = await Promise.all(feats.map((f) => batcher.embedAudio([f]).then((v) => v[0])));
    expect(timings.batches).toEqual([1, 1, 2, 1]);
    for (let i = 0; i < feats.length; i++) {
      let dot = 0;
      for (let k = 0; k < single[i].length; k++) dot += single[i][k] * batched[i][k];
      expect(dot).toBeCloseTo(1, 4);
    }
  });

  it('a long file whose audio tower fails rejects once, with no batch left as an unhandled rejection', async () => {
    const closed = await ClapRuntime.open(await loadBundle(path.join(deps.config.modelDir, deps.config.modelName)), {
      provider: 'cpu',
      intraOpThreads: 1,
      textCacheSize: 0,
    });
    await closed.close();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      // 25 s: the clip and 4 windows in batches of 2, so a second batch is in flight when the first fails.
      const x = tone(25, 330, 48000, 21);
      await expect(embedSamples(closed, x, 25, { sampleRate: 48000, windowSec: 10, hopSec: 5, batchSize: 2 })).rejects.toMatchObject({
        code: 'INFERENCE_FAILED',
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rejects a folder that does not exist with FILE_NOT_FOUND naming it', async () => {
    await expect(runIngest(deps, { root: path.join(lib, 'nope') })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', subject: path.join(lib, 'nope') });
  });
});
