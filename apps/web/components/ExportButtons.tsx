'use client';
import { useState } from 'react';
import { ApiError, gql } from '@/lib/api';
import { EXPORT } from '@/lib/queries';
import { download, toCsv } from '@/lib/format';
import type { ClipFilter } from '@/lib/types';
import type { Row } from './HitList';

interface Props {
  /** Server-side export source (text / similarToClip / filter); when absent, the loaded rows are exported. */
  source?: { text?: string; hybrid?: boolean; similarToClip?: string; filter?: ClipFilter; limit?: number };
  rows: Row[];
  basename: string;
  /** What the header counts: a server-side export asks for every one of them. */
  totalCount?: number;
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

/** CSV / JSON download of a result list: through the API's `export` when the list has a server-side source. */
export function ExportButtons({ source, rows, basename, totalCount = 0 }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (format: 'CSV' | 'JSON') => {
    setBusy(true);
    setError(null);
    try {
      if (source) {
        // Every row the header counts, not one page of them; past the API's export maximum it says so.
        const limit = Math.max(totalCount, rows.length, 1);
        const { export: f } = await gql<{ export: { filename: string; mimeType: string; content: string } }>(EXPORT, {
          source: { limit, ...source },
          format,
        });
        download(f.filename, f.mimeType, f.content);
      } else {
        const recs = rowsToRecords(rows);
        if (format === 'CSV') download(`${basename}.csv`, 'text/csv', toCsv(recs));
        else download(`${basename}.json`, 'application/json', JSON.stringify(recs, null, 2));
      }
    } catch (e) {
      setError(e instanceof ApiError ? `Export failed: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="export" role="group" aria-label="Export results">
      <span className="muted small">Export</span>
      <button type="button" className="btn small ghost" disabled={busy || !rows.length} onClick={() => run('CSV')}>CSV</button>
      <button type="button" className="btn small ghost" disabled={busy || !rows.length} onClick={() => run('JSON')}>JSON</button>
      {error && <span className="error-text small" role="alert">{error}</span>}
    </div>
  );
}
