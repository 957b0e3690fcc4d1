/**
 * Round probabilities to percentages with `digits` decimals so that they still add up to exactly 100
 * (largest-remainder method): a softmax shown as 33.3 / 33.3 / 33.3 would otherwise read 99.9 %.
 */
export function roundPercents(probs: number[], digits = 1): number[] {
  const unit = 10 ** digits;
  const total = probs.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return probs.map(() => 0);
  const raw = probs.map((p) => (p / total) * 100 * unit);
  const floors = raw.map(Math.floor);
  let left = 100 * unit - floors.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - floors[i], i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i] += 1;
    left -= 1;
  }
  return floors.map((f) => f / unit);
}
