/**
 * ffmpeg and ffprobe, when installed: the decoder of last resort for every format and file the JS
 * decoders cannot do exactly. A file is probed first (ffprobe names the container and the first
 * audio stream as stored), then decoded at its own rate with all its channels, so downmix and
 * resampling are the same code on both paths.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  sample_rate?: string;
  channels?: number;
  bits_per_raw_sample?: string;
  bits_per_sample?: number;
  duration?: string;
  tags?: Record<string, string>;
}
export interface FfprobeResult {
  format?: { format_name?: string; duration?: string; bit_rate?: string; tags?: Record<string, string> };
  streams?: FfprobeStream[];
}

/** A broken file must not hold an ingest worker forever: ffmpeg/ffprobe get this long, then SIGKILL. */
const TIMEOUT_MS = 60_000;

let available: Promise<boolean> | undefined;
/** Whether both ffmpeg and ffprobe run (checked once per process). */
export function hasFfmpeg(): Promise<boolean> {
  available ??= Promise.all(
    ['ffmpeg', 'ffprobe'].map(
      (bin) =>
        new Promise<boolean>((resolve) => {
          const p = spawn(bin, ['-version'], { stdio: 'ignore' });
          p.on('error', () => resolve(false));
          p.on('exit', (code) => resolve(code === 0));
        }),
    ),
  ).then((ok) => ok.every(Boolean));
  return available;
}

/**
 * Runs a tool and returns its whole stdout. It settles on 'close', not 'exit': 'exit' can fire while
 * stdout still holds unread data, and under load ffprobe's JSON then came back empty (CI failed on
 * "Unexpected end of JSON input" for a good TTA file) and ffmpeg's samples could come back short.
 */
export function exec(bin: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), TIMEOUT_MS);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(new Error(`${bin} gave no result within ${TIMEOUT_MS / 1000} s`));
      if (code !== 0) return reject(new Error(err.trim().split('\n').pop() || `${bin} exited with ${code}`));
      resolve(Buffer.concat(out));
    });
  });
}

/**
 * ffmpeg needs a seekable input for some containers (MP4 with the index at the end, RF64): bytes
 * without a path go through a private temp file, removed afterwards.
 */
export async function withFile<T>(src: { path?: string; bytes: Uint8Array }, fn: (file: string) => Promise<T>): Promise<T> {
  if (src.path) return fn(src.path);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'earshot-ff-'));
  const file = path.join(dir, 'input');
  try {
    await fs.writeFile(file, src.bytes);
    return await fn(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function ffprobe(file: string): Promise<FfprobeResult> {
  const out = await exec('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', '-i', file]);
  return JSON.parse(out.toString('utf8')) as FfprobeResult;
}

export const audioStream = (p: FfprobeResult): FfprobeStream | undefined => p.streams?.find((s) => s.codec_type === 'audio');

/**
 * The first audio stream as float32 at `rate` with `channels` channels (the probed values: a stream
 * that changes rate or layout mid-way is converted to its first rate and layout by ffmpeg).
 */
export async function ffmpegDecode(file: string, rate: number, channels: number): Promise<{ channelData: Float32Array[]; sampleRate: number }> {
  const buf = await exec('ffmpeg', [
    '-v',
    'error',
    '-nostdin',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-ar',
    String(rate),
    '-ac',
    String(channels),
    '-f',
    'f32le',
    '-c:a',
    'pcm_f32le',
    'pipe:1',
  ]);
  const frames = Math.floor(buf.length / 4 / channels);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + frames * channels * 4));
  const channelData = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0, o = 0; i < frames; i++) for (let c = 0; c < channels; c++) channelData[c][i] = all[o++];
  return { channelData, sampleRate: rate };
}
