import type { Metadata } from 'next';
import { Suspense } from 'react';
import { IngestView } from './IngestView';

export const metadata: Metadata = { title: 'Ingest' };

export default function Page() {
  return (
    <Suspense>
      <IngestView />
    </Suspense>
  );
}
