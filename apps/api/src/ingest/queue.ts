import { randomUUID } from 'node:crypto';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { FileJob } from './process-file.js';

/** pg-boss queue shared by every ingest process on one Postgres server. */
export const INGEST_QUEUE = 'earshot-ingest';

/**
 * A job runs for as long as one file takes to decode and embed; a worker that dies (kill -9)
 * holds its job until this expiry, after which pg-boss hands the file to another worker.
 */
const JOB_EXPIRE_SEC = 15 * 60;
const RETRY_LIMIT = 3;
/** pg-boss v10's smallest polling interval (attorney.js MIN_POLLING_INTERVAL_MS = 500). */
const POLL_SEC = 0.5;

/** How long pg-boss's own queries wait for a restarting server before they give up. */
const RECONNECT_WINDOW_MS = 60_000;

/**
 * Connection-class failures (SQLSTATE 08xxx, 57P01-57P03 admin shutdown / crash / starting up, socket
 * errors). pg puts them in `code`; Prisma only in its message text ("Can't reach database server", or
 * "Code: `57P03`. Message: `the database system is shutting down`").
 */
export function isConnectionLoss(e: unknown): boolean {
  const x = e as { code?: unknown; message?: unknown };
  const code = typeof x?.code === 'string' ? x.code : '';
  const message = String(x?.message ?? '');
  return (
    /^08|^57P0[123]$|^ECONN(REFUSED|RESET)$|^EPIPE$|^ETIMEDOUT$/.test(code) ||
    /Connection terminated|connection timeout/i.test(message) ||
    /Can't reach database server|terminating connection|ECONNREFUSED|the database system is (shutting down|starting up)|Code: `(08[0-9A-Z]{3}|57P0[123])`/.test(message)
  );
}

/**
 * pg-boss 10 completes and fails jobs without awaiting the query (manager.js work(): `this.complete(...)`
 * / `this.fail(...)`), so a server restart mid-ingest turned into an unhandled rejection that killed
 * the process with a stack trace (found by bench:faults). pg-boss therefore gets its own pool whose
 * queries wait out a lost connection (retrying with backoff for RECONNECT_WINDOW_MS) and whose idle
 * clients may die quietly. A retried job fetch may claim a job whose first claim was lost with the
 * connection; that job expires and comes back, and the file is written once either way (upserts,
 * pending check).
 */
function reconnectingDb(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, application_name: 'earshot-ingest' });
  pool.on('error', () => {}); // an idle client lost with the server: the next query opens a new one
  let ended = false;
  // After the queue is stopped, pg-boss may still fire a complete/fail it never awaited (bench:faults saw
  // "Cannot use a pool after calling end" crash the process after a database restart). Such late
  // bookkeeping is dropped: the job expires and comes back, and IngestFile rows, not pg-boss, say what is done.
  // Dropped = a promise that never settles: an empty result would be read as a reply (pg-boss then crashed on
  // `rows[0].count`), and a pending promise does not keep the process alive.
  const afterEnd = () => new Promise<pg.QueryResult>(() => {});
  return {
    pool,
    end: () => {
      ended = true;
      return pool.end().catch(() => {});
    },
    async executeSql(text: string, values?: unknown[]) {
      const deadline = Date.now() + RECONNECT_WINDOW_MS;
      for (let wait = 200; ; wait = Math.min(wait * 2, 5_000)) {
        if (ended) return afterEnd();
        try {
          return await pool.query(text, values as unknown[]);
        } catch (e) {
          if (ended) return afterEnd();
          if (!isConnectionLoss(e) || Date.now() + wait > deadline) throw e;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    },
  };
}

export async function openBoss(databaseUrl: string): Promise<PgBoss> {
  const db = reconnectingDb(databaseUrl);
  const boss = new PgBoss({ db, schedule: false });
  // A pool we hand in is not closed by pg-boss.
  boss.once('stopped', () => void db.end());
  // pg-boss reports background errors as events; an unhandled 'error' event would crash the process.
  boss.on('error', (e) => {
    if (!/terminat|ECONNRESET|Connection/.test(String(e))) console.error(`pg-boss: ${e instanceof Error ? e.message : e}`);
  });
  await boss.start();
  try {
    await boss.createQueue(INGEST_QUEUE, { name: INGEST_QUEUE, policy: 'stately', retryLimit: RETRY_LIMIT, expireInSeconds: JOB_EXPIRE_SEC });
  } catch (e) {
    // Two processes creating the queue at once: the loser sees a unique violation; the queue exists.
    if (!(await boss.getQueue(INGEST_QUEUE))) throw e;
  }
  return boss;
}

/**
 * One job per pending file. The singleton key (run, file, this execution) plus the 'stately'
 * policy keeps one job per file per execution. A resumed run is a new execution: the jobs a dead
 * process held stay 'active' until they expire (15 min), and keyed per run and file alone they
 * would block the resumed run for that long (found by bench:faults after a database restart).
 * A file queued twice is written once: the second job finds it no longer pending, or upserts.
 */
export async function enqueueFiles(boss: PgBoss, jobs: FileJob[]): Promise<void> {
  const execution = randomUUID();
  for (let i = 0; i < jobs.length; i += 500) {
    await boss.insert(
      jobs.slice(i, i + 500).map((j) => ({
        name: INGEST_QUEUE,
        data: j,
        singletonKey: `${j.runId}:${j.fileId}:${execution}`,
        retryLimit: RETRY_LIMIT,
        expireInSeconds: JOB_EXPIRE_SEC,
      })),
    );
  }
}

/**
 * Start `concurrency` pollers on this process; returns a function that stops them (waiting for
 * jobs in hand). A job that throws is retried by pg-boss; on its last attempt `giveUp` records
 * the file as failed instead, so a coordinator waiting for "no file pending" is never stuck.
 */
export async function workFiles(
  boss: PgBoss,
  concurrency: number,
  handler: (job: FileJob) => Promise<void>,
  giveUp: (job: FileJob, err: unknown) => Promise<void>,
): Promise<() => Promise<void>> {
  const ids: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    let id = '';
    id = await boss.work<FileJob>(INGEST_QUEUE, { batchSize: 1, pollingIntervalSeconds: POLL_SEC, includeMetadata: true }, async (batch) => {
      for (const job of batch) {
        try {
          await handler(job.data);
        } catch (e) {
          if (job.retryCount < job.retryLimit) throw e;
          await giveUp(job.data, e);
        }
      }
      // pg-boss waits out the polling interval after every fetch; while there is work, ask for the
      // next job at once instead (a 0.2 s file would otherwise cost 0.5 s).
      if (batch.length > 0) boss.notifyWorker(id);
    });
    ids.push(id);
  }
  return async () => {
    await Promise.all(ids.map((id) => boss.offWork({ id })));
  };
}

/** A concurrency-limited loop over an in-memory list: the queue on embedded PGlite (one process owns the data dir). */
export async function runLocalQueue<T>(items: T[], concurrency: number, handler: (item: T) => Promise<void>, stopped: () => boolean): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < items.length && !stopped() && !failed) {
      const item = items[next++];
      try {
        await handler(item);
      } catch (e) {
        failed = true; // a database error: stop the other lanes too, the run is resumable
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, lane));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
}
