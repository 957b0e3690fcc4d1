/**
 * The embedded database on its own worker thread (pglite-host.mjs), behind a Prisma driver adapter
 * factory, so Prisma Client and the schema engine use it as they used PGlite in this thread. PGlite
 * runs each statement synchronously in WASM; on the thread that answers HTTP, an ingest's inserts and
 * ANALYZE stalled every request (event-loop stalls of 110–440 ms, /healthz up to 0.7 s) and the server
 * used one core for both its JavaScript and the database. Queries keep their order per caller, and a
 * transaction holds PGlite for itself as before (the host's PGlite queues the others).
 */
import { Worker } from 'node:worker_threads';
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';

type WireError = { plain?: boolean; name?: string; message: string; stack?: string; code?: string; errno?: number; cause?: unknown };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** The error as it was thrown in the host: a DriverAdapterError for Prisma, PGlite's ErrnoError as a plain object. */
function unwire(w: WireError): unknown {
  if (w.name === 'DriverAdapterError' && w.cause) return new DriverAdapterError(w.cause as ConstructorParameters<typeof DriverAdapterError>[0]);
  if (w.plain) return { name: w.name, errno: w.errno, message: w.message };
  const e = Object.assign(new Error(w.message), { code: w.code, errno: w.errno });
  if (w.name) e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/** Prisma's own arg values the host could not rebuild after a structured clone (Decimal) go as text. */
const portable = (q: SqlQuery): SqlQuery => ({
  ...q,
  args: q.args.map((a) => (a !== null && typeof a === 'object' && !(a instanceof Date) && !ArrayBuffer.isView(a) && !Array.isArray(a) && 'toFixed' in a ? String(a) : a)),
});

const ADAPTER_NAME = 'pglite-prisma-adapter';

export class PgliteThread {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private next = 1;
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(unwire(m.error));
    });
    worker.on('error', (e) => this.fail(new Error(`the embedded database thread failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`the embedded database thread stopped (code ${code})`)));
    worker.unref();
  }

  /** Start the thread and open PGlite in `dir` there; rejects with PGlite's own error when it cannot. */
  static open(dir: string): Promise<PgliteThread> {
    const worker = new Worker(new URL('./pglite-host.mjs', import.meta.url), { workerData: { dir }, execArgv: [] });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the embedded database thread exited (code ${code}) while opening ${dir}`));
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.once('message', (m: { type: 'ready' } | { type: 'error'; error: WireError }) => {
        worker.off('exit', onExit);
        worker.off('error', reject);
        if (m.type === 'ready') return resolve(new PgliteThread(worker));
        void worker.terminate();
        reject(unwire(m.error));
      });
    });
  }

  call<T>(msg: Record<string, unknown>): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, ...msg });
    });
  }

  /** A whole script in one simple-protocol query (migrations, session settings). */
  exec(sql: string): Promise<void> {
    return this.call({ op: 'exec', sql });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    await this.call({ op: 'close' }).catch(() => {});
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** The driver adapter factory Prisma Client and the schema engine connect through. */
  factory(): SqlMigrationAwareDriverAdapterFactory {
    const adapter = (): SqlDriverAdapter => {
      const queryable = (tx?: number) => ({
        provider: 'postgres' as const,
        adapterName: ADAPTER_NAME,
        queryRaw: (query: SqlQuery) => this.call<SqlResultSet>({ op: 'query', tx, query: portable(query) }),
        executeRaw: (query: SqlQuery) => this.call<number>({ op: 'execute', tx, query: portable(query) }),
      });
      return {
        ...queryable(),
        executeScript: (script: string) => this.exec(script),
        getConnectionInfo: () => ({ supportsRelationJoins: true }),
        startTransaction: async (isolation?: IsolationLevel): Promise<Transaction> => {
          const { tx, options } = await this.call<{ tx: number; options: Transaction['options'] }>({ op: 'begin', isolation });
          return {
            ...queryable(tx),
            options,
            commit: () => this.call({ op: 'commit', tx }),
            rollback: () => this.call({ op: 'rollback', tx }),
          };
        },
        dispose: async () => {},
      };
    };
    return {
      provider: 'postgres',
      adapterName: ADAPTER_NAME,
      connect: async () => adapter(),
      // applyMigrations never diffs against a shadow database, and handing out this one as the shadow would let the engine wipe it.
      connectToShadowDb: () => Promise.reject(new Error('the threaded embedded database has no shadow database')),
    };
  }

  private fail(e: Error): void {
    if (!this.dead) this.dead = e;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }
}
