/** Retrieval and calibration metrics over plain ranked lists, with the level a random answer reaches. */

/** Fraction of the first k ids that are relevant (k counts even when the list is shorter). */
export function precisionAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let hit = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hit++;
  return hit / k;
}

/** Average precision of a ranked list: mean of precision at the rank of each relevant item (missing ones count 0). */
export function averagePrecision(ranked: readonly number[], relevant: ReadonlySet<number>): number {
  if (!relevant.size) return 0;
  let hit = 0;
  let sum = 0;
  ranked.forEach((id, i) => {
    if (relevant.has(id)) {
      hit++;
      sum += hit / (i + 1);
    }
  });
  return sum / relevant.size;
}

/**
 * Expected AP of a uniformly random ranking of n items of which r are relevant:
 * E[AP] = (r-1)/(n-1) + (n-r)·H(n) / (n(n-1)), H(n) the n-th harmonic number (Bestgen 2015, "Exact
 * expected average precision of the random baseline"; checked against simulation in metrics.test.ts).
 */
export function randomAveragePrecision(n: number, r: number): number {
  if (r <= 0 || n <= 0) return 0;
  if (n === 1) return 1;
  let h = 0;
  for (let i = 1; i <= n; i++) h += 1 / i;
  return (r - 1) / (n - 1) + ((n - r) * h) / (n * (n - 1));
}

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Expected calibration error (Guo et al. 2017): predictions binned by confidence into `bins`
 * equal-width bins; Σ_b |b|/n · |accuracy(b) − mean confidence(b)|.
 */
export function expectedCalibrationError(preds: readonly { confidence: number; correct: boolean }[], bins = 10): number {
  if (!preds.length) return 0;
  const acc = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const cnt = new Array<number>(bins).fill(0);
  for (const p of preds) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p.confidence * bins)));
    cnt[b]++;
    conf[b] += p.confidence;
    if (p.correct) acc[b]++;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]) e += (cnt[b] / preds.length) * Math.abs(acc[b] / cnt[b] - conf[b] / cnt[b]);
  return e;
}
