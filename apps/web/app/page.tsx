import type { Metadata } from 'next';
import { Suspense } from 'react';
import { searchTitle } from '@/lib/titles';
import { SearchView } from './SearchView';

type Params = Promise<Record<string, string | string[] | undefined>>;

/** A title per search: the query names the tab and the history entry. */
export async function generateMetadata({ searchParams }: { searchParams: Params }): Promise<Metadata> {
  const q = (await searchParams).q;
  // absolute: the layout's "%s · Earshot" template covers child segments only, and this page is the root one.
  return { title: { absolute: searchTitle(typeof q === 'string' ? q : '') } };
}

export default function Page() {
  return (
    <Suspense>
      <SearchView />
    </Suspense>
  );
}
