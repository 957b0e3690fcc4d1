import lsr from '@alexanderolsen/libsamplerate-js';
import { polyphaseFilter, polyphaseFits, polyphaseResample } from './polyphase.js';

const { create, ConverterType } = lsr as unknown as {
  create: (channels: number, from: number, to: number, opts: { converterType: number }) => Promise<Converter>;
  ConverterType: Record<string, number>;
};

interface Converter {
  full: (x: Float32Array) => Float32Array;
  simple: (x: Float32Array) => Float32Array;
  destroy: () => void;
}

/** libsamplerate-js refuses (throws a bare string) rates above this. */
const LIB_MAX_RATE = 192000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The rate pair handed to libsamplerate-js. The converter itself only uses the ratio, but the JS
 * wrapper (a) throws for rates above 192 kHz, which WAV headers may declare (up to our 768 kHz
 * limit), and (b) splits inputs longer than ~1 M samples into blocks of rate/10 samples, which
 * for rates like 11025 Hz is fractional and ends in "RangeError: start offset of Float32Array
 * should be a multiple of 4" (an 11025 Hz file longer than ~21 s). Both found by
 * test/faults/fuzz-decode.test.ts. The same ratio in other numbers avoids both. When no exact pair
 * fits (rates like 310147 Hz or 4846 Hz) and the input is long enough to be split, or a rate is
 * above 192 kHz, the nearest pair with a multiple of 10 as input is used: off by < 0.13 % for
 * such odd rates, and the output length is fixed by the caller anyway.
 */
export function converterRates(from: number, to: number, n: number): [number, number] {
  const fits = (f: number, t: number) => f <= LIB_MAX_RATE && t <= LIB_MAX_RATE;
  if (fits(from, to) && from % 10 === 0) return [from, to];
  if (Number.isInteger(from) && Number.isInteger(to)) {
    const g = gcd(from, to);
    const f0 = from / g;
    const t0 = to / g;
    for (let k = 1; fits(f0 * k, t0 * k); k++) if ((f0 * k) % 10 === 0) return [f0 * k, t0 * k];
  }
  // The wrapper splits only when input or output exceeds its 1008000-sample buffer.
  if (fits(from, to) && Math.max(n, Math.ceil((n * to) / from)) <= 1_008_000) return [from, to];
  const scale = LIB_MAX_RATE / Math.max(from, to);
  const f = Math.max(10, Math.round((from * scale) / 10) * 10);
  return [f, Math.max(1, Math.min(LIB_MAX_RATE, Math.round((f * to) / from)))];
}

/**
 * Band-limited resampling to exactly round(N·to/from) samples, aligned (output j is the input at time j·from/to).
 * Integer rate pairs whose phase table fits (every common rate, and most odd ones) go through our polyphase FIR
 * (polyphase.ts: ≥ 80 dB SNR in the passband, measured by test/audio/resample.test.ts; ~8× less CPU than
 * libsamplerate-js, measured by bench:features). The rest (non-integer rates, pairs like 310147 → 48000 Hz whose
 * reduced ratio needs tens of thousands of phases) use libsamplerate's SRC_SINC_FASTEST (≥ 80 dB SNR on a sine,
 * 88 dB on 16-bit audio, measured in stack.md; linear interpolation gives 62 dB and shifts embeddings).
 */
export async function resample(x: Float32Array, fromRate: number, toRate: number): Promise<Float32Array> {
  if (fromRate === toRate) return x;
  const want = Math.round((x.length * toRate) / fromRate);
  if (polyphaseFits(fromRate, toRate)) return polyphaseResample(x, polyphaseFilter(fromRate, toRate), want);
  return resampleLibsamplerate(x, fromRate, toRate);
}

/**
 * libsamplerate-js (SINC_FASTEST), the fallback for rate pairs the polyphase tables do not cover; the
 * output has exactly round(N·to/from) samples: libsamplerate drops the last few milliseconds, which we pad
 * back from a zero-extended input.
 */
export async function resampleLibsamplerate(x: Float32Array, fromRate: number, toRate: number): Promise<Float32Array> {
  const want = Math.round((x.length * toRate) / fromRate);
  // A short zero tail flushes the filter's delay so the real samples all come out.
  const tail = Math.ceil(fromRate / 100);
  const padded = new Float32Array(x.length + tail);
  padded.set(x);
  const [srcFrom, srcTo] = converterRates(fromRate, toRate, padded.length);
  const fit = (y: Float32Array) => {
    if (y.length >= want) return y.slice(0, want);
    const out = new Float32Array(want);
    out.set(y);
    return out;
  };
  if (Math.max(padded.length, Math.ceil((padded.length * srcTo) / srcFrom)) <= WRAPPER_BLOCK) {
    // One block: libsamplerate's simple API keeps no state between calls, so one converter per
    // rate pair serves every file (creating one costs ~23 ms and a 26 MB buffer: ~40 % of the
    // resample time of a demo-library ingest, measured by bench:ingest). Synchronous, so calls
    // from concurrent files cannot interleave.
    return fit((await cachedConverter(srcFrom, srcTo)).simple(padded));
  }
  // Longer input: the wrapper cuts it into blocks through the stateful full API, which needs a
  // fresh converter so no filter state leaks from another file.
  const src = await create(1, srcFrom, srcTo, { converterType: ConverterType.SRC_SINC_FASTEST });
  try {
    return fit(src.full(padded));
  } finally {
    src.destroy();
  }
}

/** libsamplerate-js resamples in one call up to this many samples (in or out), else in blocks. */
const WRAPPER_BLOCK = 1_008_000;
const converters = new Map<string, Promise<Converter>>();
const MAX_CACHED = 16;

function cachedConverter(from: number, to: number): Promise<Converter> {
  const key = `${from}:${to}`;
  let c = converters.get(key);
  if (!c) {
    if (converters.size >= MAX_CACHED) {
      // Odd rates from odd files: forget the oldest rather than keep 26 MB per pair forever. Not
      // destroyed: a call may hold it between its await and simple(); each converter is its own
      // WASM instance, so the garbage collector frees it once unreferenced.
      converters.delete(converters.keys().next().value as string);
    }
    c = create(1, from, to, { converterType: ConverterType.SRC_SINC_FASTEST });
    c.catch(() => converters.delete(key));
    converters.set(key, c);
  }
  return c;
}
