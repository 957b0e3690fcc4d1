/** Small pure pieces of input and output hygiene: CSV cells that look like formulas, HTTP Range headers. */
import { describe, expect, it } from 'vitest';
import { parseRange } from '../../apps/api/src/http/audio.js';
import { csvField, renderExport, type ExportRow } from '../../apps/api/src/library/export.js';

describe('CSV export', () => {
  it('prefixes text cells that a spreadsheet would run as formulas, and leaves numbers alone', () => {
    for (const s of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvField(s).replace(/^"|"$/g, '')).toMatch(/^'/);
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField('rain-on-roof.wav')).toBe('rain-on-roof.wav');
    expect(csvField('a,b')).toBe('"a,b"');
    const row = {
      rank: 1,
      id: 1,
      path: '/lib/=cmd.wav',
      name: '=cmd.wav',
      folder: '/lib',
      format: 'wav',
      sampleRate: 48000,
      channels: 1,
      durationSec: 1,
      tags: '',
      score: -0.1,
      scoreKind: null,
      cosine: null,
      vectorRank: null,
      keywordRank: null,
      startSec: null,
      endSec: null,
    } satisfies ExportRow;
    const line = renderExport([row], 'CSV', 'x').content.split('\r\n')[1];
    expect(line).toContain(",'=cmd.wav,");
    expect(line).toContain(',-0.1,');
  });
});

describe('parseRange (RFC 9110 §14)', () => {
  it('serves valid ranges, answers 416 only for a start past the end, and ignores invalid range sets', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    // last-pos < first-pos is not a valid range: the whole file.
    expect(parseRange('bytes=5-2', 100)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
    expect(parseRange(undefined, 100)).toBeNull();
  });
});
