import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ClassifyView } from './ClassifyView';

export const metadata: Metadata = { title: 'Classify' };

export default function Page() {
  return (
    <Suspense>
      <ClassifyView />
    </Suspense>
  );
}
