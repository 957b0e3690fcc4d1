/** Calibration: the logistic fit recovers known curves; calibration.json is applied only to the towers it was fitted on. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cosineAt, fitLogistic, loadBundle, loadCalibration, probability } from '../../apps/api/src/model/index.js';
import { prng } from '../helpers/prng.js';
import { HAS_MINI, MINI_DIR } from './mini.js';

describe('fitLogistic (Platt scaling)', () => {
  it('recovers the curve that generated the labels', () => {
    const rnd = prng(3);
    const xs: number[] = [];
    const ys: boolean[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = rnd() * 2 - 1;
      xs.push(x);
      ys.push(rnd() < probability({ a: 12, b: -6 }, x));
    }
    const f = fitLogistic(xs, ys);
    expect(f.a).toBeGreaterThan(11);
    expect(f.a).toBeLessThan(13);
    expect(cosineAt(f, 0.5)).toBeCloseTo(0.5, 1);
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
