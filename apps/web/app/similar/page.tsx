import { Suspense } from 'react';
import { SimilarView } from './SimilarView';

export default function Page() {
  return (
    <Suspense>
      <SimilarView />
    </Suspense>
  );
}
