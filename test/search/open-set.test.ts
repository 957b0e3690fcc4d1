/**
 * classify's "none of these" decides from all offered labels together: P(none) = Π(1 − present), "none" when the
 * probability that any label is present stays below the cutoff. (The API test checks the same rule on real
 * audio through the bundle's calibration; these cases pin where it differs from "every present below the cutoff".)
 */
import { describe, expect, it } from 'vitest';
import { openSetNone } from '../../apps/api/src/search/index.js';

describe('openSetNone', () => {
  it('with one label it is the label alone against the cutoff', () => {
    expect(openSetNone([0.49], 0.5)).toEqual({ noneProbability: 0.51, noneOfThese: true });
    expect(openSetNone([0.5], 0.5).noneOfThese).toBe(false);
    expect(openSetNone([0.9], 0.5).noneOfThese).toBe(false);
  });

  it('several possible labels together make "none" unlikely although each alone is below the cutoff', () => {
    const r = openSetNone([0.3, 0.3, 0.01], 0.5);
    expect(r.noneProbability).toBeCloseTo(0.7 * 0.7 * 0.99, 12);
    expect(r.noneOfThese).toBe(false);
  });

  it('clear negatives stay "none of these", and unknown labels (present 0) do not move it', () => {
    expect(openSetNone([0.05, 0.02, 0.1], 0.5).noneOfThese).toBe(true);
    expect(openSetNone([0.05, 0, 0, 0], 0.5)).toEqual(openSetNone([0.05], 0.5));
    expect(openSetNone([0, 0, 0], 0.5)).toEqual({ noneProbability: 1, noneOfThese: true });
  });

  it('a stricter cutoff says "none" more often', () => {
    expect(openSetNone([0.3, 0.3], 0.5).noneOfThese).toBe(false);
    expect(openSetNone([0.3, 0.3], 0.8).noneOfThese).toBe(true);
  });
});
