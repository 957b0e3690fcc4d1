/**
 * npm run bench:faults [-- --only kill,db-restart,data-dir,files,bad-inputs,security --kills 3 --fuzz 1000]
 * A reliability harness, not a timing benchmark: each fault scenario runs against the real CLI
 * (`tsx apps/api/src/cli.ts ingest`, spawned with node --import tsx so a SIGKILL hits the real
 * process) or the real decoder, then the store is checked with exact counts.
 *
 *  kill        kill -9 the CLI after some files are committed, several times over a copy of
 *              demo/library (on-disk PGlite), resume, and check: one Clip per audio file, the exact
 *              expected Segment rows (an independent oracle: sha256 + decode of every file, 1 clip
 *              segment + splitWindows per distinct content), 0 duplicate (contentHash, modelId, kind,
 *              startSec), 0 duplicate clip paths, no pending IngestFile, one run resumed to done.
 *  db-restart  a throwaway PostgreSQL 15 cluster (initdb + pg_ctl on a random port, as .ci/run; needs
 *              pgvector in /usr/share/postgresql/15/extension and root for runuser postgres), or the
 *              server at EARSHOT_BENCH_PGDATA + DATABASE_URL: restart the server mid-ingest, then
 *              check the run retried to the end or failed with one typed line, no partial rows
 *              (every Clip has its clip segment, no segment without a Clip, every done IngestFile has
 *              its Clip), and a rerun completes with exact counts.
 *  data-dir    EARSHOT_DATA_DIR below a regular file (ENOTDIR), read-only (chmod 555; as root the CLI
 *              runs as user "nobody", since root writes anyway), and disk full (when mount is allowed,
 *              else reported untested): a 1 MiB tmpfs at open, and a tmpfs 1 MiB above a fresh store
 *              that fills mid-ingest (then: no partial rows, a rerun with room gives exact counts).
 *              Expected: one line with a code, no stack trace.
 *  files       issue 15's file cases through the real CLI and a real server: data dir 0700 with no
 *              group/world-writable file, an unreadable sub-folder (as "nobody" when root) recorded as
 *              FOLDER_UNREADABLE with its clips kept, a file appended to by another process during the
 *              whole ingest failed FILE_CHANGED, three concurrent identical startIngest calls making one
 *              run, and damaged copies of the store (truncated Clip table, no PG_VERSION, truncated
 *              pg_control) refused with DATA_CORRUPT; as root, "nobody" cannot truncate pg_control.
 *  bad-inputs  every row of ../shared/audio-dev/bad-inputs.csv through the CLI (codes per file), and
 *              the header fuzzer of test/faults/fuzz.ts (typed error or valid result per case).
 *  security    the slow cases of the security review against the real server in a child process
 *              (faults-security.ts): the freeze pair, 64 uploads under an RSS bound, an API-started ingest, a one-hour FLAC
 *              refused before decoding and a 9-minute upload decoded off the HTTP thread, each with
 *              /healthz polled every 20 ms.
 *
 * Prints a table (scenario, outcome, details, seconds) and writes bench/results/faults.json.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { loadConfig } from '../../apps/api/src/config.js';
import { splitWindows } from '../../apps/api/src/features/index.js';
import { AUDIO_EXTENSIONS } from '../../apps/api/src/ingest/scan.js';
import { openStore } from '../../apps/api/src/store/index.js';
import { fuzzDecoder, makeSeeds } from '../../test/faults/fuzz.js';
import { exited as watchedExit, watch, type Watched } from '../../test/helpers/child.js';
import { arg, r2, REPO_ROOT, writeResult } from './common.js';
import { securityFaults } from './faults-security.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

interface Row {
  scenario: string;
  outcome: 'pass' | 'fail' | 'skipped';
  details: string;
  seconds: number;
  data?: Record<string, unknown>;
}

const CLI = path.join(REPO_ROOT, 'apps/api/src/cli.ts');
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `earshot-faults-${p}-`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Cli = Watched & { done: () => number };

/** The real CLI; node runs it directly (not the tsx wrapper, whose SIGKILL would orphan the real process). */
function cli(args: string[], env: Record<string, string | undefined>, prefix: string[] = []): Cli {
  const cmd = prefix.length ? prefix[0] : process.execPath;
  const argv = [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), '--import', 'tsx', CLI, ...args];
  const child = watch(
    spawn(cmd, argv, {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: undefined, EARSHOT_INGEST_CONCURRENCY: undefined, EARSHOT_ORT_THREADS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  return Object.assign(child, { done: () => (child.out().match(/^done /gm) ?? []).length });
}

const exited = (c: Cli, { killAfterMs = 600_000 } = {}) => watchedExit(c, { killAfterMs });

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(50);
  }
  return true;
}

/** A one-line typed error, no stack trace: what a user should see. */
function cleanError(stderr: string): { ok: boolean; line: string } {
  const lines = stderr.split('\n').filter((l) => l.trim() && !/^npm warn/i.test(l));
  const line = lines[lines.length - 1] ?? '';
  const ok = /^[A-Z_]+: /.test(line) && !lines.some((l) => /^\s+at /.test(l));
  return { ok, line };
}

function audioFiles(root: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isFile() && AUDIO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
  }
  return out.sort();
}

/** Independent oracle: what the store must hold after ingesting `files` (all decodable). */
async function expectedRows(files: string[]) {
  const cfg = loadConfig({ ...process.env, DATABASE_URL: undefined });
  const byHash = new Map<string, number>();
  for (const f of files) {
    const hash = crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    if (byHash.has(hash)) continue;
    const d = await decodeFile(f);
    byHash.set(hash, 1 + splitWindows(d.samples.length, 48000, cfg.ingest.windowSec, cfg.ingest.hopSec).length);
  }
  return { clips: files.length, contents: byHash.size, segments: [...byHash.values()].reduce((a, b) => a + b, 0) };
}

/** Counts and consistency checks on a store (PGlite data dir or server URL). */
async function storeFacts(env: { dataDir: string; databaseUrl?: string }) {
  const store = await openStore({ dataDir: env.dataDir, databaseUrl: env.databaseUrl });
  const n = async (sql: string) => Number((await store.sql<{ n: unknown }>(sql))[0].n);
  try {
    return {
      clips: await n(`SELECT count(*) AS n FROM "Clip"`),
      distinctPaths: await n(`SELECT count(DISTINCT path) AS n FROM "Clip"`),
      segments: await n(`SELECT count(*) AS n FROM "Segment"`),
      duplicateSegments: await n(`SELECT count(*) AS n FROM (SELECT 1 FROM "Segment" GROUP BY "contentHash", "modelId", kind, "startSec" HAVING count(*) > 1) d`),
      clipsWithoutClipSegment: await n(
        `SELECT count(*) AS n FROM "Clip" c WHERE NOT EXISTS (SELECT 1 FROM "Segment" s WHERE s."contentHash" = c."contentHash" AND s.kind = 'clip')`,
      ),
      segmentsWithoutClip: await n(`SELECT count(*) AS n FROM "Segment" s WHERE NOT EXISTS (SELECT 1 FROM "Clip" c WHERE c."contentHash" = s."contentHash")`),
      doneFilesWithoutClip: await n(`SELECT count(*) AS n FROM "IngestFile" f WHERE f.status = 'done' AND NOT EXISTS (SELECT 1 FROM "Clip" c WHERE c.path = f.path)`),
      // A run that says done has no file left behind (a failed run's unfinished files stay pending, by design: a new run redoes them).
      pendingFiles: await n(
        `SELECT count(*) AS n FROM "IngestFile" f JOIN "IngestRun" r ON r.id = f."runId" WHERE r.status = 'done' AND f.status NOT IN ('done', 'failed', 'skipped')`,
      ),
      lastRunPending: await n(`SELECT count(*) AS n FROM "IngestFile" WHERE status = 'pending' AND "runId" = (SELECT id FROM "IngestRun" ORDER BY "startedAt" DESC LIMIT 1)`),
      runs: await store.sql<{ status: string; processedFiles: number; totalFiles: number }>(`SELECT status, "processedFiles", "totalFiles" FROM "IngestRun" ORDER BY "startedAt"`),
    };
  } finally {
    await store.close();
  }
}

type Facts = Awaited<ReturnType<typeof storeFacts>>;
type Expected = Awaited<ReturnType<typeof expectedRows>>;

function exactProblems(f: Facts, e: Expected): string[] {
  const p: string[] = [];
  if (f.clips !== e.clips) p.push(`clips ${f.clips} ≠ ${e.clips}`);
  if (f.distinctPaths !== f.clips) p.push(`${f.clips - f.distinctPaths} duplicate clip paths`);
  if (f.segments !== e.segments) p.push(`segments ${f.segments} ≠ ${e.segments}`);
  if (f.duplicateSegments) p.push(`${f.duplicateSegments} duplicate segments`);
  if (f.clipsWithoutClipSegment) p.push(`${f.clipsWithoutClipSegment} clips without a clip segment`);
  if (f.segmentsWithoutClip) p.push(`${f.segmentsWithoutClip} segments without a clip`);
  if (f.doneFilesWithoutClip) p.push(`${f.doneFilesWithoutClip} done files without a clip`);
  if (f.pendingFiles) p.push(`${f.pendingFiles} files pending in a done run`);
  if (f.lastRunPending) p.push(`${f.lastRunPending} files pending in the last run`);
  return p;
}

function copyLibrary(limit: number | undefined): { lib: string; files: string[] } {
  const src = path.join(REPO_ROOT, 'demo/library');
  const lib = tmp('lib');
  let files = audioFiles(src);
  if (limit) files = files.slice(0, limit);
  for (const f of files) {
    const dst = path.join(lib, path.relative(src, f));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(f, dst);
  }
  return { lib, files: audioFiles(lib) };
}

// ------------------------------------------------------------------ 1. kill -9 and resume
async function killAndResume(kills: number, limit: number | undefined): Promise<Row> {
  const t0 = performance.now();
  const { lib, files } = copyLibrary(limit);
  const dataDir = tmp('kill-data');
  const env = { EARSHOT_DATA_DIR: dataDir };
  try {
    const expected = await expectedRows(files);
    const killLog: { afterDoneInRun: number; signal: string | null; doneTotalBefore: number }[] = [];
    // Kill points spread over the library: after k·N/(kills+1) committed files in total.
    let doneTotal = 0;
    for (let k = 1; k <= kills; k++) {
      const target = Math.floor((k * files.length) / (kills + 1)) - doneTotal;
      const c = cli(['ingest', lib, '--verbose', '--concurrency', '2'], env);
      await waitFor(() => c.done() >= Math.max(1, target) || c.exitCode !== null, 300_000);
      c.kill('SIGKILL');
      const end = await exited(c);
      killLog.push({ afterDoneInRun: c.done(), signal: end.signal, doneTotalBefore: doneTotal });
      doneTotal += c.done();
    }
    const tResume = performance.now();
    const last = cli(['ingest', lib, '--verbose', '--concurrency', '2'], env);
    // time-to-resume: from spawn to the first file committed by the resumed run
    let firstDoneS: number | null = null;
    const poll = setInterval(() => {
      if (firstDoneS === null && last.done() > 0) firstDoneS = (performance.now() - tResume) / 1000;
    }, 50);
    const end = await exited(last);
    clearInterval(poll);
    const resumeWallS = (performance.now() - tResume) / 1000;
    const facts = await storeFacts({ dataDir });
    const problems = exactProblems(facts, expected);
    if (end.code !== 0) problems.push(`resume exited ${end.code}: ${cleanError(last.err()).line}`);
    if (!/\(resumed\)/.test(last.out())) problems.push('the last run did not say it resumed');
    if (killLog.some((k) => k.signal !== 'SIGKILL')) problems.push('a run finished before its kill');
    if (facts.runs.length !== 1 || facts.runs[0].status !== 'done') problems.push(`runs: ${JSON.stringify(facts.runs)}`);
    const reembedded = (last.out().match(/^done .* embedded=true/gm) ?? []).length;
    return {
      scenario: `kill -9 ×${kills} mid-ingest, resume (${files.length} files)`,
      outcome: problems.length ? 'fail' : 'pass',
      details: problems.length
        ? problems.join('; ')
        : `clips ${facts.clips}/${expected.clips}, segments ${facts.segments}/${expected.segments}, 0 dup segments, 0 dup paths; killed after ${killLog.map((k) => k.afterDoneInRun).join('+')} files; resumed run embedded ${reembedded}, first file ${firstDoneS === null ? '-' : r2(firstDoneS)} s after start, done in ${r2(resumeWallS)} s`,
      seconds: r2((performance.now() - t0) / 1000),
      data: { expected, facts: { ...facts, runs: facts.runs.length }, kills: killLog, resume: { firstFileS: firstDoneS, wallS: r2(resumeWallS), embedded: reembedded } },
    };
  } finally {
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 2. database restart
const PGBIN = '/usr/lib/postgresql/15/bin';
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

interface Cluster {
  url: string;
  restart: () => void;
  stop: () => void;
}

/** A throwaway cluster as postgres (root only) or the caller's server (EARSHOT_BENCH_PGDATA + DATABASE_URL). */
async function cluster(): Promise<Cluster | string> {
  const asPg = (bin: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(PGBIN, bin), ...args], { stdio: 'pipe' });
  if (process.env.EARSHOT_BENCH_PGDATA && process.env.DATABASE_URL) {
    const pgdata = process.env.EARSHOT_BENCH_PGDATA;
    const pgCtl = (a: string[]) => (process.getuid?.() === 0 ? asPg('pg_ctl', a) : execFileSync(path.join(PGBIN, 'pg_ctl'), a, { stdio: 'pipe' }));
    return { url: process.env.DATABASE_URL, restart: () => pgCtl(['-D', pgdata, '-l', path.join(pgdata, 'server.log'), '-w', '-m', 'fast', 'restart']), stop: () => {} };
  }
  if (!fs.existsSync('/usr/share/postgresql/15/extension/vector.control')) return 'pgvector is not installed for PostgreSQL 15';
  if (!fs.existsSync(path.join(PGBIN, 'initdb'))) return `${PGBIN}/initdb is absent`;
  if (process.getuid?.() !== 0) return 'a throwaway cluster needs root (runuser postgres); or set EARSHOT_BENCH_PGDATA and DATABASE_URL';
  const pgdata = fs.mkdtempSync('/tmp/earshot-faults-pg.');
  fs.chownSync(pgdata, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const port = await freePort();
  asPg('initdb', ['-D', pgdata, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${pgdata} -c fsync=off -c max_connections=100`;
  asPg('pg_ctl', ['-D', pgdata, '-l', path.join(pgdata, 'server.log'), '-w', '-t', '60', '-o', opts, 'start']);
  execFileSync('psql', ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE earshot'], { stdio: 'pipe' });
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/earshot`,
    // -l: without a log file the new postmaster inherits our stdout pipe and execFileSync never returns.
    restart: () => asPg('pg_ctl', ['-D', pgdata, '-l', path.join(pgdata, 'server.log'), '-w', '-t', '60', '-m', 'fast', '-o', opts, 'restart']),
    stop: () => {
      try {
        asPg('pg_ctl', ['-D', pgdata, '-m', 'immediate', 'stop']);
      } catch {
        /* already down */
      }
      fs.rmSync(pgdata, { recursive: true, force: true });
    },
  };
}

async function dbRestart(limit: number | undefined): Promise<Row> {
  const t0 = performance.now();
  const scenario = 'database restart during ingest';
  const c = await cluster().catch((e: Error) => `could not start a cluster: ${e.message.split('\n')[0]}`);
  if (typeof c === 'string') return { scenario, outcome: 'skipped', details: c, seconds: 0 };
  const { lib, files } = copyLibrary(limit);
  const dataDir = tmp('pg-data');
  const env = { EARSHOT_DATA_DIR: dataDir, DATABASE_URL: c.url };
  try {
    const expected = await expectedRows(files);
    const run = cli(['ingest', lib, '--verbose', '--concurrency', '2'], env);
    const reached = await waitFor(() => run.done() >= Math.floor(files.length / 3) || run.exitCode !== null, 300_000);
    const doneAtRestart = run.done();
    const tr = performance.now();
    c.restart();
    const restartS = (performance.now() - tr) / 1000;
    const end = await exited(run, { killAfterMs: 300_000 });
    const first = { code: end.code, signal: end.signal, done: run.done(), error: end.code === 0 ? null : cleanError(run.err()), stderrTail: run.err().slice(-3000) };
    const afterFirst = await storeFacts({ dataDir, databaseUrl: c.url });
    const problems: string[] = [];
    if (!reached || (run.exitCode !== null && doneAtRestart >= files.length)) problems.push('the run ended before the restart');
    if (end.signal) problems.push(`the first run was killed by ${end.signal} (hung after the restart?)`);
    if (end.code !== 0 && !first.error!.ok) problems.push(`unclean failure: ${JSON.stringify(first.error!.line)}`);
    // No partial rows, whatever the first run's fate.
    if (afterFirst.clipsWithoutClipSegment) problems.push(`${afterFirst.clipsWithoutClipSegment} clips without a clip segment`);
    if (afterFirst.segmentsWithoutClip) problems.push(`${afterFirst.segmentsWithoutClip} segments without a clip`);
    if (afterFirst.doneFilesWithoutClip) problems.push(`${afterFirst.doneFilesWithoutClip} done files without a clip`);
    if (afterFirst.duplicateSegments) problems.push(`${afterFirst.duplicateSegments} duplicate segments`);
    const rerun = cli(['ingest', lib, '--concurrency', '2'], env);
    const end2 = await exited(rerun, { killAfterMs: 300_000 });
    const facts = await storeFacts({ dataDir, databaseUrl: c.url });
    if (end2.code !== 0) problems.push(`rerun exited ${end2.code}: ${cleanError(rerun.err()).line}`);
    problems.push(...exactProblems(facts, expected));
    return {
      scenario: `${scenario} (${files.length} files)`,
      outcome: problems.length ? 'fail' : 'pass',
      details:
        (problems.length ? problems.join('; ') + ' | ' : '') +
        `restart after ${doneAtRestart} files took ${r2(restartS)} s; first run ${end.code === 0 ? 'finished (retried)' : `failed cleanly: ${first.error!.line}`} with ${afterFirst.clips} clips; rerun → clips ${facts.clips}/${expected.clips}, segments ${facts.segments}/${expected.segments}`,
      seconds: r2((performance.now() - t0) / 1000),
      data: { expected, first, afterFirst: { ...afterFirst, runs: afterFirst.runs }, final: { ...facts, runs: facts.runs } },
    };
  } finally {
    c.stop();
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 3. data dir faults
async function dataDirFaults(): Promise<Row[]> {
  const rows: Row[] = [];
  const lib = tmp('dd-lib');
  const src = audioFiles(path.join(REPO_ROOT, 'demo/library'))[0];
  fs.copyFileSync(src, path.join(lib, path.basename(src)));
  const root = tmp('dd');
  fs.chmodSync(root, 0o755);
  fs.chmodSync(lib, 0o755);
  fs.chmodSync(path.join(lib, path.basename(src)), 0o644);
  const attempt = async (scenario: string, env: Record<string, string>, prefix: string[] = [], expectCode = 'DATA_DIR_NOT_WRITABLE', expectText = /./) => {
    const t0 = performance.now();
    const c = cli(['ingest', lib], env, prefix);
    const end = await exited(c, { killAfterMs: 180_000 });
    const e = cleanError(c.err());
    const ok = end.code !== 0 && e.ok && e.line.startsWith(`${expectCode}:`) && expectText.test(e.line);
    rows.push({
      scenario,
      outcome: ok ? 'pass' : 'fail',
      details: `exit ${end.code ?? end.signal}: ${e.line || '(no stderr)'}${e.ok ? '' : ' [not one typed line]'}`,
      seconds: r2((performance.now() - t0) / 1000),
    });
  };
  try {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    await attempt('data dir below a regular file (ENOTDIR)', { EARSHOT_DATA_DIR: path.join(file, 'data') });

    const ro = path.join(root, 'read-only');
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o555);
    if (process.getuid?.() !== 0) await attempt('read-only data dir (chmod 555)', { EARSHOT_DATA_DIR: path.join(ro, 'data') });
    else if (spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', CLI]).status === 0) {
      // root ignores permissions: the CLI runs as "nobody", who cannot write the root-owned 555 folder.
      await attempt('read-only data dir (chmod 555, CLI as user nobody)', { EARSHOT_DATA_DIR: path.join(ro, 'data'), HOME: root }, ['runuser', '-u', 'nobody', '--']);
    } else rows.push({ scenario: 'read-only data dir', outcome: 'skipped', details: 'running as root and user "nobody" cannot read the repository', seconds: 0 });

    // Disk full: a 1 MiB tmpfs, where mounting is allowed (root with CAP_SYS_ADMIN), is too small for
    // the embedded database's files; anything else would be a simulation we cannot vouch for.
    const mnt = path.join(root, 'tiny');
    fs.mkdirSync(mnt);
    const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status === 0;
    if (!mounted) rows.push({ scenario: 'disk full (ENOSPC)', outcome: 'skipped', details: 'cannot mount a tiny tmpfs here (needs root + CAP_SYS_ADMIN): not tested', seconds: 0 });
    else {
      try {
        await attempt('disk full at open: data dir on a 1 MiB tmpfs', { EARSHOT_DATA_DIR: path.join(mnt, 'data') }, [], 'NO_SPACE_LEFT', /ENOSPC/);
      } finally {
        spawnSync('umount', [mnt]);
      }
      rows.push(await diskFullMidIngest(root));
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(lib, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The disk fills during the run: a tmpfs 1 MiB larger than a fresh store. The run must stop with one
 * typed line; the store, copied to a disk with room, must hold no partial rows, and a rerun there
 * must complete with exact counts.
 */
async function diskFullMidIngest(root: string): Promise<Row> {
  const t0 = performance.now();
  const scenario = 'disk full mid-ingest: tmpfs 1 MiB above a fresh store';
  const empty = fs.mkdtempSync(path.join(root, 'empty-'));
  const fresh = fs.mkdtempSync(path.join(root, 'fresh-'));
  const mnt = fs.mkdtempSync(path.join(root, 'mid-'));
  const copy = path.join(root, 'copy');
  const { lib, files } = copyLibrary(undefined);
  try {
    const c0 = cli(['ingest', empty], { EARSHOT_DATA_DIR: fresh });
    if ((await exited(c0)).code !== 0) throw new Error(`empty ingest failed: ${c0.err()}`);
    const freshMiB = Math.ceil(Number(execFileSync('du', ['-sk', fresh]).toString().split('\t')[0]) / 1024);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${freshMiB + 1}m`, 'tmpfs', mnt]).status !== 0) throw new Error('mount failed');
    let first;
    let e;
    try {
      const c = cli(['ingest', lib, '--verbose', '--concurrency', '2'], { EARSHOT_DATA_DIR: path.join(mnt, 'data') });
      first = await exited(c, { killAfterMs: 300_000 });
      e = { ...cleanError(c.err()), done: c.done() };
      execFileSync('cp', ['-a', path.join(mnt, 'data'), copy]);
    } finally {
      spawnSync('umount', [mnt]);
    }
    const problems: string[] = [];
    if (first.code === 0) problems.push(`the run did not hit the limit (${freshMiB + 1} MiB was enough)`);
    else if (!e.ok || !/space|ENOSPC/i.test(e.line)) problems.push(`unclear failure: ${JSON.stringify(e.line)}`);
    const after = await storeFacts({ dataDir: copy });
    if (after.clipsWithoutClipSegment) problems.push(`${after.clipsWithoutClipSegment} clips without a clip segment`);
    if (after.segmentsWithoutClip) problems.push(`${after.segmentsWithoutClip} segments without a clip`);
    if (after.doneFilesWithoutClip) problems.push(`${after.doneFilesWithoutClip} done files without a clip`);
    const rerun = cli(['ingest', lib, '--concurrency', '2'], { EARSHOT_DATA_DIR: copy });
    const end2 = await exited(rerun, { killAfterMs: 300_000 });
    if (end2.code !== 0) problems.push(`rerun with room exited ${end2.code}: ${cleanError(rerun.err()).line}`);
    const expected = await expectedRows(files);
    const facts = await storeFacts({ dataDir: copy });
    problems.push(...exactProblems(facts, expected));
    return {
      scenario: `${scenario} (${freshMiB + 1} MiB, ${files.length} files)`,
      outcome: problems.length ? 'fail' : 'pass',
      details:
        (problems.length ? problems.join('; ') + ' | ' : '') +
        `stopped after ${e.done} files, exit ${first.code}: ${e.line.slice(0, 240)}; ${after.clips} clips consistent; rerun with room → clips ${facts.clips}/${expected.clips}, segments ${facts.segments}/${expected.segments}`,
      seconds: r2((performance.now() - t0) / 1000),
      data: { freshStoreMiB: freshMiB, first, error: e, after: { ...after, runs: after.runs.length }, final: { ...facts, runs: facts.runs.length }, expected },
    };
  } finally {
    fs.rmSync(lib, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 4. bad inputs + fuzz
async function badInputs(): Promise<Row> {
  const t0 = performance.now();
  const dev = path.resolve(REPO_ROOT, '../shared/audio-dev');
  const csv = path.join(dev, 'bad-inputs.csv');
  if (!fs.existsSync(csv)) return { scenario: 'bad inputs (audio-dev)', outcome: 'skipped', details: `${csv} is absent`, seconds: 0 };
  const rows = fs
    .readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0].trim())
    .filter(Boolean);
  const lib = tmp('bad-lib');
  const dataDir = tmp('bad-data');
  try {
    for (const r of rows) fs.copyFileSync(path.join(dev, r), path.join(lib, path.basename(r)));
    const c = cli(['ingest', lib, '--verbose'], { EARSHOT_DATA_DIR: dataDir });
    const end = await exited(c, { killAfterMs: 300_000 });
    const codes: Record<string, string> = {};
    for (const m of c.out().matchAll(/^failed (\S+) ([A-Z_]+): /gm)) codes[path.basename(m[1])] = m[2]!;
    const missing = rows.filter((r) => !codes[path.basename(r)]);
    const problems: string[] = [];
    if (end.code !== 0) problems.push(`the run exited ${end.code}: ${cleanError(c.err()).line}`);
    if (missing.length) problems.push(`not rejected: ${missing.join(', ')}`);
    if (Object.values(codes).some((x) => x === 'INTERNAL')) problems.push('INTERNAL among the codes');
    return {
      scenario: `bad inputs: ${rows.length} files of bad-inputs.csv through the CLI`,
      outcome: problems.length ? 'fail' : 'pass',
      details:
        (problems.length ? problems.join('; ') + ' | ' : '') +
        Object.entries(codes)
          .map(([f, x]) => `${f}→${x}`)
          .join(', '),
      seconds: r2((performance.now() - t0) / 1000),
      data: { codes },
    };
  } finally {
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function fuzz(perFormat: number): Promise<Row[]> {
  const seeds = makeSeeds();
  const out: Row[] = [];
  for (const [ffmpeg, n] of [
    [false, perFormat],
    [true, Math.max(1, Math.round(perFormat / 10))],
  ] as const) {
    const r = await fuzzDecoder(seeds, { casesPerFormat: n, seed: ffmpeg ? 0x5eed : 0xea45, ffmpeg });
    out.push({
      scenario: `fuzzed headers: ${r.cases} cases (${Object.keys(r.perFormat).join('/')}), ffmpeg fallback ${ffmpeg ? 'on' : 'off'}`,
      outcome: r.findings.length ? 'fail' : 'pass',
      details: r.findings.length
        ? `${r.findings.length} findings, first: ${JSON.stringify(r.findings[0])}`
        : Object.entries(r.histogram)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
      seconds: r2(r.seconds),
      data: { histogram: r.histogram, byOp: r.byOp, findings: r.findings.slice(0, 20), msPerCase: r2((r.seconds * 1000) / r.cases) },
    });
  }
  return out;
}

// ------------------------------------------------------------------ 5. files on disk (issue 15 #7–#11, #14, #16)
/** Paths under `dir` that group or others may write. */
function looseModes(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (fs.lstatSync(p).mode & 0o022) out.push(path.relative(dir, p));
  }
  return out;
}

async function fileFaults(): Promise<Row[]> {
  const rows: Row[] = [];
  const root = tmp('files');
  fs.chmodSync(root, 0o755);
  const lib = path.join(root, 'lib');
  const demo = audioFiles(path.join(REPO_ROOT, 'demo/library')).slice(0, 12);
  demo.forEach((f, i) => {
    const dest = path.join(lib, i % 2 ? 'b' : 'a', path.basename(f));
    fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
    fs.copyFileSync(f, dest);
    fs.chmodSync(dest, 0o644);
  });
  for (const d of [lib, path.join(lib, 'a'), path.join(lib, 'b')]) fs.chmodSync(d, 0o755);
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  // Root reads everything whatever its mode: the CLI runs as "nobody" then, so an unreadable folder is one.
  const isRoot = process.getuid?.() === 0;
  const asNobody = isRoot && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', CLI]).status === 0;
  const prefix = asNobody ? ['runuser', '-u', 'nobody', '--'] : [];
  if (asNobody) fs.chownSync(dataDir, 65534, 65534);
  const env = { EARSHOT_DATA_DIR: dataDir, HOME: root, EARSHOT_INGEST_CONCURRENCY: '1' };
  const step = async (scenario: string, f: () => Promise<string[]>, skip?: string) => {
    const t0 = performance.now();
    if (skip) return void rows.push({ scenario, outcome: 'skipped', details: skip, seconds: 0 });
    let problems: string[];
    try {
      problems = await f();
    } catch (e) {
      problems = [`harness error: ${(e as Error).message}`];
    }
    rows.push({ scenario, outcome: problems.length ? 'fail' : 'pass', details: problems.join('; ') || 'as expected', seconds: r2((performance.now() - t0) / 1000) });
  };
  try {
    await step(`baseline ingest (${demo.length} files)${asNobody ? ' as nobody' : ''}; data dir 0700, no group/world-writable file`, async () => {
      const c = cli(['ingest', lib], env, prefix);
      const end = await exited(c);
      const p: string[] = [];
      if (end.code !== 0) p.push(`exit ${end.code}: ${cleanError(c.err()).line}`);
      const pg = path.join(dataDir, 'pglite');
      if ((fs.statSync(pg).mode & 0o777) !== 0o700) p.push(`pglite folder mode ${(fs.statSync(pg).mode & 0o777).toString(8)}`);
      const loose = looseModes(pg);
      if (loose.length) p.push(`${loose.length} group/world-writable: ${loose.slice(0, 3).join(', ')}`);
      return p;
    });

    await step(
      'unreadable sub-folder (chmod 000): a FOLDER_UNREADABLE failure, its clips not marked missing',
      async () => {
        fs.chmodSync(path.join(lib, 'b'), 0o000);
        try {
          const c = cli(['ingest', lib], env, prefix);
          await exited(c);
          const p: string[] = [];
          if (!new RegExp(`FOLDER_UNREADABLE\\s+${path.join(lib, 'b')}\\s`).test(c.out())) p.push(`no FOLDER_UNREADABLE line: ${c.out().slice(-300)}`);
          if (!/ 1 failed, 0 missing/.test(c.out())) p.push(`summary: ${c.out().split('\n')[1]?.trim()}`);
          return p;
        } finally {
          fs.chmodSync(path.join(lib, 'b'), 0o755);
        }
      },
      isRoot && !asNobody ? 'running as root and user "nobody" cannot read the repository' : undefined,
    );

    await step('a file written by another process during the whole ingest: FILE_CHANGED, not stored', async () => {
      const growing = path.join(lib, 'a', 'zz-growing.wav');
      fs.copyFileSync(demo[0], growing);
      fs.chmodSync(growing, 0o666);
      // A separate writer process appends 4 KB every 10 ms until it is killed.
      const writer = spawn(process.execPath, ['-e', `const fs=require('fs');setInterval(()=>fs.appendFileSync(${JSON.stringify(growing)},Buffer.alloc(4096,1)),10)`], {
        stdio: 'ignore',
      });
      try {
        const c = cli(['ingest', lib, '--verbose'], env, prefix);
        await exited(c);
        const p: string[] = [];
        if (!new RegExp(`failed ${growing} FILE_CHANGED: `).test(c.out()))
          p.push(
            `no FILE_CHANGED for the growing file: ${
              c
                .out()
                .split('\n')
                .find((l) => l.includes('zz-growing')) ?? '(no line)'
            }`,
          );
        return p;
      } finally {
        writer.kill('SIGKILL');
        fs.rmSync(growing, { force: true });
      }
    });

    await step('three identical startIngest calls at once (real server): one run, every file once', async () => {
      const { startServer } = await import('../../apps/api/src/server.js');
      const key = 'faults-key-0123456789';
      const h = await startServer(
        loadConfig({
          ...process.env,
          DATABASE_URL: undefined,
          EARSHOT_DATA_DIR: ':memory:',
          EARSHOT_API_PORT: '0',
          EARSHOT_API_KEY: key,
          EARSHOT_LOG_LEVEL: 'error',
          EARSHOT_INGEST_ROOTS: lib,
          EARSHOT_ORT_THREADS: '1',
        }),
      );
      const gql = async (query: string, variables: Record<string, unknown> = {}) =>
        (await (
          await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query, variables }) })
        ).json()) as { data?: any; errors?: unknown[] };
      try {
        const p: string[] = [];
        const calls = await Promise.all([lib, `${lib}/`, path.join(lib, 'a', '..')].map((x) => gql(`mutation($p: String!) { startIngest(path: $p) { id status } }`, { p: x })));
        const ids = new Set(calls.map((c) => c.data?.startIngest?.id));
        if (ids.size !== 1) p.push(`runs: ${JSON.stringify(calls)}`);
        let run: any;
        for (let i = 0; i < 3000; i++) {
          run = (await gql(`query($id: ID!) { ingestRun(id: $id) { status processedFiles failedFiles totalFiles } }`, { id: [...ids][0] })).data?.ingestRun;
          if (!['QUEUED', 'SCANNING', 'RUNNING'].includes(run?.status)) break;
          await sleep(100);
        }
        if (run?.status !== 'DONE' || run.processedFiles !== demo.length) p.push(`run: ${JSON.stringify(run)}`);
        const runs = (await gql(`{ ingestRuns { id } }`)).data?.ingestRuns ?? [];
        if (runs.length !== 1) p.push(`${runs.length} runs`);
        const outside = await gql(`mutation { startIngest(path: "/") { id } }`);
        if (JSON.stringify(outside.errors ?? '').indexOf('PATH_OUTSIDE_ROOTS') < 0) p.push(`startIngest("/"): ${JSON.stringify(outside)}`);
        return p;
      } finally {
        await h.close();
      }
    });

    // Damage on root-owned copies of the store (so nobody's store is never touched by root).
    const pristine = path.join(root, 'pristine');
    fs.cpSync(dataDir, pristine, { recursive: true });
    let clipFile = '';
    {
      const s = await openStore({ dataDir: pristine, databaseUrl: undefined });
      clipFile = (await s.sql<{ p: string }>(`SELECT pg_relation_filepath('"Clip"') AS p`))[0].p;
      await s.close();
    }
    const damaged = async (scenario: string, damage: (pg: string) => void, expect: RegExp) =>
      step(scenario, async () => {
        const dir = fs.mkdtempSync(path.join(root, 'damaged-'));
        fs.cpSync(pristine, dir, { recursive: true });
        damage(path.join(dir, 'pglite'));
        const c = cli(['ingest', lib], { ...env, EARSHOT_DATA_DIR: dir });
        const end = await exited(c, { killAfterMs: 180_000 });
        const e = cleanError(c.err());
        return end.code !== 0 && e.ok && expect.test(e.line) ? [] : [`exit ${end.code}: ${e.line || '(no stderr)'}${e.ok ? '' : ' [not one typed line]'}`];
      });
    await damaged(
      'truncated Clip table: DATA_CORRUPT, not an empty library',
      (pg) => fs.truncateSync(path.join(pg, clipFile), 0),
      /^DATA_CORRUPT: corrupt: the library holds 0 clips but its marker says \d+/,
    );
    await damaged('PG_VERSION deleted: DATA_CORRUPT, not re-initialised', (pg) => fs.rmSync(path.join(pg, 'PG_VERSION')), /^DATA_CORRUPT: corrupt: .*no PG_VERSION/);
    await damaged(
      'pg_control truncated: DATA_CORRUPT, not DATA_DIR_NOT_WRITABLE',
      (pg) => fs.truncateSync(path.join(pg, 'global', 'pg_control'), 0),
      /^DATA_CORRUPT: corrupt: cannot open/,
    );
    await step(
      'another user (nobody) truncating pg_control of a root-owned store: refused',
      async () => {
        const control = path.join(pristine, 'pglite', 'global', 'pg_control');
        const r = spawnSync('runuser', ['-u', 'nobody', '--', 'truncate', '-s', '0', control], { encoding: 'utf8' });
        return r.status !== 0 && fs.statSync(control).size > 0 ? [] : [`truncate exit ${r.status}, size ${fs.statSync(control).size}`];
      },
      isRoot ? undefined : 'not root: no second user to try as',
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

async function main() {
  const only = new Set((arg('only') ?? 'kill,db-restart,data-dir,files,bad-inputs,security').split(','));
  const limit = arg('files') ? Number(arg('files')) : undefined;
  const rows: Row[] = [];
  const run = async (name: string, f: () => Promise<Row | Row[]>) => {
    if (!only.has(name)) return;
    const t0 = performance.now();
    try {
      const r = await f();
      rows.push(...(Array.isArray(r) ? r : [r]));
    } catch (e) {
      rows.push({ scenario: name, outcome: 'fail', details: `harness error: ${(e as Error).stack ?? e}`, seconds: r2((performance.now() - t0) / 1000) });
    }
    const last = rows[rows.length - 1];
    if (last) console.log(`${last.outcome.padEnd(7)} ${last.scenario} (${last.seconds} s)`);
  };
  await run('kill', () => killAndResume(Number(arg('kills') ?? 3), limit));
  await run('db-restart', () => dbRestart(limit));
  await run('data-dir', dataDirFaults);
  await run('files', fileFaults);
  await run('bad-inputs', async () => [await badInputs(), ...(await fuzz(Number(arg('fuzz') ?? 1000)))]);
  await run('security', securityFaults);

  console.log('\n| scenario | outcome | details | s |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.outcome} | ${r.details.replace(/\|/g, '/')} | ${r.seconds} |`);
  const file = writeResult('faults', {
    measuredAt: new Date().toISOString(),
    cpu: { model: os.cpus()[0]?.model, cores: os.cpus().length },
    node: process.version,
    uid: process.getuid?.(),
    rows,
  });
  console.log(`\nwrote ${path.relative(REPO_ROOT, file)}`);
  process.exitCode = rows.some((r) => r.outcome === 'fail') ? 1 : 0;
}

await main();
