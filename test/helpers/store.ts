import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../apps/api/src/config.js';
import { openStore, type OpenStoreOptions, type Store } from '../../apps/api/src/store/index.js';

export interface TestStore {
  store: Store;
  /** The URL of the fresh server database (postgres backend only). */
  databaseUrl?: string;
  /** Close the store and drop what was made for it. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** The server the suite runs against, or undefined for embedded PGlite (read through config.ts). */
export const testServerUrl = (): string | undefined => loadConfig().databaseUrl;

/**
 * A fresh, isolated, migrated store for one test (file):
 * - default: PGlite in memory;
 * - DATABASE_URL set: a new database `earshot_test_<random>` on that server (so parallel test files
 *   never see each other's rows), dropped again by cleanup(). Needs CREATEDB on the server.
 */
export async function openTestStore(opts: OpenStoreOptions = {}): Promise<TestStore> {
  const server = testServerUrl();
  if (!server) {
    const store = await openStore({ dataDir: ':memory:', databaseUrl: undefined }, opts);
    let closed = false;
    return {
      store,
      cleanup: async () => {
        if (closed) return;
        closed = true;
        await store.close();
      },
    };
  }
  const { url, drop } = await createTestDatabase(server);
  let store: Store;
  try {
    store = await openStore({ dataDir: ':memory:', databaseUrl: url }, opts);
  } catch (e) {
    await drop();
    throw e;
  }
  let closed = false;
  return {
    store,
    databaseUrl: url,
    cleanup: async () => {
      if (closed) return;
      closed = true;
      await store.close();
      await drop();
    },
  };
}

/**
 * The URL of database `name` on the server of `serverUrl`, created first; with `keep`, an existing one is
 * used as it is (the benchmarks' --keep-db).
 */
export async function createDatabase(serverUrl: string, name: string, opts: { keep?: boolean } = {}): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = opts.keep && (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount;
    if (!exists) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Create an empty database on the server of `serverUrl`; `drop()` removes it (even with open connections). */
export async function createTestDatabase(serverUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `earshot_test_${randomBytes(6).toString('hex')}`;
  return {
    url: await createDatabase(serverUrl, name),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
