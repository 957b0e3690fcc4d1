'use client';
import type { Row } from './HitList';
import { HitList } from './HitList';
import { ExportButtons } from './ExportButtons';
import { Empty, ErrorBox } from './States';
import type { PageInfo } from '@/lib/types';

interface Props {
  rows: Row[];
  label: string;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  pageInfo: PageInfo | null;
  totalCount: number;
  onMore: () => void;
  onRetry?: () => void;
  exportSource?: Parameters<typeof ExportButtons>[0]['source'];
  exportName: string;
  empty: React.ReactNode;
  summary?: React.ReactNode;
}

/** Header (count + export), list, load more, and the loading / empty / error states. */
export function ResultsPanel(p: Props) {
  if (p.error && !p.rows.length) return <ErrorBox error={p.error} onRetry={p.onRetry} />;
  return (
    <section aria-label={p.label} aria-busy={p.loading}>
      <div className="results-head">
        <div className="muted" data-testid="results-summary">
          {p.loading ? 'Searching…' : p.summary ?? (p.rows.length ? `${p.rows.length} of ${p.totalCount.toLocaleString()} shown` : '')}
          {!!p.rows.length && !p.loading && (
            <span className="small"> · <span className="kbd">↑</span> <span className="kbd">↓</span> move, <span className="kbd">space</span> play</span>
          )}
        </div>
        <ExportButtons rows={p.rows} source={p.exportSource} basename={p.exportName} />
      </div>
      {p.loading && !p.rows.length ? (
        <div role="status" aria-label="Loading results">
          {Array.from({ length: 5 }, (_, i) => (
            <div key={i} className="skeleton" />
          ))}
        </div>
      ) : p.rows.length ? (
        <div style={{ opacity: p.loading ? 0.5 : 1 }}>
          <HitList rows={p.rows} label={p.label} />
        </div>
      ) : (
        p.empty
      )}
      {p.error && p.rows.length ? <ErrorBox error={p.error} /> : null}
      {p.pageInfo?.hasNextPage && !p.loading && (
        <div className="load-more">
          <button type="button" className="btn ghost" onClick={p.onMore} disabled={p.loadingMore} data-testid="load-more">
            {p.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}

export { Empty };
