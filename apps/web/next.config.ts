import type { NextConfig } from 'next';

// API traffic (/graphql, /upload, /audio/*) is forwarded to EARSHOT_API_URL by proxy.ts at request
// time; see there for why that is not a `rewrites()` entry here.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Uploads pass through the proxy: allow large audio bodies (the API enforces its own limit).
  experimental: { proxyClientMaxBodySize: '512mb' },
};

export default nextConfig;
