'use client';
// The one door to the API: GraphQL over POST /graphql and the REST upload (POST /upload),
// both same-origin through the Next rewrite (next.config.ts).

export const API_KEY_STORAGE = 'earshot.apiKey';

export function getApiKey(): string {
  if (typeof window === 'undefined') return '';
  return window.localStorage.getItem(API_KEY_STORAGE) ?? '';
}

export function setApiKey(key: string): void {
  if (key) window.localStorage.setItem(API_KEY_STORAGE, key);
  else window.localStorage.removeItem(API_KEY_STORAGE);
}

/** An error from the API (GraphQL `extensions.code`) or from the network, with a hint for the user. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly subject?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** What the user can do about it. */
  get hint(): string {
    switch (this.code) {
      case 'UNAUTHENTICATED':
        return 'This action needs the API key: enter it on the Ingest page (it is kept in this browser only).';
      case 'NETWORK':
        return 'Earshot’s server is not answering (is `npm start` still running?). This page tries again every few seconds and recovers by itself.';
      case 'UNSUPPORTED_FORMAT':
      case 'AUDIO_DECODE_FAILED':
      case 'AUDIO_NO_SAMPLES':
      case 'FILE_EMPTY':
        return 'Try a wav, mp3, flac, ogg, opus, m4a or aiff file that plays in your audio player.';
      case 'UPLOAD_TOO_LARGE':
      case 'CLIP_TOO_LONG':
        return 'Trim the file to a shorter excerpt and upload it again.';
      case 'LIMIT_EXCEEDED':
        return this.subject === 'query' ? 'Shorten the description to a few words.' : 'Ask for fewer results or fewer labels at once.';
      case 'BAD_USER_INPUT':
        return 'Check the values you entered.';
      case 'NOT_FOUND':
        return 'It may have been deleted or re-ingested; refresh the list.';
      case 'FILE_NOT_FOUND':
        return 'The path must exist on the API server’s disk (not on your computer).';
      case 'PATH_NOT_ABSOLUTE':
        return 'Give the folder’s full path, starting with /.';
      case 'PATH_OUTSIDE_ROOTS':
        return 'The server only ingests folders inside its EARSHOT_INGEST_ROOTS: pick one there, or ask for the folder to be added.';
      default:
        return 'If this keeps happening, look at the API server log.';
    }
  }
}

/**
 * Whether the API answered the last request: one app-wide flag, so a dead server is reported once
 * (the banner under the header) and every view recovers by itself when it answers again.
 */
const API_EVENT = 'earshot:api';
let apiUp: boolean | null = null;

function reportApi(up: boolean): void {
  if (typeof window === 'undefined' || apiUp === up) return;
  apiUp = up;
  window.dispatchEvent(new CustomEvent<boolean>(API_EVENT, { detail: up }));
}

/** Call `cb` whenever the API is reachable again after having been unreachable (or for the first time). */
export function onApiChange(cb: (up: boolean) => void): () => void {
  const h = (e: Event) => cb((e as CustomEvent<boolean>).detail);
  window.addEventListener(API_EVENT, h);
  return () => window.removeEventListener(API_EVENT, h);
}

export function isNetworkError(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'NETWORK';
}

interface GqlResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; subject?: string } }[];
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}, opts: { signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = getApiKey();
  if (key) headers['x-api-key'] = key;
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    reportApi(false);
    throw new ApiError('The server is unreachable.', 'NETWORK');
  }
  let body: GqlResponse<T>;
  try {
    body = (await res.json()) as GqlResponse<T>;
  } catch {
    if (res.status >= 500) reportApi(false);
    throw res.status >= 500 ? new ApiError('The server is unreachable.', 'NETWORK') : new ApiError(`The server answered HTTP ${res.status} without a GraphQL body.`, 'INTERNAL');
  }
  // The web server's proxy answers 502 with code NETWORK when the API behind it is down.
  if (body.errors?.[0]?.extensions?.code === 'NETWORK') {
    reportApi(false);
    throw new ApiError('The server is unreachable.', 'NETWORK');
  }
  reportApi(true);
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new ApiError(e.message, e.extensions?.code ?? 'INTERNAL', e.extensions?.subject);
  }
  if (!body.data) throw new ApiError('The API returned no data.', 'INTERNAL');
  return body.data;
}

export interface UploadResult {
  id: string;
  durationSec: number;
  [k: string]: unknown;
}

/** POST /upload with the raw bytes; the returned id is passed as `audio` to similarTo / classify. */
export async function uploadAudio(file: Blob, name = 'upload'): Promise<UploadResult> {
  const headers: Record<string, string> = { 'content-type': file.type || 'application/octet-stream', 'x-filename': name };
  const key = getApiKey();
  if (key) headers['x-api-key'] = key;
  let res: Response;
  try {
    res = await fetch('/upload', { method: 'POST', headers, body: file });
  } catch {
    reportApi(false);
    throw new ApiError('The server is unreachable, so the file could not be uploaded.', 'NETWORK');
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* non-JSON error page */
  }
  if (!res.ok) {
    const err = (body.error ?? body) as { code?: string; message?: string; subject?: string };
    throw new ApiError(err.message ?? `Upload failed (HTTP ${res.status}).`, err.code ?? (res.status === 413 ? 'UPLOAD_TOO_LARGE' : 'INTERNAL'), err.subject);
  }
  return body as UploadResult;
}
