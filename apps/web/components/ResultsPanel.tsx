'use client';
import type { Row } from './HitList';
import { useState } from 'react';
import { HitList } from './HitList';
import { BulkTags } from './TagEditor';
import { ExportButtons } from './ExportButtons';
import { Empty, ErrorBox } from './States';
import type { PageInfo } from '@/lib/results';

/** The state of a paged list (what usePaged returns), shown as it is. */
interface PagedList {
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  pageInfo: PageInfo | null;
  totalCount: number;
  more: () => Promise<void>;
}

interface Props {
  rows: Row[];
  label: string;
  list: PagedList;
  onRetry?: () => void;
  exportSource?: Parameters<typeof ExportButtons>[0]['source'];
  exportName: string;
  empty: React.ReactNode;
  summary?: React.ReactNode;
  selectedKey?: string | null;
  onSelect?: (key: string) => void;
}

/** Header (count + export), list, load more, and the loading / empty / error states. */
export function ResultsPanel(props: Props) {
  const { list, ...p } = props;
  const [tags, setTags] = useState<Record<string, string[]>>({});
  // Clips picked for bulk tagging (ids of loaded rows only: a new list drops the picks it does not hold).
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const pickedIds = p.rows.map((r) => r.clip.id).filter((id) => picked.has(id));
  if (list.error && !p.rows.length) return <ErrorBox error={list.error} onRetry={p.onRetry} />;
  return (
    <section aria-label={p.label} aria-busy={list.loading}>
      <div className="results-head">
        <div className="muted" data-testid="results-summary" data-total={list.totalCount}>
          {list.loading ? 'Searching…' : (p.summary ?? (p.rows.length ? `${p.rows.length} of ${list.totalCount.toLocaleString()} shown` : ''))}
          {!!p.rows.length && !list.loading && (
            <span className="small">
              {' '}
              · <span className="kbd">↑</span> <span className="kbd">↓</span> move, <span className="kbd">space</span> play
            </span>
          )}
        </div>
        <div className="row tight">
          <BulkTags ids={pickedIds.length ? pickedIds : p.rows.map((r) => r.clip.id)} picked={pickedIds.length > 0} onSaved={(t) => setTags((old) => ({ ...old, ...t }))} />
          <ExportButtons rows={p.rows} source={p.exportSource} basename={p.exportName} />
        </div>
      </div>
      {list.loading && !p.rows.length ? (
        <div role="status" aria-label="Loading results">
          {Array.from({ length: 5 }, (_, i) => (
            <div key={i} className="skeleton" />
          ))}
        </div>
      ) : p.rows.length ? (
        <div style={{ opacity: list.loading ? 0.5 : 1 }}>
          <HitList
            rows={p.rows}
            label={p.label}
            selectedKey={p.selectedKey}
            onSelect={p.onSelect}
            tagOverrides={tags}
            onTags={(id, t) => setTags((old) => ({ ...old, [id]: t }))}
            picked={picked}
            onPick={(id, on) =>
              setPicked((old) => {
                const next = new Set(old);
                if (on) next.add(id);
                else next.delete(id);
                return next;
              })
            }
          />
        </div>
      ) : (
        p.empty
      )}
      {list.error && p.rows.length ? <ErrorBox error={list.error} /> : null}
      {list.pageInfo?.hasNextPage && !list.loading && (
        <div className="load-more">
          <button type="button" className="btn ghost" onClick={() => void list.more()} disabled={list.loadingMore} data-testid="load-more">
            {list.loadingMore
              ? 'Loading…'
              : `Load more (${p.rows.length.toLocaleString()}${p.rows.length < list.totalCount ? ` of ${list.totalCount.toLocaleString()}` : ''} shown)`}
          </button>
        </div>
      )}
    </section>
  );
}

export { Empty };
