/**
 * Issue 17, the web app as a sound designer's daily tool, in Debian's Chromium against the real API and
 * the real Next server: the listening workflow, getting sounds out (download, region WAV, drag-out, copy
 * path), the URL as state, no silent caps, phone layout, accessibility (axe-core), first-load weight and
 * honest states when the API goes away and comes back. One server pair and one browser for the file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { tone, writeWav } from '../ingest/fixtures.js';
import { API_KEY, PROXY_SECRET, REPO, gql, ingestViaApi, launchBrowser, makeLibrary, shot, skipReason } from './harness.js';

const reason = skipReason();
if (reason) console.log(`[e2e/daily-tool] skipped: ${reason}`);

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TONES = 30;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface ClipFacts {
  id: string;
  name: string;
  path: string;
  sampleRate: number;
  channels: number;
  bitDepth: number | null;
  durationSec: number;
  format: string;
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A/AA rules and best practices). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(' '))
            .join(' | ')}`,
      );
  });
  return found;
}

const audioState = (page: Page) =>
  page.locator('audio[data-testid=player-audio]').evaluate((a: HTMLAudioElement) => ({
    src: a.getAttribute('src') ?? '',
    paused: a.paused,
    currentTime: a.currentTime,
    volume: a.volume,
    rate: a.playbackRate,
    preservesPitch: a.preservesPitch,
    loop: a.loop,
  }));

/** A range input set as a user dragging it would (Playwright's fill refuses type=range): React hears 'input'. */
async function setRange(page: Page, selector: string, value: number) {
  await page.locator(selector).evaluate((el: HTMLInputElement, v) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

/** Alerts of the page itself (Next's route announcer, in a shadow root, is not one of ours). */
const alerts = (page: Page) => page.evaluate(() => [...document.querySelectorAll('[role=alert]')].map((e) => e.textContent ?? ''));

async function waitPlaying(page: Page, srcPart?: string) {
  await page.waitForFunction(
    (part) => {
      const a = document.querySelector<HTMLAudioElement>('audio[data-testid=player-audio]');
      return !!a && !a.paused && a.currentTime > 0 && (!part || (a.getAttribute('src') ?? '').includes(part));
    },
    srcPart,
    { timeout: 20_000 },
  );
}

describe.skipIf(!!reason)('issue 17: the web app as a daily tool (Chromium + API + Next)', () => {
  let tmp = '';
  let lib: ReturnType<typeof makeLibrary>;
  let api: { url: string; close: () => Promise<void> };
  let apiUrl = '';
  let cfgEnv: Record<string, string>;
  let web: { url: string; close: () => Promise<void> };
  let ctx: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  const startApi = async (port: string) => {
    const { loadConfig } = await import('../../apps/api/src/config.js');
    const { startServer } = await import('../../apps/api/src/server.js');
    return (await startServer(loadConfig({ ...cfgEnv, EARSHOT_API_PORT: port }))) as typeof api;
  };
  const clip = async (id: string) =>
    (await gql<{ clip: ClipFacts }>(apiUrl, 'query($id: ID!) { clip(id: $id) { id name path sampleRate channels bitDepth durationSec format } }', { id })).clip;
  const search = async (q: string) => {
    await page.fill('input[name=q]', q);
    await page.press('input[name=q]', 'Enter');
    await page.waitForFunction((query) => new URL(location.href).searchParams.get('q') === query, q);
    await page.waitForFunction(
      () => !document.querySelector('section[aria-busy=true]') && !!document.querySelector('[data-testid=hit], [data-testid=empty-state], [data-testid=error-state]'),
      undefined,
      { timeout: 30_000 },
    );
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-e2e17-'));
    lib = makeLibrary(tmp);
    // Enough clips for more than two result pages (20 a page), so "Load more" has somewhere to go.
    for (let i = 0; i < TONES; i++) writeWav(path.join(lib.library, 'tones', `tone_${String(i).padStart(2, '0')}.wav`), tone(0.6, 200 + 37 * i, 48000, i + 1));
    cfgEnv = {
      EARSHOT_DATA_DIR: path.join(tmp, 'data'),
      EARSHOT_INGEST_ROOTS: tmp,
      EARSHOT_MODEL_DIR: path.join(REPO, 'models'),
      EARSHOT_MODEL: 'clap-mini',
      EARSHOT_API_KEY: API_KEY,
      EARSHOT_LOG_LEVEL: 'warn',
      EARSHOT_INGEST_CONCURRENCY: '1',
      EARSHOT_PROXY_SECRET: PROXY_SECRET,
    };
    const webServer = await import('../../apps/web/server.mjs');
    const [apiHandle] = await Promise.all([startApi('0'), webServer.buildWeb()]);
    api = apiHandle;
    apiUrl = new URL(api.url).origin;
    const run = await ingestViaApi(apiUrl, lib.library);
    expect(run.status).toBe('DONE');
    web = await webServer.startWeb({ apiUrl, proxySecret: PROXY_SECRET });
    ctx = await launchBrowser();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.url });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await ctx.addInitScript((key) => window.localStorage.setItem('earshot.apiKey', key), API_KEY);
  }, 600_000);

  afterAll(async () => {
    await ctx?.close();
    await web?.close();
    await api?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('first load of the search page transfers under 400 KB, with no font files', async () => {
    // A cold cache, counted on the wire by Chromium itself (encoded bytes, headers included).
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    const urls: string[] = [];
    cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
    cdp.on('Network.requestWillBeSent', (e: { request: { url: string } }) => urls.push(e.request.url));
    await page.goto(`${web.url}/`, { waitUntil: 'networkidle' });
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await cdp.detach();
    console.log(`[e2e/daily-tool] first load: ${(bytes / 1024).toFixed(1)} KB in ${urls.length} requests`);
    expect(urls.filter((u) => /\.(woff2?|ttf|otf)(\?|$)/.test(u))).toEqual([]);
    expect(bytes).toBeGreaterThan(10_000); // it did count the page
    expect(bytes).toBeLessThan(400 * 1024);
  });

  it('listening: ↑/↓ select and play, space pauses, Esc stops; loop, volume, rate and pitch reach the audio element; the player shows the file', async () => {
    await page.goto(`${web.url}/`, { waitUntil: 'networkidle' });
    await search('piano');
    await page.click('[data-testid=show-weak]'); // every clip, so there are rows to move through
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=hit]').length > 3, undefined, { timeout: 30_000 });
    const hits = page.locator('[data-testid=hit]');
    const keys = await hits.evaluateAll((els) => els.map((e) => e.getAttribute('data-key') ?? ''));

    // ↓ from the box selects the first row and plays it; ↓ again moves to the second and plays that.
    await page.press('input[name=q]', 'ArrowDown');
    await waitPlaying(page, `/audio/${keys[0]}`);
    await page.keyboard.press('ArrowDown');
    await waitPlaying(page, `/audio/${keys[1]}`);
    expect(await hits.nth(1).getAttribute('aria-current')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid=hit]')?.getAttribute('data-index'))).toBe('1');
    await page.keyboard.press('ArrowUp');
    await waitPlaying(page, `/audio/${keys[0]}`);
    await page.keyboard.press('ArrowDown');
    await waitPlaying(page, `/audio/${keys[1]}`);
    await page.waitForFunction((k) => new URL(location.href).searchParams.get('sel') === k, keys[1]);

    // Space pauses and resumes the selected clip; Esc stops (paused, back at the start of the region or file).
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector<HTMLAudioElement>('audio[data-testid=player-audio]')!.paused);
    await page.keyboard.press('Space');
    await waitPlaying(page, `/audio/${keys[1]}`);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector<HTMLAudioElement>('audio[data-testid=player-audio]')!.paused);
    const regionText = (await page.locator('[data-testid=player-region-text]').textContent()) ?? '';
    const regionStart = regionText === 'whole file' ? 0 : parseFloat(regionText);
    expect((await audioState(page)).currentTime).toBeCloseTo(regionStart, 1);

    // The player's settings act on the audio element.
    await setRange(page, '[data-testid=player-volume]', 0.3);
    await page.selectOption('[data-testid=player-rate]', '1.5');
    await page.uncheck('[data-testid=player-keep-pitch]');
    await page.check('[data-testid=player-loop]');
    await page.click('[data-testid=player-toggle]');
    await waitPlaying(page, `/audio/${keys[1]}`);
    const st = await audioState(page);
    expect(st.volume).toBeCloseTo(0.3, 2);
    expect(st.rate).toBe(1.5);
    expect(st.preservesPitch).toBe(false);
    // Without a region the whole file loops natively; with one, the player seeks back itself.
    expect(st.loop).toBe(regionText === 'whole file');

    // Real metadata of the playing file, as the API has it.
    const c = await clip(keys[1]);
    const metaText = (await page.locator('[data-testid=player-meta]').textContent()) ?? '';
    expect(await page.locator('.playerbar-name').textContent()).toContain(c.name);
    expect(metaText).toContain(`${c.sampleRate % 1000 === 0 ? c.sampleRate / 1000 : (c.sampleRate / 1000).toFixed(1)} kHz`);
    expect(metaText).toContain(c.channels === 1 ? 'mono' : c.channels === 2 ? 'stereo' : `${c.channels} ch`);
    if (c.bitDepth != null) expect(metaText).toContain(`${c.bitDepth}-bit`);
    await shot(page, '17-player');
    // Back to defaults for the tests that follow (settings persist in localStorage).
    await page.selectOption('[data-testid=player-rate]', '1');
    await page.check('[data-testid=player-keep-pitch]');
    await page.uncheck('[data-testid=player-loop]');
    await page.keyboard.press('Escape');
  });

  it('sounds out: the original file downloads byte for byte, a region renders as WAV, drag data carries a downloadable URL, the path copies', async () => {
    await page.goto(`${web.url}/`, { waitUntil: 'networkidle' });
    await search('piano');
    const first = page.locator('[data-testid=hit]').first();
    const c = await clip((await first.getAttribute('data-key'))!);
    const original = fs.readFileSync(c.path);

    // Download of the original file from the row.
    const [dl] = await Promise.all([page.waitForEvent('download'), first.locator('[data-testid=download-original]').click()]);
    expect(dl.suggestedFilename()).toBe(c.name);
    expect(sha(fs.readFileSync(await dl.path()))).toBe(sha(original));

    // Drag-out: Chromium's DownloadURL drag data is "mime:filename:url", and that URL serves the original file.
    const drag = await first.evaluate((el) => {
      const dt = new DataTransfer();
      el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: dt, bubbles: true, cancelable: true }));
      return { downloadUrl: dt.getData('DownloadURL'), uriList: dt.getData('text/uri-list'), effect: dt.effectAllowed };
    });
    const m = /^([^:]+\/[^:]+):([^:]+):(https?:\/\/.+)$/.exec(drag.downloadUrl);
    expect(m, drag.downloadUrl).not.toBeNull();
    expect(m![1]).toMatch(/^audio\//);
    expect(m![2]).toBe(c.name.replace(/:/g, '_'));
    expect(new URL(m![3]).origin).toBe(new URL(web.url).origin);
    expect(drag.uriList).toBe(m![3]);
    const fetched = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), m![3]);
    expect(sha(Buffer.from(fetched))).toBe(sha(original));

    // Copy path: the clipboard holds the file's path on the server.
    await first.locator('[data-testid=copy-path]').click();
    await page.locator('[data-testid=hit]').first().locator('[data-testid=copy-path]', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(c.path);

    // A drag across the waveform marks a region (drawn on it) and plays from its start.
    const box = (await first.locator('[data-testid=waveform]').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.75, y, { steps: 4 });
    await page.mouse.up();
    await waitPlaying(page, `/audio/${c.id}`);
    const [a, b] = ((await page.locator('[data-testid=player-region-text]').textContent()) ?? '').split(/[–\s]/).map(Number);
    expect(a).toBeCloseTo(0.25 * c.durationSec, 0);
    expect(b).toBeCloseTo(0.75 * c.durationSec, 0);
    expect(await first.locator('[data-testid=wf-region]').count()).toBe(1);
    expect((await audioState(page)).currentTime).toBeGreaterThanOrEqual(a - 0.05);
    // With Loop on, playing past the region's end starts it again (the whole file is not looped natively).
    await page.check('[data-testid=player-loop]');
    expect((await audioState(page)).loop).toBe(false);
    const audioTime = () => document.querySelector<HTMLAudioElement>('audio[data-testid=player-audio]')!.currentTime;
    await page.waitForFunction(`(${audioTime})() > ${b - 0.35}`, undefined, { timeout: 10_000 });
    await page.waitForFunction(`(${audioTime})() < ${a + 0.35} && !document.querySelector('audio[data-testid=player-audio]').paused`, undefined, { timeout: 10_000 });
    await page.uncheck('[data-testid=player-loop]');
    // Then by hand: In at 0.2 s and Out at 0.7 s on the position slider, and render it.
    await page.click('[data-testid=player-toggle]');
    const setPos = async (sec: number) => {
      await setRange(page, '.playerbar-seek', sec);
      await page.waitForFunction((s) => Math.abs(document.querySelector<HTMLAudioElement>('audio[data-testid=player-audio]')!.currentTime - s) < 0.02, sec);
    };
    await setPos(0.2);
    await page.getByRole('button', { name: 'In', exact: true }).click();
    await setPos(0.7);
    await page.getByRole('button', { name: 'Out', exact: true }).click();
    expect(await page.locator('[data-testid=player-region-text]').textContent()).toBe('0.20–0.70 s');
    const [wavDl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-region]')]);
    const wav = fs.readFileSync(await wavDl.path());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    const channels = wav.readUInt16LE(22);
    const rate = wav.readUInt32LE(24);
    const bits = wav.readUInt16LE(34);
    expect(channels).toBe(c.channels);
    expect(rate).toBe(c.sampleRate);
    const frames = wav.readUInt32LE(40) / (channels * (bits / 8));
    expect(Math.abs(frames - 0.5 * rate)).toBeLessThanOrEqual(2);
    await page.keyboard.press('Escape');
  });

  it('the query sound (an upload) plays back from the browser', async () => {
    await page.goto(`${web.url}/similar`, { waitUntil: 'networkidle' });
    await page.setInputFiles('[data-testid=file-input]', lib.queryFile);
    await page.locator('[data-testid=play-query]').click();
    await page.waitForFunction(
      () => {
        const a = document.querySelector<HTMLAudioElement>('audio[data-testid=player-audio]');
        return !!a && (a.getAttribute('src') ?? '').startsWith('blob:') && !a.paused && a.currentTime > 0;
      },
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.locator('.playerbar-name').textContent()).toContain(path.basename(lib.queryFile));
    await page.keyboard.press('Escape');
  });

  it('the URL is the state: searches enter history, Back/Forward restore them, a copied link reproduces query, filter and selection', async () => {
    await page.goto(`${web.url}/`, { waitUntil: 'networkidle' });
    for (const q of ['piano', 'violin', 'speech']) await search(q);
    await page.goBack();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'violin');
    expect(await page.inputValue('input[name=q]')).toBe('violin');
    await page.goBack();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'piano');
    expect(await page.inputValue('input[name=q]')).toBe('piano');
    expect(await page.title()).toContain('piano');
    await page.goForward();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'violin');
    expect(await page.inputValue('input[name=q]')).toBe('violin');

    // A folder from the library's own tree (relative names), then a selection further down.
    await search('piano');
    await page.click('[data-testid=show-weak]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('weak') === '1');
    // The weaker list holds clips of every folder; only the filtered answer has music/ alone.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=hit] .hit-path')].some((r) => !r.textContent.includes('/music/')), undefined, { timeout: 30_000 });
    await page.locator('[data-testid=folder-tree] [data-testid=folder-pick]').first().waitFor();
    await page.locator('[data-testid=folder-tree] .twisty').first().click();
    const music = page.locator('[data-testid=folder-tree] [data-testid=folder-pick]', { hasText: 'music' });
    await music.waitFor();
    await music.click();
    await page.waitForFunction(() => (new URL(location.href).searchParams.get('f') ?? '').includes('folderPrefix'));
    // The filtered list has replaced the old one: every row is under music/.
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('[data-testid=hit] .hit-path')];
        return !document.querySelector('section[aria-busy=true]') && rows.length > 0 && rows.every((r) => r.textContent.includes('/music/'));
      },
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.locator('[data-testid=folder-selected]').textContent()).toMatch(/library\/music/);
    const paths = await page.locator('[data-testid=hit] .hit-path').allTextContents();
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p).toContain(`${path.sep}music${path.sep}`);
    const n = await page.locator('[data-testid=hit]').count();
    await page
      .locator('[data-testid=hit]')
      .nth(n - 1)
      .locator('button.play')
      .click();
    const selKey = await page
      .locator('[data-testid=hit]')
      .nth(n - 1)
      .getAttribute('data-key');
    await page.waitForFunction((k) => new URL(location.href).searchParams.get('sel') === k, selKey);
    await page.keyboard.press('Escape');
    const link = page.url();

    const other = await ctx.newPage();
    await other.goto(link, { waitUntil: 'networkidle' });
    await other.locator('[data-testid=hit][aria-current=true]').waitFor({ timeout: 30_000 });
    expect(await other.inputValue('input[name=q]')).toBe('piano');
    expect(await other.locator('[data-testid=hit][aria-current=true]').getAttribute('data-key')).toBe(selKey);
    expect(await other.locator('[data-testid=hit]').count()).toBe(n);
    expect(await other.locator('[data-testid=folder-selected]').textContent()).toMatch(/library\/music/);
    await other.close();
  });

  it('no silent caps: an over-long query is refused with the limit named; export has every row the header counts', async () => {
    await page.goto(`${web.url}/`, { waitUntil: 'networkidle' });
    await search(
      Array.from({ length: 400 }, (_, i) => `w${i}`)
        .join(' ')
        .slice(0, 2000),
    );
    const err = page.locator('[data-testid=error-state]');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/the limit is 500/);
    expect(await alerts(page)).toHaveLength(1);

    await search('piano');
    await page.locator('[data-testid=hit]').first().waitFor();
    const total = Number(await page.locator('[data-testid=results-summary]').getAttribute('data-total'));
    expect(total).toBeGreaterThan(0);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const lines = fs
      .readFileSync(await dl.path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines.length - 1).toBe(total);
    // The library listing: the header counts every clip, and the export has them all.
    await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
    await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
    const libTotal = Number(await page.locator('[data-testid=results-summary]').getAttribute('data-total'));
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSON' }).click()]);
    expect((JSON.parse(fs.readFileSync(await dl2.path(), 'utf8')) as unknown[]).length).toBe(libTotal);
    // Every clip reachable in the result list itself: the weaker matches of a search span three pages;
    // Load more (which says how many are shown) goes on to the last clip of the library, each once.
    const { health } = await gql<{ health: { clips: number } }>(apiUrl, '{ health { clips } }');
    expect(libTotal).toBe(health.clips);
    await page.goto(`${web.url}/?q=tone&weak=1`, { waitUntil: 'networkidle' });
    await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
    let pages = 1;
    for (; await page.locator('[data-testid=load-more]').count(); pages++) {
      const before = await page.locator('[data-testid=hit]').count();
      expect(await page.locator('[data-testid=load-more]').textContent()).toContain(`(${before} `);
      await page.click('[data-testid=load-more]');
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=hit]').length > n, before, { timeout: 30_000 });
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    const keys = await page.locator('[data-testid=hit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(health.clips);
  });

  it('accessibility: every page has its own title, no serious or critical axe violation, a skip link and visible focus', async () => {
    const pages: [string, RegExp][] = [
      ['/', /^Search · Earshot$/],
      ['/?q=piano', /piano.*Search · Earshot/],
      ['/?q=piano&weak=1', /piano.*Search · Earshot/],
      ['/similar', /^Find similar · Earshot$/],
      ['/classify', /^Classify · Earshot$/],
      ['/library', /Library · Earshot$/],
      ['/ingest', /^Ingest · Earshot$/],
    ];
    const report: Record<string, string[]> = {};
    for (const [p, title] of pages) {
      await page.goto(`${web.url}${p}`, { waitUntil: 'networkidle' });
      if (p.includes('q=')) await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
      await expect.poll(() => page.title(), { timeout: 10_000 }).toMatch(title);
      report[p] = await axeViolations(page);
    }
    // With the player open too (its controls are part of every page once a clip plays).
    await page.goto(`${web.url}/?q=piano`, { waitUntil: 'networkidle' });
    await page.locator('[data-testid=hit] button.play').first().click();
    await page.locator('[data-testid=playerbar].open').waitFor();
    report['player'] = await axeViolations(page);
    await page.keyboard.press('Escape');
    expect(report).toEqual(Object.fromEntries(Object.keys(report).map((k) => [k, []])));

    // The first Tab lands on the skip link; following it moves focus to the content.
    await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    // A focused control shows an outline.
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
    });
    // An outline of at least 2 px, or (text fields) the accent ring drawn as a box shadow.
    expect(outline.style !== 'none' && outline.width >= 2 ? 'outline' : outline.shadow !== 'none' ? 'ring' : 'none').not.toBe('none');
  });

  it('phone layout at 390×844: nothing wider than the screen, filters in a drawer, the player bar fits; screenshots at both sizes', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${web.url}/?q=piano`, { waitUntil: 'networkidle' });
    await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
    await shot(page, '17-desktop-search');
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const p of ['/?q=piano', '/similar', '/classify', '/library', '/ingest']) {
        await page.goto(`${web.url}${p}`, { waitUntil: 'networkidle' });
        if (p.includes('q=')) await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
        await shot(page, `17-phone${p.replace(/[/?=]+/g, '-').replace(/-$/, '') || '-search'}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${p} is ${width} px wide`).toBeLessThanOrEqual(390);
        // Every nav link and the status are on screen (the header wraps instead of cutting them off).
        const boxes = await page.locator('header.topbar a, header.topbar [data-testid=api-status]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
        for (const r of boxes) expect(r).toBeLessThanOrEqual(390);
      }
      await page.goto(`${web.url}/?q=piano`, { waitUntil: 'networkidle' });
      await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
      // Filters wait behind a button; the results come first.
      expect(await page.locator('[data-testid=filters]').isVisible()).toBe(false);
      await page.click('[data-testid=filters-toggle]');
      expect(await page.locator('[data-testid=filters]').isVisible()).toBe(true);
      await shot(page, '17-phone-filters');
      await page.getByRole('button', { name: 'Show results' }).click();
      expect(await page.locator('[data-testid=filters]').isVisible()).toBe(false);
      // The player bar: every control on screen.
      await page.locator('[data-testid=hit] button.play').first().click();
      await page.locator('[data-testid=playerbar].open').waitFor();
      const bar = await page
        .locator('[data-testid=playerbar] button, [data-testid=playerbar] input, [data-testid=playerbar] select, [data-testid=playerbar] a')
        .evaluateAll((els) =>
          els
            .map((e) => e.getBoundingClientRect())
            .filter((r) => r.width > 0)
            .map((r) => ({ left: r.left, right: r.right, bottom: r.bottom })),
        );
      await shot(page, '17-phone-player');
      expect(bar.length).toBeGreaterThan(5);
      for (const r of bar) {
        expect(r.left).toBeGreaterThanOrEqual(0);
        expect(r.right).toBeLessThanOrEqual(390);
        expect(r.bottom).toBeLessThanOrEqual(844);
      }
      await page.keyboard.press('Escape');
    } finally {
      await page.setViewportSize({ width: 1360, height: 900 });
    }
  });

  it("tags: edit one clip's tags, add and remove tags on every clip shown, filter by tag", async () => {
    await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
    const hits = page.locator('[data-testid=hit]');
    await hits.first().waitFor({ timeout: 30_000 });
    const id = (await hits.first().getAttribute('data-key'))!;
    await hits.first().locator('[data-testid=edit-tags]').click();
    await page.fill('[data-testid=tag-editor] input', 'zz-one, field rec');
    await page.click('[data-testid=tag-editor] button[type=submit]');
    await hits.first().locator('[data-testid=tag]', { hasText: '#zz-one' }).waitFor();
    type Tagged = { clip: { tags: string[] } };
    expect((await gql<Tagged>(apiUrl, 'query($id: ID!) { clip(id: $id) { tags } }', { id })).clip.tags).toEqual(['zz-one', 'field rec']);

    const n = await hits.count();
    await page.click('[data-testid=bulk-tags-open]');
    await page.getByLabel(/Tags to add to all/).fill('zz-bulk');
    await page.click('[data-testid=bulk-tags] button[type=submit]');
    await page.locator('[data-testid=bulk-tags] [role=status]', { hasText: `${n} clips updated` }).waitFor();
    expect(await page.locator('[data-testid=hit] [data-testid=tag]', { hasText: '#zz-bulk' }).count()).toBe(n);
    type Listed = { clips: { totalCount: number } };
    expect((await gql<Listed>(apiUrl, '{ clips(filter: { tags: ["zz-bulk"] }) { totalCount } }')).clips.totalCount).toBe(n);

    // A selection: only the picked rows get the tag.
    await page.getByRole('button', { name: 'Close' }).click();
    await hits.nth(1).locator('[data-testid=pick]').check();
    await hits.nth(2).locator('[data-testid=pick]').check();
    const pickedIds = [await hits.nth(1).getAttribute('data-key'), await hits.nth(2).getAttribute('data-key')].sort();
    expect(await page.locator('[data-testid=bulk-tags-open]').textContent()).toBe('Tag 2 selected');
    await page.click('[data-testid=bulk-tags-open]');
    await page.getByLabel('Tags to add to the 2 clips selected').fill('zz-pick');
    await page.click('[data-testid=bulk-tags] button[type=submit]');
    await page.locator('[data-testid=bulk-tags] [role=status]', { hasText: '2 clips updated' }).waitFor();
    type Ids = { clips: { nodes: { id: string }[] } };
    expect((await gql<Ids>(apiUrl, '{ clips(filter: { tags: ["zz-pick"] }) { nodes { id } } }')).clips.nodes.map((c) => c.id).sort()).toEqual(pickedIds);
    expect(await page.locator('[data-testid=hit] [data-testid=tag]', { hasText: '#zz-pick' }).count()).toBe(2);

    // The tag filter (in the URL like every filter) finds exactly the one clip.
    await page.goto(`${web.url}/?q=piano&weak=1&f=${encodeURIComponent(JSON.stringify({ tags: ['zz-one'] }))}`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => !document.querySelector('section[aria-busy=true]') && document.querySelectorAll('[data-testid=hit]').length > 0, undefined, {
      timeout: 30_000,
    });
    expect(await page.locator('[data-testid=hit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))).toEqual([id]);

    // And off again, in bulk.
    await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
    await hits.first().waitFor({ timeout: 30_000 });
    await page.click('[data-testid=bulk-tags-open]');
    await page.getByLabel(/Tags to remove from all/).fill('zz-bulk, zz-one, field rec, zz-pick');
    await page.click('[data-testid=bulk-tags] button[type=submit]');
    await page.locator('[data-testid=bulk-tags] [role=status]').waitFor();
    expect((await gql<Listed>(apiUrl, '{ clips(filter: { tags: ["zz-bulk"] }) { totalCount } }')).clips.totalCount).toBe(0);
    expect((await gql<Listed>(apiUrl, '{ clips(filter: { tags: ["zz-pick"] }) { totalCount } }')).clips.totalCount).toBe(0);
    expect((await gql<Tagged>(apiUrl, 'query($id: ID!) { clip(id: $id) { tags } }', { id })).clip.tags).toEqual([]);
  });

  it('honest states: with the API down the page says the server is unreachable, once, never "empty"; it recovers by itself when the API returns', async () => {
    const port = new URL(api.url).port;
    await api.close();
    try {
      await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
      await page.locator('[data-testid=server-unreachable]').waitFor({ timeout: 20_000 });
      expect(await alerts(page)).toHaveLength(1);
      expect(await page.locator('[data-testid=empty-state]').count()).toBe(0);
      await shot(page, '17-server-unreachable');
      await page.goto(`${web.url}/classify`, { waitUntil: 'networkidle' });
      await page.locator('[data-testid=server-unreachable]').waitFor({ timeout: 20_000 });
      expect(await page.getByText('No label sets yet').count()).toBe(0);
      expect(await alerts(page)).toHaveLength(1);
      await page.goto(`${web.url}/library`, { waitUntil: 'networkidle' });
      await page.locator('[data-testid=server-unreachable]').waitFor({ timeout: 20_000 });
    } finally {
      api = await startApi(port);
    }
    // No reload, no click: the page notices the server is back and loads the list.
    await page.locator('[data-testid=hit]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid=server-unreachable]').count()).toBe(0);
    expect(await page.locator('[data-testid=folders] .folder').count()).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
