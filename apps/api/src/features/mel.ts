/**
 * Mel filter banks of CLAP (SPEC §2.5): 513 FFT bins × 64 bands, 50–14000 Hz.
 * fusion (clap-htsat-fused) uses the htk scale without normalisation; rand_trunc (unfused
 * checkpoints) uses the slaney scale with slaney area normalisation.
 */
export type MelKind = 'htk' | 'slaney';

export const SAMPLE_RATE = 48000; // CLAP preprocessor sampling_rate
export const N_MELS = 64; // feature_size
const F_MIN = 50; // frequency_min of the checkpoint config (not the class default 0: SPEC §1)
const F_MAX = 14000; // frequency_max
const N_BINS = 513;

const SLANEY_LOGSTEP = Math.log(6.4) / 27;
const scales: Record<MelKind, { toMel: (f: number) => number; toHz: (m: number) => number }> = {
  htk: { toMel: (f) => 2595 * Math.log10(1 + f / 700), toHz: (m) => 700 * (10 ** (m / 2595) - 1) },
  slaney: {
    toMel: (f) => (f < 1000 ? (3 * f) / 200 : 15 + Math.log(f / 1000) / SLANEY_LOGSTEP),
    toHz: (m) => (m < 15 ? (200 * m) / 3 : 1000 * Math.exp((m - 15) * SLANEY_LOGSTEP)),
  },
};

const cache = new Map<MelKind, Float64Array>();

/** Dense bank, row-major [513][64] (the layout of the reference .bin files). */
export function melFilterBank(kind: MelKind): Float64Array {
  const hit = cache.get(kind);
  if (hit) return hit;
  const { toMel, toHz } = scales[kind];
  const lo = toMel(F_MIN);
  const hi = toMel(F_MAX);
  const pts = new Float64Array(N_MELS + 2);
  // numpy linspace: start + i·step, with the last point exactly `stop`
  const step = (hi - lo) / (N_MELS + 1);
  for (let i = 0; i < N_MELS + 2; i++) pts[i] = toHz(i === N_MELS + 1 ? hi : lo + i * step);
  const bank = new Float64Array(N_BINS * N_MELS);
  for (let k = 0; k < N_BINS; k++) {
    const f = (k * (SAMPLE_RATE / 2)) / (N_BINS - 1);
    for (let m = 0; m < N_MELS; m++) {
      const down = (f - pts[m]) / (pts[m + 1] - pts[m]);
      const up = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]);
      let w = Math.max(0, Math.min(down, up));
      if (kind === 'slaney') w *= 2 / (pts[m + 2] - pts[m]);
      bank[k * N_MELS + m] = w;
    }
  }
  cache.set(kind, bank);
  return bank;
}

/** The bank as per-band nonzero runs: each triangle touches a few bins, so this is ~30× cheaper. */
export interface SparseBank {
  start: Int32Array;
  weights: Float64Array[];
}

const sparseCache = new WeakMap<Float64Array, SparseBank>();

export function sparseBank(bank: Float64Array): SparseBank {
  const hit = sparseCache.get(bank);
  if (hit) return hit;
  const start = new Int32Array(N_MELS);
  const weights: Float64Array[] = [];
  for (let m = 0; m < N_MELS; m++) {
    let a = -1;
    let b = -1;
    for (let k = 0; k < N_BINS; k++) {
      if (bank[k * N_MELS + m] !== 0) {
        if (a < 0) a = k;
        b = k;
      }
    }
    if (a < 0) a = b = 0;
    start[m] = a;
    const w = new Float64Array(b - a + 1);
    for (let k = a; k <= b; k++) w[k - a] = bank[k * N_MELS + m];
    weights.push(w);
  }
  const s = { start, weights };
  sparseCache.set(bank, s);
  return s;
}
