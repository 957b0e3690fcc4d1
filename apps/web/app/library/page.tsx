import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LibraryView } from './LibraryView';

type Params = Promise<Record<string, string | string[] | undefined>>;

/** The folder being browsed names the page. */
export async function generateMetadata({ searchParams }: { searchParams: Params }): Promise<Metadata> {
  const f = (await searchParams).folder;
  const name = typeof f === 'string' ? f.split('/').filter(Boolean).pop() : undefined;
  return { title: name ? `${name} · Library` : 'Library' };
}

export default function Page() {
  return (
    <Suspense>
      <LibraryView />
    </Suspense>
  );
}
