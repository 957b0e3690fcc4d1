'use client';
import Link from 'next/link';
import { useState } from 'react';
import { gql } from '@/lib/api';
import { CLASSIFY_LIBRARY, CREATE_LABEL_SET, DELETE_LABEL_SET, JOB, PREDICTED_LABELS, UPDATE_LABEL_SET } from '@/lib/queries';
import type { Job, LabelCount, LabelSet } from '@/lib/results';
import { ApiKeyField } from '@/components/ApiKeyField';
import { Empty, ErrorBox, Loading } from '@/components/States';
import type { ClassifyLibraryMutation, JobQuery, PredictedLabelsQuery } from '@/lib/generated/graphql';

interface Draft {
  id?: string;
  name: string;
  labels: string;
  template: string;
  multiLabel: boolean;
}

const EMPTY: Draft = { name: '', labels: '', template: 'This is a sound of {}.', multiLabel: false };

/** Manage saved label sets and run one over the whole library (stored predictions → browse by label). */
/** How often a running classification is polled (ms). */
const POLL_MS = 500;

/**
 * classifyLibrary returns its job at once: follow it until it ends (progress on the way), then read the counts.
 * A failed or cancelled job becomes an error with its reason.
 */
async function runOverLibrary(labelSet: string, onProgress: (j: Job) => void): Promise<{ classified: number; counts: LabelCount[] }> {
  let job = (await gql<ClassifyLibraryMutation>(CLASSIFY_LIBRARY, { labelSet })).classifyLibrary;
  while (job.status === 'QUEUED' || job.status === 'RUNNING') {
    onProgress(job);
    await new Promise((r) => setTimeout(r, POLL_MS));
    const next = (await gql<JobQuery>(JOB, { id: job.id })).job;
    if (!next) throw new Error(`job ${job.id} is gone`);
    job = next;
  }
  if (job.status !== 'DONE') throw new Error(job.error ?? `the classification was ${job.status.toLowerCase()}`);
  const { predictedLabels } = await gql<PredictedLabelsQuery>(PREDICTED_LABELS, { labelSet });
  return { classified: job.processed, counts: predictedLabels };
}

export function LabelSets({ sets, onChanged }: { sets: LabelSet[] | null; onChanged: () => void }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [runResult, setRunResult] = useState<{ id: string; classified: number; counts: LabelCount[] } | null>(null);
  const [progress, setProgress] = useState<{ id: string; job: Job } | null>(null);

  const act = async (what: string, fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const save = () =>
    act('save', async () => {
      if (!draft) return;
      const input = {
        name: draft.name.trim(),
        labels: draft.labels
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        template: draft.template,
        multiLabel: draft.multiLabel,
      };
      if (draft.id) await gql(UPDATE_LABEL_SET, { id: draft.id, input });
      else await gql(CREATE_LABEL_SET, { input });
      setDraft(null);
      onChanged();
    });

  return (
    <aside className="card" aria-label="Label sets">
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: 10 }}>
        <h3 style={{ margin: 0 }}>Label sets</h3>
        {!draft && (
          <button type="button" className="btn small ghost" onClick={() => setDraft({ ...EMPTY })}>
            + New set
          </button>
        )}
      </div>
      <ApiKeyField compact />
      {draft && (
        <form
          className="card"
          style={{ background: 'var(--panel-2)', marginBottom: 12 }}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label className="field">
            <span>Name</span>
            <input type="text" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </label>
          <label className="field">
            <span>Labels, comma separated</span>
            <input type="text" required value={draft.labels} onChange={(e) => setDraft({ ...draft, labels: e.target.value })} />
          </label>
          <label className="field">
            <span>Prompt template</span>
            <input type="text" value={draft.template} onChange={(e) => setDraft({ ...draft, template: e.target.value })} />
          </label>
          <div className="row">
            <label className="toggle">
              <input type="checkbox" checked={draft.multiLabel} onChange={(e) => setDraft({ ...draft, multiLabel: e.target.checked })} /> Multi-label
            </label>
            <span className="grow" />
            <button type="button" className="btn small ghost" onClick={() => setDraft(null)}>
              Cancel
            </button>
            <button type="submit" className="btn small" disabled={busy === 'save'}>
              {draft.id ? 'Save' : 'Create'}
            </button>
          </div>
        </form>
      )}
      {!!error && <ErrorBox error={error} />}
      {!sets ? (
        <Loading what="Loading label sets" />
      ) : !sets.length && !draft ? (
        <Empty title="No label sets yet">Save labels you use often, then run them over the whole library to browse by predicted label.</Empty>
      ) : (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', gap: 10 }}>
          {sets.map((s) => (
            <li key={s.id} style={{ borderTop: '1px solid var(--line)', paddingTop: 10 }}>
              <div className="row" style={{ justifyContent: 'space-between' }}>
                <strong>{s.name}</strong>
                <span className="muted small">{s.multiLabel ? 'multi-label' : 'single-label'}</span>
              </div>
              <div className="muted small" style={{ margin: '4px 0 8px' }}>
                {s.labels.join(', ')}
              </div>
              <div className="row tight">
                <button
                  type="button"
                  className="btn small"
                  disabled={!!busy}
                  onClick={() =>
                    act(`run-${s.id}`, async () => {
                      try {
                        const d = await runOverLibrary(s.id, (job) => setProgress({ id: s.id, job }));
                        setRunResult({ id: s.id, ...d });
                      } finally {
                        setProgress(null);
                      }
                    })
                  }
                >
                  {busy === `run-${s.id}`
                    ? progress?.id === s.id && progress.job.total > 0
                      ? `Running… ${progress.job.processed} / ${progress.job.total}`
                      : 'Running…'
                    : 'Run over library'}
                </button>
                <button
                  type="button"
                  className="btn small ghost"
                  onClick={() => setDraft({ id: s.id, name: s.name, labels: s.labels.join(', '), template: s.template, multiLabel: s.multiLabel })}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn small ghost"
                  disabled={!!busy}
                  onClick={() => {
                    if (window.confirm(`Delete the label set “${s.name}” and its stored predictions?`))
                      void act(`del-${s.id}`, async () => {
                        await gql(DELETE_LABEL_SET, { id: s.id });
                        onChanged();
                      });
                  }}
                >
                  Delete
                </button>
              </div>
              {runResult?.id === s.id && (
                <div style={{ marginTop: 10 }}>
                  <div className="muted small">{runResult.classified} clips classified. Browse by predicted label:</div>
                  <div className="chips" style={{ marginTop: 6 }}>
                    {runResult.counts.map((c) => (
                      <Link key={c.label} className="chip" href={`/library?labelSet=${encodeURIComponent(s.id)}&label=${encodeURIComponent(c.label)}`}>
                        {c.label} · {c.count}
                      </Link>
                    ))}
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
