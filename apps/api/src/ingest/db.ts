import type { Store } from '../store/index.js';

/** Parameterised SQL, the only database access ingest needs. */
export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export interface IngestDb {
  backend: 'pglite' | 'postgres';
  sql: Sql;
  /** Run `fn` in one transaction: all of a file's rows land together or not at all. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

export function ingestDb(store: Store): IngestDb {
  return {
    backend: store.backend,
    sql: (text, params) => store.sql(text, params),
    tx: (fn) => store.tx((t) => fn((text, params) => t.sql(text, params))),
  };
}

/** Counts and sums come back as bigint/string from some drivers. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
