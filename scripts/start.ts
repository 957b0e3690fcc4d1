/**
 * `npm start`: the quick start. Embedded database (or DATABASE_URL), the configured model bundle,
 * the GraphQL API and the web app; an empty library gets the bundled demo library ingested
 * (in the background, with a progress bar, visible on the web app's Ingest page too).
 */
import fs from 'node:fs';
import { loadConfig } from '../apps/api/src/config.js';
import { isEarshotError } from '../apps/api/src/errors.js';

const HELP = `npm start — run Earshot (API + web app)

Starts the GraphQL API (EARSHOT_API_PORT, default 4000) and the web app (EARSHOT_WEB_PORT, default 3000)
on EARSHOT_HOST (default 127.0.0.1). Data lives in EARSHOT_DATA_DIR (default .data/, embedded Postgres)
unless DATABASE_URL names a Postgres server with pgvector. The model is EARSHOT_MODEL (default clap-mini)
under EARSHOT_MODEL_DIR (default models/). On an empty library the demo library (EARSHOT_DEMO_LIBRARY,
default demo/library; "off" to skip) is ingested first. The web app is built on first start.
Set EARSHOT_API_KEY to allow writes (ingest, label sets) from other machines.`;

async function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const loaded = loadConfig();
  // The API and the web app's proxy share a secret, so the API knows what the proxy forwards is the
  // browser's request as the proxy saw it (its Host, local or not) rather than a local caller's.
  const { newProxySecret } = await import('../apps/api/src/http/trust.js');
  const cfg = { ...loaded, proxySecret: loaded.proxySecret ?? newProxySecret() };
  const log = (s: string) => console.log(`[earshot] ${s}`);
  const { startServer } = await import('../apps/api/src/server.js');
  const web = await import('../apps/web/server.mjs');
  log(web.isBuildFresh() ? 'web app build is up to date' : 'building the web app (first start or sources changed; about a minute)…');
  const [api] = await Promise.all([startServer(cfg), web.buildWeb()]);
  log(`GraphQL API on ${api.url}`);
  const site = await web.startWeb({ host: cfg.host, port: cfg.webPort, apiUrl: new URL(api.url).origin, proxySecret: cfg.proxySecret });
  log(`web app on ${site.url}`);

  let ingest: Promise<unknown> = Promise.resolve();
  const { store } = api.deps;
  const [{ n }] = await store.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "Clip"`);
  if (n === 0 && cfg.demoLibrary && fs.existsSync(cfg.demoLibrary)) {
    const { progressBar, formatSummary } = await import('../apps/api/src/ingest/progress.js');
    log(`empty library: ingesting the demo library ${cfg.demoLibrary}`);
    const bar = progressBar();
    ingest = api.services.ingest
      .runFolder({ root: cfg.demoLibrary, onProgress: (p) => bar.update(p) })
      .then((s) => {
        bar.stop();
        console.log(formatSummary(s));
        log(`ready: open ${site.url}`);
      })
      .catch((e) => {
        bar.stop();
        console.error(`[earshot] demo ingest failed: ${isEarshotError(e) ? e.toLine() : String(e)}`);
      });
  } else {
    log(`library holds ${n} clips; ready: open ${site.url}`);
  }

  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    log(`${signal}: shutting down`);
    await site.close().catch(() => {});
    await api.close().catch(() => {});
    await Promise.race([ingest, new Promise((r) => setTimeout(r, 5000))]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(isEarshotError(e) ? `earshot: ${e.toLine()}` : e);
  process.exit(1);
});
