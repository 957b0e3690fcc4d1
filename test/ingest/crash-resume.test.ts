import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitWindows } from '../../apps/api/src/features/index.js';
import { count, exited, openDeps, spawnCli, tempDir, tone, waitFor, writeWav } from './fixtures.js';

/**
 * kill -9 the real CLI in the middle of a run on an on-disk PGlite database, run it again, and
 * check exact counts: every good file stored once, every vector once, the same run resumed.
 */
describe('crash and resume (SIGKILL mid-run, real CLI, on-disk PGlite)', () => {
  const lib = tempDir('crash-lib');
  const dataDir = tempDir('crash-data');
  const env = { EARSHOT_DATA_DIR: dataDir, EARSHOT_ORT_THREADS: '1' };
  const N_SHORT = 24;
  const LONG_SEC = 21;

  beforeAll(() => {
    for (let i = 0; i < N_SHORT; i++) writeWav(path.join(lib, `set${i % 3}`, `s${String(i).padStart(2, '0')}.wav`), tone(1 + (i % 4), 200 + 37 * i, 32000, 100 + i), 32000);
    writeWav(path.join(lib, 'long.wav'), tone(LONG_SEC, 300, 48000, 7));
    fs.writeFileSync(path.join(lib, 'broken.wav'), 'RIFF but not really');
  });
  afterAll(() => {
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and duplicates nothing', async () => {
    const first = spawnCli(['ingest', lib, '--verbose', '--concurrency', '1'], env);
    // Kill once some files are committed and others are not.
    await waitFor(() => (first.out().match(/^done /gm) ?? []).length >= 4 || first.exitCode !== null, 'four committed files');
    first.kill('SIGKILL');
    const end1 = await exited(first);
    expect(end1.signal, `the first run finished before the kill:\n${first.out()}\n${first.err()}`).toBe('SIGKILL');
    const doneBeforeKill = (first.out().match(/^done /gm) ?? []).length;
    expect(doneBeforeKill).toBeLessThan(N_SHORT + 1);

    const second = spawnCli(['ingest', lib, '--verbose', '--concurrency', '2'], env);
    const end2 = await exited(second);
    expect(end2.code, second.err()).toBe(0);
    expect(second.out()).toMatch(/\(resumed\)/);
    expect(second.out()).toMatch(/UNSUPPORTED_FORMAT\s+\S*broken\.wav/);
    // Files committed before the kill are not embedded again.
    const redone = (second.out().match(/^done .* embedded=true/gm) ?? []).length;
    expect(redone).toBeLessThanOrEqual(N_SHORT + 1 - doneBeforeKill);

    const deps = await openDeps(env);
    try {
      const good = N_SHORT + 1;
      const windows = splitWindows(LONG_SEC * 48000, 48000, 10, 5).length;
      expect(await count(deps, `SELECT count(*) AS n FROM "Clip"`)).toBe(good);
      expect(await count(deps, `SELECT count(DISTINCT path) AS n FROM "Clip"`)).toBe(good);
      expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE kind = 'clip'`)).toBe(good);
      expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE kind = 'window'`)).toBe(windows);
      expect(await count(deps, `SELECT count(*) AS n FROM (SELECT "contentHash", kind, "startSec" FROM "Segment" GROUP BY 1, 2, 3 HAVING count(*) > 1) d`)).toBe(0);
      // One run, resumed to completion, with exact counters.
      const runs = await deps.store.sql<Record<string, unknown>>(`SELECT id, status, "totalFiles", "processedFiles", "failedFiles", "skippedFiles" FROM "IngestRun"`);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'done' });
      expect(Number(runs[0].totalFiles)).toBe(good + 1);
      expect(Number(runs[0].processedFiles)).toBe(good);
      expect(Number(runs[0].failedFiles)).toBe(1);
      expect(await count(deps, `SELECT count(*) AS n FROM "IngestFile" WHERE status = 'pending'`)).toBe(0);
    } finally {
      await deps.close();
    }

    // And a third run has nothing to do.
    const third = spawnCli(['ingest', lib], env);
    expect((await exited(third)).code, third.err()).toBe(0);
    expect(third.out()).toMatch(new RegExp(`0 ingested, ${N_SHORT + 1} unchanged, 1 failed`));
  });
});
