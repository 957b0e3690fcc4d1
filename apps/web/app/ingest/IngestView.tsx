'use client';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { gql } from '@/lib/api';
import { CANCEL_INGEST, INGEST_RUN, INGEST_RUNS, START_INGEST } from '@/lib/queries';
import type { IngestRun, IngestRunDetail } from '@/lib/results';
import { fmtDuration, fmtEta } from '@/lib/format';
import { ApiKeyField } from '@/components/ApiKeyField';
import { Empty, ErrorBox, Loading } from '@/components/States';
import type { IngestRunQuery, IngestRunsQuery, StartIngestMutation } from '@/lib/generated/graphql';

const ACTIVE = new Set(['QUEUED', 'SCANNING', 'RUNNING']);
const POLL_MS = 1000;

export function IngestView() {
  const params = useSearchParams();
  const router = useRouter();
  const runId = params.get('run');
  const [path, setPath] = useState('');
  const [reindex, setReindex] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const [runs, setRuns] = useState<IngestRun[] | null>(null);
  // The server's allowed roots (EARSHOT_INGEST_ROOTS): the path is one of them plus an optional sub-folder.
  const [roots, setRoots] = useState<string[] | null>(null);
  const [root, setRoot] = useState('');
  const [runsError, setRunsError] = useState<unknown>(null);

  const loadRuns = useCallback(() => {
    gql<IngestRunsQuery>(INGEST_RUNS)
      .then((d) => {
        setRuns(d.ingestRuns);
        setRoots(d.ingestRoots);
        setRoot((r) => r || d.ingestRoots[0] || '');
        setRunsError(null);
      })
      .catch(setRunsError);
  }, []);
  useEffect(loadRuns, [loadRuns]);

  const start = async () => {
    setStarting(true);
    setStartError(null);
    try {
      const sub = path.trim().replace(/^\/+/, '');
      const full = sub ? `${root.replace(/\/+$/, '')}/${sub}` : root;
      const d = await gql<StartIngestMutation>(START_INGEST, { path: full, reindex });
      router.replace(`/ingest?run=${encodeURIComponent(d.startIngest.id)}`, { scroll: false });
      loadRuns();
    } catch (e) {
      setStartError(e);
    } finally {
      setStarting(false);
    }
  };

  // A failed file is not stored, so the same folder again retries exactly the failures (and picks up new
  // files); every unchanged file is skipped by its size and mtime.
  const retry = async (folder: string) => {
    const d = await gql<StartIngestMutation>(START_INGEST, { path: folder, reindex: false });
    router.replace(`/ingest?run=${encodeURIComponent(d.startIngest.id)}`, { scroll: false });
    loadRuns();
  };

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Ingest</h1>
          <p>
            Add a folder from one of the server’s library roots (<code>EARSHOT_INGEST_ROOTS</code>). Unchanged files are skipped, so re-running is cheap.
          </p>
        </div>
      </div>
      <div className="layout-side">
        <div style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
          <form
            className="card"
            aria-label="Start an ingest"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <ApiKeyField />
            {roots && !roots.length ? (
              <div className="notice warn small" data-testid="no-roots">
                This server has no library roots: set <code>EARSHOT_INGEST_ROOTS</code> (absolute folders, comma separated) and restart it.
              </div>
            ) : (
              <div className="row tight ingest-path">
                <label className="field">
                  <span>Library root on the server</span>
                  <select name="root" value={root} onChange={(e) => setRoot(e.target.value)} className="mono" data-testid="ingest-root">
                    {(roots ?? []).map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field grow">
                  <span>Sub-folder (optional)</span>
                  <input type="text" name="path" className="mono" placeholder="e.g. foley/doors" value={path} onChange={(e) => setPath(e.target.value)} />
                </label>
              </div>
            )}
            <div className="row">
              <label className="toggle" title="Embed every file again, even if unchanged (e.g. after changing the model)">
                <input type="checkbox" checked={reindex} onChange={(e) => setReindex(e.target.checked)} /> Re-index unchanged files
              </label>
              <span className="grow" />
              <button type="submit" className="btn" disabled={starting || !root} data-testid="start-ingest">
                {starting ? 'Starting…' : 'Start ingest'}
              </button>
            </div>
            {!!startError && (
              <div style={{ marginTop: 12 }}>
                <ErrorBox error={startError} />
              </div>
            )}
          </form>
          {runId ? (
            <RunProgress id={runId} onFinished={loadRuns} onRetry={retry} />
          ) : (
            <Empty title="No ingest selected">Start one above, or pick a recent run on the right to see its progress and failures.</Empty>
          )}
        </div>
        <aside className="card" aria-label="Recent ingest runs">
          <h3>Recent runs</h3>
          {runsError ? (
            <ErrorBox error={runsError} onRetry={loadRuns} />
          ) : !runs ? (
            <Loading what="Loading runs" />
          ) : !runs.length ? (
            <div className="muted small">No ingests yet.</div>
          ) : (
            <table>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id} className="clickable" onClick={() => router.replace(`/ingest?run=${encodeURIComponent(r.id)}`, { scroll: false })} aria-selected={r.id === runId}>
                    <td>
                      <div className="mono small" style={{ wordBreak: 'break-all' }}>
                        {r.root}
                      </div>
                      <div className="muted small">
                        {new Date(r.startedAt).toLocaleString()} · {r.processedFiles}/{r.totalFiles} files
                      </div>
                    </td>
                    <td>
                      <span className={`badge ${r.status}${r.status === 'DONE' && r.failedFiles ? ' warn' : ''}`}>{statusText(r)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </aside>
      </div>
    </div>
  );
}

/** Live progress of one run: polls ingestRun every second while it is active. */
function RunProgress({ id, onFinished, onRetry }: { id: string; onFinished: () => void; onRetry: (root: string) => Promise<void> }) {
  const [retrying, setRetrying] = useState(false);
  const [run, setRun] = useState<IngestRunDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    setRun(null);
    const tick = async () => {
      try {
        const d = await gql<IngestRunQuery>(INGEST_RUN, { id });
        if (stop) return;
        setError(null);
        setRun(d.ingestRun);
        if (d.ingestRun && ACTIVE.has(d.ingestRun.status)) timer = setTimeout(tick, POLL_MS);
        else onFinished();
      } catch (e) {
        if (stop) return;
        setError(e);
        timer = setTimeout(tick, POLL_MS * 3); // keep trying: the server may be restarting
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [id, onFinished]);

  if (error && !run) return <ErrorBox error={error} />;
  if (!run) return <Loading what="Loading ingest progress" />;
  const done = run.processedFiles + run.skippedFiles + run.failedFiles;
  const frac = run.totalFiles > 0 ? done / run.totalFiles : run.status === 'DONE' ? 1 : 0;
  const active = ACTIVE.has(run.status);

  return (
    <section className="card" aria-label="Ingest progress" data-testid="ingest-progress">
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: 10 }}>
        <div>
          <span className={`badge ${run.status}${run.status === 'DONE' && run.failedFiles ? ' warn' : ''}`} data-testid="ingest-status" data-run={run.id}>
            {statusText(run)}
          </span>{' '}
          <span className="mono small">{run.root}</span>
        </div>
        {active && (
          <button
            type="button"
            className="btn small danger"
            disabled={cancelling}
            onClick={async () => {
              setCancelling(true);
              try {
                await gql(CANCEL_INGEST, { id: run.id });
              } catch (e) {
                setError(e);
              } finally {
                setCancelling(false);
              }
            }}
          >
            Cancel
          </button>
        )}
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label="Files done">
        <div style={{ width: `${(frac * 100).toFixed(1)}%` }} />
      </div>
      <div className="muted small" style={{ marginTop: 6 }}>
        {done.toLocaleString()} of {run.totalFiles.toLocaleString()} files ({(frac * 100).toFixed(0)} %){run.status === 'SCANNING' ? ' · scanning folder…' : ''}
      </div>
      <div className="stats">
        <Stat k="files / s" v={run.filesPerSec.toFixed(2)} />
        <Stat k="ETA" v={active ? fmtEta(run.etaSec) : '–'} />
        <Stat k="embedded" v={run.processedFiles.toLocaleString()} />
        <Stat k="unchanged" v={run.skippedFiles.toLocaleString()} />
        <Stat k="failed" v={run.failedFiles.toLocaleString()} />
        <Stat k="missing" v={run.missingFiles.toLocaleString()} />
        <Stat k="audio" v={fmtDuration(run.audioSeconds)} />
        <Stat k="audio h / s" v={run.audioHoursPerSec.toFixed(3)} />
      </div>
      {run.error && <ErrorBox error={new Error(run.error)} />}
      {!!error && <ErrorBox error={error} />}
      {run.failures && run.failures.length > 0 && (
        <>
          <div className="row" style={{ justifyContent: 'space-between', marginTop: 12 }}>
            <h3 style={{ margin: 0 }}>Failures</h3>
            {!active && (
              <button
                type="button"
                className="btn small ghost"
                disabled={retrying}
                title="Runs the folder again: the failed files are tried again, unchanged files are skipped"
                onClick={() => {
                  setRetrying(true);
                  onRetry(run.root)
                    .catch(setError)
                    .finally(() => setRetrying(false));
                }}
                data-testid="retry-failed"
              >
                {retrying ? 'Starting…' : `Retry the ${run.failedFiles} failed file${run.failedFiles === 1 ? '' : 's'}`}
              </button>
            )}
          </div>
          <table data-testid="ingest-failures">
            <thead>
              <tr>
                <th>File</th>
                <th>Code</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {run.failures.map((f) => (
                <tr key={f.path}>
                  <td className="mono small" style={{ wordBreak: 'break-all' }}>
                    {f.path}
                  </td>
                  <td>
                    <code className="code-tag">{f.code}</code>
                  </td>
                  <td className="small">{f.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** "done" only when nothing failed: a run with failures says how many, in the warning colour. */
function statusText(r: IngestRun): string {
  if (r.status === 'DONE' && r.failedFiles) return `done with ${r.failedFiles} failure${r.failedFiles === 1 ? '' : 's'}`;
  return r.status.toLowerCase();
}

function Stat({ k, v }: { k: string; v: string }) {
  return (
    <div className="stat">
      <div className="v">{v}</div>
      <div className="k">{k}</div>
    </div>
  );
}
