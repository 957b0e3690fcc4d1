'use client';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { gql } from '@/lib/api';
import { SEARCH, STATUS } from '@/lib/queries';
import { searchTitle } from '@/lib/titles';
import type { ClipFilter, Hit, SearchConnection } from '@/lib/results';
import { usePaged } from '@/lib/usePaged';
import { Filters, activeFilterCount } from '@/components/Filters';
import { ResultsPanel } from '@/components/ResultsPanel';
import { Empty } from '@/components/States';
import type { Row } from '@/components/HitList';
import type { SearchQuery, StatusQuery } from '@/lib/generated/graphql';

const EXAMPLES = ['dog barking', 'rain on a roof', 'piano', 'footsteps', 'explosion', 'bell ringing'];
/** The demo model knows only its training classes: offer queries it can answer (its own vocabulary). */
const DEMO_EXAMPLES = ['piano', 'solo violin', 'speech', 'siren', 'ticking clock', 'church organ'];
const PAGE = 20;

export function hitToRow(h: Hit): Row {
  return {
    key: h.clip.id,
    clip: h.clip,
    score: h.score,
    scoreKind: 'relevance',
    good: h.good,
    fusedScore: h.fusedScore,
    cosine: h.cosine,
    startSec: h.startSec,
    endSec: h.endSec,
    matchedTerms: h.matchedTerms,
    vectorRank: h.vectorRank,
    keywordRank: h.keywordRank,
  };
}

function parseFilter(s: string | null): ClipFilter {
  if (!s) return {};
  try {
    return JSON.parse(s) as ClipFilter;
  } catch {
    return {};
  }
}

export function SearchView() {
  const params = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const hybrid = params.get('hybrid') !== '0';
  // weak = weaker hits (below the cutoff) shown too; sel = the selected clip. Both live in the URL with the rest.
  const weak = params.get('weak') === '1';
  const sel = params.get('sel');
  const filterParam = params.get('f');
  const filter = useMemo(() => parseFilter(filterParam), [filterParam]);
  const list = usePaged<Hit>();
  // What the latest answer says about the query: unknown words, why nothing matches.
  const [meta, setMeta] = useState<Pick<SearchConnection, 'unknownWords' | 'noGoodMatch' | 'calibration' | 'totalCountExact'> | null>(null);
  const [examples, setExamples] = useState(EXAMPLES);
  const [drawer, setDrawer] = useState(false);
  useEffect(() => {
    gql<StatusQuery>(STATUS)
      .then((d) => d.model.isDemo && setExamples(DEMO_EXAMPLES))
      .catch(() => undefined);
  }, []);
  // Back / Forward change the URL under the box: the box and the title follow.
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    document.title = searchTitle(q);
  }, [q]);
  const inputRef = useRef<HTMLInputElement>(null);

  // "/" jumps back to the search box from anywhere on the page (as on most search sites).
  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      const el = document.activeElement;
      if (e.key !== '/' || el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return;
      e.preventDefault();
      inputRef.current?.focus();
      inputRef.current?.select();
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, []);

  /**
   * The view's state is the URL. A new query, mode or filter is a new history entry (Back returns to the
   * previous search); a new selection, or a number still being typed, replaces the current one.
   */
  const setUrl = useCallback(
    (next: { q?: string; hybrid?: boolean; filter?: ClipFilter; weak?: boolean; sel?: string | null }, how: 'push' | 'replace' = 'push') => {
      const sp = new URLSearchParams();
      const nq = next.q ?? q;
      const nh = next.hybrid ?? hybrid;
      const nf = next.filter ?? filter;
      const changedList = next.q !== undefined || next.hybrid !== undefined || next.filter !== undefined;
      // "Show weaker matches" holds while the filters narrow the same query; a new query starts with good ones only.
      const nw = next.weak ?? (next.q !== undefined || next.hybrid !== undefined ? false : weak);
      const ns = next.sel !== undefined ? next.sel : changedList ? null : sel;
      if (nq) sp.set('q', nq);
      if (!nh) sp.set('hybrid', '0');
      if (activeFilterCount(nf)) sp.set('f', JSON.stringify(nf));
      if (nw) sp.set('weak', '1');
      if (ns) sp.set('sel', ns);
      const url = sp.size ? `/?${sp}` : '/';
      // The browser's own history (Next keeps useSearchParams in step): the view changes on the client
      // alone, with no server round trip per keystroke or selection.
      if (how === 'push') window.history.pushState(null, '', url);
      else window.history.replaceState(null, '', url);
    },
    [q, hybrid, filter, weak, sel],
  );

  const search = useCallback(() => {
    if (!q.trim()) return list.reset();
    void list.run(async (after) => {
      const d = await gql<SearchQuery>(SEARCH, {
        query: q,
        filter: activeFilterCount(filter) ? filter : null,
        first: PAGE,
        after,
        hybrid,
        weak,
      });
      setMeta({
        unknownWords: d.searchByText.unknownWords,
        noGoodMatch: d.searchByText.noGoodMatch,
        calibration: d.searchByText.calibration,
        totalCountExact: d.searchByText.totalCountExact,
      });
      return { items: d.searchByText.hits, pageInfo: d.searchByText.pageInfo, totalCount: d.searchByText.totalCount };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, hybrid, filter, weak]);

  // A short delay folds a burst of filter edits (typing a duration) into one request.
  useEffect(() => {
    const t = setTimeout(search, 150);
    return () => clearTimeout(t);
  }, [search]);

  const showWeak = () => setUrl({ weak: true }, 'replace');
  const rows = useMemo(() => list.items.map(hitToRow), [list.items]);

  return (
    <div>
      <form
        className="searchbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim() === q) search();
          else setUrl({ q: text.trim() });
        }}
      >
        <input
          type="search"
          name="q"
          ref={inputRef}
          aria-label="Describe the sound you are looking for"
          placeholder="Describe a sound: “rain on a tin roof”, “door slam”, “cello”…   ( / )"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
          autoComplete="off"
        />
        <label className="toggle" title="Hybrid = keyword match on names, paths and tags fused with the embedding search">
          <input type="checkbox" checked={hybrid} onChange={(e) => setUrl({ hybrid: e.target.checked })} data-testid="hybrid-toggle" />
          Hybrid
        </label>
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      {list.ran && !list.error && !!meta?.unknownWords.length && (
        <p className="notice small" data-testid="unknown-words">
          The model does not know: <strong>{meta.unknownWords.join(', ')}</strong>
        </p>
      )}
      <button
        type="button"
        className="btn small ghost drawer-toggle"
        aria-expanded={drawer}
        aria-controls="search-filters"
        onClick={() => setDrawer(!drawer)}
        data-testid="filters-toggle"
      >
        Filters{activeFilterCount(filter) ? ` (${activeFilterCount(filter)})` : ''}
      </button>
      <div className="layout-2">
        <aside className={`card drawer${drawer ? ' open' : ''}`} aria-label="Search filters" id="search-filters" data-testid="filters">
          <Filters value={filter} onChange={(f, typing) => setUrl({ filter: f }, typing ? 'replace' : 'push')} />
          <button type="button" className="btn small drawer-close" onClick={() => setDrawer(false)}>
            Show results
          </button>
        </aside>
        <div>
          <ResultsPanel
            label="Search results"
            rows={rows}
            list={list}
            onRetry={search}
            selectedKey={sel}
            onSelect={(key) => setUrl({ sel: key }, 'replace')}
            exportSource={q ? { text: q, hybrid, filter: activeFilterCount(filter) ? filter : undefined } : undefined}
            exportName="earshot-search"
            summary={
              list.ran && !list.loading && rows.length
                ? `${list.totalCount.toLocaleString()}${meta?.totalCountExact === false ? '+' : ''} good match${list.totalCount === 1 ? '' : 'es'}${weak ? `, ${rows.filter((r) => !r.good).length} weaker shown` : ''}`
                : undefined
            }
            empty={
              !list.ran ? (
                <Empty title="Search your sound library by meaning">
                  Type what you hear in your head and press Enter. Try:
                  <div className="examples">
                    {examples.map((ex) => (
                      <button
                        key={ex}
                        type="button"
                        className="btn small ghost"
                        onClick={() => {
                          setText(ex);
                          setUrl({ q: ex });
                        }}
                      >
                        {ex}
                      </button>
                    ))}
                  </div>
                </Empty>
              ) : (
                <Empty title={`Nothing in your library sounds like “${q}”${activeFilterCount(filter) ? ' with these filters' : ''}`}>
                  {meta?.noGoodMatch ? <span data-testid="no-good-match">{meta.noGoodMatch[0].toUpperCase() + meta.noGoodMatch.slice(1)}. </span> : null}
                  {activeFilterCount(filter) ? 'Clear or widen the filters on the left. ' : null}
                  {!weak && (
                    <button type="button" className="btn small ghost" onClick={showWeak} data-testid="show-weak">
                      Show weaker matches
                    </button>
                  )}
                </Empty>
              )
            }
          />
          {list.ran && !list.loading && rows.length > 0 && !weak && !list.pageInfo?.hasNextPage && (
            <div className="load-more">
              <button type="button" className="btn small ghost" onClick={showWeak} data-testid="show-weak">
                Show weaker matches
              </button>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
