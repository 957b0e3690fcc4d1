import { Suspense } from 'react';
import { IngestView } from './IngestView';

export default function Page() {
  return (
    <Suspense>
      <IngestView />
    </Suspense>
  );
}
