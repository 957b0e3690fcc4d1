import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../apps/api/src/eval/labels.js';
import { averagePrecision, expectedCalibrationError, precisionAt, randomAveragePrecision } from '../../apps/api/src/eval/metrics.js';
import { prng } from '../helpers/prng.js';

describe('retrieval metrics', () => {
  it('precision at k counts the first k, a short list included', () => {
    const rel = new Set([1, 3]);
    expect(precisionAt([1, 2, 3, 4, 5], rel, 5)).toBeCloseTo(0.4);
    expect(precisionAt([1, 2], rel, 5)).toBeCloseTo(0.2);
    expect(precisionAt([2, 4, 1], rel, 2)).toBe(0);
  });

  it('average precision: mean precision at each relevant rank, unretrieved ones count 0', () => {
    expect(averagePrecision([1, 2, 3], new Set([1, 3]))).toBeCloseTo((1 + 2 / 3) / 2);
    expect(averagePrecision([2, 1], new Set([1, 9]))).toBeCloseTo(0.5 / 2);
    expect(averagePrecision([1, 2], new Set())).toBe(0);
  });

  it("random AP's closed form matches a simulation", () => {
    const rnd = prng(7);
    for (const [n, r] of [
      [83, 1],
      [83, 35],
      [20, 5],
      [2, 1],
    ] as const) {
      const ids = Array.from({ length: n }, (_, i) => i);
      const rel = new Set(ids.slice(0, r));
      let sum = 0;
      const trials = 20000; // standard error ≤ 0.002 for every case below
      for (let t = 0; t < trials; t++) {
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [ids[i], ids[j]] = [ids[j], ids[i]];
        }
        sum += averagePrecision(ids, rel);
      }
      expect(randomAveragePrecision(n, r)).toBeCloseTo(sum / trials, 2);
    }
    expect(randomAveragePrecision(10, 10)).toBeCloseTo(1);
  });

  it('ECE is the gap between confidence and accuracy per bin, growing with over-confidence', () => {
    // 8 of 10 right at 0.75 confidence → |0.8 − 0.75| = 0.05
    const calibrated = [...Array(10)].map((_, i) => ({ confidence: 0.75, correct: i < 8 }));
    expect(expectedCalibrationError(calibrated)).toBeCloseTo(0.05);
    const over = [...Array(10)].map((_, i) => ({ confidence: 0.99, correct: i < 3 }));
    expect(expectedCalibrationError(over)).toBeCloseTo(0.69);
    expect(expectedCalibrationError([])).toBe(0);
  });
});

describe('labels.csv parsing', () => {
  it('reads quoted fields with commas, doubled quotes, CRLF and a BOM', () => {
    const rows = parseCsv('\ufefffile,label,caption\r\na.wav,speech,"a voice, saying ""hi"""\r\n\r\nb.wav,bell,\n');
    expect(rows).toEqual([
      ['file', 'label', 'caption'],
      ['a.wav', 'speech', 'a voice, saying "hi"'],
      ['b.wav', 'bell', ''],
    ]);
  });
});
