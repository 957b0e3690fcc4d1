/** A result list as CSV or JSON, for download: whole (GraphQL `export`) or streamed a page at a time (GET /export). */
import { EarshotError } from '../errors.js';
import type { Hit, HitPage, ScoreKind } from '../search/rank.js';
import type { ClipFilter, ClipRow } from '../store/index.js';

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

export const EXPORT_COLUMNS: (keyof ExportRow)[] = [
  'rank',
  'id',
  'path',
  'name',
  'folder',
  'format',
  'sampleRate',
  'channels',
  'durationSec',
  'tags',
  'score',
  'scoreKind',
  'cosine',
  'vectorRank',
  'keywordRank',
  'startSec',
  'endSec',
];

export function csvLine(r: ExportRow): string {
  return EXPORT_COLUMNS.map((k) => csvField(r[k])).join(',');
}

/** A file name stem made of safe characters only (it goes into Content-Disposition and the download's name). */
export function safeStem(stem: string): string {
  return (
    stem
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'earshot'
  );
}

export interface ExportSource {
  text?: string | null;
  hybrid?: boolean | null;
  similarToClip?: string | null;
  filter?: ClipFilter | null;
}

export function exportStem(src: ExportSource): string {
  if (src.text) return `search_${src.text}`;
  if (src.similarToClip) return `similar_${src.similarToClip}`;
  return 'library';
}

/** The list fetchers an export pages through: the same functions (and so the same order and cutoff) as the lists the user sees. */
export interface ExportFetchers {
  text: (query: string, hybrid: boolean, filter: ClipFilter | null | undefined, first: number, after: string | null) => Promise<HitPage>;
  similar: (clip: string, filter: ClipFilter | null | undefined, first: number, after: string | null) => Promise<HitPage>;
  clips: (filter: ClipFilter | null | undefined, first: number, after: string | null) => Promise<{ nodes: ClipRow[]; hasNextPage: boolean; endCursor: string | null }>;
}

/**
 * The rows of a result list in rank order, one page (`pageSize`, the API's page cap) at a time, up to
 * `limit` rows: a search or similar list is its good matches by relevance, a listing is clips by path.
 */
export async function* exportPages(fetch: ExportFetchers, src: ExportSource, limit: number, pageSize: number): AsyncGenerator<ExportRow[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new EarshotError('BAD_USER_INPUT', `limit must be a positive integer, got ${limit}`, { subject: 'limit' });
  if (src.text && src.similarToClip) throw new EarshotError('BAD_USER_INPUT', 'give at most one of text / similarToClip', { subject: 'source' });
  let done = 0;
  let after: string | null = null;
  for (;;) {
    const first = Math.min(pageSize, limit - done);
    let rows: ExportRow[];
    let more: boolean;
    if (src.text || src.similarToClip) {
      const p: HitPage = src.text ? await fetch.text(src.text, src.hybrid ?? true, src.filter, first, after) : await fetch.similar(src.similarToClip!, src.filter, first, after);
      rows = fromHits(p.hits, 'RELEVANCE');
      more = p.hasNextPage;
      after = p.endCursor;
    } else {
      const p: { nodes: ClipRow[]; hasNextPage: boolean; endCursor: string | null } = await fetch.clips(src.filter, first, after);
      rows = fromClips(p.nodes);
      more = p.hasNextPage;
      after = p.endCursor;
    }
    for (const r of rows) r.rank += done;
    done += rows.length;
    if (rows.length) yield rows;
    if (!more || done >= limit || !rows.length) return;
  }
}

export function renderExport(rows: ExportRow[], format: ExportFormat, stem: string): { filename: string; mimeType: string; content: string } {
  const safe = safeStem(stem);
  if (format === 'JSON') return { filename: `${safe}.json`, mimeType: 'application/json', content: JSON.stringify(rows, null, 2) };
  if (format !== 'CSV') throw new EarshotError('BAD_USER_INPUT', `unknown export format ${format}`, { subject: 'format' });
  const lines = [EXPORT_COLUMNS.join(','), ...rows.map(csvLine)];
  return { filename: `${safe}.csv`, mimeType: 'text/csv', content: `${lines.join('\r\n')}\r\n` };
}
