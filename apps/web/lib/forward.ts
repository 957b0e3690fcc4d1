// The browser talks to one origin: GraphQL, uploads and audio streams are forwarded to the API server
// by the route handlers that call this. EARSHOT_API_URL is read per request, so `next start` honours it
// (next.config rewrites are frozen into the build). Route handlers rather than a proxy rewrite: a
// rewrite answers with an `x-middleware-rewrite` header that names the internal API address, and with
// a bare "Internal Server Error" page when the API is down.
const DEFAULT_API_URL = 'http://127.0.0.1:4000';

// Headers by which this server proves itself to the API (apps/api/src/http/trust.ts). A browser's own
// values for them are always dropped.
const SECRET = 'x-earshot-proxy';
const CLIENT = 'x-earshot-client';
const HOST = 'x-earshot-host';
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'host', 'content-length'];

function apiBase(): string {
  return (process.env.EARSHOT_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
}

// Bound to loopback, every client of this server is on this machine; bound wider, none counts as
// local (the API then wants its key for writes). A forwarded-for header would be the client's word.
function clientAddress(): string {
  const host = (process.env.EARSHOT_HOST || '127.0.0.1').toLowerCase();
  return ['127.0.0.1', 'localhost', '::1'].includes(host) ? '127.0.0.1' : 'remote';
}

/** What the browser gets when the API cannot be reached: the shape its caller reads, no internal address. */
function unreachable(path: string): Response {
  const message = 'The API server is not answering.';
  const body = path === '/graphql' ? { errors: [{ message, extensions: { code: 'NETWORK' } }] } : { error: { code: 'NETWORK', message } };
  return Response.json(body, { status: 502 });
}

export async function forward(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  for (const h of [SECRET, CLIENT, HOST, ...HOP_BY_HOP]) headers.delete(h);
  const secret = process.env.EARSHOT_PROXY_SECRET;
  if (secret) {
    headers.set(SECRET, secret);
    headers.set(CLIENT, clientAddress());
    // The Host the browser asked for: the API checks it (DNS rebinding) and compares Origin with it.
    headers.set(HOST, req.headers.get('host') ?? '');
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  let res: Response;
  try {
    res = await fetch(apiBase() + url.pathname + url.search, {
      method: req.method,
      headers,
      body: hasBody ? req.body : undefined,
      redirect: 'manual',
      signal: req.signal,
      ...(hasBody ? { duplex: 'half' } : {}),
    });
  } catch {
    return unreachable(url.pathname);
  }
  const out = new Headers(res.headers);
  for (const h of HOP_BY_HOP) if (h !== 'content-length') out.delete(h);
  // fetch has already decoded a compressed body.
  if (out.has('content-encoding')) {
    out.delete('content-encoding');
    out.delete('content-length');
  }
  return new Response(res.body, { status: res.status, headers: out });
}
