/** Durations declared by headers (audio/declared.ts), checked on files made by code and by sox/ffmpeg. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredSeconds } from '../../apps/api/src/audio/declared.js';
import { decodeBuffer, decodeFile, peaks } from '../../apps/api/src/audio/index.js';
import { DecodePool, DecodeThread } from '../../apps/api/src/audio/decode-thread.js';
import { clapFeatures } from '../../apps/api/src/features/index.js';
import { ffmpegConvert, hasTool, tempDir, tone, wavBytes, writeWav } from '../ingest/fixtures.js';

describe('declaredSeconds', () => {
  it('reads WAV data size / byte rate, also for a streaming header (size 0)', () => {
    const wav = new Uint8Array(wavBytes(tone(2.5, 440, 22050, 1), 22050, 2));
    expect(declaredSeconds(wav)).toBeCloseTo(2.5, 3);
    const streaming = wav.slice();
    new DataView(streaming.buffer).setUint32(40, 0, true); // data chunk size of our 44-byte header
    expect(declaredSeconds(streaming)).toBeCloseTo(2.5, 3);
  });

  it.skipIf(!hasTool('ffmpeg'))('reads FLAC STREAMINFO and AIFF COMM; says nothing for MP3', () => {
    const dir = tempDir('declared');
    const src = writeWav(path.join(dir, 'a.wav'), tone(3, 330, 44100, 2), 44100);
    for (const [ext, want] of [
      ['flac', 3],
      ['aiff', 3],
      ['mp3', null],
    ] as const) {
      const out = path.join(dir, `a.${ext}`);
      ffmpegConvert(src, out);
      const got = declaredSeconds(new Uint8Array(fs.readFileSync(out)));
      if (want === null) expect(got, ext).toBeNull();
      else expect(got, ext).toBeCloseTo(want, 2);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a header declaring more than the cap is CLIP_TOO_LONG before any decoding', async () => {
    const wav = new Uint8Array(wavBytes(tone(0.5, 440, 8000, 1), 8000));
    // Claim an hour: far past the 4 s of bytes a real decode would find.
    const v = new DataView(wav.buffer);
    v.setUint32(28, 1, true); // byte rate 1 B/s: 8,000 bytes "last" 8,000 s
    await expect(decodeBuffer(wav, { maxDurationSec: 60, name: 'bomb.wav' })).rejects.toMatchObject({ code: 'CLIP_TOO_LONG', subject: 'bomb.wav' });
  });
});

describe('DecodeThread', () => {
  it('holds decoded audio in the worker and computes the same features there', async () => {
    const t = new DecodeThread();
    try {
      const wav = new Uint8Array(wavBytes(tone(12, 300, 44100, 4), 44100));
      const here = await decodeBuffer(wav.slice());
      const held = await t.open(wav.slice(), { name: 'held.wav' });
      expect(held.meta).toEqual(here.meta);
      expect(held.length).toBe(here.samples.length);
      const ranges = [
        { from: 0, to: here.samples.length },
        { from: 48000, to: 48000 * 11 },
      ];
      const there = await held.features(ranges, 'fusion');
      ranges.forEach((r, i) => {
        const f = clapFeatures(here.samples.subarray(r.from, r.to), 'fusion');
        expect(there[i].isLonger).toBe(f.isLonger);
        expect(there[i].data).toEqual(f.data);
      });
      await held.release();
      await expect(held.features(ranges, 'fusion')).rejects.toThrow(/no decoded audio/);
    } finally {
      await t.close();
    }
  });

  it('decodes on a worker exactly as decodeBuffer does, moves whole buffers, and keeps typed errors', async () => {
    const t = new DecodeThread();
    try {
      const wav = new Uint8Array(wavBytes(tone(1.2, 440, 44100, 3), 44100, 2));
      const sent = wav.slice();
      const [there, here] = await Promise.all([t.decode(sent, { name: 'x.wav' }), decodeBuffer(wav, { name: 'x.wav' })]);
      expect(there.meta).toEqual(here.meta);
      expect(there.samples).toEqual(here.samples);
      expect(sent.byteLength).toBe(0); // moved, not copied
      // A view into a larger buffer is copied; the caller's buffer stays usable.
      const framed = new Uint8Array(wav.length + 8);
      framed.set(wav, 8);
      const view = framed.subarray(8);
      await t.decode(view, { name: 'x.wav' });
      expect(view.byteLength).toBe(wav.length);
      await expect(t.decode(new TextEncoder().encode('not audio'), { name: 'junk.txt' })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', subject: 'junk.txt' });
      await expect(t.decode(wav.slice(), { maxDurationSec: 1, name: 'long.wav' })).rejects.toMatchObject({ code: 'CLIP_TOO_LONG' });
    } finally {
      await t.close();
    }
    // After close, the next call starts a fresh worker.
    await expect(t.decode(new Uint8Array(wavBytes(tone(0.2, 440), 48000)))).resolves.toMatchObject({ sampleRate: 48000 });
    await t.close();
  });

  it('a DecodePool decodes files on its threads exactly as decodeFile does and names the file in errors', async () => {
    const dir = tempDir('pool');
    const pool = new DecodePool(2);
    try {
      const files = [1, 2, 3, 4].map((k) => writeWav(path.join(dir, `t${k}.wav`), tone(3 + k, 200 * k, 44100, 2), 44100));
      const held = await Promise.all(files.map((f) => pool.openFile(f, { maxDurationSec: 60, peaks: 50 })));
      for (const [i, h] of held.entries()) {
        const here = await decodeFile(files[i]);
        expect(h.meta).toEqual(here.meta);
        expect(h.length).toBe(here.samples.length);
        expect(h.peaks).toEqual(peaks(here.samples, 50));
        expect(h.resampleMs).toBeGreaterThan(0); // 44.1 kHz → 48 kHz ran there, and its time came back
        const [f] = await h.features([{ from: 0, to: h.length }], 'fusion');
        expect(f.data).toEqual(clapFeatures(here.samples, 'fusion').data);
        expect(h.featureMs).toBeGreaterThan(0);
        await h.release();
      }
      await expect(pool.openFile(path.join(dir, 'gone.wav'), { peaks: 10 })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', subject: path.join(dir, 'gone.wav') });
      await expect(pool.openFile(files[3], { maxDurationSec: 2, peaks: 10 })).rejects.toMatchObject({ code: 'CLIP_TOO_LONG' });
    } finally {
      await pool.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
