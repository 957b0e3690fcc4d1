// Pure helpers of the web app that the pages rely on for what the user reads.
import { describe, expect, it } from 'vitest';
import { roundPercents } from '../../apps/web/lib/percent.js';
import { toCsv } from '../../apps/web/lib/format.js';

describe('roundPercents (classification bars)', () => {
  it('keeps one decimal and still sums to exactly 100', () => {
    for (const probs of [[1 / 3, 1 / 3, 1 / 3], [0.6666, 0.1667, 0.1667], [0.5, 0.25, 0.125, 0.0625, 0.0625], [0.9991, 0.0003, 0.0003, 0.0003]]) {
      const p = roundPercents(probs);
      expect(Math.round(p.reduce((a, b) => a + b, 0) * 10)).toBe(1000);
      p.forEach((x, i) => expect(Math.abs(x - probs[i] * 100)).toBeLessThanOrEqual(0.1 + 1e-9));
    }
  });

  it('normalises scores that do not sum to 1 and returns zeros for an all-zero input', () => {
    expect(roundPercents([2, 2])).toEqual([50, 50]);
    expect(roundPercents([0, 0, 0])).toEqual([0, 0, 0]);
  });
});

describe('toCsv (client-side export)', () => {
  it('quotes commas, quotes and newlines and joins arrays with ;', () => {
    const csv = toCsv([{ name: 'a,b', path: 'say "hi"', tags: ['x', 'y'], n: 1 }, { name: 'line\nbreak', path: '', tags: [], n: 2 }]);
    expect(csv).toBe('name,path,tags,n\n"a,b","say ""hi""",x;y,1\n"line\nbreak",,,2\n');
  });
});
