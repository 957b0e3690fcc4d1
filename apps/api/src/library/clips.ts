/** Clip rows as the API returns them, and the library-browsing queries (listing, folders, facets), tags and deletion. */
import path from 'node:path';
import { EarshotError } from '../errors.js';
import { intId, isId } from '../ids.js';
import type { ClipFilter, ClipRow, Store } from '../store/index.js';
import * as repo from '../store/index.js';
import { decodeCursor, encodeCursor, type Page } from './pages.js';

export { mapClip, type ClipRow } from '../store/index.js';

export async function getClip(store: Store, id: string | number): Promise<ClipRow | null> {
  const n = Number(id);
  if (!isId(n)) return null;
  return repo.clipById(store, n);
}

export async function getClips(store: Store, ids: number[]): Promise<Map<number, ClipRow>> {
  return repo.clipsByIds(store, ids);
}

export async function requireClip(store: Store, id: string | number): Promise<ClipRow> {
  intId(id, 'clip');
  const c = await getClip(store, id);
  if (!c) throw new EarshotError('NOT_FOUND', `no clip with id ${id}`, { subject: String(id) });
  return c;
}

/** Library listing ordered by path; keyset cursor on (path, id) so pages never repeat or skip. */
export async function listClips(store: Store, modelId: number, p: { filter?: ClipFilter | null; first: number; after?: string | null }): Promise<Page<ClipRow>> {
  const cur = decodeCursor<{ p: string; id: number }>(p.after);
  const rows = await repo.clipsInPathOrder(store, modelId, { filter: p.filter, after: cur ? { path: cur.p, id: cur.id } : null, limit: p.first + 1 });
  const totalCount = await repo.countClips(store, modelId, p.filter);
  const nodes = rows.slice(0, p.first);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    hasNextPage: rows.length > p.first,
    endCursor: last ? encodeCursor({ p: last.path, id: last.id }) : null,
    totalCount,
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
  const rows = await repo.activeClipsPerFolder(store);
  const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);
  const counts = new Map<string, number>();
  if (prefix) {
    const pre = withSlash(prefix);
    for (const r of rows) {
      if (!r.folder.startsWith(pre) || r.folder === pre) continue;
      const next = r.folder.slice(pre.length).split('/')[0];
      const key = `${pre}${next}/`;
      counts.set(key, (counts.get(key) ?? 0) + r.clips);
    }
  } else {
    let roots = [...new Set((await repo.ingestedRoots(store)).map((r) => withSlash(path.resolve(r))))];
    roots = roots.filter((r) => !roots.some((o) => o !== r && r.startsWith(o)));
    for (const r of rows) {
      const root = roots.find((x) => r.folder.startsWith(x)) ?? r.folder;
      counts.set(root, (counts.get(root) ?? 0) + r.clips);
    }
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, clipCount]) => ({ path: p, name: path.basename(p) || p, clipCount }));
}

export function facets(store: Store) {
  return repo.clipFacets(store);
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
  await repo.setTags(store, Number(id), clean);
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
    for (const [id, tags] of next) await repo.setTags(t, Number(id), tags);
  });
  return Promise.all([...next.keys()].map(async (id) => (await getClip(store, id)) as ClipRow));
}

/** Delete a clip row; its content's vectors and predictions go too unless another clip has the same bytes. */
export async function deleteClip(store: Store, id: string): Promise<boolean> {
  const clip = await requireClip(store, id);
  await store.tx((t) => repo.deleteClipRow(t, clip));
  return true;
}

/** Active clips in the library, and the segments of this model (the health query). */
export function librarySize(store: Store, modelId: number): Promise<{ clips: number; segments: number }> {
  return repo.librarySize(store, modelId);
}
