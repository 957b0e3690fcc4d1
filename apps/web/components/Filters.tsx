'use client';
import { useEffect, useState } from 'react';
import { gql, onApiChange } from '@/lib/api';
import { FolderTree } from './FolderTree';
import { FACETS, PREDICTED_LABELS } from '@/lib/queries';
import type { ClipFilter, Facets, LabelCount } from '@/lib/results';
import { fmtRate } from '@/lib/format';
import type { FacetsQuery, PredictedLabelsQuery } from '@/lib/generated/graphql';

interface Props {
  value: ClipFilter;
  /** typing: the change comes from a number still being typed (the URL entry is replaced, not pushed). */
  onChange: (f: ClipFilter, typing?: boolean) => void;
}

export function activeFilterCount(f: ClipFilter): number {
  return [
    f.minDurationSec != null,
    f.maxDurationSec != null,
    !!f.formats?.length,
    !!f.codecs?.length,
    !!f.bitDepths?.length,
    !!f.ucsCategories?.length,
    !!f.sampleRates?.length,
    !!f.folderPrefix,
    !!f.tags?.length,
    !!f.predictedLabel,
  ].filter(Boolean).length;
}

/** Filter controls fed by `facets` (values present in the library). */
export function Filters({ value, onChange }: Props) {
  const [facets, setFacets] = useState<Facets | null>(null);
  const [labelSets, setLabelSets] = useState<FacetsQuery['labelSets']>([]);
  const [counts, setCounts] = useState<LabelCount[]>([]);
  const [labelSetId, setLabelSetId] = useState(value.predictedLabel?.labelSet ?? '');
  const [tagText, setTagText] = useState((value.tags ?? []).join(', '));

  useEffect(() => {
    const load = () =>
      gql<FacetsQuery>(FACETS)
        .then((d) => {
          setFacets(d.facets);
          setLabelSets(d.labelSets);
        })
        .catch(() => undefined); // the result list (or the banner) reports API errors; filters wait for the server
    void load();
    return onApiChange((up) => up && load());
  }, []);

  useEffect(() => {
    if (!labelSetId) return setCounts([]);
    gql<PredictedLabelsQuery>(PREDICTED_LABELS, { labelSet: labelSetId })
      .then((d) => setCounts(d.predictedLabels))
      .catch(() => setCounts([]));
  }, [labelSetId]);

  const set = (patch: Partial<ClipFilter>, typing = false) => {
    const next: ClipFilter = { ...value, ...patch };
    for (const k of Object.keys(next) as (keyof ClipFilter)[]) {
      const v = next[k];
      if (v == null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'number' && Number.isNaN(v))) delete next[k];
    }
    onChange(next, typing);
  };
  const toggleIn = <T,>(arr: T[] | null | undefined, v: T): T[] => (arr?.includes(v) ? arr.filter((x) => x !== v) : [...(arr ?? []), v]);
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

  return (
    <div className="filters" role="group" aria-label="Filters">
      <fieldset>
        <legend>Duration (s)</legend>
        <div className="row tight">
          <input
            type="number"
            min={0}
            step="0.1"
            aria-label="Minimum duration in seconds"
            placeholder={facets ? `min ${facets.minDurationSec.toFixed(1)}` : 'min'}
            value={value.minDurationSec ?? ''}
            onChange={(e) => set({ minDurationSec: num(e.target.value) }, true)}
          />
          <span className="muted">–</span>
          <input
            type="number"
            min={0}
            step="0.1"
            aria-label="Maximum duration in seconds"
            placeholder={facets ? `max ${facets.maxDurationSec.toFixed(1)}` : 'max'}
            value={value.maxDurationSec ?? ''}
            onChange={(e) => set({ maxDurationSec: num(e.target.value) }, true)}
          />
        </div>
      </fieldset>
      {facets && (
        <>
          <fieldset>
            <legend>Format</legend>
            <div className="chips">
              {(facets?.formats ?? []).map((f) => (
                <label key={f} className={`chip${value.formats?.includes(f) ? ' on' : ''}`}>
                  <input type="checkbox" checked={!!value.formats?.includes(f)} onChange={() => set({ formats: toggleIn(value.formats, f) })} />
                  {f}
                </label>
              ))}
              {facets && !facets.formats.length && <span className="muted small">none yet</span>}
            </div>
          </fieldset>
          {facets.ucsCategories.length > 0 && (
            <fieldset>
              <legend>UCS category</legend>
              <div className="chips">
                {facets.ucsCategories.map((c) => (
                  <label key={c} className={`chip${value.ucsCategories?.includes(c) ? ' on' : ''}`}>
                    <input type="checkbox" checked={!!value.ucsCategories?.includes(c)} onChange={() => set({ ucsCategories: toggleIn(value.ucsCategories, c) })} />
                    {c}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          {facets.codecs.length > 1 && (
            <fieldset>
              <legend>Codec</legend>
              <div className="chips">
                {facets.codecs.map((c) => (
                  <label key={c} className={`chip${value.codecs?.includes(c) ? ' on' : ''}`}>
                    <input type="checkbox" checked={!!value.codecs?.includes(c)} onChange={() => set({ codecs: toggleIn(value.codecs, c) })} />
                    {c}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          {facets.bitDepths.length > 1 && (
            <fieldset>
              <legend>Bit depth</legend>
              <div className="chips">
                {facets.bitDepths.map((b) => (
                  <label key={b} className={`chip${value.bitDepths?.includes(b) ? ' on' : ''}`}>
                    <input type="checkbox" checked={!!value.bitDepths?.includes(b)} onChange={() => set({ bitDepths: toggleIn(value.bitDepths, b) })} />
                    {b}-bit
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          <fieldset>
            <legend>Sample rate</legend>
            <div className="chips">
              {(facets?.sampleRates ?? []).map((r) => (
                <label key={r} className={`chip${value.sampleRates?.includes(r) ? ' on' : ''}`}>
                  <input type="checkbox" checked={!!value.sampleRates?.includes(r)} onChange={() => set({ sampleRates: toggleIn(value.sampleRates, r) })} />
                  {fmtRate(r)}
                </label>
              ))}
            </div>
          </fieldset>
        </>
      )}
      <fieldset>
        <legend>Folder</legend>
        <FolderTree value={value.folderPrefix ?? ''} onChange={(folderPrefix) => set({ folderPrefix })} />
      </fieldset>
      <fieldset>
        <legend>Tags</legend>
        <input
          type="text"
          list="tag-options"
          aria-label="Tags, comma separated (all must match)"
          placeholder={facets?.tags.length ? facets.tags.slice(0, 3).join(', ') : 'comma separated'}
          value={tagText}
          onChange={(e) => setTagText(e.target.value)}
          onBlur={() =>
            set({
              tags: tagText
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean),
            })
          }
          onKeyDown={(e) =>
            e.key === 'Enter' &&
            set({
              tags: tagText
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean),
            })
          }
        />
        <datalist id="tag-options">
          {(facets?.tags ?? []).map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </fieldset>
      <fieldset>
        <legend>Predicted label</legend>
        <div className="row tight">
          <select
            aria-label="Label set"
            value={labelSetId}
            onChange={(e) => {
              setLabelSetId(e.target.value);
              set({ predictedLabel: undefined });
            }}
          >
            <option value="">label set…</option>
            {labelSets.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Predicted label"
            disabled={!labelSetId}
            value={value.predictedLabel?.label ?? ''}
            onChange={(e) => set({ predictedLabel: e.target.value ? { labelSet: labelSetId, label: e.target.value } : undefined })}
          >
            <option value="">any label</option>
            {counts.map((c) => (
              <option key={c.label} value={c.label}>{`${c.label} (${c.count})`}</option>
            ))}
          </select>
        </div>
        {labelSetId && !counts.length && <div className="muted small">Run this label set over the library on the Classify page first.</div>}
      </fieldset>
      {activeFilterCount(value) > 0 && (
        <button
          type="button"
          className="btn small ghost"
          onClick={() => {
            setTagText('');
            setLabelSetId('');
            onChange({});
          }}
        >
          Clear filters
        </button>
      )}
    </div>
  );
}
