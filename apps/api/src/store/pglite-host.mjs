// The embedded database's own thread (pglite-thread.ts). PGlite runs every statement synchronously in
// WASM on the thread that calls it: on the thread that answers HTTP, an ingest's HNSW inserts and
// ANALYZE stalled /healthz for up to 0.7 s and capped the server at one core. Here PGlite and its
// Prisma driver adapter (pglite-prisma-adapter, whose parsers live with it) answer messages:
//   { id, op: 'query' | 'execute', tx?, query }   queryRaw / executeRaw, in transaction `tx` when given
//   { id, op: 'begin', isolation? }               startTransaction → { tx, options }
//   { id, op: 'commit' | 'rollback', tx }
//   { id, op: 'exec', sql }                       a whole script (migrations, session settings)
//   { id, op: 'close' }
// Plain JavaScript: a worker does not inherit the parent's TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/** An error as data: DriverAdapterError keeps its cause (Prisma maps it), PGlite's ErrnoError its errno. */
function wire(e) {
  if (!(e instanceof Error)) return { plain: true, name: e?.name, errno: e?.errno, message: String(e?.message ?? e) };
  return { name: e.name, message: e.message, stack: e.stack, code: e.code, errno: e.errno, cause: e.name === 'DriverAdapterError' ? e.cause : undefined };
}

let db;
let adapter;
const txs = new Map();
let nextTx = 1;

async function run(m) {
  switch (m.op) {
    case 'query':
      return (m.tx ? txs.get(m.tx) : adapter).queryRaw(m.query);
    case 'execute':
      return (m.tx ? txs.get(m.tx) : adapter).executeRaw(m.query);
    case 'begin': {
      const tx = await adapter.startTransaction(m.isolation);
      const id = nextTx++;
      txs.set(id, tx);
      return { tx: id, options: tx.options };
    }
    case 'commit':
    case 'rollback': {
      const tx = txs.get(m.tx);
      txs.delete(m.tx);
      return m.op === 'commit' ? tx.commit() : tx.rollback();
    }
    case 'exec':
      await db.exec(m.sql);
      return null;
    case 'close':
      await db.close();
      return null;
  }
  throw new Error(`unknown op ${m.op}`);
}

try {
  db = await PGlite.create({ dataDir: workerData.dir, extensions: { vector } });
  adapter = await new PrismaPGlite(db).connect();
  parentPort.postMessage({ type: 'ready' });
} catch (e) {
  parentPort.postMessage({ type: 'error', error: wire(e) });
}

parentPort.on('message', async (m) => {
  try {
    const value = await run(m);
    parentPort.postMessage({ id: m.id, ok: true, value });
    if (m.op === 'close') process.exit(0);
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: wire(e) });
  }
});
