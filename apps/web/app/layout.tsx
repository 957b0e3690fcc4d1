import type { Metadata, Viewport } from 'next';
import { Nav } from '@/components/Nav';
import { PlayerProvider } from '@/components/Player';
import './globals.css';

// The system font stack (globals.css): no font files to download, so the first load stays small.
export const metadata: Metadata = {
  title: { default: 'Earshot', template: '%s · Earshot' },
  description: 'Search a sound library by meaning',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <PlayerProvider>
          <Nav />
          <main id="main" tabIndex={-1}>
            {children}
          </main>
        </PlayerProvider>
      </body>
    </html>
  );
}
