/**
 * The API server: Express 5 + Apollo Server 5 (POST /graphql), POST /upload, GET /audio/:clipId,
 * GET /healthz and a small local landing page at GET /. Run directly: `tsx apps/api/src/server.ts`.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { loadConfig, type Config } from './config.js';
import { DecodeThread } from './audio/decode-thread.js';
import { EarshotError, isEarshotError } from './errors.js';
import { createApollo, createLoaders, type RequestContext } from './graphql/index.js';
import { audioRouter } from './http/audio.js';
import { deadline } from './http/deadline.js';
import { exportRouter } from './http/export.js';
import { sendError } from './http/errors.js';
import { callerOf, canWrite, guard, trustPolicy } from './http/trust.js';
import { landingPage } from './http/landing.js';
import { uploadRouter } from './http/upload.js';
import type { ClapRuntime } from './model/index.js';
import { openRuntime as openModelRuntime } from './model/runtime.js';
import { Jobs, jobHandlers } from './jobs/index.js';
import { refreshNearDuplicatesIfStale, UploadRegistry } from './search/index.js';
import { createServices, type Services } from './services.js';
import { ensureModel, openStore, ping, type Store } from './store/index.js';

export interface ServerDeps {
  store: Store;
  runtime: ClapRuntime;
  config: Config;
  /** Long work of this server (ingest, classifyLibrary, near-duplicates, reembed), resumed at start. */
  jobs: Jobs;
}

export interface ServerHandle {
  /** Origin of the server, e.g. http://127.0.0.1:4000 (GraphQL at `${url}/graphql`). */
  url: string;
  port: number;
  deps: ServerDeps;
  /** The domain services the resolvers call, built once for this server (the CLI builds its own: createServices). */
  services: Services;
  /** Stop listening; closes the store and runtime only when this server opened them. */
  close(): Promise<void>;
}

const VERSION = (() => {
  try {
    const pkg = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
    return String((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
})();

/** The server's model (cfg.modelName, with the text cache of config.limits). */
export const openRuntime = (cfg: Config): Promise<ClapRuntime> => openModelRuntime(cfg);

/**
 * Start the API. With `deps`, the given store/runtime are used (and left open on close): PGlite
 * allows one opener per process, so `npm start` shares one store between this server and others.
 */
export async function startServer(cfg: Config, deps: { store?: Store; runtime?: ClapRuntime } = {}): Promise<ServerHandle> {
  const levels = ['debug', 'info', 'warn', 'error'];
  const logAt = (level: string) => (msg: string) => {
    if (levels.indexOf(level) >= levels.indexOf(cfg.logLevel)) console.error(`[earshot-api] ${msg}`);
  };
  const logError = logAt('error');
  const ownStore = !deps.store;
  const ownRuntime = !deps.runtime;
  const store = deps.store ?? (await openStore(cfg, { statementTimeoutMs: cfg.limits.statementTimeoutMs }));
  let runtime: ClapRuntime;
  try {
    runtime = deps.runtime ?? (await openRuntime(cfg));
  } catch (e) {
    if (ownStore) await store.close();
    throw e;
  }
  const { id: modelId } = await ensureModel(store, runtime.identity);
  const base = { store, runtime, config: cfg };
  const jobs = new Jobs({ store, modelId, handlers: jobHandlers(base), databaseUrl: cfg.databaseUrl });
  const full: ServerDeps = { ...base, jobs };
  const decoder = new DecodeThread();
  const uploads = new UploadRegistry(runtime, {
    open: (bytes, o) => decoder.open(bytes, o),
    maxUploadBytes: cfg.limits.maxUploadBytes,
    maxUploadDurationSec: cfg.limits.maxUploadDurationSec,
    windowSec: cfg.ingest.windowSec,
    hopSec: cfg.ingest.hopSec,
    batchSize: cfg.ort.audioBatchSize,
  });
  let services: Services;
  try {
    services = await createServices({ ...full, uploads, version: VERSION });
  } catch (e) {
    await decoder.close();
    if (ownRuntime) await runtime.close();
    if (ownStore) await store.close();
    throw e;
  }
  const apollo = createApollo(cfg, logError);
  await apollo.start();

  const policy = trustPolicy(cfg);
  const mayWrite = (req: express.Request, res: express.Response) => canWrite(callerOf(res), req, policy);
  const app = express();
  app.disable('x-powered-by');
  app.use(guard(policy, logError));
  app.use(deadline(cfg.limits.requestTimeoutMs, logError));
  app.get('/', (_req, res) => {
    res.type('html').send(landingPage(VERSION));
  });
  app.get('/healthz', async (_req, res) => {
    try {
      await ping(store);
      res.json({ ok: true, backend: store.backend, model: `${runtime.identity.name}@${runtime.identity.version}`, version: VERSION });
    } catch (e) {
      res.status(503).json({ ok: false, error: { code: isEarshotError(e) ? e.code : 'DB_UNREACHABLE', message: 'database unreachable' } });
    }
  });
  app.use(uploadRouter(uploads, cfg.limits.maxUploadBytes, mayWrite, logError));
  app.use(audioRouter(store, logError));
  app.use(exportRouter(services, logError));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<RequestContext> => ({ services, loaders: createLoaders(services), canWrite: mayWrite(req, res) }),
    }),
  );

  app.use((req: express.Request, res: express.Response) => {
    sendError(res, new EarshotError('NOT_FOUND', `no route ${req.method} ${req.path}`, { subject: req.path }), logError);
  });
  // Express's default handler would answer HTML with a stack trace: every error leaves as { error: { code } }.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const e = err as { type?: string; message?: string };
    if (e.type === 'entity.too.large') return sendError(res, new EarshotError('LIMIT_EXCEEDED', 'request body too large', { subject: 'body' }), logError);
    if (e.type === 'entity.parse.failed') return sendError(res, new EarshotError('BAD_USER_INPUT', `malformed JSON body: ${e.message ?? ''}`, { subject: 'body' }), logError);
    sendError(res, err, logError);
  });

  const server = app.listen(cfg.apiPort, cfg.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;

  // Jobs and runs a dead process left queued/running continue here, in the background.
  try {
    const resumedJobs = await jobs.start();
    if (resumedJobs.length) logAt('info')(`resuming jobs ${resumedJobs.join(', ')}`);
    await refreshNearDuplicatesIfStale(jobs);
  } catch (e) {
    logError(`could not start the jobs: ${(e as Error).message}`);
  }
  try {
    const resumed = await services.ingest.resume();
    if (resumed.length) logAt('info')(`resuming ingest runs ${resumed.join(', ')}`);
  } catch (e) {
    logError(`could not resume ingests: ${(e as Error).message}`);
  }

  let closed = false;
  return {
    url: `http://${host}:${port}`,
    port,
    deps: full,
    services,
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await apollo.stop();
      await jobs.close();
      await decoder.close();
      if (ownRuntime) await runtime.close();
      if (ownStore) await store.close();
    },
  };
}

async function main(): Promise<void> {
  let cfg: Config;
  try {
    cfg = loadConfig();
  } catch (e) {
    console.error(isEarshotError(e) ? e.toLine() : String(e));
    process.exit(1);
  }
  try {
    const h = await startServer(cfg);
    console.log(`Earshot API on ${h.url} (GraphQL ${h.url}/graphql, model ${h.deps.runtime.identity.name}, ${h.deps.store.backend})`);
    const stop = () => {
      h.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (e) {
    console.error(isEarshotError(e) ? e.toLine() : (e as Error).stack);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) void main();
