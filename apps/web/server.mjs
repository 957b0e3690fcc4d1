// Build and run the web app from other code (the root `npm start`, the end-to-end tests).
// `next start` runs as a child process so it can be stopped cleanly and never shares a heap with the API.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const NEXT_BIN = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');
const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json', 'tsconfig.json'];

/** Newest mtime (ms) of the web app's sources. */
function newestSource(p = WEB_DIR, names = SOURCES) {
  let newest = 0;
  for (const n of names) {
    const f = path.join(p, n);
    let st;
    try {
      st = fs.statSync(f);
    } catch {
      continue;
    }
    newest = Math.max(newest, st.isDirectory() ? newestSource(f, fs.readdirSync(f)) : st.mtimeMs);
  }
  return newest;
}

/** True when apps/web/.next holds a production build newer than every source file. */
export function isBuildFresh() {
  try {
    return fs.statSync(path.join(WEB_DIR, '.next', 'BUILD_ID')).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

/**
 * `next build` into apps/web/.next unless a fresh build is already there (force = always).
 * Resolves with the build's output; rejects with it when the build fails.
 * @param {{ force?: boolean, log?: (s: string) => void }} [opts]
 */
export async function buildWeb(opts = {}) {
  if (!opts.force && isBuildFresh()) return 'fresh build present';
  // Several processes may want a build at once (npm start, the e2e tests); Next refuses a second
  // concurrent build of the same folder, so wait for the other one and use its output when fresh.
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      return await runNextBuild(opts);
    } catch (e) {
      if (!/Another next build process is already running/.test(String(e)) || Date.now() > deadline) throw e;
      opts.log?.('another next build is running; waiting for it\n');
      while (fs.existsSync(path.join(WEB_DIR, '.next', 'lock')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      await new Promise((r) => setTimeout(r, 1000));
      if (!opts.force && isBuildFresh()) return 'fresh build made by another process';
    }
  }
}

function runNextBuild(opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, 'build'], {
      cwd: WEB_DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d) => {
      out += d;
      opts.log?.(String(d));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`next build failed (exit ${code}):\n${out.slice(-4000)}`))));
  });
}

/** A free TCP port on host (asks the OS for port 0). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/**
 * Start `next start` for the built app.
 * @param {{ host?: string, port?: number, apiUrl?: string, proxySecret?: string, log?: (s: string) => void }} [opts]
 *   port 0 / absent = a free port; apiUrl = where /graphql, /upload and /audio/* are forwarded
 *   (default: EARSHOT_API_URL, else http://127.0.0.1:4000); proxySecret = the API's EARSHOT_PROXY_SECRET,
 *   by which the proxy tells the API the Host the browser asked for and whether the client is local.
 *   Bound beyond loopback, it refuses to start without EARSHOT_API_KEY: every client of its proxy would
 *   otherwise write as a local user.
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startWeb(opts = {}) {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port || (await freePort(host));
  if (!LOOPBACK.includes(host.toLowerCase()) && !process.env.EARSHOT_API_KEY) {
    throw new Error(`EARSHOT_HOST=${JSON.stringify(host)} listens beyond this machine: set EARSHOT_API_KEY (the API's key, 8+ characters) so writes need a key`);
  }
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', EARSHOT_HOST: host };
  if (opts.apiUrl) env.EARSHOT_API_URL = opts.apiUrl;
  if (opts.proxySecret) env.EARSHOT_PROXY_SECRET = opts.proxySecret;
  if (!fs.existsSync(path.join(WEB_DIR, '.next', 'BUILD_ID'))) {
    throw new Error('apps/web has no production build: run `npm run web:build` first');
  }
  // Through supervise.mjs (an IPC child): next-server stops with us even if we are SIGKILLed.
  const child = fork(path.join(WEB_DIR, 'supervise.mjs'), ['start', '-H', host, '-p', String(port)], {
    cwd: WEB_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const onData = (d) => {
    out += d;
    opts.log?.(String(d));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start did not become ready in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (/Ready in|✓ Ready/.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`next start exited (code ${code}):\n${out}`));
    });
  });
  const close = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 8000).unref();
    });
  return { url: `http://${host}:${port}`, port, close };
}

// `node apps/web/server.mjs [build|start]`: what the npm scripts call.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'start';
  if (cmd === 'build') {
    await buildWeb({ force: process.argv.includes('--force'), log: (s) => process.stdout.write(s) });
  } else {
    const e = process.env;
    const web = await startWeb({
      proxySecret: e.EARSHOT_PROXY_SECRET,
      host: e.EARSHOT_HOST || '127.0.0.1',
      port: Number(e.EARSHOT_WEB_PORT || 3000),
      apiUrl: e.EARSHOT_API_URL || `http://${e.EARSHOT_HOST || '127.0.0.1'}:${e.EARSHOT_API_PORT || 4000}`,
      log: (s) => process.stdout.write(s),
    });
    const stop = () => void web.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
}
