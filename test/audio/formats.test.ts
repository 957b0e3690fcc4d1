/**
 * No silent mis-decodes: every kind of file in the generated corpus (test/audio/corpus.ts) is decoded
 * by decodeFile with ffmpeg allowed and with the JS decoders alone, and compared with ffmpeg's own
 * decode of the same file (all channels at the stored rate, averaged, resampled like ours, aligned
 * for encoder delay). With ffmpeg every file decodes (SNR >= 30 dB) and its stored facts equal
 * ffprobe's; without it a file either decodes just as well or fails with NEEDS_FFMPEG.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { EarshotError } from '../../apps/api/src/errors.js';
import { corpusTools, makeCorpus, type CorpusFile } from './corpus.js';
import { ffmpegReference, ffprobe } from './ffmpeg-reference.js';
import { alignedSnr } from './snr.js';

const missing = corpusTools();
if (missing.length) console.log(`[audio] skipping the format corpus: ${missing.join(', ')} not installed`);

async function attempt(file: string, ffmpeg: boolean) {
  try {
    return await decodeFile(file, { ffmpeg });
  } catch (e) {
    expect(e, file).toBeInstanceOf(EarshotError);
    expect((e as EarshotError).subject).toBe(file);
    return e as EarshotError;
  }
}

describe.skipIf(missing.length > 0)('format corpus: JS decoders and ffmpeg against ffmpeg', () => {
  let dir: string;
  let files: CorpusFile[];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-formats-'));
    files = [
      ...makeCorpus(dir, [{ rate: 44100, channels: 2, sec: 1.2 }]),
      ...makeCorpus(dir, [{ rate: 48000, channels: 6, sec: 0.8 }], ['wav-pcm16', 'wav-s24', 'flac-16', 'vorbis', 'm4a-alac', 'wavpack', 'caf', 'tta', 'ac3', 'mka-vorbis']),
      ...makeCorpus(dir, [{ rate: 22050, channels: 1, sec: 0.8 }], ['wav-u8', 'aiff-s8', 'flac-20', 'mp3', 'opus', 'flac-rate-change', 'm4a-aac']),
      // ffmpeg writes ADPCM above 48 kHz as WAVE_FORMAT_EXTENSIBLE, which the JS decoder truncated (bench:formats).
      ...makeCorpus(dir, [{ rate: 96000, channels: 1, sec: 0.5 }], ['wav-ima-adpcm', 'wav-ms-adpcm']),
    ];
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('stereo with identical channels is stored as 2 channels (the lossy JS decoders collapse such pairs)', async () => {
    const mono = path.join(dir, 'dual-mono-src.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=1:sample_rate=44100', mono]);
    for (const [ext, codec] of [
      ['mp3', 'libmp3lame'],
      ['m4a', 'aac'],
      ['wav', 'pcm_s16le'],
      ['flac', 'flac'],
    ]) {
      const f = path.join(dir, `dual-mono.${ext}`);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', mono, '-ac', '2', '-c:a', codec, f]);
      for (const ffmpeg of [false, true]) {
        const d = await decodeFile(f, { ffmpeg });
        expect([ext, ffmpeg, d.meta.channels], `${ext} decoded by ${d.meta.decoder}`).toEqual([ext, ffmpeg, 2]);
      }
    }
  });

  it('covers every case the issue names', () => {
    const kinds = new Set(files.map((f) => f.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(40);
    for (const k of [
      'wav-u8',
      'aiff-s8',
      'flac-12',
      'flac-20',
      'wav-s24',
      'wav-s32',
      'wav-f32',
      'wav-ulaw',
      'wav-alaw',
      'wav-ima-adpcm',
      'wav-ms-adpcm',
      'rf64',
      'wav-extensible-s20',
      'flac-rate-change',
      'flac-channel-change',
      'mp3-stacked-id3',
      'mp3-junk-before-frames',
      'wav-zero-data-size',
    ]) {
      expect(kinds.has(k), k).toBe(true);
    }
    expect(files.some((f) => f.channels === 6)).toBe(true);
  });

  it("with ffmpeg: every file decodes like ffmpeg (>= 30 dB after alignment) and its facts are ffprobe's", async () => {
    const bad: string[] = [];
    for (const f of files) {
      const p = ffprobe(f.file);
      const ref = await ffmpegReference(f.file, p);
      const got = await attempt(f.file, true);
      if (got instanceof EarshotError) {
        bad.push(`${f.kind}: ${got.toLine()}`);
        continue;
      }
      const snr = alignedSnr(ref, got.samples);
      const m = got.meta;
      const facts = { container: m.container, codec: m.codec, sampleRate: m.sampleRate, channels: m.channels };
      const want = { container: p.container, codec: p.codec, sampleRate: p.sampleRate, channels: p.channels };
      if (snr < 30) bad.push(`${path.basename(f.file)} (${m.decoder}): ${snr.toFixed(1)} dB`);
      if (JSON.stringify(facts) !== JSON.stringify(want)) bad.push(`${path.basename(f.file)}: ${JSON.stringify(facts)} != ffprobe ${JSON.stringify(want)}`);
      // Lossy encoders pad to whole frames; ffprobe counts the padding, the decoded audio may not.
      if (Number.isFinite(p.duration) && Math.abs(m.durationSec - p.duration) > 0.08)
        bad.push(`${path.basename(f.file)}: ${m.durationSec.toFixed(3)} s != ffprobe ${p.duration} s`);
      if ((p.codec.startsWith('pcm_') || ['flac', 'alac', 'wavpack', 'tta'].includes(p.codec)) && m.bitDepth !== p.bitDepth)
        bad.push(`${path.basename(f.file)}: ${m.bitDepth} bits != ffprobe ${p.bitDepth}`);
    }
    expect(bad).toEqual([]);
  });

  it('without ffmpeg: a file decodes just as well or fails with NEEDS_FFMPEG — never a silent mismatch', async () => {
    const bad: string[] = [];
    const outcome = new Map<string, string>();
    for (const f of files) {
      const p = ffprobe(f.file);
      const got = await attempt(f.file, false);
      if (got instanceof EarshotError) {
        outcome.set(path.basename(f.file), got.code);
        if (got.code !== 'NEEDS_FFMPEG' || !/install ffmpeg/.test(got.message)) bad.push(`${f.kind}: ${got.toLine()}`);
        continue;
      }
      outcome.set(path.basename(f.file), got.meta.decoder);
      const snr = alignedSnr(await ffmpegReference(f.file, p), got.samples);
      if (snr < 30) bad.push(`${path.basename(f.file)}: ${snr.toFixed(1)} dB without ffmpeg`);
      if (got.meta.sampleRate !== p.sampleRate || got.meta.channels !== p.channels)
        bad.push(`${path.basename(f.file)}: ${got.meta.sampleRate} Hz ${got.meta.channels} ch != ${p.sampleRate} ${p.channels}`);
    }
    expect(bad).toEqual([]);
    // The cases that used to go wrong: fixed in JS, or handed to ffmpeg.
    expect(outcome.get('aiff-s8-44100-2ch.aiff')).toBe('js');
    expect(outcome.get('mp3-stacked-id3-44100-2ch.mp3')).toBe('js');
    expect(outcome.get('mp3-junk-before-frames-44100-2ch.mp3')).toBe('js');
    expect(outcome.get('wav-zero-data-size-44100-2ch.wav')).toBe('js');
    expect(outcome.get('m4a-aac-22050-1ch.m4a')).toBe('js');
    expect(outcome.get('opus-22050-1ch.opus')).toBe('js'); // OpusHead's input rate is not the stream's
    for (const f of [
      'wav-ima-adpcm-96000-1ch.wav',
      'wav-ms-adpcm-96000-1ch.wav',
      'flac-12-44100-2ch.flac',
      'flac-20-44100-2ch.flac',
      'flac-rate-change-44100-2ch.flac',
      'flac-channel-change-44100-2ch.flac',
      'rf64-44100-2ch.wav',
      'au-44100-2ch.au',
      'speex-44100-2ch.spx',
    ]) {
      expect(outcome.get(f), f).toBe('NEEDS_FFMPEG');
    }
  });
});
