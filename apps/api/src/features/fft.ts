/**
 * Power spectrum of a real frame of 1024 samples, in float64 (SPEC §5: a float32 FFT moves quiet
 * bins by up to 2 dB). A 1024-point real FFT is computed as a 512-point complex FFT of the
 * even/odd samples packed as re/im, then split, which halves the work.
 */
const N = 1024; // n_fft: CLAP preprocessor config
const M = N / 2;
const LOG2M = 9;

export const bitrev = new Uint16Array(M);
for (let i = 0; i < M; i++) {
  let r = 0;
  for (let b = 0, x = i; b < LOG2M; b++, x >>= 1) r = (r << 1) | (x & 1);
  bitrev[i] = r;
}
// Twiddles of the 512-point FFT and of the real-split step.
const cosM = new Float64Array(M / 2);
const sinM = new Float64Array(M / 2);
for (let k = 0; k < M / 2; k++) {
  cosM[k] = Math.cos((2 * Math.PI * k) / M);
  sinM[k] = Math.sin((2 * Math.PI * k) / M);
}
const cosN = new Float64Array(M + 1);
const sinN = new Float64Array(M + 1);
for (let k = 0; k <= M; k++) {
  cosN[k] = Math.cos((2 * Math.PI * k) / N);
  sinN[k] = Math.sin((2 * Math.PI * k) / N);
}

export const N_FFT = N;
export const N_BINS = M + 1;

/**
 * Scratch buffers are reused: the function is not re-entrant, which JS's single thread allows. logMel
 * writes a frame into them directly (packedRe/packedIm, in bit-reversed order) and calls packedPowerSpectrum.
 */
const re = new Float64Array(M);
const im = new Float64Array(M);
export const packedRe = re;
export const packedIm = im;

/** power[k] = |FFT(frame)[k]|², k = 0…512. `frame` must hold 1024 windowed samples. */
export function powerSpectrum(frame: Float64Array, power: Float64Array): void {
  for (let i = 0; i < M; i++) {
    const j = bitrev[i];
    re[j] = frame[2 * i];
    im[j] = frame[2 * i + 1];
  }
  packedPowerSpectrum(power);
}

/**
 * The power spectrum of the frame already packed into packedRe/packedIm (even samples as re, odd as im, at
 * bitrev positions). The first two stages are written out: their twiddles are 1 and −i, so they need no
 * multiplications (~15 % of the transform; the results differ from the general loop's by rounding only, ~1e-16).
 */
export function packedPowerSpectrum(power: Float64Array): void {
  for (let a = 0; a < M; a += 4) {
    // size 2: (a, a+1) and (a+2, a+3) with twiddle 1
    const r0 = re[a] + re[a + 1],
      i0 = im[a] + im[a + 1],
      r1 = re[a] - re[a + 1],
      i1 = im[a] - im[a + 1];
    const r2 = re[a + 2] + re[a + 3],
      i2 = im[a + 2] + im[a + 3],
      r3 = re[a + 2] - re[a + 3],
      i3 = im[a + 2] - im[a + 3];
    // size 4: (a, a+2) with twiddle 1, (a+1, a+3) with e^{-iπ/2} = −i: (r + i·m)·(−i) = m − i·r
    re[a] = r0 + r2;
    im[a] = i0 + i2;
    re[a + 2] = r0 - r2;
    im[a + 2] = i0 - i2;
    re[a + 1] = r1 + i3;
    im[a + 1] = i1 - r3;
    re[a + 3] = r1 - i3;
    im[a + 3] = i1 + r3;
  }
  for (let size = 8; size <= M; size <<= 1) {
    const half = size >> 1;
    const step = M / size;
    // Twiddle outside, blocks inside: the same butterflies in another order (each is independent within a stage),
    // so short stages do not pay a loop setup per block of four or eight.
    for (let k = 0, t = 0; k < half; k++, t += step) {
      const c = cosM[t];
      const s = sinM[t];
      for (let a = k; a < M; a += size) {
        const b = a + half;
        // (re+i·im)[b] · e^{-2πi t/M}
        const xr = re[b] * c + im[b] * s;
        const xi = im[b] * c - re[b] * s;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
  for (let k = 0; k <= M; k++) {
    const ar = re[k % M];
    const ai = im[k % M];
    const br = re[(M - k) % M];
    const bi = im[(M - k) % M];
    // even part Fe = (Z[k] + conj Z[M-k]) / 2; odd part Fo = (Z[k] - conj Z[M-k]) / 2i
    const er = (ar + br) / 2;
    const ei = (ai - bi) / 2;
    const or = (ai + bi) / 2;
    const oi = -(ar - br) / 2;
    const c = cosN[k];
    const s = sinN[k];
    const xr = er + c * or + s * oi;
    const xi = ei + c * oi - s * or;
    power[k] = xr * xr + xi * xi;
  }
}
