/**
 * SNR (dB) of `x` against the reference `ref` after aligning them: lossy decoders differ in how much
 * encoder delay (priming) they trim, so x may be shifted by up to `maxLag` samples. The lag is found
 * coarse-to-fine on the cross-correlation; edges (resampler and codec ramps) are left out.
 */
export function alignedSnr(ref: Float32Array, x: Float32Array, maxLag = 4096, edge = 2048): number {
  const corr = (lag: number, step: number) => {
    let s = 0;
    const from = Math.max(edge, edge - lag),
      to = Math.min(ref.length - edge, x.length - lag - edge);
    for (let i = from; i < to; i += step) s += ref[i] * x[i + lag];
    return s;
  };
  let best = 0,
    bestC = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag += 8) {
    const c = corr(lag, 8);
    if (c > bestC) {
      bestC = c;
      best = lag;
    }
  }
  const coarse = best;
  for (let lag = coarse - 8; lag <= coarse + 8; lag++) {
    const c = corr(lag, 1);
    if (lag === coarse - 8 || c > bestC) {
      bestC = c;
      best = lag;
    }
  }
  let sig = 0,
    err = 0;
  const from = Math.max(edge, edge - best),
    to = Math.min(ref.length - edge, x.length - best - edge);
  if (to <= from) return -Infinity;
  for (let i = from; i < to; i++) {
    sig += ref[i] * ref[i];
    err += (ref[i] - x[i + best]) ** 2;
  }
  return 10 * Math.log10(sig / Math.max(err, 1e-20));
}
