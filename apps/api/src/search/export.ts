/** A result list as CSV or JSON text, for download. */
import { EarshotError } from '../errors.js';
import type { ClipRow } from './clips.js';
import type { Hit, ScoreKind } from './rank.js';

export type ExportFormat = 'CSV' | 'JSON';

export interface ExportRow {
  rank: number;
  id: number;
  path: string;
  name: string;
  folder: string;
  format: string;
  sampleRate: number;
  channels: number;
  durationSec: number;
  tags: string;
  /** The value the list was ordered by (scoreKind says which), then its parts. */
  score: number | null;
  scoreKind: string | null;
  cosine: number | null;
  vectorRank: number | null;
  keywordRank: number | null;
  startSec: number | null;
  endSec: number | null;
}

export const EXPORT_MAX = 10_000;

export function fromClips(clips: ClipRow[]): ExportRow[] {
  return clips.map((c, i) => row(i + 1, c, null));
}

export function fromHits(hits: Hit[], scoreKind: ScoreKind): ExportRow[] {
  return hits.map((h, i) => row(i + 1, h.clip, h, scoreKind));
}

function row(rank: number, c: ClipRow, h: Hit | null, scoreKind: ScoreKind | null = null): ExportRow {
  return {
    rank,
    id: c.id,
    path: c.path,
    name: c.name,
    folder: c.folder,
    format: c.format,
    sampleRate: c.sampleRate,
    channels: c.channels,
    durationSec: c.durationSec,
    tags: c.tags.join(';'),
    score: h?.score ?? null,
    scoreKind: h ? scoreKind : null,
    cosine: h?.cosine ?? null,
    vectorRank: h?.vectorRank ?? null,
    keywordRank: h?.keywordRank ?? null,
    startSec: h?.startSec ?? null,
    endSec: h?.endSec ?? null,
  };
}

/**
 * RFC 4180: quote fields holding a comma, quote or line break; double inner quotes. A text cell that
 * starts like a formula (= + - @, tab, CR) gets a leading apostrophe (OWASP's CSV-injection advice):
 * a file named "=HYPERLINK(…)" must open in a spreadsheet as text. Numbers are left as they are.
 */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderExport(rows: ExportRow[], format: ExportFormat, stem: string): { filename: string; mimeType: string; content: string } {
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'earshot';
  if (format === 'JSON') return { filename: `${safe}.json`, mimeType: 'application/json', content: JSON.stringify(rows, null, 2) };
  if (format !== 'CSV') throw new EarshotError('BAD_USER_INPUT', `unknown export format ${format}`, { subject: 'format' });
  const cols: (keyof ExportRow)[] = ['rank', 'id', 'path', 'name', 'folder', 'format', 'sampleRate', 'channels', 'durationSec', 'tags', 'score', 'scoreKind', 'cosine', 'vectorRank', 'keywordRank', 'startSec', 'endSec'];
  const lines = [cols.join(','), ...rows.map((r) => cols.map((k) => csvField(r[k])).join(','))];
  return { filename: `${safe}.csv`, mimeType: 'text/csv', content: `${lines.join('\r\n')}\r\n` };
}
