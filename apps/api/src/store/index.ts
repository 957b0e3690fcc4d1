import type { Config } from '../config.js';
import { EarshotError } from '../errors.js';
import { type Prisma, PrismaClient } from '../generated/prisma/client.js';
import { openBackend, type Backend } from './backends.js';
import { applyMigrations, MIGRATIONS_DIR } from './migrations.js';

export { applyMigrations, readMigrations, MIGRATIONS_DIR, SCHEMA_PATH } from './migrations.js';
export { openBackend, type Backend } from './backends.js';

import type { Sql } from './query.js';

export type { Db, Sql } from './query.js';
export { fromVectorLiteral, toVectorLiteral } from './vectors.js';
export * from './repositories/index.js';

/** Prisma's client inside an interactive transaction. */
export type TxPrisma = Prisma.TransactionClient;

/** What a transaction callback gets: raw SQL and Prisma, both on the transaction's connection. */
export interface TxHandle {
  sql: Sql;
  prisma: TxPrisma;
}

export interface Store {
  backend: 'pglite' | 'postgres';
  prisma: PrismaClient;
  /**
   * One statement with $n parameters. Types as Prisma maps them: int4/float8 → number, int8 (count(*))
   * → bigint, numeric → Prisma.Decimal, timestamps → Date, arrays → arrays, vector → '[…]' text.
   */
  sql: Sql;
  /**
   * Run `fn` in one transaction (commit on return, roll back on throw). On PGlite every other query
   * waits until it ends, so `fn` must only use the handle it is given, never `store.sql`.
   */
  tx<T>(fn: (t: TxHandle) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
  /** Migrations this open applied (empty when the database was already current). */
  appliedMigrations: string[];
  /** Apply migrations added since open (the same step openStore runs); returns their names. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Override prisma/migrations (tests). */
  migrationsDir?: string;
  /**
   * Postgres statement_timeout for every pooled connection (the API server sets it so no request can
   * hold a backend for long; migrations are exempt). PGlite has no timers in WASM and ignores it.
   */
  statementTimeoutMs?: number;
  /** Session settings every connection gets besides the store's own (hnsw.ef_search in benchmarks, planner switches in tests). */
  sessionSettings?: Record<string, string>;
}

// Long transactions (bulk inserts, index builds) must not hit Prisma's 5 s default, and on PGlite
// a transaction waits for the previous one to finish before it can start.
const TX_TIMEOUT_MS = 10 * 60_000;

/**
 * Open the database the config selects and bring its schema up to date:
 * - `cfg.databaseUrl` set → that Postgres server (needs pgvector installed there);
 * - otherwise embedded PGlite in `cfg.dataDir/pglite`, or in memory when `cfg.dataDir === ':memory:'`.
 */
export async function openStore(cfg: Pick<Config, 'dataDir' | 'databaseUrl'> & Partial<Pick<Config, 'hnswEfSearch'>>, opts: OpenStoreOptions = {}): Promise<Store> {
  const sessionSettings = { ...(cfg.hnswEfSearch ? { 'hnsw.ef_search': String(cfg.hnswEfSearch) } : {}), ...opts.sessionSettings };
  const backend: Backend = await openBackend(cfg, { statementTimeoutMs: opts.statementTimeoutMs, sessionSettings });
  let prisma: PrismaClient | undefined;
  try {
    const appliedMigrations = await applyMigrations(backend.migrationAdapter(), opts.migrationsDir ?? MIGRATIONS_DIR);
    prisma = new PrismaClient({ adapter: backend.adapter });
    const client = prisma;
    await checkMarker(client, backend.where);
    const sqlOf =
      (q: { $queryRawUnsafe: PrismaClient['$queryRawUnsafe'] }): Sql =>
      <T>(text: string, params: unknown[] = []) =>
        q.$queryRawUnsafe<T[]>(text, ...params);
    return {
      backend: backend.kind,
      prisma: client,
      sql: sqlOf(client),
      tx: (fn, o) =>
        client.$transaction((t) => fn({ sql: sqlOf(t), prisma: t }), {
          maxWait: TX_TIMEOUT_MS,
          timeout: o?.timeoutMs ?? TX_TIMEOUT_MS,
        }),
      appliedMigrations,
      migrate: () => applyMigrations(backend.migrationAdapter(), opts.migrationsDir ?? MIGRATIONS_DIR),
      close: async () => {
        await client.$disconnect();
        await backend.close();
      },
    };
  } catch (e) {
    await prisma?.$disconnect().catch(() => {});
    await backend.close().catch(() => {});
    throw e;
  }
}

/**
 * Start-up consistency check: the clip count the triggers of the LibraryMarker row kept (same
 * transaction as every insert/delete) against the rows "Clip" really holds. A sequential scan is
 * forced: an index-only scan could count entries of a table whose heap file was truncated.
 */
export async function checkMarker(prisma: PrismaClient, where: string): Promise<void> {
  let marked: number | null;
  let actual: number;
  try {
    [marked, actual] = await prisma.$transaction(async (t) => {
      await t.$executeRawUnsafe(`SET LOCAL enable_indexscan = off`);
      await t.$executeRawUnsafe(`SET LOCAL enable_indexonlyscan = off`);
      await t.$executeRawUnsafe(`SET LOCAL enable_bitmapscan = off`);
      const [r] = await t.$queryRawUnsafe<{ marked: unknown; actual: unknown }[]>(
        `SELECT (SELECT clips FROM "LibraryMarker" WHERE id = 1) AS marked, (SELECT count(*) FROM "Clip") AS actual`,
      );
      return [r?.marked == null ? null : Number(r.marked), Number(r?.actual ?? 0)] as [number | null, number];
    });
  } catch (e) {
    throw corrupt(where, `reading the library failed: ${e instanceof Error ? e.message.split('\n').find((l) => l.trim()) : String(e)}`, e);
  }
  if (marked === null) throw corrupt(where, `the library marker row is gone (${actual} clips found)`);
  if (actual !== marked) throw corrupt(where, `the library holds ${actual} clips but its marker says ${marked}`);
}

const corrupt = (where: string, what: string, cause?: unknown) =>
  new EarshotError('DATA_CORRUPT', `corrupt: ${what}. Restore a backup of the database (${where})`, { subject: where, cause });
