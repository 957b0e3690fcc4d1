/**
 * The resampler (audio/resample.ts, polyphase.ts): quality on sines and sweeps against the exact
 * signal at the output instants (so a delay of even a fraction of a sample fails), stopband
 * attenuation when downsampling, the output length contract, and the SIMD kernel against the
 * JavaScript loop. Figures are printed so docs/benchmarks.md can quote them.
 */
import { describe, expect, it } from 'vitest';
import { resample } from '../../apps/api/src/audio/index.js';
import { polyphaseFilter, polyphaseFits, polyphaseResample, polyphaseResampleJs, polyphaseShape } from '../../apps/api/src/audio/polyphase.js';
import { resampleLibsamplerate } from '../../apps/api/src/audio/resample.js';

/** A signal given as a function of time (s), sampled at `rate`. */
const sampled = (fn: (t: number) => number, seconds: number, rate: number) => Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => fn(i / rate));

/** SNR (dB) of y against the exact signal at y's sample instants, leaving out `edgeSec` at both ends. */
function snrAgainst(y: Float32Array, fn: (t: number) => number, rate: number, edgeSec = 0.05): number {
  let sig = 0;
  let err = 0;
  const a = Math.round(edgeSec * rate);
  for (let j = a; j < y.length - a; j++) {
    const ref = fn(j / rate);
    sig += ref * ref;
    err += (y[j] - ref) ** 2;
  }
  return 10 * Math.log10(sig / Math.max(err, 1e-30));
}

const rms = (y: Float32Array, a = 0, b = y.length) => {
  let s = 0;
  for (let i = a; i < b; i++) s += y[i] * y[i];
  return Math.sqrt(s / (b - a));
};

/** Exponential sweep f0 → f1 over `sec`, with 50 ms raised-cosine fades (an abrupt start is not band-limited). */
function sweep(f0: number, f1: number, sec: number, amp = 0.5) {
  const k = Math.log(f1 / f0) / sec;
  const fade = 0.05;
  return (t: number) => {
    if (t < 0 || t > sec) return 0;
    const g = t < fade ? 0.5 - 0.5 * Math.cos((Math.PI * t) / fade) : t > sec - fade ? 0.5 - 0.5 * Math.cos((Math.PI * (sec - t)) / fade) : 1;
    return amp * g * Math.sin(((2 * Math.PI * f0) / k) * (Math.exp(k * t) - 1));
  };
}

// Rates seen in sound libraries; every one of them must take the polyphase path.
const RATES = [8000, 11025, 16000, 22050, 24000, 32000, 37800, 44100, 88200, 96000, 176400, 192000];

describe('resampler', () => {
  it('every common rate has a polyphase table (libsamplerate only for odd pairs)', () => {
    for (const r of RATES) expect(polyphaseFits(r, 48000), String(r)).toBe(true);
    expect(polyphaseShape(44100, 48000)).toMatchObject({ up: 160, down: 147 });
    expect(polyphaseShape(22050, 48000)).toMatchObject({ up: 320, down: 147 });
    expect(polyphaseShape(96000, 48000)).toMatchObject({ up: 1, down: 2 });
    // 310147 Hz reduces to 48000/310147: 48,000 phases, too large a table; non-integer rates have none.
    expect(polyphaseFits(310147, 48000)).toBe(false);
    expect(polyphaseFits(44100.5, 48000)).toBe(false);
  });

  it('keeps the output length contract: exactly round(N·to/from) samples, on both paths', async () => {
    for (const [from, to] of [
      [44100, 48000],
      [22050, 48000],
      [96000, 48000],
      [8000, 48000],
      [48000, 44100],
      [310147, 48000],
      [11025, 48000],
    ] as const) {
      for (const n of [1, 2, 7, 100, 4411, 44100, 123457]) {
        const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
        const y = await resample(x, from, to);
        expect(y.length, `${from}→${to}, ${n}`).toBe(Math.round((n * to) / from));
        expect(y.every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('≥ 80 dB SNR on sines in the passband at every common rate, against the exact sine at the output instants (no delay)', async () => {
    const lines: string[] = [];
    for (const from of RATES) {
      const nyq = Math.min(from, 48000) / 2;
      for (const f of [997, 0.3 * nyq, 0.75 * nyq]) {
        const fn = (t: number) => 0.5 * Math.sin(2 * Math.PI * f * t + 0.3);
        const y = await resample(sampled(fn, 1, from), from, 48000);
        const snr = snrAgainst(y, fn, 48000);
        lines.push(`${from} Hz, ${Math.round(f)} Hz sine: ${snr.toFixed(1)} dB`);
        expect(snr, `${from} Hz, ${f} Hz`).toBeGreaterThan(80);
      }
    }
    console.log(`[resample] sines → 48 kHz:\n  ${lines.join('\n  ')}`);
  });

  it('≥ 80 dB SNR on a sine sweep across the passband (50 Hz to 75 % of the lower Nyquist frequency)', async () => {
    const lines: string[] = [];
    for (const from of [44100, 22050, 16000, 96000, 32000, 8000]) {
      const top = 0.75 * (Math.min(from, 48000) / 2);
      const fn = sweep(50, top, 4);
      const y = await resample(sampled(fn, 4, from), from, 48000);
      const snr = snrAgainst(y, fn, 48000, 0);
      // The old resampler on the same sweep, for comparison.
      const old = snrAgainst(await resampleLibsamplerate(sampled(fn, 4, from), from, 48000), fn, 48000, 0);
      lines.push(`${from} Hz, sweep 50–${Math.round(top)} Hz: ${snr.toFixed(1)} dB (libsamplerate SINC_FASTEST: ${old.toFixed(1)} dB)`);
      expect(snr, String(from)).toBeGreaterThan(80);
    }
    // And the other way, 48 kHz to 44.1 kHz.
    const fn = sweep(50, 0.75 * 22050, 4);
    const down = snrAgainst(await resample(sampled(fn, 4, 48000), 48000, 44100), fn, 44100, 0);
    lines.push(`48000 → 44100 Hz, sweep 50–16538 Hz: ${down.toFixed(1)} dB`);
    expect(down).toBeGreaterThan(80);
    console.log(`[resample] sweeps → 48 kHz:\n  ${lines.join('\n  ')}`);
  });

  it('downsampling: tones above the output Nyquist frequency (they would alias) are attenuated by ≥ 85 dB', async () => {
    const lines: string[] = [];
    for (const [from, tones] of [
      [96000, [24500, 26000, 32000, 40000, 47000]],
      [192000, [25000, 60000, 90000]],
      [88200, [24500, 40000]],
      [48000, [22500]],
    ] as const) {
      for (const f of tones) {
        const fn = (t: number) => 0.5 * Math.sin(2 * Math.PI * f * t);
        const to = from === 48000 ? 44100 : 48000;
        const y = await resample(sampled(fn, 0.5, from), from, to);
        const db = 20 * Math.log10(rms(y, 2000, y.length - 2000) / (0.5 / Math.SQRT2));
        lines.push(`${from} → ${to} Hz, ${f} Hz tone: ${db.toFixed(1)} dB`);
        expect(db, `${from} Hz, ${f} Hz`).toBeLessThan(-85);
      }
    }
    console.log(`[resample] stopband when downsampling:\n  ${lines.join('\n  ')}`);
  });

  it('is flat to 80 % of the lower Nyquist frequency (libsamplerate SINC_FASTEST: −2.8 dB there), −6 dB at 90 %', async () => {
    const lines: string[] = [];
    for (const from of [11025, 44100, 96000]) {
      const nyq = Math.min(from, 48000) / 2;
      const gains: string[] = [];
      for (const fr of [0.5, 0.7, 0.8, 0.9, 0.95]) {
        const fn = (t: number) => 0.5 * Math.sin(2 * Math.PI * fr * nyq * t);
        const x = sampled(fn, 0.5, from);
        const ours = await resample(x, from, 48000);
        const old = await resampleLibsamplerate(x, from, 48000);
        const db = (y: Float32Array) => 20 * Math.log10(rms(y, 3000, y.length - 3000) / (0.5 / Math.SQRT2));
        gains.push(`${fr * 100} %: ${db(ours).toFixed(2)} dB (libsamplerate ${db(old).toFixed(2)})`);
        if (fr <= 0.8) expect(Math.abs(db(ours)), `${from} Hz, ${fr}`).toBeLessThan(0.01);
        if (fr === 0.9) expect(db(ours)).toBeCloseTo(-6.02, 1);
      }
      lines.push(`${from} Hz: ${gains.join(', ')}`);
    }
    console.log(`[resample] gain near the lower Nyquist frequency:\n  ${lines.join('\n  ')}`);
  });

  it('is aligned: an impulse at input sample k comes out centred on k·to/from', async () => {
    for (const [from, k] of [
      [16000, 1000],
      [44100, 2205],
      [96000, 4801],
    ] as const) {
      const x = new Float32Array(from / 10);
      x[k] = 1;
      const y = await resample(x, from, 48000);
      let num = 0;
      let den = 0;
      for (let j = 0; j < y.length; j++) {
        num += j * y[j] * y[j];
        den += y[j] * y[j];
      }
      expect(num / den, String(from)).toBeCloseTo((k * 48000) / from, 3);
    }
  });

  it('passes DC exactly and keeps a full-scale signal finite', async () => {
    const y = await resample(new Float32Array(44100).fill(0.25), 44100, 48000);
    for (let j = 100; j < y.length - 100; j++) expect(Math.abs(y[j] - 0.25)).toBeLessThan(1e-6);
  });

  it('the SIMD kernel computes what the JavaScript loop computes (to float32 rounding), across chunk boundaries', () => {
    for (const [from, n] of [
      [44100, 700001],
      [22050, 5],
      [96000, 600001],
      [192000, 1234567],
      [8000, 300000],
      [48000, 99999],
    ] as const) {
      const to = from === 48000 ? 44100 : 48000;
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.8 + Math.cos(i * 0.011) * 0.1);
      const f = polyphaseFilter(from, to);
      const len = Math.round((n * to) / from);
      const a = polyphaseResampleJs(x, f, len);
      const b = polyphaseResample(x, f, len);
      let m = 0;
      for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      expect(m, `${from} → ${to}`).toBeLessThan(1e-6);
    }
  });
});
