import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EarshotError } from './errors.js';

/** Repository root: three levels up from apps/api/src. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

const schema = z.object({
  dataDir: z.string().min(1),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /**
   * hnsw.ef_search of every connection: the candidates an HNSW probe keeps. 200 holds recall@10 >= 0.99 to
   * 100k clips (docs/benchmarks.md); a million-clip library needs more (the 1M figures there).
   */
  hnswEfSearch: int(10, 1000),
  modelDir: z.string().min(1),
  modelName: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  host: z.string().min(1),
  apiPort: int(0, 65535),
  webPort: int(0, 65535),
  apiKey: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Host names (beyond localhost, 127.0.0.1, ::1 and EARSHOT_HOST) a request's Host header may name. */
  allowedHosts: z.array(z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'host names only (no scheme, port or path)')),
  /** Origins (scheme://host[:port]) besides the web app's own whose pages may write and read cross-origin. */
  allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: http(s)://host[:port], no path')),
  /** Shared secret by which the web app's proxy proves itself to the API (forwarded client address, origin check). */
  proxySecret: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Folder `npm start` ingests into an empty library; null = off. */
  demoLibrary: z.string().min(1).nullable(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']),
  ort: z.object({
    executionProvider: z.enum(['cpu', 'cuda']),
    intraOpThreads: int(0, 256),
    audioBatchSize: int(1, 256),
  }),
  ingest: z.object({
    /** Folders (absolute, as given) under which the startIngest mutation may ingest; the CLI may ingest any folder. */
    roots: z.array(z.string().refine((p) => path.isAbsolute(p), 'every ingest root must be an absolute path')),
    concurrency: int(1, 64),
    /** Worker threads that decode, resample and featurize files during an ingest. */
    decodeThreads: int(1, 64),
    windowSec: num(1, 600),
    hopSec: num(0.5, 600),
    maxDurationSec: num(1, 24 * 3600),
  }),
  limits: z.object({
    maxUploadBytes: int(1024, 2 ** 31),
    maxUploadDurationSec: num(1, 3600),
    maxLabels: int(1, 1000),
    maxPageSize: int(1, 1000),
    maxQueryDepth: int(2, 64),
    maxAliases: int(1, 1000),
    maxTokens: int(10, 100000),
    maxCost: int(10, 1000000),
    textCacheSize: int(0, 1000000),
    /** A search text or label: characters, and distinct words (the keyword half ORs one term per word). */
    maxQueryChars: int(16, 100000),
    maxQueryWords: int(1, 1000),
    maxTags: int(1, 10000),
    maxTagChars: int(1, 10000),
    /** Server-side deadline for one HTTP request, and Postgres statement_timeout (a server only: PGlite has none). */
    requestTimeoutMs: int(100, 3_600_000),
    statementTimeoutMs: int(100, 3_600_000),
  }),
});

export type Config = z.infer<typeof schema>;

type Env = Record<string, string | undefined>;

/** Settings whose values never appear in messages. */
const SECRETS = new Set(['apiKey', 'proxySecret']);

/** A comma-separated list; blanks dropped. */
const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * Read and validate every setting once. Nothing else in the code reads process.env.
 * Each bad value becomes one line naming the variable, its value and what is expected.
 */
export function loadConfig(env: Env = process.env): Config {
  const e = (k: string) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const demoLibrary = e('EARSHOT_DEMO_LIBRARY') === 'off' ? null : path.resolve(e('EARSHOT_DEMO_LIBRARY') ?? path.join(REPO_ROOT, 'demo', 'library'));
  const raw = {
    // ':memory:' keeps the embedded database in memory (nothing written; tests, demos).
    dataDir: e('EARSHOT_DATA_DIR') === ':memory:' ? ':memory:' : path.resolve(e('EARSHOT_DATA_DIR') ?? path.join(REPO_ROOT, '.data')),
    databaseUrl: e('DATABASE_URL'),
    hnswEfSearch: e('EARSHOT_HNSW_EF_SEARCH') ?? '200',
    modelDir: path.resolve(e('EARSHOT_MODEL_DIR') ?? path.join(REPO_ROOT, 'models')),
    modelName: e('EARSHOT_MODEL') ?? 'clap-mini',
    host: e('EARSHOT_HOST') ?? '127.0.0.1',
    apiPort: e('EARSHOT_API_PORT') ?? '4000',
    webPort: e('EARSHOT_WEB_PORT') ?? '3000',
    apiKey: e('EARSHOT_API_KEY'),
    allowedHosts: list(e('EARSHOT_ALLOWED_HOSTS')),
    allowedOrigins: list(e('EARSHOT_ALLOWED_ORIGINS')).map((o) => o.replace(/\/+$/, '')),
    proxySecret: e('EARSHOT_PROXY_SECRET'),
    demoLibrary,
    logLevel: e('EARSHOT_LOG_LEVEL') ?? 'info',
    ort: {
      executionProvider: e('EARSHOT_ORT_PROVIDER') ?? 'cpu',
      intraOpThreads: e('EARSHOT_ORT_THREADS') ?? '0',
      audioBatchSize: e('EARSHOT_AUDIO_BATCH') ?? '8',
    },
    ingest: {
      // Colon- or comma-separated absolute paths; unset = the demo library only (none when it is off).
      roots: e('EARSHOT_INGEST_ROOTS') !== undefined ? splitList(e('EARSHOT_INGEST_ROOTS')!) : demoLibrary ? [demoLibrary] : [],
      // One more file in flight than decode threads, so a thread never waits while a file is in the tower or the database.
      concurrency: e('EARSHOT_INGEST_CONCURRENCY') ?? String(os.availableParallelism() + 1),
      decodeThreads: e('EARSHOT_DECODE_THREADS') ?? String(os.availableParallelism()),
      windowSec: e('EARSHOT_WINDOW_SEC') ?? '10',
      hopSec: e('EARSHOT_HOP_SEC') ?? '5',
      maxDurationSec: e('EARSHOT_MAX_DURATION_SEC') ?? String(3 * 3600),
    },
    limits: {
      maxUploadBytes: e('EARSHOT_MAX_UPLOAD_BYTES') ?? String(50 * 1024 * 1024),
      maxUploadDurationSec: e('EARSHOT_MAX_UPLOAD_SEC') ?? '600',
      maxLabels: e('EARSHOT_MAX_LABELS') ?? '100',
      maxPageSize: e('EARSHOT_MAX_PAGE_SIZE') ?? '200',
      maxQueryDepth: e('EARSHOT_MAX_QUERY_DEPTH') ?? '8',
      maxAliases: e('EARSHOT_MAX_ALIASES') ?? '15',
      maxTokens: e('EARSHOT_MAX_TOKENS') ?? '2000',
      // Cost counts `first` (literal, variable or default) as a multiplier: one full page of 200 hits costs ~17k.
      maxCost: e('EARSHOT_MAX_COST') ?? '20000',
      textCacheSize: e('EARSHOT_TEXT_CACHE') ?? '1000',
      // 500 characters is ~80 words, past the 77 tokens a CLAP text tower reads at most.
      maxQueryChars: e('EARSHOT_MAX_QUERY_CHARS') ?? '500',
      maxQueryWords: e('EARSHOT_MAX_QUERY_WORDS') ?? '32',
      maxTags: e('EARSHOT_MAX_TAGS') ?? '64',
      maxTagChars: e('EARSHOT_MAX_TAG_CHARS') ?? '64',
      requestTimeoutMs: e('EARSHOT_REQUEST_TIMEOUT_MS') ?? '30000',
      statementTimeoutMs: e('EARSHOT_STATEMENT_TIMEOUT_MS') ?? '20000',
    },
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      // A list setting's issue names its element (ingest.roots.1): the variable is the list's.
      const key = ENV_NAMES[i.path.filter((k) => typeof k !== 'number').join('.')] ?? ENV_NAMES[String(i.path[0])] ?? i.path.join('.');
      const value = i.path.reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k as string], raw);
      // A rejected secret is never echoed: error lines end up in logs and terminals.
      const shown = SECRETS.has(String(i.path[0])) ? `<${String(value ?? '').length} characters, hidden>` : JSON.stringify(value);
      return `${key}=${shown}: ${i.message}`;
    });
    throw new EarshotError('CONFIG_INVALID', `invalid configuration: ${lines.join('; ')}`, {
      details: { issues: lines },
    });
  }
  const cfg = parsed.data;
  // Without a key, writes are allowed from loopback only; the web app's proxy reaches the API from
  // loopback, so listening beyond this machine without a key would open writes to everyone.
  if (!cfg.apiKey && !['127.0.0.1', 'localhost', '::1'].includes(cfg.host)) {
    throw new EarshotError('CONFIG_INVALID', `EARSHOT_HOST=${JSON.stringify(cfg.host)} listens beyond this machine: set EARSHOT_API_KEY (8+ characters) so writes need a key`);
  }
  if (cfg.ingest.hopSec > cfg.ingest.windowSec) {
    throw new EarshotError('CONFIG_INVALID', `EARSHOT_HOP_SEC (${cfg.ingest.hopSec}) must not exceed EARSHOT_WINDOW_SEC (${cfg.ingest.windowSec})`);
  }
  return cfg;
}

/** `a:b,c` → ['a', 'b', 'c'] (empty entries dropped; paths are trimmed, never resolved: relative ones are refused). */
function splitList(v: string): string[] {
  return v
    .split(/[:,]/)
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => (path.isAbsolute(x) ? path.normalize(x).replace(/(.)\/+$/, '$1') : x));
}

/** Config path → environment variable, for error messages and --help. */
export const ENV_NAMES: Record<string, string> = {
  dataDir: 'EARSHOT_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  hnswEfSearch: 'EARSHOT_HNSW_EF_SEARCH',
  modelDir: 'EARSHOT_MODEL_DIR',
  modelName: 'EARSHOT_MODEL',
  host: 'EARSHOT_HOST',
  apiPort: 'EARSHOT_API_PORT',
  webPort: 'EARSHOT_WEB_PORT',
  apiKey: 'EARSHOT_API_KEY',
  demoLibrary: 'EARSHOT_DEMO_LIBRARY',
  logLevel: 'EARSHOT_LOG_LEVEL',
  'ort.executionProvider': 'EARSHOT_ORT_PROVIDER',
  'ort.intraOpThreads': 'EARSHOT_ORT_THREADS',
  'ort.audioBatchSize': 'EARSHOT_AUDIO_BATCH',
  'ingest.roots': 'EARSHOT_INGEST_ROOTS',
  'ingest.concurrency': 'EARSHOT_INGEST_CONCURRENCY',
  'ingest.decodeThreads': 'EARSHOT_DECODE_THREADS',
  'ingest.windowSec': 'EARSHOT_WINDOW_SEC',
  'ingest.hopSec': 'EARSHOT_HOP_SEC',
  'ingest.maxDurationSec': 'EARSHOT_MAX_DURATION_SEC',
  'limits.maxUploadBytes': 'EARSHOT_MAX_UPLOAD_BYTES',
  'limits.maxUploadDurationSec': 'EARSHOT_MAX_UPLOAD_SEC',
  'limits.maxLabels': 'EARSHOT_MAX_LABELS',
  'limits.maxPageSize': 'EARSHOT_MAX_PAGE_SIZE',
  'limits.maxQueryDepth': 'EARSHOT_MAX_QUERY_DEPTH',
  'limits.maxAliases': 'EARSHOT_MAX_ALIASES',
  'limits.maxTokens': 'EARSHOT_MAX_TOKENS',
  'limits.maxCost': 'EARSHOT_MAX_COST',
  'limits.textCacheSize': 'EARSHOT_TEXT_CACHE',
  'limits.maxQueryChars': 'EARSHOT_MAX_QUERY_CHARS',
  'limits.maxQueryWords': 'EARSHOT_MAX_QUERY_WORDS',
  'limits.maxTags': 'EARSHOT_MAX_TAGS',
  'limits.maxTagChars': 'EARSHOT_MAX_TAG_CHARS',
  'limits.requestTimeoutMs': 'EARSHOT_REQUEST_TIMEOUT_MS',
  'limits.statementTimeoutMs': 'EARSHOT_STATEMENT_TIMEOUT_MS',
  allowedHosts: 'EARSHOT_ALLOWED_HOSTS',
  allowedOrigins: 'EARSHOT_ALLOWED_ORIGINS',
  proxySecret: 'EARSHOT_PROXY_SECRET',
};
