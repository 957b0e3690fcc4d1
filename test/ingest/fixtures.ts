import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, loadConfig, type Config } from '../../apps/api/src/config.js';
import type { IngestDeps } from '../../apps/api/src/ingest/index.js';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { openStore } from '../../apps/api/src/store/index.js';
import { exited, watch, type Watched } from '../helpers/child.js';

/** 16-bit PCM WAV bytes; `channels` interleaves the same signal with a small gain change per channel. */
export function wavBytes(samples: Float32Array, sampleRate: number, channels = 1): Buffer {
  const frames = samples.length;
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.max(-1, Math.min(1, samples[i] * (1 - 0.1 * c)));
      data.writeInt16LE(Math.round(v * 32767), (i * channels + c) * 2);
    }
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Deterministic test signals: a sine with a little seeded noise (distinct seeds → distinct bytes). */
export function tone(sec: number, freq: number, sampleRate = 48000, seed = 1): Float32Array {
  const n = Math.round(sec * sampleRate);
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / sampleRate) + 0.05 * (s / 2 ** 32 - 0.5);
  }
  return x;
}

export function writeWav(file: string, samples: Float32Array, sampleRate = 48000, channels = 1): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, wavBytes(samples, sampleRate, channels));
  return file;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `earshot-${prefix}-`));
}

export const hasTool = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Encode a WAV into another format with ffmpeg (present on the dev machines and in CI). */
export function ffmpegConvert(src: string, dst: string, args: string[] = []): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', src, ...args, dst]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

export const SHARED_AUDIO_DEV = path.resolve(REPO_ROOT, '../shared/audio-dev');

const CLI = path.join(REPO_ROOT, 'apps/api/src/cli.ts');

/**
 * The real CLI as a child process, with an environment of the test's own (temp data dir, maybe
 * DATABASE_URL). Node itself runs the CLI (`--import tsx`), not the `tsx` wrapper: the wrapper
 * forks a second process, and a SIGKILL to the wrapper would leave the real one running.
 */
export function spawnCli(args: string[], env: Record<string, string | undefined>): Watched {
  return watch(
    spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: undefined, EARSHOT_INGEST_CONCURRENCY: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

export { exited };

export async function waitFor(pred: () => boolean, what: string, timeoutMs = 300_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Real store (PGlite in `dataDir`, or the server at `databaseUrl`) + the real bundled model. */
export async function openDeps(env: Record<string, string>): Promise<IngestDeps & { close: () => Promise<void> }> {
  // Settings from the environment (e.g. EARSHOT_MODEL_DIR) apply, but the database is always the test's own.
  const config: Config = loadConfig({ ...process.env, DATABASE_URL: undefined, ...env });
  const store = await openStore(config);
  const bundle = await loadBundle(path.join(config.modelDir, config.modelName));
  const runtime = await ClapRuntime.open(bundle, { provider: 'cpu', intraOpThreads: 1, textCacheSize: 0 });
  return {
    store,
    runtime,
    config,
    close: async () => {
      await runtime.close();
      await store.close();
    },
  };
}

export const count = async (deps: IngestDeps, sql: string, params: unknown[] = []) => Number((await deps.store.sql<{ n: unknown }>(sql, params))[0].n);
