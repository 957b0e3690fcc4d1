'use client';
import { ApiError } from '@/lib/api';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="state empty" data-testid="empty-state">
      <div className="state-title">{title}</div>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert" data-testid="error-state">
      <div className="state-title">
        {e && e.code !== 'INTERNAL' ? <code className="code-tag">{e.code}</code> : null} {message}
        {e?.subject ? <span className="muted mono"> ({e.subject})</span> : null}
      </div>
      <div className="muted">{e ? e.hint : 'Reload the page; if it persists, look at the API server log.'}</div>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
