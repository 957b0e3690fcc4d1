// npm run db:migration:create -- <name> — write prisma/migrations/<timestamp>_<name>/migration.sql
// with the SQL that takes the existing migrations to prisma/schema.prisma (what
// `prisma migrate dev --create-only` does, without the native engine the CLI cannot download).
// Review the file, add hand-written SQL if needed, then `npm run db:migrate`.
import path from 'node:path';
import { isEarshotError } from '../apps/api/src/errors.js';
import { checkMigrationName, diffMigrationsToSchema, MIGRATIONS_DIR, writeMigration } from '../apps/api/src/store/migrations.js';
import { exitWithHelpIfAsked } from './usage.js';

exitWithHelpIfAsked(import.meta.url);

const name = process.argv[2];
if (!name || process.argv.length > 3) {
  console.error('usage: npm run db:migration:create -- <name>   (lower-case letters, digits and "_")');
  process.exit(2);
}
try {
  checkMigrationName(name);
  const sql = await diffMigrationsToSchema(MIGRATIONS_DIR);
  if (!sql) {
    console.log('db:migration:create: prisma/schema.prisma matches the migrations; nothing written');
  } else {
    const folder = writeMigration(name, sql, MIGRATIONS_DIR);
    console.log(`db:migration:create: wrote ${path.relative(process.cwd(), path.join(folder, 'migration.sql'))}\n\n${sql}`);
  }
} catch (e) {
  console.error(isEarshotError(e) ? e.toLine() : e);
  process.exitCode = 1;
}
