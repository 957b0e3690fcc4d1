/** Every connection gets the store's session settings: hnsw.ef_search from the config, extra ones from the caller. */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../apps/api/src/store/index.js';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';

describe('session settings', () => {
  it("sets hnsw.ef_search from the config and the caller's settings on every connection", async () => {
    const server = testServerUrl();
    const db = server ? await createTestDatabase(server) : null;
    const store = await openStore({ dataDir: ':memory:', databaseUrl: db?.url, hnswEfSearch: 77 }, { sessionSettings: { 'hnsw.max_scan_tuples': '12345' } });
    try {
      // Several at once, so that a server's pool opens more than one connection.
      const shown = await Promise.all(
        Array.from({ length: 4 }, () =>
          store.sql<{ ef: string; tuples: string; iter: string }>(
            `SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.max_scan_tuples') AS tuples, current_setting('hnsw.iterative_scan') AS iter`,
          ),
        ),
      );
      for (const [r] of shown) expect(r).toEqual({ ef: '77', tuples: '12345', iter: 'strict_order' });
    } finally {
      await store.close();
      await db?.drop();
    }
  });

  it('refuses a setting that is not a plain name and value', async () => {
    await expect(openStore({ dataDir: ':memory:' }, { sessionSettings: { 'x; DROP TABLE "Clip"': '1' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
