/**
 * End-to-end harness: the real API (startServer on a temp PGlite data dir with the mini model),
 * the real Next server (`next build` once, `next start` on a free port), and Debian's Chromium
 * driven by playwright-core. Everything listens on 127.0.0.1 random ports; nothing leaves the machine.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS_DIR = path.join(REPO, 'test-artifacts', 'screenshots');
export const API_KEY = 'e2e-test-key-0123456789';
export const PROXY_SECRET = 'e2e-proxy-secret-0123456789';
const SHARED_AUDIO = path.resolve(REPO, '../shared/audio-dev');
const DEMO_LIBRARY = path.join(REPO, 'demo', 'library');

/** Why the suite cannot run here, or null. */
export function skipReason(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install chromium)`;
  if (!fs.existsSync(path.join(REPO, 'apps/api/src/server.ts'))) return 'apps/api/src/server.ts is absent (API not built yet)';
  if (!fs.existsSync(path.join(REPO, 'models/clap-mini/manifest.json'))) return 'models/clap-mini is absent (mini model bundle not built yet)';
  if (!fs.existsSync(DEMO_LIBRARY) && !fs.existsSync(SHARED_AUDIO)) return 'no demo audio: neither demo/library nor ../shared/audio-dev exists';
  return null;
}

// A small, varied subset keeps ingest fast: instruments, speech, animals, noises, one long clip (windows).
const SHARED_PICK = [
  'dev_fluid_piano.wav',
  'dev_fluid_acoustic_guitar.wav',
  'dev_fluid_violin.wav',
  'dev_fluid_flute.wav',
  'dev_speech_hw_british.wav',
  'dev_hw_bee.wav',
  'dev_hw_explosion.wav',
  'dev_wes_birds_birds1.wav',
  'dev_keyboard_0.wav',
  'dev_fire_campfire.mp3',
  'dev_wes_horse_horse-canter.wav',
  'dev_long_birds_stereo48k.wav',
];

function listAudio(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listAudio(p));
    else if (/\.(wav|mp3|flac|ogg|opus|m4a|aiff?)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * Copy a dozen demo clips into `<root>/library/<group>/...` (two sub-folders, so the Library page has
 * folders to browse) and a second folder with two clips plus two broken files for the ingest UI test.
 */
export const TAGGED_WORD = 'zanzibarquill';

export function makeLibrary(root: string): { library: string; extra: string; queryFile: string; tagged: string | null } {
  const library = path.join(root, 'library');
  const extra = path.join(root, 'incoming');
  let files: string[];
  if (fs.existsSync(DEMO_LIBRARY)) {
    const all = listAudio(DEMO_LIBRARY);
    const step = Math.max(1, Math.floor(all.length / 14));
    files = all.filter((_, i) => i % step === 0).slice(0, 14);
  } else {
    files = SHARED_PICK.map((f) => path.join(SHARED_AUDIO, f)).filter((f) => fs.existsSync(f));
  }
  files.forEach((f, i) => {
    const group = /speech|voice|talk/i.test(f) ? 'voices' : i % 2 ? 'fx' : 'music';
    const dest = path.join(library, group, path.basename(f));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(f, dest);
  });
  // A UCS-named file whose only mention of "zanzibarquill" is an embedded RIFF INFO comment (issue 14: tags round-trip to the UI).
  const tagged = path.join(library, 'fx', 'UIBeep_Tagged Chime_ES_E2E.wav');
  const ff = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', files[0], '-metadata', `comment=${TAGGED_WORD} glass chime`, tagged]);
  const hasTagged = ff.status === 0;
  fs.mkdirSync(path.join(extra, 'bad'), { recursive: true });
  for (const f of files.slice(0, 2)) fs.copyFileSync(f, path.join(extra, `copy_${path.basename(f)}`));
  fs.writeFileSync(path.join(extra, 'bad', 'not_audio.wav'), 'this is a text file, not audio\n');
  fs.writeFileSync(path.join(extra, 'bad', 'empty.wav'), '');
  // A query file for upload tests that is not in the library (a different byte stream of similar sound).
  const queryFile = files.find((f) => /piano/i.test(f)) ?? files[0];
  return { library, extra, queryFile, tagged: hasTagged ? tagged : null };
}

export async function launchBrowser(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-chrome-'));
  return chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
      '--mute-audio',
      // A fake microphone (a beeping tone) with the permission prompt auto-accepted, for the recording test.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/** Screenshot of the viewport (what a user sees first), or of the whole page with `full`. */
export async function shot(page: Page, name: string, full = false): Promise<string> {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  const file = path.join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: full });
  return file;
}

/** POST a GraphQL document to the API directly (setup only; the UI goes through the web proxy). */
export async function gql<T>(apiUrl: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data as T;
}

/** Start an ingest through the API and wait for it to finish; returns the final run. */
export async function ingestViaApi(apiUrl: string, folder: string, timeoutMs = 240_000) {
  type Run = { id: string; status: string; processedFiles: number; failedFiles: number; totalFiles: number };
  const fields = 'id status processedFiles failedFiles totalFiles';
  const { startIngest } = await gql<{ startIngest: Run }>(apiUrl, `mutation($p: String!) { startIngest(path: $p) { ${fields} } }`, { p: folder });
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { ingestRun } = await gql<{ ingestRun: Run }>(apiUrl, `query($id: ID!) { ingestRun(id: $id) { ${fields} } }`, { id: startIngest.id });
    if (!['QUEUED', 'SCANNING', 'RUNNING'].includes(ingestRun.status)) return ingestRun;
    if (Date.now() > until) throw new Error(`ingest of ${folder} still ${ingestRun.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
