/**
 * Ingest and the state of files on disk (issue 15 #11, #16): a folder that cannot be read is a
 * recorded failure and its clips stay as they were; a file still being written is read again and,
 * while it keeps changing, failed with FILE_CHANGED instead of being stored short. Real CLI / real
 * pipeline, real PGlite, real model.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apps/api/src/config.js';
import { runIngest } from '../../apps/api/src/ingest/index.js';
import { exited, watch } from '../helpers/child.js';
import { count, openDeps, tempDir, tone, wavBytes, writeWav } from './fixtures.js';

const CLI = path.join(REPO_ROOT, 'apps/api/src/cli.ts');
const isRoot = process.getuid?.() === 0;

describe('an unreadable sub-folder during a scan', () => {
  let tmp = '';
  afterAll(() => {
    if (!tmp) return;
    for (const d of ['b', 'c']) if (fs.existsSync(path.join(tmp, 'lib', d))) fs.chmodSync(path.join(tmp, 'lib', d), 0o755);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * The CLI as a user that file modes apply to: root reads every folder whatever its mode, so as
   * root the CLI runs as "nobody" (runuser); any other user runs it as itself.
   */
  const ingestAs = async (lib: string, dataDir: string) => {
    const args = ['--import', 'tsx', CLI, 'ingest', lib];
    const [cmd, argv] = isRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, ...args]] : [process.execPath, args];
    const child = watch(
      spawn(cmd, argv, {
        cwd: REPO_ROOT,
        env: { ...process.env, DATABASE_URL: undefined, EARSHOT_DATA_DIR: dataDir, EARSHOT_INGEST_CONCURRENCY: '1', EARSHOT_ORT_THREADS: '1', HOME: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const { code } = await exited(child);
    return { code, out: child.out() + child.err() };
  };

  it('is recorded as a failure (path, code, reason), its clips are NOT marked missing, and the run counts it', async () => {
    tmp = tempDir('unreadable');
    fs.chmodSync(tmp, 0o755);
    const lib = path.join(tmp, 'lib');
    writeWav(path.join(lib, 'a', 'one.wav'), tone(1, 300, 48000, 1));
    writeWav(path.join(lib, 'b', 'two.wav'), tone(1, 500, 48000, 2));
    writeWav(path.join(lib, 'b', 'deeper', 'three.wav'), tone(1, 700, 48000, 3));
    writeWav(path.join(lib, 'c', 'four.wav'), tone(1, 900, 48000, 4));
    const dataDir = path.join(tmp, 'data');
    fs.mkdirSync(dataDir);
    if (isRoot) {
      for (const d of ['', 'a', 'b', 'b/deeper', 'c']) fs.chmodSync(path.join(lib, d), 0o755);
      fs.chownSync(dataDir, 65534, 65534); // nobody
    }
    const first = await ingestAs(lib, dataDir);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/4 ingested, 0 unchanged, 0 failed, 0 missing/);

    fs.chmodSync(path.join(lib, 'b'), 0o000); // cannot be listed
    fs.chmodSync(path.join(lib, 'c'), 0o444); // can be listed, not entered
    const second = await ingestAs(lib, dataDir);
    fs.chmodSync(path.join(lib, 'b'), 0o755);
    fs.chmodSync(path.join(lib, 'c'), 0o755);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/1 unchanged, 2 failed, 0 missing/);
    expect(second.out).toMatch(new RegExp(`FOLDER_UNREADABLE  ${path.join(lib, 'b')}  cannot list this folder \\(EACCES\\)`));
    expect(second.out).toMatch(new RegExp(`FOLDER_UNREADABLE  ${path.join(lib, 'c')}  cannot read the entries of this folder`));

    const deps = await openDeps({ EARSHOT_DATA_DIR: dataDir });
    try {
      const clips = await deps.store.sql<{ name: string; status: string }>(`SELECT name, status FROM "Clip" ORDER BY name`);
      expect(clips).toEqual(['four.wav', 'one.wav', 'three.wav', 'two.wav'].map((name) => ({ name, status: 'active' })));
      const [run] = await deps.store.sql<{ failedFiles: number; missingFiles: number }>(`SELECT "failedFiles", "missingFiles" FROM "IngestRun" ORDER BY id DESC LIMIT 1`);
      expect(run).toEqual({ failedFiles: 2, missingFiles: 0 });
      const failed = await deps.store.sql<{ path: string; errorCode: string }>(`SELECT path, "errorCode" FROM "IngestFile" WHERE status = 'failed' ORDER BY path`);
      expect(failed).toEqual([
        { path: path.join(lib, 'b'), errorCode: 'FOLDER_UNREADABLE' },
        { path: path.join(lib, 'c'), errorCode: 'FOLDER_UNREADABLE' },
      ]);
      // A folder that really went away still marks its clips missing.
      fs.rmSync(path.join(lib, 'b'), { recursive: true });
      const third = await runIngest(deps, { root: lib });
      expect(third.run).toMatchObject({ failedFiles: 0, missingFiles: 2 });
    } finally {
      await deps.close();
    }
  }, 300_000);
});

describe('a file that is still being written', () => {
  const lib = tempDir('growing');
  let deps: Awaited<ReturnType<typeof openDeps>>;

  beforeAll(async () => {
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:', EARSHOT_INGEST_CONCURRENCY: '1' });
  }, 120_000);
  afterAll(async () => {
    await deps?.close();
    fs.rmSync(lib, { recursive: true, force: true });
  });

  /** Write `bytes` to `file` the way a copy does: in chunks every few ms; everything left at `stopAfterMs`. */
  function slowWrite(file: string, bytes: Buffer, stopAfterMs: number): { done: Promise<void>; stop: () => void } {
    fs.writeFileSync(file, bytes.subarray(0, 4096));
    let at = 4096;
    const t0 = Date.now();
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const timer = setInterval(() => {
      const end = Date.now() - t0 >= stopAfterMs ? bytes.length : Math.min(bytes.length, at + 2048);
      fs.appendFileSync(file, bytes.subarray(at, end));
      at = end;
      if (at >= bytes.length) stop();
    }, 5);
    const stop = () => {
      clearInterval(timer);
      finish();
    };
    return { done, stop };
  }

  it('changing during every read: failed with FILE_CHANGED, nothing stored for it; the other files are ingested', async () => {
    const folder = path.join(lib, 'always');
    writeWav(path.join(folder, 'steady.wav'), tone(1, 440, 48000, 5));
    const file = path.join(folder, 'growing.wav');
    // 60 s of audio written 2 KB per 5 ms: far longer than the three reads of the ingest.
    const w = slowWrite(file, wavBytes(tone(60, 220, 48000, 6), 48000), 3_600_000);
    try {
      const s = await runIngest(deps, { root: folder, concurrency: 1 });
      expect(s.run).toMatchObject({ status: 'done', processedFiles: 1, failedFiles: 1 });
      expect(s.failures).toEqual([{ path: file, code: 'FILE_CHANGED', message: expect.stringMatching(/changed while it was read .*still being written/) }]);
    } finally {
      w.stop();
    }
    expect(await count(deps, `SELECT count(*) AS n FROM "Clip" WHERE path = $1`, [file])).toBe(0);
  }, 120_000);

  it('still being copied when first read: read again later and stored whole, not short', async () => {
    const folder = path.join(lib, 'copy');
    const file = path.join(folder, 'copied.wav');
    fs.mkdirSync(folder, { recursive: true });
    const whole = wavBytes(tone(12, 330, 48000, 7), 48000);
    const w = slowWrite(file, whole, 1200);
    const s = await runIngest(deps, { root: folder, concurrency: 1 });
    await w.done;
    expect(s.run).toMatchObject({ status: 'done', processedFiles: 1, failedFiles: 0 });
    const [clip] = await deps.store.sql<{ sizeBytes: unknown; durationSec: number }>(`SELECT "sizeBytes", "durationSec" FROM "Clip" WHERE path = $1`, [file]);
    expect(Number(clip.sizeBytes)).toBe(whole.length);
    expect(clip.durationSec).toBeCloseTo(12, 2);
  }, 120_000);
});
