/**
 * The slow cases of the security review, against the real server in a child process (loopback, a
 * free port, in-memory PGlite, bounded loops). Timings are measured from this process while a
 * watcher polls /healthz every 20 ms, so "the server stayed responsive" is a number, not a hope.
 *
 *  freeze pair      two searchByText calls of 30 KB ("rain " × 6000) at once: both answered with a
 *                   clear error in under a second, /healthz fine throughout.
 *  uploads          64 uploads of an ~90 KB FLAC (20 s of tones and noise): RSS of the server stays
 *                   under the stated bound (the registry keeps embeddings only).
 *  decode bomb      a real one-hour FLAC of silence (~0.5 MB, made by ffmpeg): refused before
 *                   decoding; /healthz answers in < 100 ms throughout.
 *  long upload      a 4-minute stereo WAV (42 MB, under the 50 MB cap) decoded, resampled and featurized
 *                   on the decode thread: /healthz answers in < 100 ms meanwhile.
 *  API ingest       startIngest of three 2-minute stereo WAVs inside EARSHOT_INGEST_ROOTS: decoded and
 *                   featurized on the ingest's decode threads; /healthz answers in < 100 ms meanwhile.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pct, r2, rssMbOf, startServerChild } from './common.js';

export interface Row {
  scenario: string;
  outcome: 'pass' | 'fail' | 'skipped';
  details: string;
  seconds: number;
  data?: Record<string, unknown>;
}

const KEY = 'faults-security-key-0123456789';
/** RSS growth allowed over 64 uploads: embeddings are ~2 KB a clip; the decode thread's heap comes and goes. */
const UPLOAD_RSS_BOUND_MB = 300;
const HEALTH_BOUND_MS = 100;
const UPLOADS = Number(process.env.EARSHOT_BENCH_UPLOADS ?? 64);

/** Polls /healthz every 20 ms until stopped; returns every latency (ms) and failures. */
function watchHealth(url: string) {
  const lat: number[] = [];
  let failures = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      const t = performance.now();
      // A new connection per poll: a pooled one the server closed after its 5 s keep-alive would be a
      // failure of this harness, not of the server.
      const ok = await new Promise<boolean>((resolve) => {
        const req = http.get(`${url}/healthz`, { agent: false, timeout: 5000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
      });
      if (!ok) failures++;
      lat.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    on = false;
    await loop;
    return { max: r2(Math.max(...lat)), p99: r2(pct(lat, 99)), n: lat.length, failures };
  };
}

const ffmpeg = (args: string[]) => spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'ignore' }).status === 0;

export async function securityFaults(): Promise<Row[]> {
  const rows: Row[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-faults-security-'));
  const lib = path.join(tmp, 'lib');
  fs.mkdirSync(lib);
  const srv = await startServerChild({
    DATABASE_URL: '',
    EARSHOT_DATA_DIR: ':memory:',
    EARSHOT_API_KEY: KEY,
    EARSHOT_LOG_LEVEL: 'warn',
    EARSHOT_HOST: '127.0.0.1',
    EARSHOT_INGEST_ROOTS: lib,
  });
  // One connection per request, as for /healthz: a pooled socket that the server's 5 s keep-alive closed while
  // ffmpeg made the next file failed the POST ("fetch failed") and said nothing about the server.
  const post = (route: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; json: () => Promise<unknown> }>((resolve, reject) => {
      const req = http.request(`${srv.url}${route}`, { method: 'POST', agent: false, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    // ---- freeze pair
    {
      const t0 = performance.now();
      const stop = watchHealth(srv.url);
      const body = JSON.stringify({ query: 'query($q: String!) { searchByText(query: $q) { totalCount } }', variables: { q: 'rain '.repeat(6000) } });
      const answers = await Promise.all(
        [0, 1].map(async () => {
          const t = performance.now();
          const r = await post('/graphql', body, { 'content-type': 'application/json' });
          const j = (await r.json()) as { errors?: { extensions?: { code?: string } }[] };
          return { ms: r2(performance.now() - t), status: r.status, code: j.errors?.[0]?.extensions?.code };
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const health = await stop();
      const ok = answers.every((a) => a.code === 'LIMIT_EXCEEDED' && a.ms < 1000) && health.failures === 0;
      rows.push({
        scenario: 'freeze pair: two 30 KB searchByText at once',
        outcome: ok ? 'pass' : 'fail',
        details: `${answers.map((a) => `${a.status} ${a.code} in ${a.ms} ms`).join(', ')}; /healthz max ${health.max} ms over ${health.n} polls, ${health.failures} failed`,
        seconds: r2((performance.now() - t0) / 1000),
        data: { answers, health },
      });
    }

    // ---- 64 uploads
    {
      const t0 = performance.now();
      const src = path.join(tmp, 'up.wav');
      const flac = path.join(tmp, 'up.flac');
      const made =
        ffmpeg([
          '-f',
          'lavfi',
          '-i',
          'sine=f=440:d=20,volume=0.3',
          '-f',
          'lavfi',
          '-i',
          'anoisesrc=d=20:a=0.02',
          '-filter_complex',
          'amix=inputs=2',
          '-ar',
          '44100',
          '-ac',
          '2',
          src,
        ]) && ffmpeg(['-i', src, '-compression_level', '8', flac]);
      if (!made) {
        rows.push({ scenario: '64 uploads', outcome: 'skipped', details: 'ffmpeg is absent', seconds: 0 });
      } else {
        const bytes = fs.readFileSync(flac);
        // Warm up (model sessions, decode thread) before the baseline.
        await post('/upload', new Uint8Array(bytes), { 'x-api-key': KEY });
        const before = rssMbOf(srv.child.pid!);
        let ok = 0;
        for (let i = 0; i < UPLOADS; i++) if ((await post('/upload', new Uint8Array(bytes), { 'x-api-key': KEY })).status === 201) ok++;
        const after = rssMbOf(srv.child.pid!);
        rows.push({
          scenario: `64 uploads of a ${Math.round(bytes.length / 1024)} KB FLAC (20 s stereo)`,
          outcome: ok === 64 && after - before < UPLOAD_RSS_BOUND_MB ? 'pass' : 'fail',
          details: `${ok}/64 accepted; server RSS ${before} → ${after} MB (+${after - before}, bound +${UPLOAD_RSS_BOUND_MB})`,
          seconds: r2((performance.now() - t0) / 1000),
          data: { before, after, bytes: bytes.length },
        });
      }
    }

    // ---- one-hour FLAC, then a long legitimate upload, each with /healthz watched
    for (const [name, make, expect] of [
      ['decode bomb: a one-hour FLAC of silence', (f: string) => ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '3600', '-c:a', 'flac', f]), 413],
      ['long upload: 4 minutes of 44.1 kHz stereo WAV', (f: string) => ffmpeg(['-f', 'lavfi', '-i', 'sine=f=220:d=240', '-ar', '44100', '-ac', '2', f]), 201],
    ] as const) {
      const t0 = performance.now();
      const file = path.join(tmp, expect === 413 ? 'hour.flac' : 'long.wav');
      if (!make(file)) {
        rows.push({ scenario: name, outcome: 'skipped', details: 'ffmpeg is absent', seconds: 0 });
        continue;
      }
      const bytes = new Uint8Array(fs.readFileSync(file));
      const before = rssMbOf(srv.child.pid!);
      const stop = watchHealth(srv.url);
      const t = performance.now();
      const r = await post('/upload', bytes, { 'x-api-key': KEY }).catch((e: Error) => {
        throw new Error(`upload failed: ${e.message} (${String((e as { cause?: unknown }).cause)}); server said: ${srv.output().slice(-1500)}`);
      });
      const j = (await r.json()) as { error?: { code?: string; message?: string } };
      const ms = r2(performance.now() - t);
      await new Promise((res) => setTimeout(res, 200));
      const health = await stop();
      const after = rssMbOf(srv.child.pid!);
      const ok = r.status === expect && health.max < HEALTH_BOUND_MS && health.failures === 0;
      rows.push({
        scenario: `${name} (${Math.round(bytes.length / 1024)} KB)`,
        outcome: ok ? 'pass' : 'fail',
        details: `HTTP ${r.status}${j.error ? ` ${j.error.code}: ${j.error.message}` : ''} in ${ms} ms; /healthz max ${health.max} ms, p99 ${health.p99} ms over ${health.n} polls (bound ${HEALTH_BOUND_MS}), ${health.failures} failed; RSS ${before} → ${after} MB`,
        seconds: r2((performance.now() - t0) / 1000),
        data: { status: r.status, ms, health, before, after },
      });
    }

    // ---- an ingest started through the API: its files are decoded on the decode threads, not on the HTTP thread
    {
      const t0 = performance.now();
      const made = [1, 2, 3].every((k) => ffmpeg(['-f', 'lavfi', '-i', `sine=f=${110 * k}:d=120`, '-ar', '44100', '-ac', '2', path.join(lib, `long-${k}.wav`)]));
      if (!made) {
        rows.push({ scenario: 'API ingest', outcome: 'skipped', details: 'ffmpeg is absent', seconds: 0 });
      } else {
        const gql = async (query: string, variables: Record<string, unknown>) =>
          (await (await post('/graphql', JSON.stringify({ query, variables }), { 'content-type': 'application/json', 'x-api-key': KEY })).json()) as {
            data?: any;
            errors?: unknown[];
          };
        const stop = watchHealth(srv.url);
        const started = await gql('mutation($p: String!) { startIngest(path: $p) { id } }', { p: lib });
        const id = started.data?.startIngest?.id;
        let run: { status: string; processedFiles: number; failedFiles: number } | undefined;
        for (const until = Date.now() + 300_000; id && Date.now() < until;) {
          run = (await gql('query($id: ID!) { ingestRun(id: $id) { status processedFiles failedFiles } }', { id })).data?.ingestRun;
          if (run && !['QUEUED', 'SCANNING', 'RUNNING'].includes(run.status)) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        const health = await stop();
        const ok = run?.status === 'DONE' && run.processedFiles === 3 && health.max < HEALTH_BOUND_MS && health.failures === 0;
        rows.push({
          scenario: 'API ingest of three 2-minute 44.1 kHz stereo WAVs (startIngest)',
          outcome: ok ? 'pass' : 'fail',
          details: `run ${id ?? JSON.stringify(started.errors)} ${run?.status} (${run?.processedFiles} done, ${run?.failedFiles} failed); /healthz max ${health.max} ms, p99 ${health.p99} ms over ${health.n} polls (bound ${HEALTH_BOUND_MS}), ${health.failures} failed`,
          seconds: r2((performance.now() - t0) / 1000),
          data: { run, health },
        });
      }
    }
  } finally {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
