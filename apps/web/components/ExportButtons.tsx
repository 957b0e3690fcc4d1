'use client';
import { download, toCsv } from '@/lib/format';
import type { ClipFilter } from '@/lib/results';
import type { Row } from './HitList';

interface Props {
  /** Server-side export source (text / similarToClip / filter); when absent, the loaded rows are exported. */
  source?: { text?: string; hybrid?: boolean; similarToClip?: string; filter?: ClipFilter };
  rows: Row[];
  basename: string;
}

export function rowsToRecords(rows: Row[]): Record<string, unknown>[] {
  return rows.map((r, i) => ({
    rank: i + 1,
    id: r.clip.id,
    name: r.clip.name,
    path: r.clip.path,
    format: r.clip.format,
    durationSec: +r.clip.durationSec.toFixed(3),
    sampleRate: r.clip.sampleRate,
    channels: r.clip.channels,
    score: r.score ?? '',
    scoreKind: r.scoreKind ?? '',
    cosine: r.cosine ?? '',
    vectorRank: r.vectorRank ?? '',
    keywordRank: r.keywordRank ?? '',
    startSec: r.startSec ?? '',
    endSec: r.endSec ?? '',
    tags: r.clip.tags,
  }));
}

/** The API's streamed export of the whole list (every row the header counts, not the pages loaded so far). */
export function exportHref(source: NonNullable<Props['source']>, format: 'csv' | 'json'): string {
  const sp = new URLSearchParams({ format });
  if (source.text) sp.set('text', source.text);
  if (source.text && source.hybrid === false) sp.set('hybrid', '0');
  if (source.similarToClip) sp.set('similarToClip', source.similarToClip);
  if (source.filter && Object.keys(source.filter).length) sp.set('filter', JSON.stringify(source.filter));
  return `/export?${sp}`;
}

/** CSV / JSON download of a result list: streamed by the API (GET /export) when the list has a server-side source. */
export function ExportButtons({ source, rows, basename }: Props) {
  const local = (format: 'CSV' | 'JSON') => {
    const recs = rowsToRecords(rows);
    if (format === 'CSV') download(`${basename}.csv`, 'text/csv', toCsv(recs));
    else download(`${basename}.json`, 'application/json', JSON.stringify(recs, null, 2));
  };
  return (
    <div className="export" role="group" aria-label="Export results">
      <span className="muted small">Export</span>
      {source && rows.length ? (
        <>
          <a className="btn small ghost" href={exportHref(source, 'csv')} download>
            CSV
          </a>
          <a className="btn small ghost" href={exportHref(source, 'json')} download>
            JSON
          </a>
        </>
      ) : (
        <>
          <button type="button" className="btn small ghost" disabled={!rows.length} onClick={() => local('CSV')}>
            CSV
          </button>
          <button type="button" className="btn small ghost" disabled={!rows.length} onClick={() => local('JSON')}>
            JSON
          </button>
        </>
      )}
    </div>
  );
}
