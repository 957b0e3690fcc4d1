import { Suspense } from 'react';
import { LibraryView } from './LibraryView';

export default function Page() {
  return (
    <Suspense>
      <LibraryView />
    </Suspense>
  );
}
