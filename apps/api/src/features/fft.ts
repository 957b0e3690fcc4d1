/**
 * Power spectrum of a real frame of 1024 samples, in float64 (SPEC §5: a float32 FFT moves quiet
 * bins by up to 2 dB). A 1024-point real FFT is computed as a 512-point complex FFT of the
 * even/odd samples packed as re/im, then split, which halves the work.
 */
const N = 1024; // n_fft: CLAP preprocessor config
const M = N / 2;
const LOG2M = 9;

const bitrev = new Uint16Array(M);
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

/** Scratch buffers are reused: the function is not re-entrant, which JS's single thread allows. */
const re = new Float64Array(M);
const im = new Float64Array(M);

/** power[k] = |FFT(frame)[k]|², k = 0…512. `frame` must hold 1024 windowed samples. */
export function powerSpectrum(frame: Float64Array, power: Float64Array): void {
  for (let i = 0; i < M; i++) {
    const j = bitrev[i];
    re[j] = frame[2 * i];
    im[j] = frame[2 * i + 1];
  }
  for (let size = 2; size <= M; size <<= 1) {
    const half = size >> 1;
    const step = M / size;
    for (let start = 0; start < M; start += size) {
      for (let k = 0, t = 0; k < half; k++, t += step) {
        const c = cosM[t];
        const s = sinM[t];
        const a = start + k;
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
