'use client';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Clip, ClipDetail } from '@/lib/results';
import { fmtDuration, fmtRate } from '@/lib/format';
import { usePlayer } from './Player';
import { Waveform } from './Waveform';
import { CopyPath, DownloadOriginal, onDragOut } from './ClipActions';
import { TagEditor } from './TagEditor';

export interface Row {
  key: string;
  /** A list's clip; the clip page's own row has the embedded description fields too. */
  clip: Clip & Partial<Pick<ClipDetail, 'embedded'>>;
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
  const kind =
    r.scoreKind === 'relevance' ? 'relevance (probability of a true match)' : r.scoreKind === 'fused' ? 'fused rank score (1 = first by sound and by name)' : 'cosine similarity';
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
  /** Answer the arrow keys and space when nothing else has focus (one list per page should). */
  keys?: boolean;
  /** The selected row's key (from the URL); the list reports its moves with onSelect. */
  selectedKey?: string | null;
  onSelect?: (key: string) => void;
  /** Tags changed in this view (clip id → tags), shown instead of the listed ones; onTags reports an edit. */
  tagOverrides?: Record<string, string[]>;
  onTags?: (clipId: string, tags: string[]) => void;
  /** Clips picked for bulk tagging; onPick toggles one. */
  picked?: Set<string>;
  onPick?: (clipId: string, on: boolean) => void;
}

// Enter / Space on a control (the row's play button included) do what that control does natively.
const isControl = (el: EventTarget | null) => el instanceof HTMLElement && !!el.closest('a, button, input, select, textarea');

/**
 * A result list: waveform, metadata, score; click plays from the matching window.
 * Keyboard: ↑/↓ (or j/k) select and play, Space plays/pauses, Enter plays from the match (Esc, in the player, stops).
 * Each row is a plain list item; its play button is the one tab stop (roving focus), so no control nests in another.
 */
export function HitList({ rows, label, actions = true, keys = true, selectedKey, onSelect, tagOverrides, onTags, picked, onPick }: Props) {
  const player = usePlayer();
  const [editing, setEditing] = useState<string | null>(null);
  const [active, setActive] = useState(() =>
    Math.max(
      0,
      rows.findIndex((r) => r.key === selectedKey),
    ),
  );
  const listRef = useRef<HTMLUListElement>(null);

  // The URL's selection wins when it names a row we have (Back/Forward, a shared link).
  useEffect(() => {
    if (!selectedKey) return;
    const i = rows.findIndex((r) => r.key === selectedKey);
    if (i >= 0) setActive(i);
  }, [selectedKey, rows]);

  const windowOf = (r: Row) => (r.startSec != null && r.endSec != null && r.endSec - r.startSec < r.clip.durationSec - 0.05 ? { start: r.startSec, end: r.endSec } : null);

  const select = useCallback(
    (i: number) => {
      setActive(i);
      const r = rows[i];
      if (r && r.key !== selectedKey) onSelect?.(r.key);
    },
    [rows, selectedKey, onSelect],
  );

  const playRow = useCallback(
    (i: number, toggle = false) => {
      const r = rows[i];
      if (!r) return;
      select(i);
      if (toggle) player.toggle(r.clip, r.startSec ?? 0, windowOf(r));
      else player.play(r.clip, r.startSec ?? 0, windowOf(r));
    },
    [rows, player, select],
  );

  const focusRow = (i: number) => {
    const btn = listRef.current?.querySelector<HTMLElement>(`[data-index="${i}"] button.play`);
    btn?.focus({ preventScroll: true });
  };

  const move = useCallback(
    (delta: number) => {
      const i = Math.max(0, Math.min(rows.length - 1, active + delta));
      if (i === active && player.clip?.id === rows[i]?.clip.id) return;
      playRow(i);
      focusRow(i);
    },
    [rows, active, playRow, player.clip],
  );

  const onKey = useCallback(
    (e: KeyboardEvent | React.KeyboardEvent) => {
      if (!rows.length || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowDown' || e.key === 'j') {
        e.preventDefault();
        move(1);
      } else if (e.key === 'ArrowUp' || e.key === 'k') {
        e.preventDefault();
        move(-1);
      } else if (isControl(e.target)) {
        return; // Enter / Space on a link or button does what that control does
      } else if (e.key === ' ' || e.key === 'Spacebar') {
        e.preventDefault();
        playRow(active, true);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        playRow(active);
      }
    },
    [rows.length, active, playRow, move],
  );

  // Also react when nothing in particular has focus, so the keys work right after a search.
  useEffect(() => {
    if (!keys) return;
    const h = (e: KeyboardEvent) => {
      const el = document.activeElement;
      if (listRef.current?.contains(el)) return; // handled by the list itself
      if (el && el !== document.body) {
        // From the search box, ↓ jumps into the results and plays the selected one.
        if (el instanceof HTMLInputElement && el.type === 'search' && e.key === 'ArrowDown' && rows.length) {
          e.preventDefault();
          playRow(active);
          focusRow(active);
        }
        return;
      }
      onKey(e);
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [keys, onKey, rows.length, active, playRow]);

  useEffect(() => {
    if (active >= rows.length) setActive(Math.max(0, rows.length - 1));
  }, [rows.length, active]);

  useEffect(() => {
    listRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  return (
    <ul ref={listRef} className="hits" aria-label={label} onKeyDown={onKey} data-testid="hit-list">
      {rows.map((r, i) => {
        const isCurrent = player.clip?.id === r.clip.id;
        const playing = isCurrent && player.playing;
        const tab = i === active ? 0 : -1;
        const tags = tagOverrides?.[r.clip.id] ?? r.clip.tags;
        return (
          <li
            key={r.key}
            id={`hit-${r.key}`}
            data-index={i}
            data-key={r.key}
            aria-current={i === active ? 'true' : undefined}
            className={`hit${i === active ? ' active' : ''}${isCurrent ? ' current' : ''}${r.good === false ? ' weak' : ''}`}
            onClick={() => playRow(i, true)}
            draggable
            onDragStart={(e) => onDragOut(e, r.clip)}
            data-testid="hit"
          >
            <button
              type="button"
              className="btn icon play"
              tabIndex={tab}
              aria-label={`${playing ? 'Pause' : 'Play'} ${r.clip.name}`}
              onClick={(e) => {
                e.stopPropagation();
                playRow(i, true);
              }}
            >
              {playing ? '❚❚' : '▶'}
            </button>
            {onPick && (
              <input
                type="checkbox"
                className="pick"
                tabIndex={tab}
                checked={!!picked?.has(r.clip.id)}
                aria-label={`Select ${r.clip.name} for tagging`}
                title="Select for tagging"
                onClick={(e) => e.stopPropagation()}
                onChange={(e) => onPick(r.clip.id, e.target.checked)}
                data-testid="pick"
              />
            )}
            <div className="hit-main">
              <div className="hit-top">
                <span className="hit-name" title={r.clip.name}>
                  {r.clip.name}
                </span>
                {r.score != null && (
                  <span className="score" data-testid="hit-score" data-score={r.score} title={scoreTitle(r)}>
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
                region={isCurrent ? player.region : null}
                onSeek={(sec) => {
                  select(i);
                  if (isCurrent) player.seek(sec);
                  else player.play(r.clip, sec, windowOf(r));
                }}
                onRegion={(start, end) => {
                  select(i);
                  player.play(r.clip, start, { start, end });
                }}
                label={`Waveform of ${r.clip.name}${r.startSec != null ? `, match ${r.startSec.toFixed(1)}–${r.endSec?.toFixed(1)} s` : ''}`}
              />
              {editing === r.clip.id && onTags && <TagEditor clipId={r.clip.id} tags={tags} onSaved={(t) => onTags(r.clip.id, t)} onClose={() => setEditing(null)} />}
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
                  <span className="match-window">
                    match {fmtDuration(r.startSec)}–{fmtDuration(r.endSec)}
                  </span>
                )}
                {r.matchedTerms?.map((t) => (
                  <span key={t} className="pill term">
                    {t}
                  </span>
                ))}
                {tags.map((t) => (
                  <span key={t} className="pill tag" data-testid="tag">
                    #{t}
                  </span>
                ))}
                {onTags && (
                  <button
                    type="button"
                    className="pill edit-tags"
                    tabIndex={tab}
                    onClick={(e) => {
                      e.stopPropagation();
                      setEditing(editing === r.clip.id ? null : r.clip.id);
                    }}
                    data-testid="edit-tags"
                  >
                    {tags.length ? 'edit tags' : '+ tag'}
                    <span className="sr-only"> of {r.clip.name}</span>
                  </button>
                )}
                <span className="hit-path mono" title={r.clip.path}>
                  <span dir="ltr">{r.clip.path}</span>
                </span>
              </div>
            </div>
            {actions && (
              <div className="hit-actions" onClick={(e) => e.stopPropagation()}>
                <Link className="btn small ghost" href={`/similar?clip=${encodeURIComponent(r.clip.id)}`} tabIndex={tab}>
                  Similar
                </Link>
                <Link className="btn small ghost" href={`/classify?clip=${encodeURIComponent(r.clip.id)}`} tabIndex={tab}>
                  Classify
                </Link>
                <DownloadOriginal clip={r.clip} tabIndex={tab} />
                <CopyPath clip={r.clip} tabIndex={tab} />
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
