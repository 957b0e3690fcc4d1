/**
 * npm run bench:load [-- --duration 20 --concurrency 1,4,16 --files 40 --fresh]
 * Bounded load test of the real API: starts the server (temp data dir, port 0, loopback only),
 * ingests a subset of demo/library through the real pipeline, then fires a fixed mix of GraphQL
 * POSTs (searchByText with varied texts, similarTo a stored clip, classify) with autocannon at each
 * concurrency step for a fixed duration. The files are ingested by the CLI and the server runs in a
 * child process (`startServerChild`): autocannon in the server's own process would share its event
 * loop, and requests would wait on the load generator (in one process, 20 s at 64 connections showed
 * p99 8.7 s and 19 timeouts at the client while the server's own longest request took 0.93 s).
 * Reports req/s, p50/p99 latency, errors and non-2xx, and the server's RSS before, after and at
 * most during each step. --fresh: every search text and label list is new (three words drawn from 48, never
 * repeated), so the text tower runs on each request as it does for real users; without it the mix
 * repeats 8 texts, which the text cache answers after the first round. Writes bench/results/load.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { arg, numList, REPO_ROOT, r2, rssMbOf, startServerChild, writeResult } from './common.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

const DURATION = numList(arg('duration'), [20])[0];
const STEPS = numList(arg('concurrency'), [1, 4, 16]);
const FILES = numList(arg('files'), [40])[0];
const FRESH = process.argv.includes('--fresh');

const WORDS = (
  'dog cat bird rain thunder wind water river door car engine train bell piano guitar violin drum voice crowd ' +
  'footsteps glass metal wood fire explosion siren alarm phone keyboard clock horse cow insect bee ocean wave storm ' +
  'laughter whistle scream motor fan saw hammer cello flute trumpet harp organ'
).split(' ');
let drawn = 0;
/** Three words that no earlier call returned (48³ = 110,592 before a repeat). */
function freshText(): string {
  const n = drawn++;
  return `${WORDS[n % 48]} ${WORDS[Math.floor(n / 48) % 48]} ${WORDS[Math.floor(n / 2304) % 48]}`;
}
if (DURATION * STEPS.length > 60) {
  console.error(`refusing: ${DURATION} s × ${STEPS.length} steps exceeds the 60 s bound of issue 8`);
  process.exit(2);
}

function listAudio(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listAudio(p));
    else if (/\.(wav|mp3|flac|ogg|opus)$/i.test(e.name)) out.push(p);
  }
  return out;
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (!res.ok || body.errors) throw new Error(`GraphQL failed (${res.status}): ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-load-'));
  const lib = path.join(tmp, 'library');
  // Every k-th file of the demo library, so the subset spans its folders (instruments, formats).
  const all = listAudio(path.join(REPO_ROOT, 'demo', 'library'));
  const step = Math.max(1, Math.floor(all.length / FILES));
  const pick = all.filter((_, i) => i % step === 0).slice(0, FILES);
  for (const f of pick) {
    const rel = path.relative(path.join(REPO_ROOT, 'demo', 'library'), f);
    fs.mkdirSync(path.join(lib, path.dirname(rel)), { recursive: true });
    fs.copyFileSync(f, path.join(lib, rel));
  }
  const env = { EARSHOT_DATA_DIR: path.join(tmp, 'data'), EARSHOT_DEMO_LIBRARY: 'off', EARSHOT_LOG_LEVEL: 'warn', DATABASE_URL: process.env.DATABASE_URL ?? '' };
  console.log(`ingesting ${pick.length} files with the CLI…`);
  const t0 = performance.now();
  const ing = spawnSync(process.execPath, ['--single-threaded-gc', '--import', 'tsx', path.join(REPO_ROOT, 'apps/api/src/cli.ts'), 'ingest', lib], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (ing.status !== 0) throw new Error(`ingest failed (${ing.status}): ${(ing.stderr || ing.stdout).slice(-2000)}`);
  console.log(`ingested in ${r2((performance.now() - t0) / 1000)} s`);
  const srv = await startServerChild(env);
  const pid = srv.child.pid!;
  const steps: Record<string, unknown>[] = [];
  try {
    const health = (await (await fetch(`${srv.url}/healthz`)).json()) as { backend: string };
    console.log(`server ${srv.url} (${health.backend}, pid ${pid})`);
    const clips = await gql(srv.url, `{ clips(first: 5) { edges { node { id } } } }`).catch(async () => null);
    let clipId: string | undefined = clips?.clips?.edges?.[0]?.node?.id;
    if (!clipId) {
      const d = await gql(srv.url, `query($q: String!) { searchByText(query: $q, first: 1) { hits { clip { id } } } }`, { q: 'guitar' });
      clipId = d.searchByText.hits[0]?.clip.id;
    }
    if (!clipId) throw new Error('no clip stored after ingest');
    const texts = ['a dog barking', 'acoustic guitar strumming', 'rain on a window', 'piano chord', 'drum loop', 'someone speaking', 'banjo', 'bird song'];
    const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
    const SEARCH = `query($q: String!) { searchByText(query: $q, first: 20) { totalCount hits { score clip { id } } } }`;
    const CLASSIFY = `query($c: ID!, $l: [String!]) { classify(clip: $c, labels: $l) { best { label score } } }`;
    const json = { method: 'POST' as const, path: '/graphql', headers: { 'content-type': 'application/json' } };
    const requests = [
      ...texts.map((q) => ({
        ...json,
        body: body(SEARCH, { q }),
        ...(FRESH ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body(SEARCH, { q: freshText() }) }) } : {}),
      })),
      { ...json, body: body(`query($c: ID!) { similarTo(clip: $c, first: 20) { hits { score clip { id } } } }`, { c: clipId }) },
      {
        ...json,
        body: body(CLASSIFY, { c: clipId, l: ['guitar', 'piano', 'drums', 'voice', 'dog'] }),
        ...(FRESH ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body(CLASSIFY, { c: clipId, l: [0, 1, 2, 3, 4].map(() => freshText()) }) }) } : {}),
      },
    ];
    // A GraphQL error comes back with HTTP 200, so non-2xx alone would miss it: count bodies with errors.
    let graphqlErrors = 0;
    const counted = requests.map((r) => ({
      ...r,
      onResponse: (_status: number, resBody: string) => {
        if (resBody.includes('"errors"')) graphqlErrors++;
      },
    }));
    // Check each request once by hand so the load numbers are about working queries.
    for (const r of requests) {
      const d = JSON.parse(r.body);
      await gql(srv.url, d.query, d.variables);
    }
    const rssStart = rssMbOf(pid);
    for (const connections of STEPS) {
      const before = rssMbOf(pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMbOf(pid))), 250);
      graphqlErrors = 0;
      const res = await autocannon({ url: srv.url, connections, duration: DURATION, requests: counted });
      clearInterval(sampler);
      const after = rssMbOf(pid);
      const s = {
        connections,
        durationS: DURATION,
        requests: res.requests.total,
        reqPerSec: r2(res.requests.average),
        latencyP50Ms: res.latency.p50,
        latencyP99Ms: res.latency.p99,
        latencyMaxMs: res.latency.max,
        errors: res.errors,
        timeouts: res.timeouts,
        non2xx: res.non2xx,
        graphqlErrors,
        rssBeforeMb: before,
        rssAfterMb: after,
        rssPeakMb: Math.max(peak, after),
      };
      steps.push(s);
      console.log(
        `  c=${connections}: ${s.reqPerSec} req/s, p50 ${s.latencyP50Ms} ms, p99 ${s.latencyP99Ms} ms, errors ${s.errors}, timeouts ${s.timeouts}, non-2xx ${s.non2xx}, GraphQL errors ${s.graphqlErrors}, server RSS ${before} → ${after} MB (peak ${s.rssPeakMb})`,
      );
    }
    const file = writeResult('load', {
      measuredAt: new Date().toISOString(),
      backend: health.backend,
      files: pick.length,
      mix: `${texts.length} searchByText (hybrid), 1 similarTo, 1 classify (5 labels), round-robin${FRESH ? '; every text and label new (--fresh)' : ''}`,
      serverRssStartMb: rssStart,
      serverRssEndMb: rssMbOf(pid),
      steps,
    });
    console.table(steps);
    console.log(`wrote ${file}`);
  } finally {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
