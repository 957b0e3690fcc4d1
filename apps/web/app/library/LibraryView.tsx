'use client';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { gql, onApiChange } from '@/lib/api';
import { CLIPS, FOLDERS, LABEL_SETS, PREDICTED_LABELS } from '@/lib/queries';
import type { ClipFilter, Folder, LabelCount, LabelSet, ListedClip } from '@/lib/results';
import { usePaged } from '@/lib/usePaged';
import { ResultsPanel } from '@/components/ResultsPanel';
import { Empty, ErrorBox } from '@/components/States';
import type { ClipsQuery, FoldersQuery, LabelSetsQuery, PredictedLabelsQuery } from '@/lib/generated/graphql';

export function LibraryView() {
  const params = useSearchParams();
  const router = useRouter();
  const folder = params.get('folder') ?? '';
  const labelSet = params.get('labelSet') ?? '';
  const label = params.get('label') ?? '';
  // Browse by label: only clips whose stored confidence (calibrated presence) reaches this.
  const minScore = Number(params.get('min') ?? 0) || 0;
  const [folders, setFolders] = useState<Folder[] | null>(null);
  const [folderError, setFolderError] = useState<unknown>(null);
  const [sets, setSets] = useState<LabelSet[]>([]);
  const [counts, setCounts] = useState<LabelCount[]>([]);
  const list = usePaged<ListedClip>();

  const go = useCallback(
    (next: { folder?: string; labelSet?: string; label?: string; min?: number }) => {
      const sp = new URLSearchParams();
      const f = next.folder ?? folder;
      const ls = next.labelSet ?? labelSet;
      const l = next.label ?? label;
      if (f) sp.set('folder', f);
      if (ls) sp.set('labelSet', ls);
      if (ls && l) sp.set('label', l);
      const m = next.min ?? minScore;
      if (ls && l && m) sp.set('min', String(m));
      router.push(sp.size ? `/library?${sp}` : '/library', { scroll: false });
    },
    [folder, labelSet, label, minScore, router],
  );

  const loadFolders = useCallback(() => {
    setFolders(null);
    gql<FoldersQuery>(FOLDERS, { prefix: folder || null })
      .then((d) => {
        setFolders(d.folders);
        setFolderError(null);
      })
      .catch(setFolderError);
  }, [folder]);
  useEffect(loadFolders, [loadFolders]);
  useEffect(() => onApiChange((up) => up && loadFolders()), [loadFolders]);

  useEffect(() => {
    const load = () =>
      gql<LabelSetsQuery>(LABEL_SETS)
        .then((d) => setSets(d.labelSets))
        .catch(() => undefined);
    void load();
    return onApiChange((up) => up && load());
  }, []);

  useEffect(() => {
    if (!labelSet) return setCounts([]);
    gql<PredictedLabelsQuery>(PREDICTED_LABELS, { labelSet })
      .then((d) => setCounts(d.predictedLabels))
      .catch(() => setCounts([]));
  }, [labelSet]);

  const filter = useMemo<ClipFilter>(() => {
    const f: ClipFilter = {};
    if (folder) f.folderPrefix = folder;
    if (labelSet && label) f.predictedLabel = minScore ? { labelSet, label, minScore } : { labelSet, label };
    return f;
  }, [folder, labelSet, label, minScore]);

  const load = useCallback(() => {
    void list.run(async (after) => {
      const d = await gql<ClipsQuery>(CLIPS, { filter, first: 50, after });
      return { items: d.clips.nodes, pageInfo: d.clips.pageInfo, totalCount: d.clips.totalCount };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filter]);
  useEffect(load, [load]);

  // Browsing by label shows each clip's stored confidence for it (the calibrated presence, or the softmax score).
  const rows = useMemo(
    () =>
      list.items.map((c) => {
        const p = labelSet && label ? c.predictions?.find((x) => x.labelSet.id === labelSet) : undefined;
        return p ? { key: c.id, clip: c, score: p.score, scoreKind: 'relevance' as const } : { key: c.id, clip: c };
      }),
    [list.items, labelSet, label],
  );

  // Breadcrumbs from the folder path (absolute server paths: split on "/").
  const crumbs = folder ? folder.split('/').filter(Boolean) : [];

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Library</h1>
          <p>Browse the ingested folders and clips; click a clip to listen.</p>
        </div>
        <div className="row tight">
          <select aria-label="Browse by predicted label of label set" value={labelSet} onChange={(e) => go({ labelSet: e.target.value, label: '' })}>
            <option value="">Browse by predicted label…</option>
            {sets.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {labelSet && label && (
        <div className="row tight" style={{ marginBottom: 8 }}>
          <select aria-label="Minimum confidence" value={String(minScore)} onChange={(e) => go({ min: Number(e.target.value) })} data-testid="min-confidence">
            <option value="0">any confidence</option>
            <option value="0.5">confidence ≥ 50 %</option>
            <option value="0.8">confidence ≥ 80 %</option>
          </select>
        </div>
      )}
      {labelSet && (
        <div className="chips" style={{ marginBottom: 14 }} aria-label="Predicted labels">
          {counts.length ? (
            counts.map((c) => (
              <button key={c.label} type="button" className={`chip${c.label === label ? ' on' : ''}`} onClick={() => go({ label: c.label === label ? '' : c.label })}>
                {c.label} · {c.count}
              </button>
            ))
          ) : (
            <span className="muted small">
              No predictions stored for this set yet: <Link href="/classify">run it over the library</Link> on the Classify page.
            </span>
          )}
        </div>
      )}
      <nav className="crumbs" aria-label="Folder path">
        <button type="button" onClick={() => go({ folder: '' })}>
          All folders
        </button>
        {crumbs.map((c, i) => {
          const p = (folder.startsWith('/') ? '/' : '') + crumbs.slice(0, i + 1).join('/');
          return (
            <span key={p}>
              <span className="muted">/ </span>
              {i === crumbs.length - 1 ? (
                <strong>{c}</strong>
              ) : (
                <button type="button" onClick={() => go({ folder: p })}>
                  {c}
                </button>
              )}
            </span>
          );
        })}
      </nav>
      {/* One error per view: when the list failed too, its box says it. */}
      {folderError && !list.error ? (
        <ErrorBox error={folderError} onRetry={loadFolders} />
      ) : folders && folders.length > 0 ? (
        <div className="folder-grid" data-testid="folders">
          {folders.map((f) => (
            <button key={f.path} type="button" className="folder" onClick={() => go({ folder: f.path })} title={f.path}>
              <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden style={{ flex: 'none', color: 'var(--accent)' }}>
                <path
                  d="M3 6.5A1.5 1.5 0 0 1 4.5 5h4.2l2 2h8.8A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.6"
                />
              </svg>
              <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{f.name}</span>
              <span className="n">{f.clipCount}</span>
            </button>
          ))}
        </div>
      ) : null}
      <ResultsPanel
        label="Clips"
        rows={rows}
        list={list}
        onRetry={load}
        exportSource={{ filter }}
        exportName="earshot-library"
        summary={list.items.length ? `${list.items.length} of ${list.totalCount.toLocaleString()} clips` : undefined}
        empty={
          folder || label ? (
            <Empty title="No clips here">Go up a folder, or pick another label.</Empty>
          ) : (
            <Empty title="The library is empty">
              Add your sounds: open <Link href="/ingest">Ingest</Link>, enter a folder path on the server and start.
            </Empty>
          )
        }
      />
    </div>
  );
}
