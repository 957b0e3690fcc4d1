import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../apps/api/src/store/index.js';
import {
  diffMigrationsToSchema,
  generatedColumns,
  handWrittenIndexes,
  MIGRATIONS_DIR,
  readMigrations,
  SCHEMA_PATH,
  stripDropIndexes,
  stripGeneratedDefaults,
  writeMigration,
} from '../../apps/api/src/store/migrations.js';
import { createTestDatabase, openTestStore, testServerUrl } from '../helpers/store.js';

const server = testServerUrl();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-migrations-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const shipped = readMigrations().migrationDirectories.map((m) => m.path);

/** Config for a database that outlives one store: a folder for PGlite, a fresh database on the server. */
async function persistentTarget(): Promise<{ cfg: { dataDir: string; databaseUrl?: string }; drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  if (!server) return { cfg: { dataDir }, drop: async () => {} };
  const db = await createTestDatabase(server);
  return { cfg: { dataDir, databaseUrl: db.url }, drop: db.drop };
}

describe(`migrations on ${server ? 'the Postgres server' : 'embedded PGlite'}`, () => {
  it('a fresh store applies every shipped migration, records it, and a second run applies nothing', async () => {
    expect(shipped.length).toBeGreaterThan(0);
    const t = await openTestStore();
    try {
      expect(t.store.appliedMigrations).toEqual(shipped);
      const recorded = await t.store.sql<{ migration_name: string; done: boolean }>(
        `SELECT migration_name, finished_at IS NOT NULL AND rolled_back_at IS NULL AS done FROM _prisma_migrations ORDER BY migration_name`,
      );
      expect(recorded).toEqual(shipped.map((m) => ({ migration_name: m, done: true })));
      const tables = await t.store.sql<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
      expect(tables.map((r) => r.t)).toEqual(
        expect.arrayContaining(['Clip', 'EmbeddingModel', 'IngestFile', 'IngestRun', 'LabelSet', 'Prediction', 'Segment', '_prisma_migrations']),
      );
      expect(await t.store.migrate()).toEqual([]);
      expect(await t.store.migrate()).toEqual([]);
      const [n] = await t.store.sql<{ n: bigint }>(`SELECT count(*) AS n FROM _prisma_migrations`);
      expect(Number(n.n)).toBe(shipped.length);
    } finally {
      await t.cleanup();
    }
  });

  it('data persists across reopen; reopening migrates nothing; a migration added later is applied once', async () => {
    const migDir = path.join(tmp, 'mig-later');
    fs.cpSync(MIGRATIONS_DIR, migDir, { recursive: true });
    const { cfg, drop } = await persistentTarget();
    try {
      const a = await openStore(cfg, { migrationsDir: migDir });
      expect(a.appliedMigrations).toEqual(shipped);
      await a.prisma.labelSet.create({ data: { name: 'kept', labels: ['x'] } });
      await a.close();

      fs.mkdirSync(path.join(migDir, '29990101000000_add_note'));
      fs.writeFileSync(path.join(migDir, '29990101000000_add_note', 'migration.sql'), `ALTER TABLE "LabelSet" ADD COLUMN "note" TEXT;\n`);
      const b = await openStore(cfg, { migrationsDir: migDir });
      try {
        expect(b.appliedMigrations).toEqual(['29990101000000_add_note']);
        expect(await b.migrate()).toEqual([]);
        const [row] = await b.sql<{ name: string; note: string | null }>(`SELECT name, note FROM "LabelSet"`);
        expect(row).toEqual({ name: 'kept', note: null });
      } finally {
        await b.close();
      }
      const c = await openStore(cfg, { migrationsDir: migDir });
      expect(c.appliedMigrations).toEqual([]);
      await c.close();
    } finally {
      await drop();
    }
  });
});

// Creating a migration always diffs inside a throwaway in-memory PGlite, whatever the app's backend,
// so this is checked once, in the PGlite run.
describe.skipIf(!!server)('db:migration:create (diff of the migrations against the schema)', () => {
  it('finds no change for the shipped schema, and the SQL for a schema change without dropping hand-written parts', async () => {
    expect(await diffMigrationsToSchema()).toBe('');

    const schema = fs
      .readFileSync(SCHEMA_PATH, 'utf8')
      .replace('  status      String    @default("active")\n', '  status      String    @default("active")\n  rating      Int?\n')
      .replace('  @@index([folder])\n', '  @@index([folder])\n  @@index([rating])\n');
    expect(schema).toContain('rating      Int?');
    const schemaPath = path.join(tmp, 'schema.prisma');
    fs.writeFileSync(schemaPath, schema);
    const sql = await diffMigrationsToSchema(MIGRATIONS_DIR, schemaPath);
    expect(sql).toMatch(/ALTER TABLE "Clip" ADD COLUMN\s+"rating" INTEGER/);
    expect(sql).toMatch(/CREATE INDEX "Clip_rating_idx" ON "Clip"\("rating"\)/);
    expect(sql).not.toMatch(/DROP INDEX|DROP DEFAULT|DROP COLUMN/);

    const migDir = path.join(tmp, 'mig-create');
    fs.cpSync(MIGRATIONS_DIR, migDir, { recursive: true });
    const folder = writeMigration('add_rating', sql, migDir, new Date('2999-01-02T03:04:05Z'));
    expect(path.basename(folder)).toBe('29990102030405_add_rating');
    // The written migration applies, and afterwards the schema and the migrations agree.
    const t = await openTestStore({ migrationsDir: migDir });
    try {
      expect(t.store.appliedMigrations.at(-1)).toBe('29990102030405_add_rating');
      await t.store.sql(
        `INSERT INTO "Clip" (path, folder, name, "contentHash", format, "sampleRate", channels, "durationSec", "sizeBytes", mtime, rating, "updatedAt")
         VALUES ('/a/b_c.wav', '/a/', 'b_c.wav', 'h', 'wav', 48000, 1, 1, 1, now(), 5, now())`,
      );
      const [r] = await t.store.sql<{ rating: number; hit: boolean }>(`SELECT rating, search @@ earshot_words_query('c') AS hit FROM "Clip"`);
      expect(r).toEqual({ rating: 5, hit: true });
    } finally {
      await t.cleanup();
    }
    expect(await diffMigrationsToSchema(migDir, schemaPath)).toBe('');
  });

  it('refuses a migration name that is not lower-case letters, digits and _', () => {
    expect(() => writeMigration('Add-Rating', 'SELECT 1;', path.join(tmp, 'never'))).toThrow(/migration name/);
    expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
  });
});

describe('keeping hand-written SQL out of generated diffs', () => {
  const list = readMigrations();
  it('knows the hand-written indexes and generated columns of the shipped migrations', () => {
    expect(handWrittenIndexes(list).sort()).toEqual(['Clip_descriptionSearch_gin', 'Clip_search_gin', 'IngestRun_one_active', 'Job_one_unfinished', 'Segment_embedding_hnsw']);
    expect(generatedColumns(list)).toEqual([
      ['Clip', 'search'],
      ['Clip', 'descriptionSearch'],
    ]);
  });

  it('strips their DROP INDEX and DROP DEFAULT, alone or as one clause of an ALTER TABLE', () => {
    const cols: [string, string][] = [['Clip', 'search']];
    expect(stripGeneratedDefaults('-- AlterTable\nALTER TABLE "Clip" ALTER COLUMN "search" DROP DEFAULT;\n', cols).trim()).toBe('');
    expect(stripGeneratedDefaults('ALTER TABLE "Clip" ADD COLUMN "x" INTEGER,\nALTER COLUMN "search" DROP DEFAULT;', cols)).toBe('ALTER TABLE "Clip" ADD COLUMN "x" INTEGER;');
    expect(stripGeneratedDefaults('ALTER TABLE "Clip" ALTER COLUMN "search" DROP DEFAULT,\nADD COLUMN "x" INTEGER;', cols)).toBe('ALTER TABLE "Clip" ADD COLUMN "x" INTEGER;');
    expect(stripGeneratedDefaults('ALTER TABLE "Other" ALTER COLUMN "search" DROP DEFAULT;', cols)).toContain('DROP DEFAULT');
    const sql = '-- DropIndex\nDROP INDEX "Segment_embedding_hnsw";\n\n-- DropIndex\nDROP INDEX "Clip_folder_idx";\n';
    expect(stripDropIndexes(sql, ['Segment_embedding_hnsw'])).toBe('-- DropIndex\nDROP INDEX "Clip_folder_idx";');
  });
});
