import { Suspense } from 'react';
import { ClassifyView } from './ClassifyView';

export default function Page() {
  return (
    <Suspense>
      <ClassifyView />
    </Suspense>
  );
}
