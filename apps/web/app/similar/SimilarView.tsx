'use client';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { gql } from '@/lib/api';
import { CLIP, NEAR_DUPLICATES, NEAR_DUPLICATES_STATUS, SIMILAR } from '@/lib/queries';
import type { Clip, DuplicatePair, Hit } from '@/lib/results';
import { usePaged } from '@/lib/usePaged';
import { fmtDuration } from '@/lib/format';
import { AudioDrop, type Uploaded } from '@/components/AudioDrop';
import { HitList } from '@/components/HitList';
import { usePlayer } from '@/components/Player';
import { ResultsPanel } from '@/components/ResultsPanel';
import { Empty, ErrorBox, Loading } from '@/components/States';
import { hitToRow } from '../SearchView';
import type { ClipQuery, NearDuplicatesQuery, NearDuplicatesStatusQuery, SimilarQuery } from '@/lib/generated/graphql';

export function SimilarView() {
  const params = useSearchParams();
  const router = useRouter();
  const clipId = params.get('clip');
  const [tab, setTab] = useState<'similar' | 'dups'>(params.get('tab') === 'dups' ? 'dups' : 'similar');
  const [queryClip, setQueryClip] = useState<Clip | null>(null);
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const list = usePaged<Hit>();

  useEffect(() => {
    setQueryClip(null);
    if (!clipId) return;
    setUploaded(null);
    gql<ClipQuery>(CLIP, { id: clipId })
      .then((d) => setQueryClip(d.clip))
      .catch(() => setQueryClip(null));
  }, [clipId]);

  // weak = the weaker hits (below the model's cutoff) too, on request.
  const [weak, setWeak] = useState(false);
  useEffect(() => setWeak(false), [clipId, uploaded]);
  const runSimilar = useCallback(() => {
    const vars = uploaded ? { audio: uploaded.id } : clipId ? { clip: clipId } : null;
    if (!vars) return list.reset();
    void list.run(async (after) => {
      const d = await gql<SimilarQuery>(SIMILAR, { ...vars, first: 20, after, weak });
      return { items: d.similarTo.hits, pageInfo: d.similarTo.pageInfo, totalCount: d.similarTo.totalCount };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [clipId, uploaded, weak]);

  useEffect(() => {
    if (tab === 'similar') runSimilar();
  }, [runSimilar, tab]);

  // The query clip itself comes back first (distance 0): keep it out of its own result list.
  const rows = useMemo(() => list.items.filter((h) => h.clip.id !== clipId || uploaded).map(hitToRow), [list.items, clipId, uploaded]);

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Find similar</h1>
          <p>Start from any search result, or drop a sound of your own to find more like it.</p>
        </div>
      </div>
      <div className="layout-side">
        <div>
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'similar'} className={tab === 'similar' ? 'on' : ''} onClick={() => setTab('similar')}>
              Similar sounds
            </button>
            <button type="button" role="tab" aria-selected={tab === 'dups'} className={tab === 'dups' ? 'on' : ''} onClick={() => setTab('dups')}>
              Near-duplicates
            </button>
          </div>
          {tab === 'similar' ? (
            <ResultsPanel
              label="Similar clips"
              rows={rows}
              list={list}
              onRetry={runSimilar}
              exportSource={!uploaded && clipId ? { similarToClip: clipId } : undefined}
              exportName="earshot-similar"
              empty={
                list.ran ? (
                  <Empty title="Nothing in your library sounds like it">
                    No clip reaches the model&apos;s cutoff for a good match.{' '}
                    {!weak && (
                      <button type="button" className="btn small ghost" onClick={() => setWeak(true)} data-testid="show-weak">
                        Show weaker matches
                      </button>
                    )}
                  </Empty>
                ) : (
                  <Empty title="Pick a starting sound">Drop or record a file on the right, or use “Similar” on any search result.</Empty>
                )
              }
            />
          ) : (
            <NearDuplicates clipId={uploaded ? null : clipId} />
          )}
        </div>
        <aside className="card" aria-label="Query sound">
          <h3>Query sound</h3>
          {queryClip && !uploaded && (
            <div style={{ marginBottom: 14 }} data-testid="query-clip">
              <HitList rows={[{ key: `q-${queryClip.id}`, clip: queryClip }]} label="Query clip" actions={false} keys={false} />
              <button type="button" className="btn small ghost" style={{ marginTop: 8 }} onClick={() => router.replace('/similar')}>
                Clear
              </button>
            </div>
          )}
          <AudioDrop
            current={uploaded}
            label="Drop a sound to find more like it"
            onUploaded={(u) => {
              setTab('similar');
              setUploaded(u);
              if (clipId) router.replace('/similar');
            }}
          />
        </aside>
      </div>
    </div>
  );
}

function PairClip({ clip }: { clip: Clip }) {
  const player = usePlayer();
  const playing = player.clip?.id === clip.id && player.playing;
  return (
    <div className="row tight">
      <button type="button" className="btn icon sm" aria-label={`${playing ? 'Pause' : 'Play'} ${clip.name}`} onClick={() => player.toggle(clip)}>
        {playing ? '❚❚' : '▶'}
      </button>
      <div style={{ minWidth: 0 }}>
        <div>{clip.name}</div>
        <div className="muted small mono">
          {clip.folder} · {fmtDuration(clip.durationSec)}
        </div>
      </div>
    </div>
  );
}

function NearDuplicates({ clipId }: { clipId: string | null }) {
  const [maxDistance, setMaxDistance] = useState(0.02);
  const [pairs, setPairs] = useState<DuplicatePair[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<NearDuplicatesStatusQuery['nearDuplicatesStatus'] | null>(null);

  const load = useCallback(() => {
    setPairs(null);
    setError(null);
    gql<NearDuplicatesQuery>(NEAR_DUPLICATES, { clip: clipId, maxDistance, first: 100 })
      .then((d) => setPairs(d.nearDuplicates))
      .catch(setError);
    // Library-wide pairs are a stored computation: say when it is being redone or out of date.
    if (!clipId)
      gql<NearDuplicatesStatusQuery>(NEAR_DUPLICATES_STATUS)
        .then((d) => setStatus(d.nearDuplicatesStatus))
        .catch(() => setStatus(null));
  }, [clipId, maxDistance]);

  useEffect(() => {
    const t = setTimeout(load, 250);
    return () => clearTimeout(t);
  }, [load]);

  return (
    <section aria-label="Near-duplicates">
      <div className="row" style={{ marginBottom: 12 }}>
        <label className="toggle">
          Max cosine distance
          <input type="range" min={0} max={0.2} step={0.005} value={maxDistance} onChange={(e) => setMaxDistance(Number(e.target.value))} />
          <span className="mono">{maxDistance.toFixed(3)}</span>
        </label>
        <span className="muted small">{clipId ? 'duplicates of the query clip' : 'pairs across the whole library'}</span>
        {!clipId && status && (
          <span className="muted small" data-testid="near-status">
            {status.job
              ? `computing${status.job.total ? ` (${status.job.processed} / ${status.job.total} clips)` : ''}…`
              : status.stale
                ? 'out of date: clips were added since the last computation'
                : status.computedAt
                  ? `computed ${new Date(status.computedAt).toLocaleString()}`
                  : ''}
          </span>
        )}
      </div>
      {error ? (
        <ErrorBox error={error} onRetry={load} />
      ) : !pairs ? (
        <Loading what="Looking for near-duplicates" />
      ) : !pairs.length ? (
        <Empty title="No near-duplicates at this distance">Raise the maximum distance to see looser matches.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Clip A</th>
              <th>Clip B</th>
              <th>Distance</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pairs.map((p) => (
              <tr key={`${p.a.id}-${p.b.id}`}>
                <td>
                  <PairClip clip={p.a} />
                </td>
                <td>
                  <PairClip clip={p.b} />
                </td>
                <td className="mono">{p.distance.toFixed(4)}</td>
                <td>{p.identical && <span className="pill warn">identical</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
