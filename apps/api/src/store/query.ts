/**
 * The one typed query layer: Kysely builds and compiles statements against the tables generated from
 * prisma/schema.prisma (scripts/kysely-types.mjs), and the store's own executors run them. Kysely never holds
 * a connection here: `Store.sql` (PGlite on its thread, or pg) and a transaction's `TxHandle.sql` execute the
 * compiled text, so a repository call inside `store.tx` stays on the transaction's handle.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type Compilable, type InferResult, type RawBuilder } from 'kysely';
import type { DB } from '../generated/kysely.js';

/** Parameterised SQL ($1, $2, …). Rows come back through Prisma's type mapping, identical on both backends. */
export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** Anything that runs a statement: the Store, a transaction's handle, ingest's IngestDb. */
export interface Db {
  sql: Sql;
}

/** The query builder. Compile-only (DummyDriver): statements go through a Db, never through Kysely. */
export const qb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

export type { DB } from '../generated/kysely.js';
export { sql, type RawBuilder } from 'kysely';

/** Run a built query; its rows as the builder typed them. */
export async function rows<Q extends Compilable<unknown>>(db: Db, q: Q): Promise<InferResult<Q>> {
  const c = q.compile();
  return (await db.sql(c.sql, [...c.parameters])) as InferResult<Q>;
}

/** The first row of a built query, or undefined. */
export async function first<Q extends Compilable<unknown>>(db: Db, q: Q): Promise<InferResult<Q>[number] | undefined> {
  return (await rows(db, q))[0];
}

/** Run a raw statement (the kinds Kysely cannot say: bulk upserts from unnest, ANALYZE, pgvector operators). */
export async function raw<O>(db: Db, r: RawBuilder<O>): Promise<O[]> {
  const c = r.compile(qb);
  return db.sql<O>(c.sql, [...c.parameters]);
}

// Typed parameters. The casts keep the plans the hand-written statements had: a parameter Postgres would
// otherwise type as numeric turns `"modelId" = $1` into a cast of the column and loses its index.
export const int = (v: number) => sql<number>`${v}::int`;
export const float8 = (v: number) => sql<number>`${v}::float8`;
export const bigint = (v: number | bigint | string) => sql<bigint>`${String(v)}::bigint`;
export const intArray = (v: readonly number[]) => sql<number[]>`${v}::int[]`;
export const textArray = (v: readonly string[]) => sql<string[]>`${v}::text[]`;
export const float8Array = (v: readonly number[]) => sql<number[]>`${v}::float8[]`;
/** Postgres `timestamp(3)` columns hold UTC wall time; this turns epoch ms into one. */
export const utcFromMs = (ms: number) => sql<Date>`(to_timestamp(${ms}::float8 / 1000) AT TIME ZONE 'UTC')`;
export const now = () => sql<Date>`now()`;

/** Counts and sums come back as bigint (int8), Decimal (numeric) or number: one conversion, here. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Timestamps as Date whichever form the driver gave (PGlite's text has no zone: it is UTC). */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v).replace(' ', 'T') + (/[zZ+]/.test(String(v).slice(10)) ? '' : 'Z')));
