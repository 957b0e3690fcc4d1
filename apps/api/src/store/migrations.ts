import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { REPO_ROOT } from '../config.js';
import { EarshotError } from '../errors.js';

// Migrations run through Prisma's schema engine compiled to WebAssembly, driven by a driver adapter
// (PGlite or pg). The Prisma CLI cannot be used offline: it downloads a native schema-engine binary
// for every migrate command (see ../shared/notes/stack.md §1). Bookkeeping is Prisma's own
// `_prisma_migrations` table, so `prisma migrate status` elsewhere reads the same history.

export const SCHEMA_PATH = path.join(REPO_ROOT, 'prisma/schema.prisma');
export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma/migrations');

const FILTERS = { externalTables: [], externalEnums: [] };

let wasmReady: Promise<void> | undefined;

/** Instantiate the engine's WebAssembly once per process: wasm-bindgen keeps it in module state. */
function initWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmFile = require.resolve('@prisma/schema-engine-wasm').replace(/schema_engine\.js$/, 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmFile), {
      './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports,
    });
    const exports = instance.exports as unknown as { __wbindgen_start: () => void };
    (bg as unknown as { __wbg_set_wasm: (e: unknown) => void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return wasmReady;
}

/** Run `fn` with a schema engine bound to `adapter`; the engine is freed afterwards. */
export async function withSchemaEngine<T>(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  fn: (engine: SchemaEngine, schema: { path: string; content: string }) => Promise<T>,
  schemaPath = SCHEMA_PATH,
): Promise<T> {
  await initWasm();
  const content = fs.readFileSync(schemaPath, 'utf8');
  const engine = await bg.SchemaEngine.new(
    { datamodels: [[schemaPath, content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    return await fn(engine, { path: schemaPath, content });
  } finally {
    engine.free();
  }
}

/** Migration folders (`<timestamp>_<name>/migration.sql`) in apply order, as the engine wants them. */
export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const names = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql')))
        .sort()
    : [];
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    shadowDbInitScript: '',
    lockfile: { path: 'migration_lock.toml', content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
    migrationDirectories: names.map((n) => ({
      path: n,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: fs.readFileSync(path.join(dir, n, 'migration.sql'), 'utf8') } },
    })),
  } as MigrationList;
}

/**
 * Apply every migration not yet recorded in `_prisma_migrations` (= `prisma migrate deploy`).
 * Idempotent: a second call applies nothing and returns [].
 */
export async function applyMigrations(adapter: SqlMigrationAwareDriverAdapterFactory, dir = MIGRATIONS_DIR): Promise<string[]> {
  try {
    const out = await withSchemaEngine(adapter, (engine) => engine.applyMigrations({ migrationsList: readMigrations(dir), filters: FILTERS }));
    return out.appliedMigrationNames;
  } catch (e) {
    throw new EarshotError('MIGRATION_FAILED', `applying migrations from ${dir} failed: ${oneLine(e)}`, { subject: dir, cause: e });
  }
}

/** Engine errors arrive as multi-line text (with the failing SQL); keep the first meaningful line. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  const lines = msg.split('\n').map((l) => l.trim()).filter(Boolean);
  const db = lines.find((l) => /^(Database error|ERROR|error:|DbError)/i.test(l));
  return (db ?? lines[0] ?? 'unknown error').slice(0, 400);
}
