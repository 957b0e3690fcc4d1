import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { EarshotError } from '../errors.js';
import { PgliteThread } from './pglite-thread.js';

/** An opened database: the adapter Prisma Client and the schema engine talk through, and how to close it. */
export interface Backend {
  kind: 'pglite' | 'postgres';
  /** For Prisma Client. */
  adapter: SqlMigrationAwareDriverAdapterFactory;
  /** A fresh adapter factory for one schema-engine run (its connections end when the run does). */
  migrationAdapter(): MigrationAdapter;
  /** Where the data lives, for messages: a folder, `memory://` or the URL without its password. */
  where: string;
  close(): Promise<void>;
}

// Session settings for every connection. iterative_scan (pgvector ≥ 0.8): an HNSW scan with a
// WHERE filter (e.g. "modelId" = $1) keeps scanning until LIMIT rows pass the filter, instead of
// returning fewer rows when the nearest ef_search candidates belong to another model.
// ef_search 200 (pgvector's default is 40): bench:queries at 100k clustered vectors gave recall@10
// 0.86-0.93 at 40, 0.97-0.99 at 100 and 0.996 at 200 (PGlite and server), at the same KNN latency
// (p50 4-5 ms).
const SESSION_SETTINGS: Record<string, string> = { 'hnsw.iterative_scan': 'strict_order', 'hnsw.ef_search': '200' };

/**
 * The schema engine runs each migration through `executeScript`. adapter-pg splits the script on
 * every ";" (breaking function bodies and string literals) and runs the pieces one by one outside a
 * transaction; pglite-prisma-adapter does not await the script, so a failing migration would be
 * recorded as applied. Both are replaced: the whole script goes to the server as one simple-protocol
 * query, which Postgres runs in one implicit transaction.
 */
export function wholeScript(factory: SqlMigrationAwareDriverAdapterFactory, run: (adapter: SqlDriverAdapter, script: string) => Promise<void>): MigrationAdapter {
  const out: MigrationAdapter = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => patch(await factory.connect()),
    connectToShadowDb: async () => patch(await factory.connectToShadowDb()),
  };
  // The engine reports a failed script only as "external connector error": keep the real one.
  const patch = (a: SqlDriverAdapter): SqlDriverAdapter => {
    a.executeScript = async (script: string) => {
      try {
        await run(a, script);
      } catch (e) {
        out.lastScriptError = e;
        throw e;
      }
    };
    return a;
  };
  return out;
}

/** A driver adapter factory for the schema engine that remembers why the last migration script failed. */
export type MigrationAdapter = SqlMigrationAwareDriverAdapterFactory & { lastScriptError?: unknown };

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** The backend the config selects: the server at `databaseUrl`, else PGlite in `dataDir/pglite` (`:memory:` → in memory). */
export function openBackend(
  cfg: { dataDir: string; databaseUrl?: string },
  opts: { statementTimeoutMs?: number; sessionSettings?: Record<string, string> } = {},
): Promise<Backend> {
  const settings = sessionSettings(opts.sessionSettings);
  if (cfg.databaseUrl) return openPostgres(cfg.databaseUrl, opts.statementTimeoutMs, settings);
  return openPglite(cfg.dataDir === ':memory:' ? 'memory://' : path.join(cfg.dataDir, 'pglite'), settings);
}

/** SESSION_SETTINGS with the caller's additions (benchmarks, tests); names and values are plain words, as they go into SET. */
function sessionSettings(extra: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(extra)) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(k) || !/^[A-Za-z0-9_.]+$/.test(v))
      throw new EarshotError('CONFIG_INVALID', `session setting ${k} = ${v}: use a setting name and a plain value`);
  }
  return { ...SESSION_SETTINGS, ...extra };
}

/**
 * PGlite's file system throws Emscripten ErrnoError objects ({ name, errno }, WASI numbering), not
 * Errors, so String(e) said "[object Object]" on a full disk (found by bench:faults).
 */
const WASI_ERRNO: Record<number, string> = { 2: 'EACCES', 19: 'EDQUOT', 22: 'EFBIG', 29: 'EIO', 44: 'ENOENT', 51: 'ENOSPC', 54: 'ENOTDIR', 63: 'EPERM', 69: 'EROFS' };
function wasiErrno(e: unknown): string | undefined {
  const errno = (e as { errno?: unknown } | null)?.errno;
  if (e instanceof Error || typeof errno !== 'number') return undefined;
  return WASI_ERRNO[errno] ?? `errno ${errno}`;
}

/** Embedded Postgres (WASM) with pgvector on its own thread (pglite-thread.ts), persisted in `dir`, or in memory for `memory://`. */
export async function openPglite(dir: string | 'memory://', settings: Record<string, string> = SESSION_SETTINGS): Promise<Backend> {
  let unlock = () => {};
  if (dir !== 'memory://') {
    ensureWritableDir(dir);
    refuseForeignDir(dir);
    unlock = lockDataDir(dir);
  }
  let db: PgliteThread;
  try {
    db = await PgliteThread.open(dir);
  } catch (e) {
    unlock();
    throw openFailure(dir, e);
  }
  if (dir !== 'memory://') restrictFiles(dir);
  try {
    for (const [k, v] of Object.entries(settings)) await db.exec(`SET ${k} = '${v}'`);
  } catch (e) {
    await db.close().catch(() => {});
    unlock();
    throw e;
  }
  const adapter = db.factory();
  const migrationAdapter = () =>
    wholeScript(adapter, async (_a, script) => {
      await db.exec(script);
    });
  return {
    kind: 'pglite',
    adapter,
    migrationAdapter,
    where: dir,
    close: async () => {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * PGlite is one Postgres backend inside this process: a second process (or a second PGlite in
 * this one) on the same folder would corrupt it. `<dir>.lock` holds the owner's pid; a lock whose
 * process is gone (crash, kill -9) is taken over.
 */
function lockDataDir(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(lockPath, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
      throw new EarshotError(
        'DB_IN_USE',
        `the embedded database in ${dir} is in use by process ${pid}${pid === process.pid ? ' (this one)' : ''}: stop that Earshot server/CLI first, ` +
          'or set EARSHOT_DATA_DIR to another folder, or use a Postgres server (DATABASE_URL) to share one database between processes',
        { subject: dir },
      );
    }
    fs.rmSync(lockPath, { force: true });
  }
  throw new EarshotError('DB_IN_USE', `could not take the lock ${lockPath}: another process keeps taking it`, { subject: dir });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Create the folder if needed (0700: only this user) and prove we can write there, so the failure is ours and readable. */
export function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    tighten(dir, 0o700);
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '', { mode: 0o600 });
    fs.rmSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOSPC' || code === 'EDQUOT') throw noSpace(dir, code, e);
    throw new EarshotError('DATA_DIR_NOT_WRITABLE', `data folder ${dir} is not writable (${code}): set EARSHOT_DATA_DIR to a folder this user can write, or fix its permissions`, {
      subject: dir,
      cause: e,
    });
  }
}

const noSpace = (dir: string, code: string, cause: unknown) =>
  new EarshotError('NO_SPACE_LEFT', `no space left on the device of ${dir} (${code}): free disk space, or set EARSHOT_DATA_DIR to a folder on a disk with room`, {
    subject: dir,
    cause,
  });

/** chmod to `mode` when this user owns `p` and it allows more (a folder made by hand with 0755); others' folders are left as they are. */
function tighten(p: string, mode: number): void {
  const st = fs.statSync(p);
  if ((st.mode & 0o777 & ~mode) !== 0 && st.uid === process.getuid?.()) fs.chmodSync(p, st.mode & 0o777 & mode);
}

/**
 * PGlite writes the files of a new cluster with mode 0666 whatever the umask (measured: 968 of
 * 1,000 files; a umask of 077 around PGlite.create fixed only the folders and files made later), and
 * any local user could then damage the database. After each open, every file and folder loses its
 * group/other bits. Files PGlite adds later follow the process umask (0644 under the usual 022)
 * inside a 0700 folder.
 */
export function restrictFiles(dir: string): void {
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isSymbolicLink()) continue;
      tighten(p, ent.isDirectory() ? 0o700 : 0o600);
      if (ent.isDirectory()) walk(p);
    }
  };
  walk(dir);
}

/**
 * A folder with files but no PG_VERSION is not an embedded database (or lost its first file): PGlite
 * would initialise a new, empty one over it and the library would silently start empty.
 */
function refuseForeignDir(dir: string): void {
  const entries = fs.readdirSync(dir).filter((n) => !n.startsWith('.write-test-'));
  if (entries.length > 0 && !fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    throw new EarshotError(
      'DATA_CORRUPT',
      `corrupt: ${dir} holds ${entries.length} entries but no PG_VERSION, so it is not an intact embedded database. ` +
        'Restore a backup of the folder, or move it away (or set EARSHOT_DATA_DIR to another folder) to start with an empty library',
      { subject: dir },
    );
  }
}

/**
 * Why PGlite.create failed, by what it was: a permission error is DATA_DIR_NOT_WRITABLE, a full disk
 * NO_SPACE_LEFT, anything else (an abort on a damaged pg_control, a PANIC) DATA_CORRUPT.
 */
function openFailure(dir: string, e: unknown): EarshotError {
  const fsCode = wasiErrno(e) ?? (e as NodeJS.ErrnoException)?.code;
  const message = e instanceof Error ? e.message : fsCode ? `file system error ${fsCode}` : String(e);
  if (fsCode === 'ENOSPC' || fsCode === 'EDQUOT') return noSpace(dir, fsCode, e);
  if (fsCode === 'EACCES' || fsCode === 'EPERM' || fsCode === 'EROFS') {
    return new EarshotError(
      'DATA_DIR_NOT_WRITABLE',
      `cannot open the embedded database in ${dir}: ${message}. Fix the folder's permissions or set EARSHOT_DATA_DIR to a folder this user can write`,
      { subject: dir, cause: e },
    );
  }
  return new EarshotError(
    'DATA_CORRUPT',
    `corrupt: cannot open the embedded database in ${dir} (${message}). Restore a backup of the folder, ` +
      'or move it away (or set EARSHOT_DATA_DIR to another folder) to start with an empty library',
    { subject: dir, cause: e },
  );
}

const CONNECT_TIMEOUT_MS = 10_000;

function pgConfig(url: string, statementTimeoutMs?: number, session: Record<string, string> = SESSION_SETTINGS): pg.PoolConfig {
  const settings = statementTimeoutMs ? { ...session, statement_timeout: String(statementTimeoutMs) } : session;
  const options = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, options };
}

/**
 * A Postgres server. Before anything else, one plain connection checks that the server answers
 * and that the pgvector extension is installed there, so those failures read as what to do.
 */
export async function openPostgres(url: string, statementTimeoutMs?: number, settings: Record<string, string> = SESSION_SETTINGS): Promise<Backend> {
  const where = redactUrl(url);
  await checkServer(url, where);
  const config = pgConfig(url, statementTimeoutMs, settings);
  // One connection for the schema engine: it takes Prisma's advisory lock and must release it on
  // the same session; a lock left on an idle pooled connection stalls the next run for 10 s.
  const migrationAdapter = () =>
    wholeScript(new PrismaPg({ ...pgConfig(url), max: 1 }), async (a, script) => {
      const pool = (a as unknown as { underlyingDriver(): pg.Pool }).underlyingDriver();
      await pool.query(script);
    });
  return { kind: 'postgres', adapter: new PrismaPg(config), migrationAdapter, where, close: async () => {} };
}

async function checkServer(url: string, where: string): Promise<void> {
  const client = new pg.Client(pgConfig(url));
  // An error event after connect failure must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    throw unreachable(e, where);
  }
  try {
    const { rows } = await client.query<{ installed: string | null; available: boolean }>(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed,
              EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available`,
    );
    if (!rows[0]?.installed && !rows[0]?.available) {
      throw new EarshotError(
        'DB_NO_VECTOR_EXTENSION',
        `the Postgres server at ${where} has no pgvector extension: install pgvector for that server (e.g. the postgresql-<version>-pgvector package, or build it as .ci/run does) or unset DATABASE_URL to use the embedded database`,
        { subject: where },
      );
    }
  } finally {
    await client.end().catch(() => {});
  }
}

function unreachable(e: unknown, where: string): EarshotError {
  const err = e as { code?: string; message?: string };
  const reason = err.code && !String(err.message).includes(err.code) ? `${err.code}: ${err.message}` : String(err.message ?? e);
  const hint =
    err.code === '28P01' || err.code === '28000'
      ? 'check the user and password in DATABASE_URL'
      : err.code === '3D000'
        ? 'create that database (createdb) or fix its name in DATABASE_URL'
        : 'start the server or fix host/port in DATABASE_URL, or unset DATABASE_URL to use the embedded database';
  return new EarshotError('DB_UNREACHABLE', `cannot connect to Postgres at ${where} (${reason}): ${hint}`, { subject: where, cause: e });
}
