/**
 * The embedded database's folder on disk (issue 15 #9, #10): created 0700 with no group/world-writable
 * file, and damage refused with a code that says what it is (DATA_CORRUPT, NO_SPACE_LEFT) instead of
 * an empty library or DATA_DIR_NOT_WRITABLE. Real PGlite folders, damaged the way a disk or a user would.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarshotError } from '../../apps/api/src/errors.js';
import { openStore, type Store } from '../../apps/api/src/store/index.js';
import { openTestStore } from '../helpers/store.js';

const isRoot = process.getuid?.() === 0;

async function insertClips(store: Pick<Store, 'sql'>, names: string[]): Promise<void> {
  await store.sql(
    `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, "updatedAt")
     SELECT '/lib/' || n, '/lib/', n, md5(n), 'wav', 48000, 1, 1.0, 100, now(), now() FROM unnest($1::text[]) AS n
     ON CONFLICT (path) DO UPDATE SET "updatedAt" = now()`,
    [names],
  );
}

const marker = async (store: Pick<Store, 'sql'>) => Number((await store.sql<{ clips: unknown }>(`SELECT clips FROM "LibraryMarker" WHERE id = 1`))[0].clips);

async function openError(dataDir: string): Promise<EarshotError> {
  try {
    const s = await openStore({ dataDir, databaseUrl: undefined });
    await s.close();
  } catch (e) {
    expect(e).toBeInstanceOf(EarshotError);
    return e as EarshotError;
  }
  throw new Error(`openStore(${dataDir}) succeeded`);
}

/** Modes of everything under `dir`: [relative path, mode] for the ones group or others may write. */
function groupOrWorldWritable(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      const mode = fs.lstatSync(p).mode & 0o777;
      if (mode & 0o022) out.push([path.relative(dir, p), mode.toString(8)]);
      if (ent.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('library marker (any backend)', () => {
  it('counts inserts and deletes of clips in their transaction; upserts of existing paths change nothing', async () => {
    const t = await openTestStore();
    try {
      expect(await marker(t.store)).toBe(0);
      await insertClips(t.store, ['a.wav', 'b.wav', 'c.wav']);
      expect(await marker(t.store)).toBe(3);
      await insertClips(t.store, ['a.wav', 'b.wav', 'd.wav']); // two updates, one insert
      expect(await marker(t.store)).toBe(4);
      await t.store.sql(`DELETE FROM "Clip" WHERE name IN ('a.wav', 'b.wav')`);
      expect(await marker(t.store)).toBe(2);
      await expect(
        t.store.tx(async (x) => {
          await insertClips(x, ['e.wav']);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await marker(t.store)).toBe(2);
      expect(Number((await t.store.sql<{ n: unknown }>(`SELECT count(*) AS n FROM "Clip"`))[0].n)).toBe(2);
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});

describe('embedded data folder: permissions and damage', () => {
  let tmp = '';
  /** A closed, intact on-disk store with 5 clips; each case damages its own copy. */
  let pristine = '';
  let clipFile = '';

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-integrity-'));
    pristine = path.join(tmp, 'pristine');
    const store = await openStore({ dataDir: pristine, databaseUrl: undefined });
    try {
      await insertClips(store, ['1.wav', '2.wav', '3.wav', '4.wav', '5.wav']);
      clipFile = (await store.sql<{ p: string }>(`SELECT pg_relation_filepath('"Clip"') AS p`))[0].p;
    } finally {
      await store.close();
    }
  }, 180_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const copy = (name: string) => {
    const dir = path.join(tmp, name);
    fs.cpSync(pristine, dir, { recursive: true });
    return dir;
  };

  it('creates the data folder 0700 and leaves no group/world-writable file (PGlite writes 0666 ones)', async () => {
    expect(fs.statSync(pristine).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(pristine, 'pglite')).mode & 0o777).toBe(0o700);
    expect(groupOrWorldWritable(pristine)).toEqual([]);
    // A store made by an earlier version (0755 folder, 0666 files) is tightened on open.
    const old = copy('old-modes');
    fs.chmodSync(path.join(old, 'pglite'), 0o755);
    fs.chmodSync(path.join(old, 'pglite', 'PG_VERSION'), 0o666);
    fs.chmodSync(path.join(old, 'pglite', 'global', 'pg_control'), 0o666);
    const s = await openStore({ dataDir: old, databaseUrl: undefined });
    await s.close();
    expect(groupOrWorldWritable(path.join(old, 'pglite'))).toEqual([]);
    expect(fs.statSync(path.join(old, 'pglite')).mode & 0o777).toBe(0o700);
  }, 120_000);

  it('another local user cannot damage the database (as user nobody: truncate pg_control is refused)', (ctx) => {
    if (!isRoot || spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status !== 0) {
      console.log('[integrity] skipped the "nobody" check: needs root and runuser');
      ctx.skip();
    }
    const control = path.join(pristine, 'pglite', 'global', 'pg_control');
    const before = fs.statSync(control).size;
    const r = spawnSync('runuser', ['-u', 'nobody', '--', 'truncate', '-s', '0', control], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(fs.statSync(control).size).toBe(before);
  });

  it('refuses a non-empty folder without PG_VERSION instead of initialising an empty database over it', async () => {
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(path.join(foreign, 'pglite'), { recursive: true });
    fs.writeFileSync(path.join(foreign, 'pglite', 'notes.txt'), 'not a database');
    const e = await openError(foreign);
    expect(e.code).toBe('DATA_CORRUPT');
    expect(e.subject).toBe(path.join(foreign, 'pglite'));
    expect(fs.readdirSync(path.join(foreign, 'pglite'))).toEqual(['notes.txt']);

    const lost = copy('no-pg-version');
    fs.rmSync(path.join(lost, 'pglite', 'PG_VERSION'));
    const n = fs.readdirSync(path.join(lost, 'pglite')).length;
    const e2 = await openError(lost);
    expect(e2.code).toBe('DATA_CORRUPT');
    expect(e2.message).toMatch(/corrupt: .*no PG_VERSION.*Restore a backup/);
    expect(fs.readdirSync(path.join(lost, 'pglite'))).toHaveLength(n); // nothing re-initialised
  }, 120_000);

  it('a truncated Clip table (0 rows, 5 in the marker) is DATA_CORRUPT, not an empty library', async () => {
    const dir = copy('truncated-table');
    fs.truncateSync(path.join(dir, 'pglite', clipFile), 0);
    const e = await openError(dir);
    expect(e.code).toBe('DATA_CORRUPT');
    expect(e.toLine()).toMatch(/^DATA_CORRUPT: corrupt: the library holds 0 clips but its marker says 5\. Restore a backup/);
    // The intact copy still opens with its 5 clips.
    const s = await openStore({ dataDir: pristine, databaseUrl: undefined });
    try {
      expect(await marker(s)).toBe(5);
    } finally {
      await s.close();
    }
  }, 120_000);

  it('a damaged pg_control is DATA_CORRUPT, not DATA_DIR_NOT_WRITABLE', async () => {
    const dir = copy('bad-control');
    fs.truncateSync(path.join(dir, 'pglite', 'global', 'pg_control'), 0);
    const e = await openError(dir);
    expect(e.code).toBe('DATA_CORRUPT');
    expect(e.message).toMatch(/^corrupt: cannot open the embedded database/);
  }, 120_000);

  it('a full disk at open is NO_SPACE_LEFT (data folder on a 1 MiB tmpfs)', async (ctx) => {
    const mnt = path.join(tmp, 'tiny');
    fs.mkdirSync(mnt);
    if (!isRoot || spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
      console.log('[integrity] skipped the full-disk check: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
      ctx.skip();
    }
    try {
      const e = await openError(path.join(mnt, 'data'));
      expect(e.code).toBe('NO_SPACE_LEFT');
      expect(e.message).toMatch(/no space left on the device .*ENOSPC/);
    } finally {
      spawnSync('umount', ['-l', mnt]); // lazy: the failed PGlite may still hold files open there
    }
  }, 120_000);
});
