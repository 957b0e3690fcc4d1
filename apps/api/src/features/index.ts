/**
 * CLAP log-mel features, exact to Hugging Face's ClapFeatureExtractor (../shared/clap-reference/SPEC.md).
 * Our own code because transformers.js has no `fusion` mode and a repeatpad bug (SPEC quirk 11).
 *
 * Production mode is deterministic (SPEC §5): fusion crops at the middle of each third, rand_trunc at
 * the centre, and `isLonger = true` for every clip — the value HF gives a clip processed alone, so an
 * embedding never depends on which other clips share its batch. Every choice can be injected to
 * replay the reference's random draws.
 */
import { bitrev, N_BINS, N_FFT, packedIm, packedPowerSpectrum, packedRe, powerSpectrum } from './fft.js';
import { melFilterBank, N_MELS, SAMPLE_RATE, sparseBank } from './mel.js';

export { melFilterBank, type MelKind } from './mel.js';

export type FeatureMode = 'fusion' | 'rand_trunc';

export const HOP = 480; // hop_length: CLAP preprocessor config
export const MAX_SAMPLES = 480000; // nb_max_samples: 10 s at 48 kHz
export const FRAMES = 1001; // 1 + MAX_SAMPLES / HOP
const MIN_ENERGY = 1e-10; // power_to_db floor: silence is exactly -100 dB

export interface ClapFeatures {
  /** Row-major [channels][1001][64], dB. */
  data: Float32Array;
  channels: 1 | 4;
  frames: 1001;
  mels: 64;
  isLonger: boolean;
}

export interface FeatureOptions {
  /** fusion, long clips: start frames of the front/middle/back crops (reference replay). */
  cropStarts?: [number, number, number];
  /** rand_trunc, long clips: sample offset of the 10 s crop. */
  randTruncOffset?: number;
  /** Override the final is_longer flag (default true: batch-of-1 semantics). */
  isLonger?: boolean;
}

const window = new Float64Array(N_FFT);
for (let n = 0; n < N_FFT; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N_FFT); // periodic Hann

/**
 * Log-mel spectrogram [T][64] (T = 1 + floor(N/480)), centred STFT with reflect padding, power,
 * mel, 10·log10(max(E, 1e-10)), cast to float32.
 */
export function logMel(samples: Float32Array | Float64Array, bank: Float64Array): Float32Array {
  const n = samples.length;
  if (n < N_FFT / 2 + 1) {
    // Reflect padding needs more samples than the pad width; CLAP inputs are always 10 s here.
    throw new RangeError(`logMel needs at least ${N_FFT / 2 + 1} samples, got ${n}`);
  }
  const pad = N_FFT / 2;
  const frames = 1 + Math.floor(n / HOP);
  const out = new Float32Array(frames * N_MELS);
  const frame = new Float64Array(N_FFT);
  const power = new Float64Array(N_BINS);
  const { start, weights } = sparseBank(bank);
  for (let t = 0; t < frames; t++) {
    const base = t * HOP - pad;
    if (base >= 0 && base + N_FFT <= n) {
      // Inside the clip (all but a frame or two at each end): window straight into the FFT's packed, bit-reversed input.
      for (let i = 0, k = base; i < N_FFT / 2; i++, k += 2) {
        const j = bitrev[i];
        packedRe[j] = samples[k] * window[2 * i];
        packedIm[j] = samples[k + 1] * window[2 * i + 1];
      }
      packedPowerSpectrum(power);
    } else {
      for (let i = 0; i < N_FFT; i++) {
        let j = base + i;
        // reflect without repeating the edge sample
        if (j < 0) j = -j;
        else if (j >= n) j = 2 * n - 2 - j;
        frame[i] = samples[j] * window[i];
      }
      powerSpectrum(frame, power);
    }
    const o = t * N_MELS;
    for (let m = 0; m < N_MELS; m++) {
      const w = weights[m];
      const s = start[m];
      let e = 0;
      for (let k = 0; k < w.length; k++) e += power[s + k] * w[k];
      out[o + m] = 10 * Math.log10(e > MIN_ENERGY ? e : MIN_ENERGY);
    }
  }
  return out;
}

/** repeatpad (the configured padding): floor(L/N) whole copies, then zeros (SPEC §2.3). */
export function repeatPad(x: Float32Array | Float64Array, length = MAX_SAMPLES): Float64Array {
  const out = new Float64Array(length);
  const r = Math.floor(length / x.length);
  for (let c = 0; c < r; c++) out.set(x, c * x.length);
  return out;
}

/** numpy.array_split of 0…n-1 into 3 parts (first parts get the extra element), as [first, last]. */
function thirds(n: number): [number, number][] {
  const q = Math.floor(n / 3);
  const r = n % 3;
  const parts: [number, number][] = [];
  let s = 0;
  for (let i = 0; i < 3; i++) {
    const size = q + (i < r ? 1 : 0);
    parts.push(size > 0 ? [s, s + size - 1] : [0, 0]); // empty 2nd/3rd part -> {0} (SPEC §2.6)
    s += size;
  }
  return parts;
}

/** Deterministic crop starts: the middle of each third (SPEC §5). */
export function midpointCrops(totalFrames: number): [number, number, number] {
  const p = thirds(totalFrames - FRAMES + 1);
  return p.map(([a, b]) => a + Math.floor((b - a) / 2)) as [number, number, number];
}

/** torch bilinear resize of the time axis, align_corners=false, float32 ratio (SPEC §2.6.4). */
function resizeTime(mel: Float32Array, frames: number, out: Float32Array, offset: number): void {
  const scale = Math.fround(frames / FRAMES);
  for (let i = 0; i < FRAMES; i++) {
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, frames - 1);
    const l1 = Math.fround(src - i0);
    const l0 = Math.fround(1 - l1);
    const a = i0 * N_MELS;
    const b = i1 * N_MELS;
    const o = offset + i * N_MELS;
    for (let m = 0; m < N_MELS; m++) out[o + m] = Math.fround(l0 * mel[a + m] + l1 * mel[b + m]);
  }
}

const CH = FRAMES * N_MELS;

/** CLAP features of one 48 kHz mono clip. */
export function clapFeatures(samples: Float32Array | Float64Array, mode: FeatureMode, opts: FeatureOptions = {}): ClapFeatures {
  if (samples.length === 0) throw new RangeError('clapFeatures: empty clip'); // HF divides by zero here (SPEC §2.1)
  const n = samples.length;
  if (mode === 'rand_trunc') {
    let x: Float32Array | Float64Array;
    let longer = false;
    if (n > MAX_SAMPLES) {
      const off = opts.randTruncOffset ?? Math.floor((n - MAX_SAMPLES) / 2);
      if (!Number.isInteger(off) || off < 0 || off > n - MAX_SAMPLES) throw new RangeError(`randTruncOffset ${off} out of range`);
      x = samples.subarray(off, off + MAX_SAMPLES);
      longer = true;
    } else {
      x = n === MAX_SAMPLES ? samples : repeatPad(samples);
    }
    const data = logMel(x, melFilterBank('slaney'));
    return { data, channels: 1, frames: FRAMES, mels: N_MELS, isLonger: opts.isLonger ?? longer };
  }
  const bank = melFilterBank('htk');
  const data = new Float32Array(4 * CH);
  if (n <= MAX_SAMPLES) {
    const mel = logMel(n === MAX_SAMPLES ? samples : repeatPad(samples), bank);
    for (let c = 0; c < 4; c++) data.set(mel, c * CH);
    return { data, channels: 4, frames: FRAMES, mels: N_MELS, isLonger: opts.isLonger ?? true };
  }
  const mel = logMel(samples, bank); // the whole clip: crops are taken in the mel domain (SPEC quirk 3)
  const total = 1 + Math.floor(n / HOP);
  if (total === FRAMES) {
    // 480000 < N < 480480: four copies of the full mel, no crop (SPEC quirk 8)
    for (let c = 0; c < 4; c++) data.set(mel.subarray(0, CH), c * CH);
  } else {
    const starts = opts.cropStarts ?? midpointCrops(total);
    resizeTime(mel, total, data, 0);
    starts.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0 || s > total - FRAMES) throw new RangeError(`crop start ${s} out of range 0…${total - FRAMES}`);
      data.set(mel.subarray(s * N_MELS, s * N_MELS + CH), (i + 1) * CH);
    });
  }
  return { data, channels: 4, frames: FRAMES, mels: N_MELS, isLonger: opts.isLonger ?? true };
}

export interface AudioWindow {
  startSec: number;
  endSec: number;
  /** Sample range [start, end). */
  start: number;
  end: number;
}

/**
 * Windows of a long clip for time-offset search: `windowSec` windows every `hopSec`, the last one
 * ending at the clip's end. [] when the clip fits in one window (its clip-level embedding covers it).
 */
export function splitWindows(n: number, sr = SAMPLE_RATE, windowSec = 10, hopSec = 5): AudioWindow[] {
  const win = Math.round(windowSec * sr);
  const hop = Math.round(hopSec * sr);
  if (n <= win) return [];
  const out: AudioWindow[] = [];
  for (let s = 0; ; s += hop) {
    const start = Math.min(s, n - win);
    out.push({ start, end: start + win, startSec: start / sr, endSec: (start + win) / sr });
    if (start + win >= n) break;
  }
  return out;
}
