/** The committed demo bundle the model tests run against (real ONNX sessions, real tokenizer). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clapFeatures, type ClapFeatures } from '../../apps/api/src/features/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MINI_DIR = path.join(REPO_ROOT, 'models/clap-mini');
export const HAS_MINI = fs.existsSync(path.join(MINI_DIR, 'manifest.json'));
if (!HAS_MINI) console.warn(`skipping model runtime tests: no bundle at ${MINI_DIR} (models/clap-mini not committed yet)`);

export const RUNTIME_OPTS = { provider: 'cpu' as const, intraOpThreads: 1, textCacheSize: 64 };

/** Deterministic test audio at 48 kHz: a chirp + harmonics + seeded noise; `sec` > 10 makes a long (is_longer) clip. */
export function synth(seed: number, sec: number): Float32Array {
  const sr = 48000;
  const n = Math.round(sec * sr);
  const x = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const f0 = 110 * 2 ** (seed / 3);
  for (let i = 0; i < n; i++) {
    const t = i / sr;
    const f = f0 * (1 + (0.3 * t) / sec);
    x[i] = 0.4 * Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(4 * Math.PI * f * t) * Math.exp(-t) + 0.05 * (seed % 3) * rnd();
  }
  return x;
}

export function features(seed: number, sec: number, mode: 'fusion' | 'rand_trunc'): ClapFeatures {
  return clapFeatures(synth(seed, sec), mode);
}
