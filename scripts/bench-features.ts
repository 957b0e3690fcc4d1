/**
 * npm run bench:features — real-time factor of each audio stage on one core (Node runs our DSP on
 * one thread): decode, resample to 48 kHz, CLAP features (fusion and rand_trunc). Prints a table and
 * writes bench/results/features.json. Audio is made here: 60 s of a tone+noise mix, as WAV (44.1 kHz)
 * and, when ffmpeg is installed, as mp3/flac/ogg.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeBuffer, resample } from '../apps/api/src/audio/index.js';
import { clapFeatures } from '../apps/api/src/features/index.js';
import { wavBytes } from '../test/audio/wav.js';

const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 60);
const REPEATS = 3;

function signal(rate: number): Float32Array {
  let s = 1;
  return Float32Array.from({ length: SECONDS * rate }, (_, i) => {
    s = (1664525 * s + 1013904223) % 4294967296;
    return 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.05 * (s / 4294967296 - 0.5);
  });
}

async function best(fn: () => Promise<unknown> | unknown): Promise<number> {
  let b = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t);
  }
  return b / 1000;
}

const rows: { stage: string; seconds: number; rtf: number }[] = [];
const add = (stage: string, secs: number) => rows.push({ stage, seconds: Number(secs.toFixed(4)), rtf: Number((SECONDS / secs).toFixed(1)) });

const x44 = signal(44100);
const wav = wavBytes([x44], 44100);
add('decode wav 44.1k (+resample)', await best(() => decodeBuffer(wav)));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-'));
try {
  fs.writeFileSync(path.join(tmp, 'a.wav'), wav);
  for (const ext of ['mp3', 'flac', 'ogg']) {
    try {
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(tmp, 'a.wav'), path.join(tmp, `a.${ext}`)]);
    } catch {
      console.log(`(ffmpeg missing: no ${ext} row)`);
      continue;
    }
    const bytes = fs.readFileSync(path.join(tmp, `a.${ext}`));
    add(`decode ${ext} 44.1k (+resample)`, await best(() => decodeBuffer(bytes)));
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const resampleSecs = await best(() => resample(x44, 44100, 48000));
add('resample 44.1k -> 48k', resampleSecs);
const x48 = signal(48000);
// Production ingest: one fusion clip-level pass over the whole file, plus 10 s windows (5 s hop).
add('features fusion, whole clip', await best(() => clapFeatures(x48, 'fusion')));
const ten = x48.subarray(0, 480000);
add('features fusion, one 10 s window', (await best(() => clapFeatures(ten, 'fusion'))) * (SECONDS / 10));
add('features rand_trunc, one 10 s window', (await best(() => clapFeatures(ten, 'rand_trunc'))) * (SECONDS / 10));

console.log(`\nAudio stages on one core, ${SECONDS} s of audio, best of ${REPEATS} (rtf = audio seconds per wall second)\n`);
console.log('stage'.padEnd(40) + 'wall s'.padStart(10) + 'rtf ×'.padStart(10));
for (const r of rows) console.log(r.stage.padEnd(40) + r.seconds.toFixed(3).padStart(10) + String(r.rtf).padStart(10));
const out = path.resolve(import.meta.dirname ?? '.', '../bench/results/features.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, audioSeconds: SECONDS, rows }, null, 2));
console.log(`\nwrote ${out}`);
