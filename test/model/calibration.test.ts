/** Calibration: the logistic fit recovers known curves; calibration.json is applied only to the towers it was fitted on. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitCalibration } from '../../apps/api/src/eval/calibrate.js';
import { cosineAt, fitLogistic, loadBundle, loadCalibration, probability } from '../../apps/api/src/model/index.js';
import { prng } from '../helpers/prng.js';
import { HAS_MINI, MINI_DIR } from './mini.js';

/** n scores uniform in [-1, 1), each labelled true with the probability the curve gives it (seeded). */
function drawn(seed: number, n: number, curve: { a: number; b: number }): { xs: number[]; ys: boolean[] } {
  const rnd = prng(seed);
  const xs: number[] = [];
  const ys: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const x = rnd() * 2 - 1;
    xs.push(x);
    ys.push(rnd() < probability(curve, x));
  }
  return { xs, ys };
}

describe('fitLogistic (Platt scaling)', () => {
  it('recovers the curve that generated the labels', () => {
    const { xs, ys } = drawn(3, 20000, { a: 12, b: -6 });
    const f = fitLogistic(xs, ys);
    expect(f.a).toBeGreaterThan(11);
    expect(f.a).toBeLessThan(13);
    expect(cosineAt(f, 0.5)).toBeCloseTo(0.5, 1);
  });

  it('weighs a pair like that many copies of it, and refuses a weight per pair that is missing or negative', () => {
    const { xs, ys } = drawn(5, 2000, { a: 8, b: -2 });
    const w = xs.map((_, i) => 1 + (i % 3)); // pair i counted 1, 2 or 3 times
    const copies = xs.flatMap((x, i) => Array<number>(w[i]).fill(x));
    const copyYs = ys.flatMap((y, i) => Array<boolean>(w[i]).fill(y));
    const weighted = fitLogistic(xs, ys, { weights: w });
    const copied = fitLogistic(copies, copyYs);
    expect(weighted.a).toBeCloseTo(copied.a, 6);
    expect(weighted.b).toBeCloseTo(copied.b, 6);
    expect(() => fitLogistic(xs, ys, { weights: w.slice(1) })).toThrow(/one weight/);
    expect(() => fitLogistic([0.1, 0.9], [false, true], { weights: [1, -1] })).toThrow(/one weight/);
  });

  it('gives each folder the same say in the curve, whatever its size', () => {
    // folder A (1000 pairs): matches from cos 0.4; folder B (100 pairs): matches from cos 0.8
    const folder = (n: number, at: number) => {
      const x: number[] = [];
      const y: boolean[] = [];
      for (let i = 0; i < n; i++) {
        x.push(i / n);
        y.push(i / n >= at);
      }
      return { textToAudio: { x, y }, audioToAudio: { x, y }, labelPresence: { x, y } };
    };
    const a = folder(1000, 0.4);
    const b = folder(100, 0.8);
    const both = fitCalibration([a, b], 'v', 'test');
    const alone = fitCalibration([a], 'v', 'test');
    // pooled unweighted, A's 1000 pairs would hold the cutoff near 0.4; weighted, it sits between the two
    expect(cosineAt(alone.textToAudio, 0.5)).toBeCloseTo(0.4, 1);
    const mid = cosineAt(both.textToAudio, 0.5);
    expect(mid).toBeGreaterThan(0.5);
    expect(mid).toBeLessThan(0.7);
    expect(both.textToAudio.n).toBe(1100);
    expect(both.textToAudio.positives).toBe(600 + 20);
    expect(() => fitCalibration([], 'v', 'test')).toThrow(/at least one/);
  });

  it('stays finite on separable data', () => {
    const f = fitLogistic([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);
    expect(Number.isFinite(f.a) && Number.isFinite(f.b)).toBe(true);
    expect(probability(f, 0.9)).toBeGreaterThan(0.9);
    expect(probability(f, 0.1)).toBeLessThan(0.1);
  });
});

describe.skipIf(!HAS_MINI)('calibration.json of a bundle', () => {
  it('clap-mini ships one fitted on its own towers, with rising curves', async () => {
    const b = await loadBundle(MINI_DIR);
    const { calibration, reason } = await loadCalibration(b.dir, b.version);
    expect(reason).toBeNull();
    expect(calibration!.bundleVersion).toBe(b.version);
    for (const c of [calibration!.textToAudio, calibration!.audioToAudio, calibration!.labelPresence]) {
      expect(c.a).toBeGreaterThan(0);
      expect(c.positives).toBeGreaterThan(0);
    }
  });

  it('is ignored, with the reason, when the towers changed (a retrain), and refused when malformed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-cal-'));
    try {
      fs.copyFileSync(path.join(MINI_DIR, 'calibration.json'), path.join(dir, 'calibration.json'));
      const stale = await loadCalibration(dir, 'another-version');
      expect(stale.calibration).toBeNull();
      expect(stale.reason).toMatch(/fitted on towers .* these are another-version \(run npm run model:calibrate\)/);
      expect((await loadCalibration(path.join(dir, 'none'), 'v')).reason).toMatch(/no calibration.json/);
      fs.writeFileSync(path.join(dir, 'calibration.json'), '{"schema": 1}');
      await expect(loadCalibration(dir, 'v')).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
