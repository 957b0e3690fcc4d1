/** What ffmpeg says a file holds, for the format cross-checks (test/audio/formats.test.ts and bench:formats). */
import { execFileSync } from 'node:child_process';
import { resample } from '../../apps/api/src/audio/index.js';
import { containerName } from '../../apps/api/src/audio/metadata.js';

export interface Probe {
  container: string;
  codec: string;
  bitDepth: number | null;
  sampleRate: number;
  channels: number;
  duration: number;
}

/** ffprobe's facts of the first audio stream (throws when ffprobe fails or finds none). */
export function ffprobe(file: string): Probe {
  const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
  const s = j.streams.find((x: { codec_type: string }) => x.codec_type === 'audio');
  if (!s) throw new Error(`ffprobe finds no audio stream in ${file}`);
  return {
    container: containerName(j.format.format_name),
    codec: s.codec_name,
    bitDepth: Number(s.bits_per_raw_sample) || s.bits_per_sample || null,
    sampleRate: Number(s.sample_rate),
    channels: s.channels,
    duration: Number(s.duration ?? j.format.duration),
  };
}

/** ffmpeg's decode, downmixed by averaging and resampled by our resampler: only the decoder differs from ours. */
export async function ffmpegReference(file: string, p: Probe): Promise<Float32Array> {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-ar', String(p.sampleRate), '-ac', String(p.channels), '-f', 'f32le', '-'], {
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length - (buf.length % (4 * p.channels))));
  const n = all.length / p.channels;
  const mono = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < p.channels; c++) s += all[i * p.channels + c];
    mono[i] = s / p.channels;
  }
  return resample(mono, p.sampleRate, 48000);
}
