'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';
import { gql, onApiChange } from '@/lib/api';
import { STATUS } from '@/lib/queries';
import type { StatusQuery } from '@/lib/generated/graphql';

const LINKS = [
  { href: '/', label: 'Search' },
  { href: '/similar', label: 'Find similar' },
  { href: '/classify', label: 'Classify' },
  { href: '/library', label: 'Library' },
  { href: '/ingest', label: 'Ingest' },
];

type Status = StatusQuery;

export function Nav() {
  const path = usePathname();
  const [status, setStatus] = useState<Status | null>(null);
  const [down, setDown] = useState(false);

  // Every 15 s while the server answers; every 3 s while it does not, so pages recover soon after it is back
  // (any request that fails or succeeds also flips the flag: lib/api.ts).
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      clearTimeout(timer);
      gql<StatusQuery>(STATUS)
        .then((s) => {
          if (stop) return;
          setStatus(s);
          setDown(false);
          timer = setTimeout(load, 15000);
        })
        .catch(() => {
          if (stop) return;
          setDown(true);
          timer = setTimeout(load, 3000);
        });
    };
    load();
    const off = onApiChange((up) => {
      setDown(!up);
      if (!up) {
        clearTimeout(timer);
        timer = setTimeout(load, 3000);
      }
    });
    return () => {
      stop = true;
      clearTimeout(timer);
      off();
    };
  }, []);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Earshot home">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden>
            <path d="M3 12h2M7 7v10M11 4v16M15 8v8M19 10v4M21 12h0" stroke="currentColor" strokeWidth="2" strokeLinecap="round" fill="none" />
          </svg>
          Earshot
        </Link>
        <nav aria-label="Main">
          {LINKS.map((l) => {
            const on = l.href === '/' ? path === '/' : path?.startsWith(l.href);
            return (
              <Link key={l.href} href={l.href} className={on ? 'on' : undefined} aria-current={on ? 'page' : undefined}>
                {l.label}
              </Link>
            );
          })}
        </nav>
        <div className="status" aria-live="polite" data-testid="api-status">
          {down ? (
            <span className="dot bad">Server unreachable</span>
          ) : status ? (
            <>
              <span className="dot ok" />
              <span>{status.health.clips.toLocaleString()} clips</span>
              <span className="muted">·</span>
              <span title={`model ${status.model.name} ${status.model.version} · ${status.health.backend}`}>{status.model.name}</span>
              {status.model.isDemo && (
                <span className="pill warn" title="A small demo model: it only knows its training classes">
                  demo model
                </span>
              )}
            </>
          ) : (
            <span className="muted">connecting…</span>
          )}
        </div>
      </header>
      {down && (
        <div className="banner bad" role="alert" data-testid="server-unreachable">
          <strong>The server is unreachable.</strong> Earshot’s API is not answering (is <code>npm start</code> still running?). This page tries again every few seconds and carries
          on by itself when the server is back.
        </div>
      )}
    </>
  );
}
