/**
 * Audio front end: sniff the format by content, decode, downmix to mono, resample to 48 kHz,
 * validate. Pure npm decoders (audio-decode: wav, mp3, flac, vorbis, opus, aac/m4a, aiff) so the
 * quick start needs no system packages; ffmpeg, when installed, is the fallback for files the
 * JS decoders reject.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import decodeAudio from 'audio-decode';
import { EarshotError } from '../errors.js';
import { declaredSeconds } from './declared.js';
import { resample } from './resample.js';
import { sniffFormat, type AudioFormat } from './sniff.js';

export { sniffFormat, SNIFF_BYTES, AUDIO_FORMATS, type AudioFormat } from './sniff.js';
export { resample } from './resample.js';

export const TARGET_RATE = 48000; // CLAP's sampling_rate
const MIN_RATE = 1000; // below this nothing is audio we can embed
const MAX_RATE = 768000;

export interface AudioMeta {
  format: AudioFormat;
  codec: string | null;
  sampleRate: number;
  channels: number;
  durationSec: number;
  bitrate?: number | null;
}

export interface DecodedAudio {
  /** mono, 48 kHz */
  samples: Float32Array;
  sampleRate: 48000;
  meta: AudioMeta;
}

export interface DecodeOptions {
  maxDurationSec?: number;
  /** Name for error messages (the path, or an upload's file name). */
  name?: string;
  /** Told the ms spent resampling to 48 kHz (bench:ingest splits decode from resample). */
  onResample?: (ms: number) => void;
  /**
   * Try ffmpeg when the JS decoders reject the bytes (default true). The header fuzzer turns it off
   * for most cases: a spawn per rejected case costs ~200 ms and ffmpeg runs out of process anyway.
   */
  ffmpeg?: boolean;
}

const CODECS: Record<AudioFormat, string> = {
  wav: 'pcm',
  mp3: 'mp3',
  flac: 'flac',
  ogg: 'vorbis',
  opus: 'opus',
  m4a: 'aac',
  aiff: 'pcm',
};

interface Raw {
  channelData: Float32Array[];
  sampleRate: number;
}

async function jsDecode(bytes: Uint8Array): Promise<Raw> {
  const r = (await decodeAudio(bytes)) as unknown as Raw;
  if (!r || !Array.isArray(r.channelData)) throw new Error('decoder returned no channel data');
  return r;
}

let ffmpegAvailable: Promise<boolean> | undefined;
function hasFfmpeg(): Promise<boolean> {
  ffmpegAvailable ??= new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-version'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
  return ffmpegAvailable;
}

/** A broken file must not hold an ingest worker forever: ffmpeg gets this long, then SIGKILL. */
const FFMPEG_TIMEOUT_MS = 60_000;

/** ffmpeg decode to 48 kHz mono float (soxr resampler); used when the JS decoder fails. */
function ffmpegDecode(bytes: Uint8Array): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-ac', '1', '-ar', String(TARGET_RATE), '-af', 'aresample=resampler=soxr', '-f', 'f32le', 'pipe:1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), FFMPEG_TIMEOUT_MS);
    p.on('error', reject);
    p.stdin.on('error', () => {}); // ffmpeg may stop reading a broken file early
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(new Error(`ffmpeg gave no result within ${FFMPEG_TIMEOUT_MS / 1000} s`));
      if (code !== 0) return reject(new Error(err.trim().split('\n').pop() || `ffmpeg exited with ${code}`));
      const buf = Buffer.concat(out);
      const samples = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.length - (buf.length % 4))));
      resolve({ channelData: [samples], sampleRate: TARGET_RATE });
    });
    p.stdin.end(bytes);
  });
}

/** A well-formed WAV whose data chunk is empty: "no samples", not a decode failure. */
function wavDeclaresNoSamples(b: Uint8Array): boolean {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let fmt = false;
  let at = 12;
  while (at + 8 <= b.length) {
    const id = String.fromCharCode(...b.subarray(at, at + 4));
    const size = v.getUint32(at + 4, true);
    if (id === 'fmt ') fmt = size >= 16 && at + 8 + 16 <= b.length;
    if (id === 'data') return fmt && (size === 0 || at + 8 >= b.length);
    at += 8 + size + (size & 1);
  }
  // Every chunk parsed to the exact end of the file, a format chunk, and no data chunk at all.
  return fmt && at === b.length;
}

function toMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const n = channels[0].length;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i] += ch[i];
  const k = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] *= k;
  return out;
}

/** Decode bytes of any supported format to 48 kHz mono, or throw a typed error naming `opts.name`. */
export async function decodeBuffer(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const subject = opts.name ?? '<buffer>';
  if (bytes.length === 0) throw new EarshotError('FILE_EMPTY', 'the file is empty (0 bytes)', { subject });
  const format = sniffFormat(bytes);
  if (!format) {
    throw new EarshotError('UNSUPPORTED_FORMAT', 'not a supported audio file (expected wav, mp3, flac, ogg, opus, m4a or aiff content)', { subject });
  }
  if (format === 'wav' && wavDeclaresNoSamples(bytes)) {
    throw new EarshotError('AUDIO_NO_SAMPLES', 'the WAV header is valid but its data chunk holds no samples', { subject });
  }
  const declared = opts.maxDurationSec !== undefined ? declaredSeconds(bytes) : null;
  if (declared !== null && declared > (opts.maxDurationSec as number)) {
    throw new EarshotError('CLIP_TOO_LONG', `the header declares ${declared.toFixed(1)} s, longer than the limit of ${opts.maxDurationSec} s (refused before decoding)`, { subject });
  }
  let raw: Raw;
  try {
    raw = await jsDecode(bytes);
    if (!raw.channelData.length || raw.channelData[0].length === 0) throw new Error('no samples decoded');
  } catch (jsErr) {
    if (opts.ffmpeg === false || !(await hasFfmpeg())) {
      throw new EarshotError('AUDIO_DECODE_FAILED', `cannot decode ${format}: ${(jsErr as Error).message}`, { subject, cause: jsErr });
    }
    try {
      raw = await ffmpegDecode(bytes);
    } catch (ffErr) {
      throw new EarshotError('AUDIO_DECODE_FAILED', `cannot decode ${format}: ${(jsErr as Error).message}; ffmpeg: ${(ffErr as Error).message}`, {
        subject,
        cause: ffErr,
      });
    }
  }
  const channels = raw.channelData.length;
  const rate = raw.sampleRate;
  if (!Number.isFinite(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new EarshotError('AUDIO_BAD_SAMPLE_RATE', `sample rate ${rate} Hz is outside ${MIN_RATE}–${MAX_RATE} Hz`, { subject });
  }
  const n = raw.channelData[0]?.length ?? 0;
  if (n === 0) throw new EarshotError('AUDIO_NO_SAMPLES', 'the file holds no audio samples', { subject });
  const durationSec = n / rate;
  if (opts.maxDurationSec !== undefined && durationSec > opts.maxDurationSec) {
    throw new EarshotError('CLIP_TOO_LONG', `${durationSec.toFixed(1)} s is longer than the limit of ${opts.maxDurationSec} s`, { subject });
  }
  const mono = toMono(raw.channelData);
  for (let i = 0; i < mono.length; i++) {
    if (!Number.isFinite(mono[i])) {
      throw new EarshotError('AUDIO_INVALID_SAMPLES', `sample ${i} is ${mono[i]} (NaN or infinite values in the audio data)`, { subject });
    }
  }
  const t0 = opts.onResample ? performance.now() : 0;
  const samples = await resample(mono, rate, TARGET_RATE);
  opts.onResample?.(performance.now() - t0);
  return {
    samples,
    sampleRate: TARGET_RATE,
    meta: { format, codec: CODECS[format], sampleRate: rate, channels, durationSec, bitrate: null },
  };
}

async function readFile(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EarshotError('FILE_NOT_FOUND', 'no such file', { subject: path, cause: e });
    if (code === 'EISDIR') throw new EarshotError('UNSUPPORTED_FORMAT', 'is a folder, not a file', { subject: path, cause: e });
    throw new EarshotError('AUDIO_DECODE_FAILED', `cannot read the file: ${(e as Error).message}`, { subject: path, cause: e });
  }
}

export async function decodeFile(path: string, opts: Omit<DecodeOptions, 'name'> = {}): Promise<DecodedAudio> {
  return decodeBuffer(await readFile(path), { ...opts, name: path });
}

/** Metadata without keeping the samples (decodes: exact for every format, no trust in headers). */
export async function probeFile(path: string): Promise<AudioMeta> {
  return (await decodeFile(path)).meta;
}

/** Peak envelope in [0,1] for waveform thumbnails. */
export function peaks(samples: Float32Array, n = 200): number[] {
  const out = new Array<number>(n).fill(0);
  if (samples.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * samples.length) / n);
    const b = Math.max(a + 1, Math.floor(((i + 1) * samples.length) / n));
    let m = 0;
    for (let j = a; j < b && j < samples.length; j++) {
      const v = Math.abs(samples[j]);
      if (v > m) m = v;
    }
    out[i] = Math.min(1, Math.round(m * 1000) / 1000);
  }
  return out;
}

