/**
 * Rational polyphase FIR resampling: from/to reduced to L/M (44100 → 48000 = 160/147), one
 * Kaiser-windowed sinc sampled at the L fractional positions an output sample can fall on, cached
 * per rate pair. Each output sample is then a dot product of ~30 input samples with one phase's
 * taps, without interpolating coefficients, which is why it is several times faster than
 * libsamplerate-js (WASM, SINC_FASTEST: interpolates a long table for every tap).
 *
 * Design (numbers measured by test/audio/resample.test.ts):
 * - passband flat to 80 % of the lower rate's Nyquist frequency (17.6 kHz from 44.1 kHz; CLAP's mel bank stops at
 *   14 kHz), stopband from 100 %, as libsamplerate's SINC_FASTEST (80 % bandwidth): nothing aliases when
 *   downsampling and no image appears above the input's Nyquist frequency when upsampling. A stopband from 120 %
 *   (half the taps) was tried: from 8–22 kHz files its images land inside the mel bank's range, where the true
 *   signal is silent, and moved clap-mini embeddings of audio-dev clips to cosine 0.984 (test/model/resampler-drift).
 * - Kaiser window for 90 dB stopband (β = 0.1102·(A − 8.7), length from Kaiser's formula): ≥ 80 dB SNR on sines
 *   and sweeps in the passband, in float.
 * - zero phase: output sample j is the input at time j·M/L, so nothing shifts (the delay is compensated by
 *   construction: the filter is centred on the output instant). Input outside [0, N) is zero.
 * - each phase's taps are scaled to sum to 1, so DC passes exactly.
 */

import { simdKernel } from './polyphase-simd.js';

const STOP_DB = 90;
const PASS = 0.8; // passband edge, fraction of the lower Nyquist frequency
const STOP = 1.0; // stopband edge, same unit

/** Phase tables larger than this (coefficients; 3 MB in float64 + float32) are not built: such odd rate pairs use the fallback. */
export const MAX_TABLE = 1 << 18;

export interface PolyphaseFilter {
  /** Interpolation and decimation factors: to/from = up/down, reduced. */
  up: number;
  down: number;
  /** Taps per phase. */
  taps: number;
  /** taps[i] of phase p at p·taps + i: the weight of input sample floor(t) − left + i for an output at t = floor(t) + p/up. */
  table: Float64Array;
  left: number;
  /** The same taps in float32, each phase zero-padded to simdTaps (a multiple of 8) for the SIMD kernel. */
  simdTable: Float32Array;
  simdTaps: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Modified Bessel function of the first kind, order 0 (the Kaiser window), by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Reduced L/M and taps per phase for a rate pair, or null when the rates are not integers. */
export function polyphaseShape(fromRate: number, toRate: number): { up: number; down: number; taps: number; halfWidth: number } | null {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) return null;
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Kaiser's length estimate for a transition of (STOP − PASS)/2 cycles per lower-rate sample.
  const dw = Math.PI * (STOP - PASS);
  const halfLower = (STOP_DB - 8) / (2.285 * dw) / 2;
  // In input samples: a lower output rate stretches the filter by down/up.
  const halfWidth = halfLower * Math.max(1, down / up);
  const taps = 2 * Math.floor(halfWidth) + 2;
  return { up, down, taps, halfWidth };
}

/** Whether this pair has a phase table we are willing to build (else resample() falls back to libsamplerate). */
export function polyphaseFits(fromRate: number, toRate: number): boolean {
  const s = polyphaseShape(fromRate, toRate);
  return s !== null && s.up * s.taps <= MAX_TABLE;
}

function design(fromRate: number, toRate: number): PolyphaseFilter {
  const s = polyphaseShape(fromRate, toRate);
  if (!s || s.up * s.taps > MAX_TABLE) throw new RangeError(`no polyphase table for ${fromRate} → ${toRate} Hz`);
  const { up, down, taps, halfWidth } = s;
  // Cutoff in cycles per input sample: the centre of the transition band.
  const fc = 0.5 * Math.min(1, up / down) * ((PASS + STOP) / 2);
  const beta = 0.1102 * (STOP_DB - 8.7);
  const i0b = besselI0(beta);
  const left = Math.floor(halfWidth);
  const table = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    let sum = 0;
    for (let i = 0; i < taps; i++) {
      const d = frac + left - i; // output time minus input sample time, in input samples
      const r = d / halfWidth;
      if (r <= -1 || r >= 1) continue;
      const x = 2 * fc * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const h = 2 * fc * sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / i0b);
      table[p * taps + i] = h;
      sum += h;
    }
    for (let i = 0; i < taps; i++) table[p * taps + i] /= sum;
  }
  const simdTaps = Math.ceil(taps / 8) * 8;
  const simdTable = new Float32Array(up * simdTaps);
  for (let p = 0; p < up; p++) simdTable.set(table.subarray(p * taps, (p + 1) * taps), p * simdTaps);
  return { up, down, taps, table, left, simdTable, simdTaps };
}

const cache = new Map<string, PolyphaseFilter>();
const MAX_CACHED = 16;

/** The filter of a rate pair, built once (a few ms for the common pairs) and kept for the next file. */
export function polyphaseFilter(fromRate: number, toRate: number): PolyphaseFilter {
  const key = `${fromRate}:${toRate}`;
  let f = cache.get(key);
  if (f) {
    // Least recently used goes first.
    cache.delete(key);
    cache.set(key, f);
    return f;
  }
  f = design(fromRate, toRate);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, f);
  return f;
}

/** Outputs per call of the SIMD kernel: bounds the module's memory (a 3-hour file never sits in it whole). */
const CHUNK = 1 << 18;

/**
 * Resample x to exactly `length` samples with the filter (zero phase; x is zero outside its range):
 * the SIMD kernel where WebAssembly SIMD exists, else the JavaScript loop.
 */
export function polyphaseResample(x: Float32Array, f: PolyphaseFilter, length: number): Float32Array {
  const k = simdKernel();
  if (!k) return polyphaseResampleJs(x, f, length);
  const { up, down, left, simdTable, simdTaps } = f;
  const y = new Float32Array(length);
  const q = Math.floor(down / up);
  const r = down % up;
  const maxIn = Math.floor(((CHUNK - 1) * down) / up) + 1 + simdTaps;
  const bytes = 4 * (simdTable.length + maxIn + CHUNK);
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / 65536));
  const mem = new Float32Array(k.memory.buffer);
  mem.set(simdTable, 0);
  const xAt = simdTable.length;
  const yAt = xAt + maxIn;
  for (let j0 = 0; j0 < length; j0 += CHUNK) {
    const len = Math.min(CHUNK, length - j0);
    // j0·down stays below 2^53 for any length and table this module builds.
    const n0 = Math.floor((j0 * down) / up);
    const p0 = (j0 * down) % up;
    const from = n0 - left; // input index of the chunk's first tap
    const need = Math.floor(((len - 1) * down + p0) / up) + simdTaps;
    // Copy the input the chunk reads, zeros outside x.
    const a = Math.max(0, from);
    const b = Math.min(x.length, from + need);
    mem.fill(0, xAt, xAt + need);
    if (b > a) mem.set(x.subarray(a, b), xAt + (a - from));
    k.run(4 * xAt, 0, simdTaps, up, q, r, p0, len, 4 * yAt);
    y.set(mem.subarray(yAt, yAt + len), j0);
  }
  return y;
}

/** The same resampling in plain JavaScript (float64 accumulation): the fallback, and the reference the SIMD kernel is tested against. */
export function polyphaseResampleJs(x: Float32Array, f: PolyphaseFilter, length: number): Float32Array {
  const { up, down, taps, table, left } = f;
  const n = x.length;
  const y = new Float32Array(length);
  const q = Math.floor(down / up);
  const r = down % up;
  let n0 = 0; // floor(j·down/up)
  let p = 0; // (j·down) mod up
  for (let j = 0; j < length; j++) {
    const s = n0 - left; // first input sample of this output's taps
    const base = p * taps;
    let acc = 0;
    if (s >= 0 && s + taps <= n) {
      for (let i = 0; i < taps; i++) acc += table[base + i] * x[s + i];
    } else {
      // The edges: taps outside the input read zeros.
      const from = Math.max(0, -s);
      const to = Math.min(taps, n - s);
      for (let i = from; i < to; i++) acc += table[base + i] * x[s + i];
    }
    y[j] = acc;
    n0 += q;
    p += r;
    if (p >= up) {
      p -= up;
      n0++;
    }
  }
  return y;
}
