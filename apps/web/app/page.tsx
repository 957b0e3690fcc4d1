import type { Metadata } from 'next';
import { Suspense } from 'react';
import { SearchView } from './SearchView';

type Params = Promise<Record<string, string | string[] | undefined>>;

/** A title per search: the query names the tab and the history entry. */
export async function generateMetadata({ searchParams }: { searchParams: Params }): Promise<Metadata> {
  const q = (await searchParams).q;
  const text = typeof q === 'string' ? q.trim() : '';
  return { title: text ? `“${text.length > 60 ? `${text.slice(0, 60)}…` : text}” · Search` : 'Search' };
}

export default function Page() {
  return (
    <Suspense>
      <SearchView />
    </Suspense>
  );
}
