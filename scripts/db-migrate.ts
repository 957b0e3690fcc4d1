// npm run db:migrate — apply prisma/migrations to the database the config selects
// (DATABASE_URL, else the embedded PGlite under EARSHOT_DATA_DIR). Safe to run again: applied
// migrations are recorded in _prisma_migrations and skipped. The app also does this on start.
import { loadConfig } from '../apps/api/src/config.js';
import { isEarshotError } from '../apps/api/src/errors.js';
import { openBackend } from '../apps/api/src/store/backends.js';
import { applyMigrations, MIGRATIONS_DIR } from '../apps/api/src/store/migrations.js';
import { exitWithHelpIfAsked } from './usage.js';

exitWithHelpIfAsked(import.meta.url);

try {
  const cfg = loadConfig();
  const backend = await openBackend(cfg);
  try {
    const applied = await applyMigrations(backend.migrationAdapter(), MIGRATIONS_DIR);
    console.log(
      applied.length
        ? `db:migrate: applied ${applied.length} migration(s) to ${backend.kind} ${backend.where}: ${applied.join(', ')}`
        : `db:migrate: ${backend.kind} ${backend.where} is up to date`,
    );
  } finally {
    await backend.close();
  }
} catch (e) {
  console.error(isEarshotError(e) ? e.toLine() : e);
  process.exitCode = 1;
}
