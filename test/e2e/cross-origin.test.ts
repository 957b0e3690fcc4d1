/**
 * A page of another origin on this machine, in Debian's Chromium, against the default set-up (no API
 * key: writes allowed from loopback). It must neither write nor read, through the API directly or
 * through the web app's forwarder. Before the fix a page like this one started an ingest of `/`,
 * created a label set and read back paths and audio bytes.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone, writeWav } from '../ingest/fixtures.js';
import { REPO, PROXY_SECRET, launchBrowser, skipReason } from './harness.js';

const reason = skipReason();
if (reason) console.log(`[test/e2e/cross-origin] skipped: ${reason}`);

/** The attacker's page: every attempt reports what it could do. */
const attackPage = (api: string, web: string, clipId: string) => `<!doctype html><title>not earshot</title><script>
const out = {};
const mutation = JSON.stringify({ query: 'mutation { createLabelSet(input: { name: "pwned", labels: ["x"] }) { id } }' });
const read = JSON.stringify({ query: '{ clips { nodes { path } } }' });
async function attempt(name, f) { try { out[name] = await f(); } catch (e) { out[name] = 'blocked: ' + e.name; } }
(async () => {
  for (const [base, tag] of [[${JSON.stringify(api)}, 'api'], [${JSON.stringify(web)}, 'web']]) {
    await attempt(tag + '-write-json', async () => (await fetch(base + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: mutation })).status);
    // no-cors: the browser sends it without a preflight and hides the answer; the server must still refuse.
    await attempt(tag + '-write-nocors', async () => (await fetch(base + '/graphql', { method: 'POST', mode: 'no-cors', body: mutation })).type);
    await attempt(tag + '-read', async () => JSON.stringify(await (await fetch(base + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: read })).json()));
    await attempt(tag + '-audio-fetch', async () => (await (await fetch(base + '/audio/${clipId}')).arrayBuffer()).byteLength);
    await attempt(tag + '-export', async () => (await (await fetch(base + '/export?format=csv')).text()).length);
    await attempt(tag + '-audio-tag', () => new Promise((resolve) => {
      const a = new Audio(base + '/audio/${clipId}');
      a.onloadedmetadata = () => resolve('played ' + a.duration);
      a.onerror = () => resolve('blocked: media error');
    }));
  }
  document.title = 'done';
  window.result = out;
})();
</script>`;

describe.skipIf(!!reason)('a page of another origin in Chromium', () => {
  let tmp = '';
  let api: { url: string; close: () => Promise<void>; deps: { store: { sql: <T>(q: string) => Promise<T[]> } } };
  let web: { url: string; close: () => Promise<void> };
  let evil: http.Server;
  let evilUrl = '';
  let ctx: BrowserContext;
  let clipId = '';

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-xorigin-'));
    writeWav(path.join(tmp, 'lib', 'secret_tone.wav'), tone(1, 440, 48000, 1));
    const { loadConfig } = await import('../../apps/api/src/config.js');
    const { startServer } = await import('../../apps/api/src/server.js');
    const { runIngest } = await import('../../apps/api/src/ingest/index.js');
    const cfg = loadConfig({
      EARSHOT_DATA_DIR: ':memory:',
      EARSHOT_MODEL_DIR: path.join(REPO, 'models'),
      EARSHOT_API_PORT: '0',
      EARSHOT_LOG_LEVEL: 'error',
      EARSHOT_DEMO_LIBRARY: 'off',
      EARSHOT_PROXY_SECRET: PROXY_SECRET,
    });
    const webServer = await import('../../apps/web/server.mjs');
    const [h] = await Promise.all([startServer(cfg), webServer.buildWeb()]);
    api = h;
    await runIngest(h.deps, { root: path.join(tmp, 'lib') });
    const [row] = await api.deps.store.sql<{ id: number }>(`SELECT id FROM "Clip"`);
    clipId = String(row.id);
    web = await webServer.startWeb({ apiUrl: new URL(api.url).origin, proxySecret: PROXY_SECRET });
    evil = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(api.url, web.url, clipId)));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}/`;
    ctx = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await ctx?.close();
    await web?.close();
    await api?.close();
    evil?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('cannot write or read through the API or the web app', async () => {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(evilUrl);
    await page.waitForFunction(() => document.title === 'done', undefined, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result)) as Record<string, string | number>;
    for (const tag of ['api', 'web']) {
      expect(result[`${tag}-write-json`], tag).toMatch(/^blocked/);
      expect(result[`${tag}-read`], tag).toMatch(/^blocked/);
      expect(result[`${tag}-audio-fetch`], tag).toMatch(/^blocked/);
      expect(result[`${tag}-export`], tag).toMatch(/^blocked/);
      expect(result[`${tag}-audio-tag`], tag).toMatch(/^blocked/);
    }
    // The no-cors posts were sent (the page cannot see the answer): nothing may have been written.
    const sets = await api.deps.store.sql<{ name: string }>(`SELECT name FROM "LabelSet"`);
    expect(sets).toEqual([]);
    // The same web app, opened as itself, still reads and plays.
    await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
    await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid=hit] .hit-name').first().textContent()).toBe('secret_tone.wav');
    const played = await page.evaluate(async (id) => (await fetch(`/audio/${id}`)).status, clipId);
    expect(played).toBe(200);
    const exported = await page.evaluate(async () => (await (await fetch('/export?format=csv')).text()).split('\r\n')[1]);
    expect(exported).toContain('secret_tone.wav');
  });
});
