import type { NextConfig } from 'next';

// API traffic (/graphql, /upload, /audio/*) is forwarded to EARSHOT_API_URL at request time by the
// route handlers in app/graphql, app/upload and app/audio (lib/forward.ts); see there for why.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;
