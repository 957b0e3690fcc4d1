import lsr from '@alexanderolsen/libsamplerate-js';

const { create, ConverterType } = lsr as unknown as {
  create: (channels: number, from: number, to: number, opts: { converterType: number }) => Promise<{ full: (x: Float32Array) => Float32Array; destroy: () => void }>;
  ConverterType: Record<string, number>;
};

/**
 * Band-limited sinc resampling (libsamplerate, SRC_SINC_FASTEST: ≥ 80 dB SNR on a sine (tested), 88 dB on 16-bit audio,
 * measured in stack.md; linear interpolation gives 62 dB and shifts embeddings). The output has
 * exactly round(N·to/from) samples: libsamplerate drops the last few milliseconds, which we pad
 * back from a zero-extended input.
 */
export async function resample(x: Float32Array, fromRate: number, toRate: number): Promise<Float32Array> {
  if (fromRate === toRate) return x;
  const want = Math.round((x.length * toRate) / fromRate);
  // A short zero tail flushes the filter's delay so the real samples all come out.
  const tail = Math.ceil(fromRate / 100);
  const padded = new Float32Array(x.length + tail);
  padded.set(x);
  const src = await create(1, fromRate, toRate, { converterType: ConverterType.SRC_SINC_FASTEST });
  try {
    const y = src.full(padded);
    if (y.length >= want) return y.slice(0, want);
    const out = new Float32Array(want);
    out.set(y);
    return out;
  } finally {
    src.destroy();
  }
}
