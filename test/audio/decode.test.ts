import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBuffer, decodeFile, peaks, resample, sniffFormat } from '../../apps/api/src/audio/index.js';
import { EarshotError } from '../../apps/api/src/errors.js';
import { sine, wavBytes } from './wav.js';

const AUDIO_DEV = path.resolve(__dirname, '../../../shared/audio-dev');
const hasDev = fs.existsSync(path.join(AUDIO_DEV, 'bad-inputs.csv'));
if (!hasDev) console.log(`[audio] skipping ../shared/audio-dev cases: ${AUDIO_DEV} not found`);
const has = (bin: string) => {
  try {
    execFileSync(bin, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasFfmpeg = has('ffmpeg');
if (!hasFfmpeg) console.log('[audio] skipping compressed-format fixtures: ffmpeg not installed');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(EarshotError);
    return (e as EarshotError).code;
  }
}

/** SNR (dB) of x against the best-fitting sine of frequency f (least squares on sin/cos). */
function snrAgainstSine(x: Float32Array, f: number, rate: number, skip = 2000): number {
  let ss = 0,
    cc = 0,
    sc = 0,
    xs = 0,
    xc = 0;
  for (let i = skip; i < x.length - skip; i++) {
    const s = Math.sin((2 * Math.PI * f * i) / rate),
      c = Math.cos((2 * Math.PI * f * i) / rate);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    xs += x[i] * s;
    xc += x[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (xs * cc - xc * sc) / det,
    b = (xc * ss - xs * sc) / det;
  let sig = 0,
    err = 0;
  for (let i = skip; i < x.length - skip; i++) {
    const fit = a * Math.sin((2 * Math.PI * f * i) / rate) + b * Math.cos((2 * Math.PI * f * i) / rate);
    sig += fit * fit;
    err += (x[i] - fit) ** 2;
  }
  return 10 * Math.log10(sig / err);
}

describe('audio decoding', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-audio-'));
    fs.writeFileSync(path.join(dir, 'stereo44k.wav'), wavBytes([sine(1000, 2, 44100), sine(1000, 2, 44100)], 44100));
    if (hasFfmpeg) {
      for (const ext of ['mp3', 'flac', 'ogg', 'opus', 'm4a', 'aiff']) {
        execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(dir, 'stereo44k.wav'), path.join(dir, `s.${ext}`)]);
      }
    }
  });

  it('decodes a stereo 44.1 kHz WAV to 48 kHz mono with exact length and metadata', async () => {
    const d = await decodeFile(path.join(dir, 'stereo44k.wav'));
    expect(d.sampleRate).toBe(48000);
    expect(d.samples.length).toBe(96000);
    expect(d.meta).toMatchObject({ format: 'wav', container: 'wav', codec: 'pcm_s16le', bitDepth: 16, sampleRate: 44100, channels: 2 });
    expect(d.meta.durationSec).toBeCloseTo(2, 6);
  });

  it.skipIf(!hasFfmpeg)('decodes mp3, flac, ogg/vorbis, opus, m4a/aac and aiff, sniffed by content', async () => {
    for (const [ext, format] of [
      ['mp3', 'mp3'],
      ['flac', 'flac'],
      ['ogg', 'ogg'],
      ['opus', 'opus'],
      ['m4a', 'm4a'],
      ['aiff', 'aiff'],
    ] as const) {
      // A wrong extension must not matter: copy under a misleading name.
      const lying = path.join(dir, `${ext}-as.wav.bin`);
      fs.copyFileSync(path.join(dir, `s.${ext}`), lying);
      const d = await decodeFile(lying);
      expect(d.meta.format, ext).toBe(format);
      expect(d.meta.durationSec, ext).toBeGreaterThan(1.9);
      expect(snrAgainstSine(d.samples, 1000, 48000), ext).toBeGreaterThan(15); // lossy codecs: it is still our sine
    }
  });

  it('resamples 44.1 kHz -> 48 kHz with at least 80 dB SNR on a sine (no linear interpolation)', async () => {
    const x = Float32Array.from({ length: 44100 * 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 997 * i) / 44100));
    const y = await resample(x, 44100, 48000);
    expect(y.length).toBe(96000);
    expect(snrAgainstSine(y, 997, 48000)).toBeGreaterThan(80);
  });

  it('sniffs by content and says null for non-audio', () => {
    expect(sniffFormat(Buffer.from('hello world, not audio'))).toBeNull();
    expect(sniffFormat(wavBytes([sine(440, 0.1, 8000)], 8000))).toBe('wav');
    expect(sniffFormat(new Uint8Array(0))).toBeNull();
  });

  it('rejects bad input with typed errors naming the input', async () => {
    const one = wavBytes([sine(440, 0.5, 16000)], 16000, 'float32');
    const nan = Buffer.from(one);
    nan.writeFloatLE(NaN, 44 + 4 * 100);
    const zeroRate = Buffer.from(wavBytes([sine(440, 0.5, 16000)], 16000));
    zeroRate.writeUInt32LE(0, 24);
    const absurdRate = Buffer.from(wavBytes([sine(440, 0.5, 16000)], 16000));
    absurdRate.writeUInt32LE(50, 24);
    const headerOnly = wavBytes([new Float32Array(0)], 16000);
    const cases: [Buffer, string][] = [
      [Buffer.alloc(0), 'FILE_EMPTY'],
      [Buffer.from('RIFF....WAVE but really just text'), 'AUDIO_DECODE_FAILED'],
      [Buffer.from('plain text'), 'UNSUPPORTED_FORMAT'],
      [nan, 'AUDIO_INVALID_SAMPLES'],
      [zeroRate, 'AUDIO_BAD_SAMPLE_RATE'],
      [absurdRate, 'AUDIO_BAD_SAMPLE_RATE'],
      [headerOnly, 'AUDIO_NO_SAMPLES'],
    ];
    for (const [bytes, code] of cases) {
      const got = await codeOf(decodeBuffer(bytes, { name: 'upload.wav' }));
      expect([code, got].join(' '), bytes.subarray(0, 12).toString('latin1')).toBe(`${code} ${code}`);
    }
    await expect(decodeBuffer(one, { name: 'x.wav', maxDurationSec: 0.25 })).rejects.toMatchObject({ code: 'CLIP_TOO_LONG', subject: 'x.wav' });
    await expect(decodeFile(path.join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('peaks are a thumbnail envelope in [0,1]', () => {
    const p = peaks(sine(100, 1, 48000, 0.8), 50);
    expect(p).toHaveLength(50);
    expect(Math.max(...p)).toBeCloseTo(0.8, 2);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});

describe.skipIf(!hasDev)('../shared/audio-dev', () => {
  it('every row of bad-inputs.csv is rejected with a typed error naming the file', async () => {
    const rows = fs.readFileSync(path.join(AUDIO_DEV, 'bad-inputs.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows) {
      const file = path.join(AUDIO_DEV, row.split(',')[0]);
      const e = await decodeFile(file).then(
        () => null,
        (x) => x,
      );
      expect(e, file).toBeInstanceOf(EarshotError);
      expect(e.subject).toBe(file);
      expect(e.code).toMatch(/^(FILE_EMPTY|UNSUPPORTED_FORMAT|AUDIO_DECODE_FAILED|AUDIO_NO_SAMPLES)$/);
    }
  });

  it('every labelled development clip decodes to finite, non-silent 48 kHz audio (except the silence clip)', async () => {
    const rows = fs.readFileSync(path.join(AUDIO_DEV, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const [file, label] = row.split(',');
      const d = await decodeFile(path.join(AUDIO_DEV, file));
      expect(d.samples.length, file).toBeGreaterThan(0);
      const peak = d.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      if (label === 'silence') expect(peak, file).toBeLessThan(1e-3);
      else expect(peak, file).toBeGreaterThan(1e-3);
    }
  });
});
