import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';
import { count, exited, openDeps, spawnCli, tempDir, tone, waitFor, writeWav } from './fixtures.js';

const serverUrl = testServerUrl();
if (!serverUrl) console.log('skipping multi-worker ingest: DATABASE_URL is not set (pg-boss needs a Postgres server)');

/**
 * Scale-out on the pg-boss queue: two `worker` processes plus the `ingest` coordinator share one
 * run on a Postgres server; every file must be embedded exactly once, by exactly one process.
 */
describe.skipIf(!serverUrl)('ingest with 2 worker processes on Postgres (pg-boss)', () => {
  const lib = tempDir('workers-lib');
  const env: Record<string, string> = { EARSHOT_ORT_THREADS: '1', EARSHOT_DATA_DIR: tempDir('workers-data') };
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  const N = 18;

  beforeAll(async () => {
    // A database of our own: other suites may share the server at the same time.
    testDb = await createTestDatabase(serverUrl!);
    env.DATABASE_URL = testDb.url;
    for (let i = 0; i < N; i++) writeWav(path.join(lib, `w${String(i).padStart(2, '0')}.wav`), tone(1 + (i % 3), 150 + 53 * i, 24000, 900 + i), 24000);
    fs.copyFileSync(path.join(lib, 'w00.wav'), path.join(lib, 'w00-copy.wav'));
    writeWav(path.join(lib, 'long.wav'), tone(16, 250, 48000, 77));
  });
  afterAll(async () => {
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(env.EARSHOT_DATA_DIR, { recursive: true, force: true });
    await testDb?.drop();
  });

  it('embeds each file exactly once across processes', async () => {
    // Migrate once up front so the workers do not race the first migration.
    const setup = await openDeps(env);
    await setup.close();
    const workers = [spawnCli(['worker', '--concurrency', '1'], env), spawnCli(['worker', '--concurrency', '1'], env)];
    try {
      await waitFor(() => workers.every((w) => /ready/.test(w.out())), 'workers ready', 120_000);
      const coord = spawnCli(['ingest', lib, '--verbose', '--concurrency', '1'], env);
      const end = await exited(coord);
      expect(end.code, coord.err()).toBe(0);
      const handledBy = new Map<string, string[]>(); // path → processes that handled it
      const logs: [string, string][] = [
        ['coordinator', coord.out()],
        ['worker1', workers[0].out()],
        ['worker2', workers[1].out()],
      ];
      for (const [who, out] of logs) {
        for (const m of out.matchAll(/(?:done|skipped|failed) (\S+)/g)) handledBy.set(m[1], [...(handledBy.get(m[1]) ?? []), who]);
      }
      expect([...handledBy.keys()].sort()).toEqual(
        fs
          .readdirSync(lib)
          .map((n) => path.join(lib, n))
          .sort(),
      );
      for (const [file, who] of handledBy) expect(who, `${file} handled by ${who.join(', ')}`).toHaveLength(1);
      // The workers took part (each file takes far longer than a 0.5 s poll, so the coordinator cannot take them all).
      const tally = Object.fromEntries(logs.map(([w]) => [w, [...handledBy.values()].filter((x) => x[0] === w).length]));
      console.log(`files handled by process: ${JSON.stringify(tally)}`);
      expect(tally.worker1 + tally.worker2).toBeGreaterThan(0);
      const uniqueContents = N + 1; // w00-copy shares w00's bytes

      const deps = await openDeps(env);
      try {
        expect(await count(deps, `SELECT count(*) AS n FROM "Clip"`)).toBe(N + 2);
        expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE kind = 'clip'`)).toBe(uniqueContents);
        const [run] = await deps.store.sql<Record<string, unknown>>(`SELECT status, "processedFiles", "totalFiles" FROM "IngestRun"`);
        expect(run.status).toBe('done');
        expect(Number(run.processedFiles)).toBe(N + 2);
      } finally {
        await deps.close();
      }
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      const ends = await Promise.all(workers.map((w) => exited(w)));
      for (const [i, e] of ends.entries()) expect(e, `worker ${i + 1}: ${workers[i].err()}`).toEqual({ code: 0, signal: null });
    }
  });
});
