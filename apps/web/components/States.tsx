'use client';
import { useEffect } from 'react';
import { ApiError, isNetworkError, onApiChange } from '@/lib/api';

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

/**
 * An error in words a user can act on. "Server unreachable" is said once per page by the banner under
 * the header (Nav); a view that failed for that reason only says it is waiting, and runs `onRetry` by
 * itself when the server answers again.
 */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const network = isNetworkError(error);
  useEffect(() => {
    if (!network || !onRetry) return;
    return onApiChange((up) => up && onRetry());
  }, [network, onRetry]);
  if (network)
    return (
      <div className="state loading" role="status" data-testid="waiting-for-server">
        <span className="spinner" aria-hidden /> Waiting for the server…
      </div>
    );
  const e = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert" data-testid="error-state">
      <div className="state-title">
        {message.charAt(0).toUpperCase() + message.slice(1)}
        {e?.subject ? <span className="muted mono"> ({e.subject})</span> : null}
      </div>
      <div className="muted">
        {e ? e.hint : 'Reload the page; if it persists, look at the server log.'}
        {e && e.code !== 'INTERNAL' ? <span className="small"> · code {e.code}</span> : null}
      </div>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
