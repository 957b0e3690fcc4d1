'use client';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Clip } from '@/lib/types';
import { fmtDuration, fmtRate } from '@/lib/format';
import { usePlayer } from './Player';
import { Waveform } from './Waveform';

export interface Row {
  key: string;
  clip: Clip;
  /** The value the list is ordered by; the only score shown. */
  score?: number;
  scoreKind?: 'relevance' | 'cosine' | 'fused';
  /** Parts, for the tooltip: the vector half's cosine, the fused rank score. */
  cosine?: number;
  fusedScore?: number | null;
  /** Below the cutoff (shown only when weaker matches were asked for). */
  good?: boolean;
  startSec?: number;
  endSec?: number;
  matchedTerms?: string[];
  vectorRank?: number | null;
  keywordRank?: number | null;
}

/** The shown score says what it is; the parts it was made from follow. */
function scoreTitle(r: Row): string {
  const kind = r.scoreKind === 'relevance' ? 'relevance (probability of a true match)' : r.scoreKind === 'fused' ? 'fused rank score (1 = first by sound and by name)' : 'cosine similarity';
  const parts = [`${kind} ${r.score!.toFixed(4)}${r.good === false ? ' (below the cutoff)' : ''}`];
  if (r.scoreKind !== 'cosine' && r.cosine != null) parts.push(`cosine ${r.cosine.toFixed(3)}`);
  if (r.fusedScore != null) parts.push(`fused ${r.fusedScore.toFixed(3)}`);
  if (r.vectorRank) parts.push(`sound #${r.vectorRank}`);
  if (r.keywordRank) parts.push(`keyword #${r.keywordRank}`);
  return parts.join(' · ');
}

interface Props {
  rows: Row[];
  label: string;
  /** Hide the "Similar" action (e.g. on the similar page for the query clip itself). */
  actions?: boolean;
}

/**
 * A result list: waveform, metadata, score; click plays from the matching window.
 * Keyboard: ↑/↓ (or j/k) move, Space plays/pauses, Enter plays from the match.
 */
export function HitList({ rows, label, actions = true }: Props) {
  const player = usePlayer();
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);

  const playRow = useCallback((i: number, toggle = false) => {
    const r = rows[i];
    if (!r) return;
    setActive(i);
    if (toggle) player.toggle(r.clip, r.startSec ?? 0);
    else player.play(r.clip, r.startSec ?? 0);
  }, [rows, player]);

  const onKey = useCallback(
    (e: KeyboardEvent | React.KeyboardEvent) => {
      if (!rows.length) return;
      if (e.key === 'ArrowDown' || e.key === 'j') {
        e.preventDefault();
        setActive((a) => Math.min(rows.length - 1, a + 1));
      } else if (e.key === 'ArrowUp' || e.key === 'k') {
        e.preventDefault();
        setActive((a) => Math.max(0, a - 1));
      } else if (e.key === ' ' || e.key === 'Spacebar') {
        e.preventDefault();
        playRow(active, true);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        playRow(active);
      }
    },
    [rows.length, active, playRow],
  );

  // Also react when nothing in particular has focus, so the keys work right after a search.
  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      const el = document.activeElement;
      if (listRef.current?.contains(el)) return; // handled by the list itself
      if (el && el !== document.body) {
        // From the search box, ↓ jumps into the results.
        if (el instanceof HTMLInputElement && el.type === 'search' && e.key === 'ArrowDown' && rows.length) {
          e.preventDefault();
          listRef.current?.focus({ preventScroll: true });
        }
        return;
      }
      onKey(e);
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [onKey, rows.length]);

  useEffect(() => {
    if (active >= rows.length) setActive(Math.max(0, rows.length - 1));
  }, [rows.length, active]);

  useEffect(() => {
    listRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  return (
    <ul
      ref={listRef}
      className="hits"
      role="listbox"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={rows[active] ? `hit-${rows[active].key}` : undefined}
      onKeyDown={onKey}
      data-testid="hit-list"
    >
      {rows.map((r, i) => {
        const isCurrent = player.clip?.id === r.clip.id;
        const playing = isCurrent && player.playing;
        return (
          <li
            key={r.key}
            id={`hit-${r.key}`}
            data-index={i}
            role="option"
            aria-selected={i === active}
            className={`hit${i === active ? ' active' : ''}${isCurrent ? ' current' : ''}${r.good === false ? ' weak' : ''}`}
            onClick={() => playRow(i, true)}
            data-testid="hit"
          >
            <button
              type="button"
              className="btn icon play"
              tabIndex={-1}
              aria-label={`${playing ? 'Pause' : 'Play'} ${r.clip.name}`}
              onClick={(e) => {
                e.stopPropagation();
                playRow(i, true);
              }}
            >
              {playing ? '❚❚' : '▶'}
            </button>
            <div className="hit-main">
              <div className="hit-top">
                <span className="hit-name" title={r.clip.name}>{r.clip.name}</span>
                {r.score != null && (
                  <span
                    className="score"
                    data-testid="hit-score"
                    data-score={r.score}
                    title={scoreTitle(r)}
                  >
                    {r.score.toFixed(3)}
                  </span>
                )}
              </div>
              {r.clip.description && (
                <div className="hit-description small" title={r.clip.description} data-testid="description">
                  {r.clip.description}
                </div>
              )}
              {!actions && r.clip.embedded && <EmbeddedFields tags={r.clip.embedded} />}
              <Waveform
                peaks={r.clip.waveform}
                durationSec={r.clip.durationSec}
                windowStart={r.startSec}
                windowEnd={r.endSec}
                playhead={isCurrent ? player.currentTime : null}
                onSeek={(sec) => {
                  setActive(i);
                  if (isCurrent) player.seek(sec);
                  else player.play(r.clip, sec);
                }}
                label={`Waveform of ${r.clip.name}${r.startSec != null ? `, match ${r.startSec.toFixed(1)}–${r.endSec?.toFixed(1)} s` : ''}`}
              />
              <div className="hit-meta">
                {r.clip.ucs && (
                  <span className="pill ucs" title={`UCS ${r.clip.ucs.catId}`} data-testid="ucs">
                    {r.clip.ucs.category}
                    {r.clip.ucs.subcategory ? ` · ${r.clip.ucs.subcategory}` : ''}
                  </span>
                )}
                <span className="pill">{r.clip.format}</span>
                {r.clip.codec && (
                  <span className="pill" title={`${r.clip.container ?? '?'} / ${r.clip.codec}${r.clip.decoder ? `, decoded by ${r.clip.decoder}` : ''}`} data-testid="codec">
                    {r.clip.container && r.clip.container !== r.clip.format ? `${r.clip.container}/` : ''}
                    {r.clip.codec}
                  </span>
                )}
                {r.clip.bitDepth != null && <span>{r.clip.bitDepth}-bit</span>}
                <span>{fmtDuration(r.clip.durationSec)}</span>
                <span>{fmtRate(r.clip.sampleRate)}</span>
                <span>{r.clip.channels === 1 ? 'mono' : r.clip.channels === 2 ? 'stereo' : `${r.clip.channels} ch`}</span>
                {r.startSec != null && r.endSec != null && r.endSec - r.startSec < r.clip.durationSec - 0.05 && (
                  <span className="match-window">match {fmtDuration(r.startSec)}–{fmtDuration(r.endSec)}</span>
                )}
                {r.matchedTerms?.map((t) => (
                  <span key={t} className="pill term">{t}</span>
                ))}
                {r.clip.tags.map((t) => (
                  <span key={t} className="pill tag">#{t}</span>
                ))}
                <span className="hit-path mono" title={r.clip.path}>
                  <span dir="ltr">{r.clip.path}</span>
                </span>
              </div>
            </div>
            {actions && (
              <div className="hit-actions" onClick={(e) => e.stopPropagation()}>
                <Link className="btn small ghost" href={`/similar?clip=${encodeURIComponent(r.clip.id)}`} tabIndex={i === active ? 0 : -1}>
                  Similar
                </Link>
                <Link className="btn small ghost" href={`/classify?clip=${encodeURIComponent(r.clip.id)}`} tabIndex={i === active ? 0 : -1}>
                  Classify
                </Link>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Every embedded description field of a clip, for the clip card of the Similar and Classify pages. */
function EmbeddedFields({ tags }: { tags: Record<string, string | null> }) {
  const rows = Object.entries(tags).filter(([k, v]) => v && k !== '__typename');
  if (!rows.length) return null;
  return (
    <dl className="embedded small" data-testid="embedded">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt className="muted">{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
