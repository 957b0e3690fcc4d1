import { NextResponse, type NextRequest } from 'next/server';

// The browser talks to one origin: GraphQL, uploads and audio streams are forwarded to the API
// server. This is a request-time rewrite (Next 16 "proxy", formerly middleware) rather than
// `rewrites()` in next.config.ts, because next.config rewrites are frozen into the build
// (.next/routes-manifest.json): EARSHOT_API_URL must be honoured by `next start`, not `next build`.
const DEFAULT_API_URL = 'http://127.0.0.1:4000';

// Headers by which this proxy proves itself to the API (apps/api/src/http/trust.ts). A browser's own
// values for them are always dropped.
const SECRET = 'x-earshot-proxy';
const CLIENT = 'x-earshot-client';
const HOST = 'x-earshot-host';

function apiBase(): string {
  return (process.env.EARSHOT_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
}

// Bound to loopback, every client of this server is on this machine; bound wider, none counts as
// local (the API then wants its key for writes). A forwarded-for header would be the client's word.
function clientAddress(): string {
  const host = (process.env.EARSHOT_HOST || '127.0.0.1').toLowerCase();
  return ['127.0.0.1', 'localhost', '::1'].includes(host) ? '127.0.0.1' : 'remote';
}

export function proxy(req: NextRequest) {
  const target = new URL(req.nextUrl.pathname + req.nextUrl.search, apiBase() + '/');
  const headers = new Headers(req.headers);
  for (const h of [SECRET, CLIENT, HOST]) headers.delete(h);
  const secret = process.env.EARSHOT_PROXY_SECRET;
  if (secret) {
    headers.set(SECRET, secret);
    headers.set(CLIENT, clientAddress());
    // The Host the browser asked for: the API checks it (DNS rebinding) and compares Origin with it.
    headers.set(HOST, req.headers.get('host') ?? '');
  }
  return NextResponse.rewrite(target, { request: { headers } });
}

export const config = {
  matcher: ['/graphql', '/upload', '/audio/:path*'],
};
