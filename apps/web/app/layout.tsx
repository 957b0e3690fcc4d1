import type { Metadata } from 'next';
import localFont from 'next/font/local';
import { Nav } from '@/components/Nav';
import { PlayerProvider } from '@/components/Player';
import './globals.css';

// Fonts ship with the app (copied from Debian's fonts-dejavu): no font CDN, works offline.
const sans = localFont({
  src: [
    { path: './fonts/DejaVuSans.ttf', weight: '400', style: 'normal' },
    { path: './fonts/DejaVuSans-Bold.ttf', weight: '700', style: 'normal' },
  ],
  variable: '--font-sans',
  display: 'swap',
});
const mono = localFont({ src: './fonts/DejaVuSansMono.ttf', variable: '--font-mono', display: 'swap' });

export const metadata: Metadata = {
  title: 'Earshot',
  description: 'Search a sound library by meaning',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${sans.variable} ${mono.variable}`}>
      <body>
        <PlayerProvider>
          <Nav />
          <main>{children}</main>
        </PlayerProvider>
      </body>
    </html>
  );
}
