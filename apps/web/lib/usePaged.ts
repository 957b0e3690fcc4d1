'use client';
import { useCallback, useRef, useState } from 'react';
import type { PageInfo } from './results';

export interface Page<T> {
  items: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * A cursor-paged list: `run` starts a new list (dropping answers to older requests),
 * `more` appends the next page.
 */
export function usePaged<T>() {
  const [items, setItems] = useState<T[]>([]);
  const [pageInfo, setPageInfo] = useState<PageInfo | null>(null);
  const [totalCount, setTotalCount] = useState(0);
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ran, setRan] = useState(false);
  const gen = useRef(0);
  const fetcher = useRef<((after: string | null) => Promise<Page<T>>) | null>(null);

  const run = useCallback(async (fetch: (after: string | null) => Promise<Page<T>>) => {
    const g = ++gen.current;
    fetcher.current = fetch;
    setLoading(true);
    setRan(true);
    try {
      const p = await fetch(null);
      if (g !== gen.current) return;
      // An earlier error stays up until an answer replaces it (an automatic retry does not flash the page).
      setError(null);
      setItems(p.items);
      setPageInfo(p.pageInfo);
      setTotalCount(p.totalCount);
    } catch (e) {
      if (g !== gen.current) return;
      setItems([]);
      setPageInfo(null);
      setError(e);
    } finally {
      if (g === gen.current) setLoading(false);
    }
  }, []);

  const more = useCallback(async () => {
    if (!fetcher.current || !pageInfo?.hasNextPage) return;
    const g = gen.current;
    setLoadingMore(true);
    try {
      const p = await fetcher.current(pageInfo.endCursor);
      if (g !== gen.current) return;
      setItems((old) => [...old, ...p.items]);
      setPageInfo(p.pageInfo);
      setTotalCount(p.totalCount);
    } catch (e) {
      if (g === gen.current) setError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [pageInfo]);

  const reset = useCallback(() => {
    gen.current++;
    setItems([]);
    setPageInfo(null);
    setError(null);
    setRan(false);
    setLoading(false);
  }, []);

  return { items, pageInfo, totalCount, loading, loadingMore, error, ran, run, more, reset };
}
