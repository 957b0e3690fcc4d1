import type { Metadata } from 'next';
import { Suspense } from 'react';
import { SimilarView } from './SimilarView';

export const metadata: Metadata = { title: 'Find similar' };

export default function Page() {
  return (
    <Suspense>
      <SimilarView />
    </Suspense>
  );
}
