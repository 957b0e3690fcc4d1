/**
 * npm run bench:features [-- --seconds=60 --vs-ffmpeg=60,300 --runs=5] — real-time factor of each audio
 * stage on one core (Node runs our DSP on one thread): decode, resample to 48 kHz, CLAP features (fusion
 * and rand_trunc). Then decode + resample of long 44.1 kHz stereo files (WAV 16-bit, FLAC, MP3) through
 * decodeFile against spawning `ffmpeg -i f -ac 1 -ar 48000 -f f32le -` (the samples collected into one
 * Float32Array, as ours are), the two interleaved run by run; medians of --runs, and the ratio of the
 * medians (ffmpeg's time / ours: ≥ 1 means ours is at least as fast). Prints tables and writes
 * bench/results/features.json. Audio is made here: a tone+noise mix, as WAV (44.1 kHz) and, when
 * ffmpeg is installed, as mp3/flac/ogg.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeBuffer, decodeFile, resample } from '../apps/api/src/audio/index.js';
import { resampleLibsamplerate } from '../apps/api/src/audio/resample.js';
import { clapFeatures } from '../apps/api/src/features/index.js';
import { wavBytes } from '../test/audio/wav.js';
import { exitWithHelpIfAsked } from './usage.js';

exitWithHelpIfAsked(import.meta.url);

const opt = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SECONDS = Number(opt('seconds') ?? 60);
const VS_FFMPEG = (opt('vs-ffmpeg') ?? '60,300')
  .split(',')
  .map(Number)
  .filter((x) => x > 0);
const RUNS = Number(opt('runs') ?? 5);
const REPEATS = 3;

function signal(rate: number, seconds = SECONDS, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: seconds * rate }, (_, i) => {
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

const r4 = (x: number) => Math.round(x * 10000) / 10000;
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
add('resample 44.1k -> 48k (polyphase)', resampleSecs);
add('resample 44.1k -> 48k (libsamplerate)', await best(() => resampleLibsamplerate(x44, 44100, 48000)));
const x48 = signal(48000);
// Production ingest: one fusion clip-level pass over the whole file, plus 10 s windows (5 s hop).
add('features fusion, whole clip', await best(() => clapFeatures(x48, 'fusion')));
const ten = x48.subarray(0, 480000);
add('features fusion, one 10 s window', (await best(() => clapFeatures(ten, 'fusion'))) * (SECONDS / 10));
add('features rand_trunc, one 10 s window', (await best(() => clapFeatures(ten, 'rand_trunc'))) * (SECONDS / 10));

console.log(`\nAudio stages on one core, ${SECONDS} s of audio, best of ${REPEATS} (rtf = audio seconds per wall second)\n`);
console.log('stage'.padEnd(40) + 'wall s'.padStart(10) + 'rtf ×'.padStart(10));
for (const r of rows) console.log(r.stage.padEnd(40) + r.seconds.toFixed(3).padStart(10) + String(r.rtf).padStart(10));

/** ffmpeg's decode + downmix + resample of a file, its f32le output collected as ours is. */
function ffmpegDecode48k(file: string): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '48000', '-f', 'f32le', '-']);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}`));
      const b = Buffer.concat(chunks);
      resolve(new Float32Array(b.buffer, b.byteOffset, b.length / 4));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const vsRows: { file: string; seconds: number; oursS: number[]; ffmpegS: number[]; oursMedianS: number; ffmpegMedianS: number; ratio: number; resampleMedianS: number }[] = [];
let hasFfmpeg = true;
try {
  execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
} catch {
  hasFfmpeg = false;
  console.log('\n(ffmpeg missing: no decode + resample vs ffmpeg table)');
}
if (hasFfmpeg && VS_FFMPEG.length) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-vs-'));
  try {
    for (const secs of VS_FFMPEG) {
      const wavFile = path.join(dir, `s${secs}.wav`);
      fs.writeFileSync(wavFile, wavBytes([signal(44100, secs, 1), signal(44100, secs, 2)], 44100));
      for (const ext of ['wav', 'flac', 'mp3']) {
        const file = ext === 'wav' ? wavFile : path.join(dir, `s${secs}.${ext}`);
        if (ext !== 'wav') execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wavFile, file]);
        // One untimed pass each: page cache, the resampler's table, the decoders' WebAssembly.
        await decodeFile(file);
        await ffmpegDecode48k(file);
        const ours: number[] = [];
        const ff: number[] = [];
        const rs: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          // Alternate which goes first, so a burst of load from elsewhere hits both alike.
          const pair = [
            async () => {
              let resampleMs = 0;
              const t = performance.now();
              const d = await decodeFile(file, { onResample: (ms) => (resampleMs += ms) });
              ours.push((performance.now() - t) / 1000);
              rs.push(resampleMs / 1000);
              if (d.samples.length !== Math.round(secs * 48000)) throw new Error(`ours: ${d.samples.length} samples`);
            },
            async () => {
              const t = performance.now();
              const y = await ffmpegDecode48k(file);
              ff.push((performance.now() - t) / 1000);
              if (Math.abs(y.length - secs * 48000) > 48000) throw new Error(`ffmpeg: ${y.length} samples`);
            },
          ];
          if (r % 2) pair.reverse();
          for (const f of pair) await f();
        }
        const row = {
          file: `${ext} 44.1 kHz stereo`,
          seconds: secs,
          oursS: ours.map(r4),
          ffmpegS: ff.map(r4),
          oursMedianS: r4(median(ours)),
          ffmpegMedianS: r4(median(ff)),
          ratio: r4(median(ff) / median(ours)),
          resampleMedianS: r4(median(rs)),
        };
        vsRows.push(row);
        fs.rmSync(file === wavFile ? path.join(dir, 'none') : file, { force: true });
      }
      fs.rmSync(wavFile, { force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nDecode + resample to 48 kHz mono vs spawning ffmpeg, interleaved, median of ${RUNS} (ratio = ffmpeg / ours: ≥ 1 means ours is at least as fast); load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
  );
  console.log('file'.padEnd(26) + 'audio s'.padStart(9) + 'ours s'.padStart(9) + '(resample)'.padStart(11) + 'ffmpeg s'.padStart(10) + 'ratio'.padStart(8));
  for (const r of vsRows) {
    console.log(
      r.file.padEnd(26) +
        String(r.seconds).padStart(9) +
        r.oursMedianS.toFixed(3).padStart(9) +
        r.resampleMedianS.toFixed(3).padStart(11) +
        r.ffmpegMedianS.toFixed(3).padStart(10) +
        r.ratio.toFixed(2).padStart(8),
    );
  }
}

const out = path.resolve(import.meta.dirname ?? '.', '../bench/results/features.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      node: process.version,
      loadavg: os.loadavg(),
      audioSeconds: SECONDS,
      rows,
      vsFfmpeg: { runs: RUNS, rows: vsRows },
    },
    null,
    2,
  ),
);
console.log(`\nwrote ${out}`);
