import type { Sql, Store } from '../store/index.js';

export type { Sql } from '../store/index.js';

/** The database as ingest uses it: the store's repositories take it (it is a Db), and a file's rows go in one transaction. */
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
