// Pure helpers of the web app that the pages rely on for what the user reads.
import { describe, expect, it } from 'vitest';
import { roundPercents } from '../../apps/web/lib/percent.js';
import { toCsv } from '../../apps/web/lib/format.js';

describe('roundPercents (classification bars)', () => {
  it('keeps one decimal and still sums to exactly 100', () => {
    for (const probs of [
      [1 / 3, 1 / 3, 1 / 3],
      [0.6666, 0.1667, 0.1667],
      [0.5, 0.25, 0.125, 0.0625, 0.0625],
      [0.9991, 0.0003, 0.0003, 0.0003],
    ]) {
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
    const csv = toCsv([
      { name: 'a,b', path: 'say "hi"', tags: ['x', 'y'], n: 1 },
      { name: 'line\nbreak', path: '', tags: [], n: 2 },
    ]);
    expect(csv).toBe('name,path,tags,n\n"a,b","say ""hi""",x;y,1\n"line\nbreak",,,2\n');
  });
});

describe('encodeWav (recordings and rendered regions)', () => {
  it('writes interleaved PCM with a header that says what it holds, 16- and 24-bit', async () => {
    const { encodeWav } = await import('../../apps/web/lib/wav.js');
    const left = Float32Array.from([-1, 0, 0.5]);
    const right = Float32Array.from([1, -0.5, 2]); // 2 is clipped to full scale
    for (const bits of [16, 24] as const) {
      const b = Buffer.from(await encodeWav([left, right], 44100, bits).arrayBuffer());
      const bytes = bits / 8;
      expect(b.toString('ascii', 0, 4) + b.toString('ascii', 8, 12)).toBe('RIFFWAVE');
      expect([b.readUInt16LE(20), b.readUInt16LE(22), b.readUInt32LE(24), b.readUInt32LE(28), b.readUInt16LE(32), b.readUInt16LE(34)]).toEqual([
        1,
        2,
        44100,
        44100 * 2 * bytes,
        2 * bytes,
        bits,
      ]);
      expect(b.readUInt32LE(40)).toBe(3 * 2 * bytes);
      expect(b.length).toBe(44 + 3 * 2 * bytes);
      const full = bits === 16 ? 32767 : 8388607;
      const read = (i: number) => (bits === 16 ? b.readInt16LE(44 + i * 2) : b.readIntLE(44 + i * 3, 3));
      expect(Array.from({ length: 6 }, (_, i) => read(i))).toEqual([-full, full, 0, Math.round(-0.5 * full), Math.round(0.5 * full), full]);
    }
  });
});
