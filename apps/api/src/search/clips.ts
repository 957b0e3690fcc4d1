/** Clip rows as the API returns them, and the library-browsing queries (listing, folders, facets). */
import path from 'node:path';
import { EarshotError } from '../errors.js';
import type { Store } from '../store/index.js';
import { embeddedSql, filterSql, intId, isId, type ClipFilter } from './filters.js';

export interface ClipRow {
  id: number;
  path: string;
  name: string;
  folder: string;
  format: string;
  container: string | null;
  codec: string | null;
  bitDepth: number | null;
  decoder: string | null;
  /** Embedded description fields (title, description, comment, keywords, …) and their text. */
  embedded: Record<string, string>;
  description: string | null;
  ucs: { catId: string; category: string; subcategory: string | null } | null;
  sampleRate: number;
  channels: number;
  durationSec: number;
  sizeBytes: number;
  mtime: Date;
  tags: string[];
  peaks: number[];
  status: 'active' | 'missing';
  contentHash: string;
}

export const CLIP_COLUMNS = `c.id, c.path, c.name, c.folder, c.format, c.container, c.codec, c."bitDepth", c.decoder, c.embedded, c.description,
  c."ucsCatId", c."ucsCategory", c."ucsSubcategory", c."sampleRate", c.channels, c."durationSec",
  c."sizeBytes", c.mtime, c.tags, c.peaks, c.status, c."contentHash"`;

export function mapClip(r: Record<string, unknown>): ClipRow {
  return {
    id: Number(r.id),
    path: String(r.path),
    name: String(r.name),
    folder: String(r.folder),
    format: String(r.format),
    container: (r.container as string | null) ?? null,
    codec: (r.codec as string | null) ?? null,
    bitDepth: r.bitDepth == null ? null : Number(r.bitDepth),
    decoder: (r.decoder as string | null) ?? null,
    embedded: (typeof r.embedded === 'string' ? JSON.parse(r.embedded) : r.embedded) ?? {},
    description: (r.description as string | null) ?? null,
    ucs: r.ucsCatId ? { catId: String(r.ucsCatId), category: String(r.ucsCategory ?? ''), subcategory: (r.ucsSubcategory as string | null) ?? null } : null,
    sampleRate: Number(r.sampleRate),
    channels: Number(r.channels),
    durationSec: Number(r.durationSec),
    sizeBytes: Number(r.sizeBytes),
    mtime: r.mtime instanceof Date ? r.mtime : new Date(String(r.mtime)),
    tags: (r.tags as string[]) ?? [],
    peaks: ((r.peaks as number[]) ?? []).map(Number),
    status: r.status === 'missing' ? 'missing' : 'active',
    contentHash: String(r.contentHash),
  };
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export const encodeCursor = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
export function decodeCursor<T>(c: string | null | undefined): T | null {
  if (!c) return null;
  try {
    return JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as T;
  } catch {
    throw new EarshotError('BAD_USER_INPUT', `after: ${JSON.stringify(c)} is not a cursor from this API`, { subject: 'after' });
  }
}

export function checkPageSize(first: number | null | undefined, max: number, dflt: number): number {
  const n = first ?? dflt;
  if (!Number.isInteger(n) || n < 0) throw new EarshotError('BAD_USER_INPUT', `first must be a non-negative integer, got ${n}`, { subject: 'first' });
  if (n > max) throw new EarshotError('LIMIT_EXCEEDED', `first = ${n} exceeds the maximum page size ${max}`, { subject: 'first' });
  return n;
}

export async function getClip(store: Store, id: string | number): Promise<ClipRow | null> {
  const n = Number(id);
  if (!isId(n)) return null;
  const [r] = await store.sql(`SELECT ${CLIP_COLUMNS} FROM "Clip" c WHERE c.id = $1`, [n]);
  return r ? mapClip(r) : null;
}

export async function getClips(store: Store, ids: number[]): Promise<Map<number, ClipRow>> {
  if (!ids.length) return new Map();
  const rows = await store.sql(`SELECT ${CLIP_COLUMNS} FROM "Clip" c WHERE c.id = ANY($1::int[])`, [ids]);
  return new Map(rows.map((r) => [Number(r.id), mapClip(r)]));
}

export async function requireClip(store: Store, id: string | number): Promise<ClipRow> {
  intId(id, 'clip');
  const c = await getClip(store, id);
  if (!c) throw new EarshotError('NOT_FOUND', `no clip with id ${id}`, { subject: String(id) });
  return c;
}

/** Library listing ordered by path; keyset cursor on (path, id) so pages never repeat or skip. */
export async function listClips(
  store: Store,
  modelId: number,
  p: { filter?: ClipFilter | null; first: number; after?: string | null },
): Promise<Page<ClipRow>> {
  const params: unknown[] = [];
  const where = filterSql(p.filter, params, modelId);
  const countParams = [...params];
  const cur = decodeCursor<{ p: string; id: number }>(p.after);
  let keyset = '';
  if (cur) {
    params.push(cur.p, cur.id);
    keyset = ` AND (c.path, c.id) > ($${params.length - 1}, $${params.length}::int)`;
  }
  params.push(p.first + 1);
  const rows = await store.sql(`SELECT ${CLIP_COLUMNS} FROM "Clip" c WHERE ${where}${keyset} ORDER BY c.path, c.id LIMIT $${params.length}::int`, params);
  const [{ n }] = await store.sql<{ n: bigint }>(`SELECT count(*) AS n FROM "Clip" c WHERE ${where}`, countParams);
  const nodes = rows.slice(0, p.first).map(mapClip);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    hasNextPage: rows.length > p.first,
    endCursor: last ? encodeCursor({ p: last.path, id: last.id }) : null,
    totalCount: Number(n),
  };
}

export interface FolderRow {
  path: string;
  name: string;
  clipCount: number;
}

/**
 * Immediate sub-folders of `prefix` with the number of active clips below each. Without a prefix:
 * the ingest roots (outermost ones), or the clips' common top folders when no run is recorded.
 */
export async function listFolders(store: Store, prefix?: string | null): Promise<FolderRow[]> {
  const rows = await store.sql<{ folder: string; n: bigint }>(
    `SELECT folder, count(*) AS n FROM "Clip" WHERE status = 'active' GROUP BY folder ORDER BY folder`,
  );
  const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);
  const counts = new Map<string, number>();
  if (prefix) {
    const pre = withSlash(prefix);
    for (const r of rows) {
      if (!r.folder.startsWith(pre) || r.folder === pre) continue;
      const next = r.folder.slice(pre.length).split('/')[0];
      const key = `${pre}${next}/`;
      counts.set(key, (counts.get(key) ?? 0) + Number(r.n));
    }
  } else {
    const runs = await store.sql<{ root: string }>(`SELECT DISTINCT root FROM "IngestRun"`);
    let roots = [...new Set(runs.map((r) => withSlash(path.resolve(r.root))))];
    roots = roots.filter((r) => !roots.some((o) => o !== r && r.startsWith(o)));
    for (const r of rows) {
      const root = roots.find((x) => r.folder.startsWith(x)) ?? r.folder;
      counts.set(root, (counts.get(root) ?? 0) + Number(r.n));
    }
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([p, clipCount]) => ({ path: p, name: path.basename(p) || p, clipCount }));
}

export async function facets(store: Store) {
  const one = async <T>(sql: string) => (await store.sql<{ v: T }>(sql)).map((r) => r.v);
  const active = `FROM "Clip" WHERE status = 'active'`;
  const [range] = await store.sql<{ lo: number | null; hi: number | null }>(`SELECT min("durationSec") AS lo, max("durationSec") AS hi ${active}`);
  return {
    formats: await one<string>(`SELECT DISTINCT format AS v ${active} ORDER BY v`),
    containers: await one<string>(`SELECT DISTINCT container AS v ${active} AND container IS NOT NULL ORDER BY v`),
    codecs: await one<string>(`SELECT DISTINCT codec AS v ${active} AND codec IS NOT NULL ORDER BY v`),
    ucsCategories: await one<string>(`SELECT DISTINCT "ucsCategory" AS v ${active} AND "ucsCategory" IS NOT NULL ORDER BY v`),
    bitDepths: (await one<number>(`SELECT DISTINCT "bitDepth" AS v ${active} AND "bitDepth" IS NOT NULL ORDER BY v`)).map(Number),
    sampleRates: (await one<number>(`SELECT DISTINCT "sampleRate" AS v ${active} ORDER BY v`)).map(Number),
    channels: (await one<number>(`SELECT DISTINCT channels AS v ${active} ORDER BY v`)).map(Number),
    tags: await one<string>(`SELECT DISTINCT unnest(tags) AS v ${active} ORDER BY v`),
    minDurationSec: Number(range?.lo ?? 0),
    maxDurationSec: Number(range?.hi ?? 0),
  };
}

/** Count of clips under the filter that have an embedding of this model. */
export async function countEmbedded(store: Store, modelId: number, filter?: ClipFilter | null, excludeClipId?: number): Promise<number> {
  const params: unknown[] = [];
  let where = `${filterSql(filter, params, modelId)} AND ${embeddedSql(params, modelId)}`;
  if (excludeClipId !== undefined) {
    params.push(excludeClipId);
    where += ` AND c.id <> $${params.length}::int`;
  }
  const [{ n }] = await store.sql<{ n: bigint }>(`SELECT count(*) AS n FROM "Clip" c WHERE ${where}`, params);
  return Number(n);
}

/** How long a recentCount stays in use: long enough to take the exact count off the search path, short enough to follow an ingest. */
export const RECENT_COUNT_MS = 10_000;
const recentCounts = new WeakMap<Store, Map<string, { at: number; n: Promise<number> }>>();

/**
 * countEmbedded as of at most RECENT_COUNT_MS ago, per store, model and filter. The exact count is a join
 * over every clip (46–65 ms at 100k on PGlite, where the KNN takes 5 ms); the searches that only weigh
 * with it (the keyword half's share of a word, the library-null cache key) use this one. Shown totals
 * never come from here.
 */
export function recentCount(store: Store, modelId: number, filter?: ClipFilter | null): Promise<number> {
  let m = recentCounts.get(store);
  if (!m) recentCounts.set(store, (m = new Map()));
  const key = `${modelId}:${JSON.stringify(filter ?? null)}`;
  const now = Date.now();
  const hit = m.get(key);
  if (hit && now - hit.at < RECENT_COUNT_MS) return hit.n;
  if (m.size >= 256) m.clear(); // filters are open-ended: a bounded memo, not a growing one
  const n = countEmbedded(store, modelId, filter);
  m.set(key, { at: now, n });
  n.catch(() => m.delete(key));
  return n;
}

export interface TagLimits {
  maxTags: number;
  maxTagChars: number;
}

export async function setClipTags(store: Store, id: string, tags: string[], limits: TagLimits = { maxTags: 64, maxTagChars: 64 }): Promise<ClipRow> {
  if (tags.length > limits.maxTags) throw new EarshotError('LIMIT_EXCEEDED', `${tags.length} tags exceed the maximum of ${limits.maxTags}`, { subject: 'tags' });
  const long = tags.find((t) => t.trim().length > limits.maxTagChars);
  if (long !== undefined) throw new EarshotError('LIMIT_EXCEEDED', `a tag is ${long.trim().length} characters long; the limit is ${limits.maxTagChars}`, { subject: 'tags' });
  await requireClip(store, id);
  const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
  await store.sql(`UPDATE "Clip" SET tags = $1::text[], "updatedAt" = now() WHERE id = $2`, [clean, Number(id)]);
  return (await getClip(store, id)) as ClipRow;
}

/**
 * Add and remove tags on several clips at once (a selection in the web app). All or nothing: every id
 * must exist and every result must pass setClipTags' limits before any clip changes.
 */
export async function editClipTags(
  store: Store,
  ids: string[],
  edit: { add?: string[] | null; remove?: string[] | null },
  limits: TagLimits & { maxIds: number } = { maxTags: 64, maxTagChars: 64, maxIds: 200 },
): Promise<ClipRow[]> {
  if (!ids.length) throw new EarshotError('BAD_USER_INPUT', 'give at least one clip id', { subject: 'ids' });
  if (ids.length > limits.maxIds) throw new EarshotError('LIMIT_EXCEEDED', `${ids.length} clips exceed the maximum of ${limits.maxIds} per request`, { subject: 'ids' });
  const add = (edit.add ?? []).map((t) => t.trim()).filter(Boolean);
  const remove = new Set((edit.remove ?? []).map((t) => t.trim()));
  const next = new Map<string, string[]>();
  for (const id of new Set(ids)) {
    const clip = await requireClip(store, id);
    const tags = [...new Set([...clip.tags.filter((t) => !remove.has(t)), ...add.filter((t) => !remove.has(t))])];
    if (tags.length > limits.maxTags) throw new EarshotError('LIMIT_EXCEEDED', `clip ${id} would have ${tags.length} tags; the maximum is ${limits.maxTags}`, { subject: 'tags' });
    const long = tags.find((t) => t.length > limits.maxTagChars);
    if (long !== undefined) throw new EarshotError('LIMIT_EXCEEDED', `a tag is ${long.length} characters long; the limit is ${limits.maxTagChars}`, { subject: 'tags' });
    next.set(id, tags);
  }
  await store.tx(async (t) => {
    for (const [id, tags] of next) await t.sql(`UPDATE "Clip" SET tags = $1::text[], "updatedAt" = now() WHERE id = $2`, [tags, Number(id)]);
  });
  return Promise.all([...next.keys()].map(async (id) => (await getClip(store, id)) as ClipRow));
}

/** Delete a clip row; its content's vectors and predictions go too unless another clip has the same bytes. */
export async function deleteClip(store: Store, id: string): Promise<boolean> {
  const clip = await requireClip(store, id);
  await store.tx(async (t) => {
    await t.sql(`DELETE FROM "Clip" WHERE id = $1`, [clip.id]);
    const [{ n }] = await t.sql<{ n: bigint }>(`SELECT count(*) AS n FROM "Clip" WHERE "contentHash" = $1`, [clip.contentHash]);
    if (Number(n) === 0) {
      await t.sql(`DELETE FROM "Segment" WHERE "contentHash" = $1`, [clip.contentHash]);
      await t.sql(`DELETE FROM "Prediction" WHERE "contentHash" = $1`, [clip.contentHash]);
    }
  });
  return true;
}
