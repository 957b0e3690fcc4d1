import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apps/api/src/config.js';
import { EarshotError } from '../../apps/api/src/errors.js';
import { MIGRATIONS_DIR, openStore } from '../../apps/api/src/store/index.js';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';

const server = testServerUrl();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-store-errors-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The error openStore throws, which must be one EarshotError line that says what to do. */
async function openError(cfg: { dataDir: string; databaseUrl?: string }, migrationsDir?: string): Promise<EarshotError> {
  const e = await openStore(cfg, migrationsDir ? { migrationsDir } : {}).then(
    async (s) => {
      await s.close();
      throw new Error('openStore succeeded but should have failed');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EarshotError);
  const line = (e as EarshotError).toLine();
  expect(line).not.toContain('\n');
  expect(line.length).toBeLessThan(600);
  return e as EarshotError;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('bad storage input gives one line that says what to do', () => {
  it('DATABASE_URL that nothing answers → DB_UNREACHABLE, password not shown', async () => {
    const port = await closedPort();
    const e = await openError({ dataDir: tmp, databaseUrl: `postgresql://earshot:s3cret@127.0.0.1:${port}/earshot` });
    expect(e.code).toBe('DB_UNREACHABLE');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).toMatch(/start the server or fix host\/port in DATABASE_URL/);
    expect(e.toLine()).not.toContain('s3cret');
  });

  it('a Postgres server without the vector extension → DB_NO_VECTOR_EXTENSION', async () => {
    // A real Postgres wire-protocol server (PGlite over TCP) that has no pgvector.
    const db = await PGlite.create({ dataDir: 'memory://' });
    const srv = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await srv.start();
    const port = (srv as unknown as { server: net.Server }).server.address() as net.AddressInfo;
    try {
      const e = await openError({ dataDir: tmp, databaseUrl: `postgresql://postgres@127.0.0.1:${port.port}/postgres?sslmode=disable` });
      expect(e.code).toBe('DB_NO_VECTOR_EXTENSION');
      expect(e.message).toMatch(/install pgvector/);
      expect(e.message).toMatch(/unset DATABASE_URL/);
    } finally {
      await srv.stop();
      await db.close();
    }
  });

  it.skipIf(!server)('a database that does not exist on the server → DB_UNREACHABLE saying to create it', async () => {
    const u = new URL(server!);
    u.pathname = '/earshot_no_such_database';
    const e = await openError({ dataDir: tmp, databaseUrl: u.toString() });
    expect(e.code).toBe('DB_UNREACHABLE');
    expect(e.message).toMatch(/create that database/);
  });

  it('a data folder below a regular file → DATA_DIR_NOT_WRITABLE naming the folder', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const e = await openError({ dataDir: path.join(file, 'data') });
    expect(e.code).toBe('DATA_DIR_NOT_WRITABLE');
    expect(e.subject).toBe(path.join(file, 'data', 'pglite'));
    expect(e.message).toMatch(/EARSHOT_DATA_DIR/);
  });

  it('a data folder without write permission → DATA_DIR_NOT_WRITABLE', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'ro-'));
    fs.chmodSync(tmp, 0o755);
    if (process.getuid?.() !== 0) {
      fs.chmodSync(dir, 0o500);
      const e = await openError({ dataDir: path.join(dir, 'data') });
      expect(e.code).toBe('DATA_DIR_NOT_WRITABLE');
      expect(e.message).toMatch(/EACCES/);
      return;
    }
    // root may write anywhere, so the store is opened by the unprivileged user "nobody" in a
    // child process, in a folder owned by root.
    fs.chmodSync(dir, 0o755);
    const storeIndex = path.join(REPO_ROOT, 'apps/api/src/store/index.ts');
    try {
      execFileSync('runuser', ['-u', 'nobody', '--', 'test', '-r', storeIndex]);
    } catch {
      console.log(`skipped the EACCES case: running as root and user "nobody" cannot read ${storeIndex}`);
      return;
    }
    const script = path.join(dir, 'open.mts');
    fs.writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(storeIndex)};\n` +
        `try { await openStore({ dataDir: process.argv[2], databaseUrl: undefined }); console.log('OPENED'); }\n` +
        `catch (e) { console.log(e.toLine ? e.toLine() : String(e)); }\n`,
    );
    fs.chmodSync(script, 0o644);
    const out = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '--import', 'tsx', script, path.join(dir, 'data')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, HOME: dir },
    });
    expect(out.trim()).toMatch(/^DATA_DIR_NOT_WRITABLE: data folder .*\/data\/pglite is not writable \(EACCES\): set EARSHOT_DATA_DIR/);
  });

  it('a second open of the same embedded database folder → DB_IN_USE; a lock left by a dead process is taken over', async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, 'locked-'));
    const first = await openStore({ dataDir });
    try {
      const e = await openError({ dataDir });
      expect(e.code).toBe('DB_IN_USE');
      expect(e.message).toContain(`process ${process.pid}`);
      expect(e.message).toMatch(/DATABASE_URL/);
    } finally {
      await first.close();
    }
    // kill -9 leaves the lock file behind with the pid of a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(path.join(dataDir, 'pglite.lock'), `${dead}\n`);
    const again = await openStore({ dataDir });
    try {
      expect(again.appliedMigrations).toEqual([]);
      expect(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8').trim()).toBe(String(process.pid));
    } finally {
      await again.close();
    }
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
  });

  it('a failing migration → MIGRATION_FAILED naming it and the SQL error; rolled back, so the fixed file applies', async () => {
    const dir = path.join(tmp, 'migrations');
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const bad = path.join(dir, '29990101000000_bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'migration.sql'), `CREATE TABLE "Half" (id INT);\nALTER TABLE "NoSuchTable" ADD COLUMN x INT;\n`);
    const target = server ? await createTestDatabase(server) : undefined;
    const cfg = { dataDir: fs.mkdtempSync(path.join(tmp, 'data-')), databaseUrl: target?.url };
    try {
      const e = await openError(cfg, dir);
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('29990101000000_bad');
      expect(e.message).toMatch(/"NoSuchTable" does not exist/);
      expect(e.subject).toBe(path.join(bad, 'migration.sql'));
      // Same error again (not Prisma's "found failed migrations" lock-out).
      expect((await openError(cfg, dir)).message).toMatch(/"NoSuchTable" does not exist/);

      fs.writeFileSync(path.join(bad, 'migration.sql'), `CREATE TABLE "Half" (id INT);\n`);
      const store = await openStore(cfg, { migrationsDir: dir });
      try {
        expect(store.appliedMigrations).toEqual(['29990101000000_bad']);
        const [n] = await store.sql<{ n: bigint }>(`SELECT count(*) AS n FROM "Half"`);
        expect(Number(n.n)).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await target?.drop();
    }
  });
});
