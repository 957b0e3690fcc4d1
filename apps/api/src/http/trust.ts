/**
 * Who a request comes from, and what it may do. A browser on this machine is loopback too, so
 * "loopback may write" alone let any web page drive the server: every request is also checked for
 * the Host it names (DNS rebinding), the Origin of the page that sent it, and Sec-Fetch-Site (media
 * and image tags send no Origin). The web app's proxy forwards the browser's request; with the shared
 * proxy secret it also tells the API the browser's address and the Host the browser asked for.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import { EarshotError } from '../errors.js';
import { sendError } from './errors.js';

/** Headers the web app's proxy sets (and overwrites, whatever the browser sent). */
export const PROXY_HEADERS = { secret: 'x-earshot-proxy', client: 'x-earshot-client', host: 'x-earshot-host' } as const;

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARD = new Set(['0.0.0.0', '::']);

export interface TrustPolicy {
  apiKey?: string;
  proxySecret?: string;
  /** Host names (lower case, IPv6 without brackets) a request may name. */
  hosts: Set<string>;
  /** Origins besides the request's own whose pages may read and write (CORS is answered for these). */
  origins: Set<string>;
}

export function trustPolicy(cfg: Pick<Config, 'apiKey' | 'proxySecret' | 'host' | 'allowedHosts' | 'allowedOrigins' | 'webPort'>): TrustPolicy {
  const names = [...LOOPBACK_NAMES, ...(WILDCARD.has(cfg.host) ? [] : [cfg.host]), ...cfg.allowedHosts].map(bare);
  // The web app on its configured port may call the API directly or through a proxy that has no secret.
  const webOrigins = [...new Set(names)].map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${cfg.webPort}`);
  return { apiKey: cfg.apiKey, proxySecret: cfg.proxySecret, hosts: new Set(names), origins: new Set([...webOrigins, ...cfg.allowedOrigins]) };
}

/** A random proxy secret, for `npm start` and tests that run the API and the web app together. */
export const newProxySecret = (): string => randomBytes(24).toString('base64url');

/** Host name without port or IPv6 brackets, lower case. */
function bare(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colons = h.split(':').length - 1;
  return colons === 1 ? h.slice(0, h.indexOf(':')) : h; // one colon = host:port; more = bare IPv6
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
};

export function presentedKey(req: IncomingMessage): string | null {
  const h = header(req, 'x-api-key');
  if (h) return h;
  const auth = header(req, 'authorization');
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m ? m[1].trim() : null;
}

export interface Caller {
  /** The client's address: the socket's, or the browser's as the proxy saw it. */
  address: string;
  /** The Host the client asked for. */
  host: string;
  viaProxy: boolean;
  /** The page origin that sent the request, when a browser says. */
  origin: string | null;
}

/** The caller as the socket shows it, or as the proxy tells when it proves itself with the secret. */
export function caller(req: IncomingMessage, policy: TrustPolicy): Caller {
  const origin = header(req, 'origin') ?? null;
  const secret = header(req, PROXY_HEADERS.secret);
  if (policy.proxySecret && secret && same(secret, policy.proxySecret)) {
    return { address: header(req, PROXY_HEADERS.client) ?? '', host: header(req, PROXY_HEADERS.host) ?? '', viaProxy: true, origin };
  }
  return { address: req.socket.remoteAddress ?? '', host: header(req, 'host') ?? '', viaProxy: false, origin };
}

/** Why the request must be refused before any route sees it, or null. */
export function refusal(req: IncomingMessage, c: Caller, policy: TrustPolicy): string | null {
  if (!policy.hosts.has(bare(c.host))) {
    return `Host ${JSON.stringify(c.host)} is not one this server answers to (set EARSHOT_ALLOWED_HOSTS to add a name)`;
  }
  if (c.origin !== null && !originAllowed(c, policy)) {
    return `requests from pages at ${c.origin} are not allowed (set EARSHOT_ALLOWED_ORIGINS to allow that origin)`;
  }
  // Tags like <audio src> and <img> send no Origin; their Sec-Fetch-Site tells another site sent them.
  // A plain navigation (a link the user follows) shows nothing to the page that linked it.
  const site = header(req, 'sec-fetch-site');
  if (c.origin === null && (site === 'cross-site' || site === 'same-site') && header(req, 'sec-fetch-mode') !== 'navigate') {
    return 'requests embedded in pages of other sites are not allowed';
  }
  return null;
}

function originAllowed(c: Caller, policy: TrustPolicy): boolean {
  if (policy.origins.has(c.origin as string)) return true;
  try {
    // Same origin as the Host asked for (the API's own landing page, or the web app through its proxy).
    return new URL(c.origin as string).host === c.host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed frames, file://) and junk
  }
}

/**
 * Write access (mutations, uploads): the API key when one is configured; otherwise a loopback caller
 * (as the proxy reports it, when the request came through the web app).
 */
export function canWrite(c: Caller, req: IncomingMessage, policy: TrustPolicy): boolean {
  if (policy.apiKey) {
    const k = presentedKey(req);
    return k !== null && same(k, policy.apiKey);
  }
  return LOOPBACK_ADDRESSES.has(c.address);
}

/** Express middleware: refuse what `refusal` refuses; CORS only for configured origins. */
export function guard(policy: TrustPolicy, log?: (m: string) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const c = caller(req, policy);
    const why = refusal(req, c, policy);
    if (why) return sendError(res, new EarshotError('FORBIDDEN', why, { subject: c.origin ?? c.host }), log);
    res.locals.caller = c;
    if (c.origin && policy.origins.has(c.origin)) {
      res.setHeader('Access-Control-Allow-Origin', c.origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-api-key, authorization, x-filename, range, apollo-require-preflight');
      res.setHeader('Access-Control-Expose-Headers', 'content-range, accept-ranges, content-length');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** The caller `guard` found for this request. */
export const callerOf = (res: Response): Caller => res.locals.caller as Caller;
