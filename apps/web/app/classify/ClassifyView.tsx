'use client';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { gql, onApiChange } from '@/lib/api';
import { CLASSIFY, CLIP, CLIPS, LABEL_SETS } from '@/lib/queries';
import type { Classification, Clip, LabelSet } from '@/lib/results';
import { fmtDuration } from '@/lib/format';
import { AudioDrop, type Uploaded } from '@/components/AudioDrop';
import { HitList } from '@/components/HitList';
import { Empty, ErrorBox, Loading } from '@/components/States';
import { Bars } from './Bars';
import { LabelSets } from './LabelSets';
import type { ClassifyQuery, ClipQuery, ClipsQuery, LabelSetsQuery } from '@/lib/generated/graphql';

const DEFAULT_LABELS = 'piano, guitar, violin, speech, dog barking, rain';

export function ClassifyView() {
  const params = useSearchParams();
  const [source, setSource] = useState<'clip' | 'upload'>(params.get('clip') ? 'clip' : 'upload');
  const [clip, setClip] = useState<Clip | null>(null);
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [labelText, setLabelText] = useState(DEFAULT_LABELS);
  const [labelSetId, setLabelSetId] = useState('');
  // null until the server has answered: "no label sets yet" only when it says so.
  const [labelSets, setLabelSets] = useState<LabelSet[] | null>(null);
  const [template, setTemplate] = useState('This is a sound of {}.');
  const [multiLabel, setMultiLabel] = useState(false);
  const [result, setResult] = useState<Classification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadSets = useCallback(() => {
    gql<LabelSetsQuery>(LABEL_SETS)
      .then((d) => setLabelSets(d.labelSets))
      .catch(() => undefined); // the banner says the server is unreachable; the sets load when it is back
  }, []);
  useEffect(loadSets, [loadSets]);
  useEffect(() => onApiChange((up) => up && loadSets()), [loadSets]);

  useEffect(() => {
    const id = params.get('clip');
    if (id)
      gql<ClipQuery>(CLIP, { id })
        .then((d) => setClip(d.clip))
        .catch(setError);
  }, [params]);

  const labels = labelText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const audioVars = source === 'clip' ? (clip ? { clip: clip.id } : null) : uploaded ? { audio: uploaded.id } : null;
  const selectedSet = labelSets?.find((s) => s.id === labelSetId);
  const canRun = !!audioVars && (labelSetId ? true : labels.length >= 1);

  const run = async () => {
    if (!audioVars) return;
    setBusy(true);
    setError(null);
    try {
      const d = await gql<ClassifyQuery>(CLASSIFY, labelSetId ? { ...audioVars, labelSet: labelSetId } : { ...audioVars, labels, template, multiLabel });
      setResult(d.classify);
    } catch (e) {
      setError(e);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Classify</h1>
          <p>Score a sound against labels you type, or a saved label set: zero-shot, no training.</p>
        </div>
      </div>
      <div className="layout-side">
        <div style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
          <section className="card" aria-label="Sound to classify">
            <div className="tabs" role="tablist">
              <button type="button" role="tab" aria-selected={source === 'upload'} className={source === 'upload' ? 'on' : ''} onClick={() => setSource('upload')}>
                Upload a file
              </button>
              <button type="button" role="tab" aria-selected={source === 'clip'} className={source === 'clip' ? 'on' : ''} onClick={() => setSource('clip')}>
                Pick from library
              </button>
            </div>
            {source === 'upload' ? (
              <AudioDrop current={uploaded} label="Drop a sound to classify" onUploaded={(u) => (setUploaded(u), setResult(null))} />
            ) : (
              <ClipPicker value={clip} onChange={(c) => (setClip(c), setResult(null))} />
            )}
          </section>
          <section className="card" aria-label="Labels">
            <div className="field">
              <span>Saved label set</span>
              <select aria-label="Saved label set" value={labelSetId} onChange={(e) => setLabelSetId(e.target.value)}>
                <option value="">— type labels below —</option>
                {(labelSets ?? []).map((s) => (
                  <option key={s.id} value={s.id}>{`${s.name} (${s.labels.length} labels)`}</option>
                ))}
              </select>
            </div>
            {selectedSet ? (
              <div className="muted small" style={{ marginBottom: 12 }}>
                {selectedSet.labels.join(', ')} · template “{selectedSet.template}” · {selectedSet.multiLabel ? 'multi-label' : 'single-label'}
              </div>
            ) : (
              <>
                <label className="field">
                  <span>Labels, comma separated</span>
                  <input type="text" name="labels" value={labelText} onChange={(e) => setLabelText(e.target.value)} placeholder="piano, guitar, violin" />
                </label>
                <div className="row" style={{ marginBottom: 12 }}>
                  <label className="field grow" style={{ margin: 0 }}>
                    <span>Prompt template ({'{}'} = label)</span>
                    <input type="text" value={template} onChange={(e) => setTemplate(e.target.value)} />
                  </label>
                  <label className="toggle" title="Independent score per label instead of one probability distribution">
                    <input type="checkbox" checked={multiLabel} onChange={(e) => setMultiLabel(e.target.checked)} /> Multi-label
                  </label>
                </div>
              </>
            )}
            <button type="button" className="btn" disabled={!canRun || busy} onClick={run} data-testid="classify-run">
              {busy ? 'Classifying…' : 'Classify'}
            </button>
            {!audioVars && (
              <span className="muted small" style={{ marginLeft: 10 }}>
                Choose a sound first.
              </span>
            )}
          </section>
          <section className="card" aria-label="Classification result" aria-live="polite">
            <h3>Result</h3>
            {error ? (
              <ErrorBox error={error} onRetry={run} />
            ) : busy && !result ? (
              <Loading what="Scoring labels" />
            ) : result ? (
              <>
                {result.noneOfThese && (
                  <p className="notice" data-testid="none-of-these">
                    <strong>None of these.</strong> No label is likely present (each below 50 % on its own); the bars only rank the labels against each other.
                  </p>
                )}
                {result.scores.some((s) => s.unknownWords?.length) && (
                  <p className="notice small" data-testid="unknown-words">
                    The model does not know: <strong>{[...new Set(result.scores.flatMap((s) => s.unknownWords ?? []))].join(', ')}</strong>
                  </p>
                )}
                <Bars scores={result.scores} multiLabel={result.multiLabel} />
                {result.windows.length > 0 && (
                  <div style={{ marginTop: 16 }}>
                    <h3>Per window</h3>
                    <table>
                      <thead>
                        <tr>
                          <th>Window</th>
                          <th>Best label</th>
                          <th>Score</th>
                        </tr>
                      </thead>
                      <tbody>
                        {result.windows.map((w) => (
                          <tr key={w.startSec}>
                            <td className="mono">
                              {fmtDuration(w.startSec)} – {fmtDuration(w.endSec)}
                            </td>
                            <td>{w.best.label}</td>
                            <td className="mono">{(w.best.score * 100).toFixed(1)} %</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </>
            ) : (
              <Empty title="No result yet">Choose a sound and labels, then press Classify.</Empty>
            )}
          </section>
        </div>
        <LabelSets sets={labelSets} onChanged={loadSets} />
      </div>
    </div>
  );
}

function ClipPicker({ value, onChange }: { value: Clip | null; onChange: (c: Clip) => void }) {
  const [clips, setClips] = useState<Clip[] | null>(null);
  const [page, setPage] = useState<{ total: number; cursor: string | null; more: boolean }>({ total: 0, cursor: null, more: false });
  const [error, setError] = useState<unknown>(null);
  const [q, setQ] = useState('');
  // Pages of 200 (the API's page cap); the picker says how many it holds and loads the rest on request.
  const load = useCallback((after: string | null) => {
    gql<ClipsQuery>(CLIPS, { first: 200, after })
      .then((d) => {
        setClips((old) => [...(after ? (old ?? []) : []), ...d.clips.nodes]);
        setPage({ total: d.clips.totalCount, cursor: d.clips.pageInfo.endCursor, more: d.clips.pageInfo.hasNextPage });
        setError(null);
      })
      .catch(setError);
  }, []);
  useEffect(() => load(null), [load]);
  if (error) return <ErrorBox error={error} onRetry={() => load(null)} />;
  if (!clips) return <Loading what="Loading clips" />;
  if (!clips.length) return <Empty title="The library is empty">Ingest a folder on the Ingest page, or upload a file instead.</Empty>;
  const matching = clips.filter((c) => !q || c.path.toLowerCase().includes(q.toLowerCase()));
  const shown = matching.slice(0, 50);
  return (
    <div className="audiodrop-wrap">
      {value && <HitList rows={[{ key: `pick-${value.id}`, clip: value }]} label="Chosen clip" actions={false} keys={false} />}
      <input type="search" aria-label="Filter clips by name" placeholder="Filter clips by name or path" value={q} onChange={(e) => setQ(e.target.value)} />
      <select
        size={6}
        aria-label="Clip to classify"
        value={value?.id ?? ''}
        onChange={(e) => {
          const c = clips.find((x) => x.id === e.target.value);
          if (c) onChange(c);
        }}
        data-testid="clip-picker"
      >
        {shown.map((c) => (
          <option key={c.id} value={c.id}>{`${c.name} · ${fmtDuration(c.durationSec)}`}</option>
        ))}
      </select>
      <div className="muted small" data-testid="picker-count">
        {shown.length < matching.length ? `First ${shown.length} of ${matching.length} matching; type more to narrow. ` : `${matching.length} matching. `}
        {clips.length < page.total ? (
          <>
            {clips.length} of {page.total} clips loaded.{' '}
            <button type="button" className="linkish" onClick={() => load(page.cursor)} disabled={!page.more}>
              Load more
            </button>
          </>
        ) : null}
      </div>
    </div>
  );
}
