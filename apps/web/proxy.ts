import { NextResponse, type NextRequest } from 'next/server';

// The browser talks to one origin: GraphQL, uploads and audio streams are forwarded to the API
// server. This is a request-time rewrite (Next 16 "proxy", formerly middleware) rather than
// `rewrites()` in next.config.ts, because next.config rewrites are frozen into the build
// (.next/routes-manifest.json): EARSHOT_API_URL must be honoured by `next start`, not `next build`.
const DEFAULT_API_URL = 'http://127.0.0.1:4000';

function apiBase(): string {
  return (process.env.EARSHOT_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
}

export function proxy(req: NextRequest) {
  const target = new URL(req.nextUrl.pathname + req.nextUrl.search, apiBase() + '/');
  return NextResponse.rewrite(target);
}

export const config = {
  matcher: ['/graphql', '/upload', '/audio/:path*'],
};
