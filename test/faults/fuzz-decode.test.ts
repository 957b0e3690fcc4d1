import { describe, expect, it } from 'vitest';
import { decodeBuffer } from '../../apps/api/src/audio/index.js';
import { EarshotError } from '../../apps/api/src/errors.js';
import { sine, wavBytes } from '../audio/wav.js';
import { hasTool } from '../ingest/fixtures.js';
import { prng } from '../helpers/prng.js';
import { fuzzDecoder, makeSeeds, mutate, seedWav, SEED_FORMATS, type FuzzReport } from './fuzz.js';

/**
 * Thousands of damaged WAV / MP3 / FLAC headers through the real decoder entry (decodeBuffer):
 * every case ends in a valid result or a typed EarshotError, never a foreign exception, NaN output
 * or a case that does not settle. Most cases run the JS decoders alone (in process, where a crash
 * would hurt); a smaller set also lets the decoder fall back to ffmpeg, which costs a process per
 * rejected case. The cases are seeded: a finding is reproduced by its format, index and seed.
 */
const ffmpeg = hasTool('ffmpeg');
if (!ffmpeg) console.log('fuzz-decode: ffmpeg is absent, so only WAV seeds (made by code) are fuzzed and the ffmpeg fallback is not');
const seeds = ffmpeg ? makeSeeds() : { wav: seedWav() };

function summary(r: FuzzReport): string {
  return `${r.cases} cases (${JSON.stringify(r.perFormat)}) in ${r.seconds.toFixed(1)} s, ffmpeg fallback ${r.ffmpeg ? 'on' : 'off'}: ${JSON.stringify(r.histogram)}`;
}

describe('decoder header fuzzing', () => {
  it('seeds decode intact (the mutations start from valid files)', async () => {
    for (const f of SEED_FORMATS) {
      const s = seeds[f];
      if (!s) continue;
      const r = await decodeBuffer(s, { name: `seed.${f}`, ffmpeg: false });
      expect(r.meta.format).toBe(f);
      expect(r.meta.durationSec).toBeGreaterThan(0.05);
    }
  });

  it('1000 mutated headers per format through the JS decoders: a valid result or a typed error, every time', { timeout: 120_000 }, async () => {
    const r = await fuzzDecoder(seeds, { casesPerFormat: 1000, seed: 0xea45, ffmpeg: false });
    console.log(`fuzz-decode (JS decoders): ${summary(r)}`);
    expect(r.findings, JSON.stringify(r.findings.slice(0, 5), null, 1)).toEqual([]);
    expect(r.cases).toBe(1000 * Object.keys(seeds).length);
    // Both kinds of outcome occur, so the mutations neither destroy everything nor miss the header.
    const outcomes = Object.keys(r.histogram).map((k) => k.split(':')[1]);
    expect(outcomes).toContain('decoded');
    expect(outcomes.some((o) => o !== 'decoded')).toBe(true);
  });

  it.skipIf(!ffmpeg)('60 mutated headers per format with the ffmpeg fallback: also typed errors or valid results', { timeout: 120_000 }, async () => {
    const r = await fuzzDecoder(seeds, { casesPerFormat: 60, seed: 0x5eed, ffmpeg: true });
    console.log(`fuzz-decode (with ffmpeg fallback): ${summary(r)}`);
    expect(r.findings, JSON.stringify(r.findings.slice(0, 5), null, 1)).toEqual([]);
  });

  it('a chunk size of 0xFFFFFFFF and a file cut inside the header are typed errors, not exceptions', async () => {
    const wav = seedWav();
    const huge = Buffer.from(wav);
    huge.writeUInt32LE(0xffffffff, 16); // fmt chunk size
    const cut = wav.subarray(0, 30);
    for (const [name, bytes] of [
      ['huge-fmt.wav', huge],
      ['cut.wav', cut],
    ] as const) {
      const e = await decodeBuffer(bytes, { name, ffmpeg: false }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(EarshotError);
      expect((e as EarshotError).subject).toBe(name);
    }
  });

  // Found by this fuzzer (seed 0x5eed, wav case 24, a bit flip in the sample-rate field): the resampler's
  // wrapper threw the bare string "invalid inputSampleRate" for rates above 192 kHz.
  it('a WAV header declaring 310144 Hz decodes to 48 kHz (was a foreign string exception)', async () => {
    const wav = seedWav();
    wav.writeUInt32LE(310144, 24);
    const r = await decodeBuffer(wav, { name: 'rate-310144.wav', ffmpeg: false });
    expect(r.meta.sampleRate).toBe(310144);
    expect(r.samples.length).toBe(Math.round(r.meta.durationSec * 48000));
    expect(r.samples.every(Number.isFinite)).toBe(true);
  });

  // Found while fixing the above: the wrapper splits long inputs into rate/10-sample blocks, which is
  // fractional at 11025 Hz ("RangeError: start offset of Float32Array should be a multiple of 4").
  it('an 11025 Hz WAV longer than 21 s decodes (was a RangeError from the resampler)', async () => {
    const sec = 25;
    const wav = wavBytes([sine(300, sec, 11025)], 11025);
    const r = await decodeBuffer(wav, { name: 'long-11025.wav', ffmpeg: false });
    expect(r.samples.length).toBe(sec * 48000);
    let peak = 0;
    for (const v of r.samples) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.4);
    expect(peak).toBeLessThan(0.6);
  });

  it('the mutator is deterministic for a seed', () => {
    const s = seedWav();
    const a = prng(42);
    const b = prng(42);
    for (let i = 0; i < 50; i++) expect(mutate(s, 'wav', a).bytes.equals(mutate(s, 'wav', b).bytes)).toBe(true);
  });
});
