import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { REPO_ROOT } from '../config.js';
import { EarshotError } from '../errors.js';
import type { MigrationAdapter } from './backends.js';

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
  // The engine never disposes the adapters it connects; do it here so no pool outlives the run.
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    connect: async () => {
      const a = await adapter.connect();
      opened.push(a);
      return a;
    },
    connectToShadowDb: async () => {
      const a = await adapter.connectToShadowDb();
      opened.push(a);
      return a;
    },
  };
  const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => {}, bindMigrationAwareSqlAdapterFactory(tracked));
  try {
    return await fn(engine, { path: schemaPath, content });
  } finally {
    engine.free();
    await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
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
  };
}

/**
 * Apply every migration not yet recorded in `_prisma_migrations` (= `prisma migrate deploy`).
 * Idempotent: a second call applies nothing and returns [].
 */
export async function applyMigrations(adapter: MigrationAdapter, dir = MIGRATIONS_DIR): Promise<string[]> {
  adapter.lastScriptError = undefined;
  try {
    return await withSchemaEngine(adapter, async (engine) => {
      try {
        const out = await engine.applyMigrations({ migrationsList: readMigrations(dir), filters: FILTERS });
        return out.appliedMigrationNames;
      } catch (e) {
        const failed = /migration_name="([^"]+)"/.exec(e instanceof Error ? e.message : String(e))?.[1];
        const cause = adapter.lastScriptError ?? e;
        if (failed && adapter.lastScriptError) {
          // The script ran as one transaction and was rolled back, so nothing of it remains:
          // mark it rolled back, or every later run would refuse to start (Prisma's P3009).
          await engine.markMigrationRolledBack({ migrationName: failed }).catch(() => {});
        }
        throw new EarshotError(
          'MIGRATION_FAILED',
          `migration ${failed ?? '(unknown)'} in ${dir} failed: ${oneLine(cause)}` +
            (failed && adapter.lastScriptError ? '; it was rolled back: fix its migration.sql and start again' : ''),
          { subject: failed ? path.join(dir, failed, 'migration.sql') : dir, cause },
        );
      }
    });
  } catch (e) {
    if (e instanceof EarshotError) throw e;
    throw new EarshotError('MIGRATION_FAILED', `applying migrations from ${dir} failed: ${oneLine(e)}`, { subject: dir, cause: e });
  }
}

/** Engine errors arrive as multi-line text (with the failing SQL); keep the first meaningful line. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  const lines = msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const db = lines.find((l) => /^(Database error|ERROR|error:|DbError)/i.test(l));
  return (db ?? lines[0] ?? 'unknown error').slice(0, 400);
}

/**
 * Index names created by hand in existing migrations (`CREATE INDEX … USING hnsw|gin|gist|ivfflat|brin|btree`; Prisma never writes USING, so an explicit btree is a partial index written by hand).
 * Prisma's schema cannot describe them, so every generated diff would drop them.
 */
export function handWrittenIndexes(list: MigrationList): string[] {
  const names = new Set<string>();
  for (const m of list.migrationDirectories) {
    const content = m.migrationFile.content as { tag: string; value: string };
    if (content.tag !== 'ok') continue;
    const re = /CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"([^"]+)"\s+ON\s+[^;]*?USING\s+(hnsw|gin|gist|ivfflat|brin|spgist|btree)\b/gi;
    for (const match of content.value.matchAll(re)) names.add(match[1]);
  }
  return [...names];
}

/**
 * Generated columns written by hand (`"col" <type> GENERATED ALWAYS AS …`), as [table, column].
 * Prisma reads their expression as a column default and every diff would drop it.
 */
export function generatedColumns(list: MigrationList): [string, string][] {
  const found: [string, string][] = [];
  for (const m of list.migrationDirectories) {
    const content = m.migrationFile.content as { tag: string; value: string };
    if (content.tag !== 'ok') continue;
    for (const t of content.value.matchAll(/CREATE TABLE "([^"]+)" \(([\s\S]*?)\n\);/g)) {
      for (const c of t[2].matchAll(/^\s*"([^"]+)"[^\n]*GENERATED ALWAYS AS/gm)) found.push([t[1], c[1]]);
    }
    for (const c of content.value.matchAll(/ALTER TABLE "([^"]+)"[^;]*?ADD COLUMN "([^"]+)"[^,;]*GENERATED ALWAYS AS/g)) found.push([c[1], c[2]]);
  }
  // A column rebuilt by a later migration (DROP + ADD … GENERATED) is still one column.
  return found.filter(([t, c], i) => found.findIndex(([t2, c2]) => t2 === t && c2 === c) === i);
}

/** Remove `ALTER COLUMN "col" DROP DEFAULT` for generated columns, alone or as one clause of an ALTER TABLE. */
export function stripGeneratedDefaults(sql: string, cols: [string, string][]): string {
  let out = sql;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const [table, col] of cols) {
    const t = esc(table);
    const clause = `ALTER COLUMN "${esc(col)}" DROP DEFAULT`;
    out = out
      .replace(new RegExp(`(?:-- AlterTable\\s*\\n)?ALTER TABLE (?:"public"\\.)?"${t}" ${clause};\\s*\\n?`, 'g'), '')
      .replace(new RegExp(`(ALTER TABLE (?:"public"\\.)?"${t}" )${clause},\\s*`, 'g'), '$1')
      .replace(new RegExp(`(ALTER TABLE (?:"public"\\.)?"${t}"[^;]*?),\\s*${clause}(?=[,;])`, 'g'), '$1');
  }
  return out;
}

/** Remove `DROP INDEX "name";` (with its `-- DropIndex` comment) for the given indexes. */
export function stripDropIndexes(sql: string, names: string[]): string {
  let out = sql;
  for (const n of names) {
    const esc = n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?:-- DropIndex\\s*\\n)?DROP INDEX (?:"public"\\.)?"${esc}";\\s*\\n?`, 'g'), '');
  }
  return out.replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * The SQL that takes a database at the state of `dir`'s migrations to the Prisma schema
 * (= `prisma migrate dev --create-only`). Applies the existing migrations to a throwaway in-memory
 * PGlite and diffs its live schema against the datamodel; "" when nothing changed.
 * (A shadow-database diff does not work offline: see stack.md §1.)
 */
export async function diffMigrationsToSchema(dir = MIGRATIONS_DIR, schemaPath = SCHEMA_PATH): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const db = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
  try {
    const list = readMigrations(dir);
    const adapter = new PrismaPGlite(db);
    // Run each migration as one script (the adapter would not await it; see backends.ts).
    const factory: SqlMigrationAwareDriverAdapterFactory = {
      provider: adapter.provider,
      adapterName: adapter.adapterName,
      connect: async () => Object.assign(await adapter.connect(), { executeScript: async (s: string) => void (await db.exec(s)) }),
      connectToShadowDb: () => adapter.connectToShadowDb(),
    };
    await withSchemaEngine(factory, (engine) => engine.applyMigrations({ migrationsList: list, filters: FILTERS }), schemaPath);
    const out = await withSchemaEngine(
      factory,
      (engine, schema) =>
        engine.diff({
          from: { tag: 'schemaDatasource', files: [schema], configDir: path.dirname(schemaPath) },
          to: { tag: 'schemaDatamodel', files: [schema] },
          script: true,
          exitCode: null,
          filters: FILTERS,
        }),
      schemaPath,
    );
    const sql = stripDropIndexes(stripGeneratedDefaults(out.stdout ?? '', generatedColumns(list)), handWrittenIndexes(list));
    // Only comments left (e.g. "-- This is an empty migration.") means no change.
    return sql.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('--')) ? '' : sql;
  } finally {
    await db.close();
  }
}

/** Write `<dir>/<UTC timestamp>_<name>/migration.sql`; returns its folder. */
export function writeMigration(name: string, sql: string, dir = MIGRATIONS_DIR, now = new Date()): string {
  checkMigrationName(name);
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const folder = path.join(dir, `${stamp}_${name}`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'migration.sql'), `${sql.trim()}\n`);
  const lock = path.join(dir, 'migration_lock.toml');
  if (!fs.existsSync(lock)) {
    fs.writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
  }
  return folder;
}

export function checkMigrationName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name)) {
    throw new EarshotError('BAD_USER_INPUT', `migration name "${name}" must be lower-case letters, digits and "_"`, { subject: name });
  }
}
