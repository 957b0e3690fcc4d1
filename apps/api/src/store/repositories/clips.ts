/** "Clip" rows: the library's files, as the API returns them, and every statement that reads or writes them. */
import type { EmbeddedTags } from '../../audio/index.js';
import { clipFilter, embeddedFilter, type ClipFilter } from './clip-filter.js';
import { bigint, first, float8, float8Array, int, intArray, now, num, qb, rows, sql, textArray, toDate, utcFromMs, type Db } from '../query.js';

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

/** The columns a ClipRow is made of, on "Clip" c. */
export const CLIP_SELECT = [
  'c.id',
  'c.path',
  'c.name',
  'c.folder',
  'c.format',
  'c.container',
  'c.codec',
  'c.bitDepth',
  'c.decoder',
  'c.embedded',
  'c.description',
  'c.ucsCatId',
  'c.ucsCategory',
  'c.ucsSubcategory',
  'c.sampleRate',
  'c.channels',
  'c.durationSec',
  'c.sizeBytes',
  'c.mtime',
  'c.tags',
  'c.peaks',
  'c.status',
  'c.contentHash',
] as const;

/** A row of CLIP_SELECT as the API returns it: the one place its values are converted. */
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
    embedded: ((typeof r.embedded === 'string' ? JSON.parse(r.embedded) : r.embedded) as Record<string, string> | null) ?? {},
    description: (r.description as string | null) ?? null,
    ucs: r.ucsCatId ? { catId: String(r.ucsCatId), category: String(r.ucsCategory ?? ''), subcategory: (r.ucsSubcategory as string | null) ?? null } : null,
    sampleRate: Number(r.sampleRate),
    channels: Number(r.channels),
    durationSec: Number(r.durationSec),
    sizeBytes: Number(r.sizeBytes),
    mtime: toDate(r.mtime),
    tags: (r.tags as string[] | null) ?? [],
    peaks: ((r.peaks as number[] | null) ?? []).map(Number),
    status: r.status === 'missing' ? 'missing' : 'active',
    contentHash: String(r.contentHash),
  };
}

const clips = () => qb.selectFrom('Clip as c').select(CLIP_SELECT);

export async function clipById(db: Db, id: number): Promise<ClipRow | null> {
  const r = await first(db, clips().where('c.id', '=', id));
  return r ? mapClip(r) : null;
}

export async function clipsByIds(db: Db, ids: number[]): Promise<Map<number, ClipRow>> {
  if (!ids.length) return new Map();
  const rs = await rows(db, clips().where('c.id', '=', sql<number>`ANY(${intArray(ids)})`));
  return new Map(rs.map((r) => [Number(r.id), mapClip(r)]));
}

/** One page of the listing in path order: `limit` rows after the keyset (path, id). */
export async function clipsInPathOrder(db: Db, modelId: number, p: { filter?: ClipFilter | null; after?: { path: string; id: number } | null; limit: number }): Promise<ClipRow[]> {
  let q = clips().where(clipFilter(p.filter, modelId));
  if (p.after) q = q.where(sql<boolean>`(c.path, c.id) > (${p.after.path}, ${int(p.after.id)})`);
  return (await rows(db, q.orderBy('c.path').orderBy('c.id').limit(int(p.limit)))).map(mapClip);
}

/** Clips under the filter (exact). */
export async function countClips(db: Db, modelId: number, filter?: ClipFilter | null): Promise<number> {
  const r = await first(
    db,
    qb
      .selectFrom('Clip as c')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(clipFilter(filter, modelId)),
  );
  return num(r?.n);
}

/** Clips under the filter whose content has an embedding of this model, the query clip left out. */
export async function countEmbeddedClips(db: Db, modelId: number, filter?: ClipFilter | null, excludeClipId?: number): Promise<number> {
  let q = qb
    .selectFrom('Clip as c')
    .select((eb) => eb.fn.countAll().as('n'))
    .where(clipFilter(filter, modelId))
    .where(embeddedFilter(modelId));
  if (excludeClipId !== undefined) q = q.where('c.id', '<>', int(excludeClipId));
  return num((await first(db, q))?.n);
}

/** Active clips per folder, in folder order. */
export async function activeClipsPerFolder(db: Db): Promise<{ folder: string; clips: number }[]> {
  const rs = await rows(
    db,
    qb
      .selectFrom('Clip')
      .select(['folder', (eb) => eb.fn.countAll().as('n')])
      .where('status', '=', 'active')
      .groupBy('folder')
      .orderBy('folder'),
  );
  return rs.map((r) => ({ folder: r.folder, clips: num(r.n) }));
}

/** The values the library's active clips take, for the filter panel. */
export async function clipFacets(db: Db) {
  const active = () => qb.selectFrom('Clip').where('status', '=', 'active');
  const distinct = async (col: 'format' | 'container' | 'codec' | 'ucsCategory' | 'bitDepth' | 'sampleRate' | 'channels') =>
    (await rows(db, active().select(sql.ref<string | number>(col).as('v')).distinct().where(col, 'is not', null).orderBy('v'))).map((r) => r.v);
  const range = await first(
    db,
    active().select((eb) => [eb.fn.min('durationSec').as('lo'), eb.fn.max('durationSec').as('hi')]),
  );
  return {
    formats: (await distinct('format')).map(String),
    containers: (await distinct('container')).map(String),
    codecs: (await distinct('codec')).map(String),
    ucsCategories: (await distinct('ucsCategory')).map(String),
    bitDepths: (await distinct('bitDepth')).map(Number),
    sampleRates: (await distinct('sampleRate')).map(Number),
    channels: (await distinct('channels')).map(Number),
    tags: (
      await rows(
        db,
        active()
          .select(sql<string>`unnest(tags)`.as('v'))
          .distinct()
          .orderBy('v'),
      )
    ).map((r) => r.v),
    minDurationSec: num(range?.lo),
    maxDurationSec: num(range?.hi),
  };
}

export async function setTags(db: Db, id: number, tags: string[]): Promise<void> {
  await rows(
    db,
    qb
      .updateTable('Clip')
      .set({ tags: textArray(tags), updatedAt: now() })
      .where('id', '=', id),
  );
}

/** Delete a clip row; its content's vectors and predictions go too unless another clip has the same bytes. Call inside a transaction. */
export async function deleteClipRow(db: Db, clip: { id: number; contentHash: string }): Promise<void> {
  await rows(db, qb.deleteFrom('Clip').where('id', '=', clip.id));
  await dropOrphanContent(db, clip.contentHash);
}

/** The vectors and predictions of a content no clip has any more. Call inside a transaction. */
export async function dropOrphanContent(db: Db, contentHash: string): Promise<void> {
  const r = await first(
    db,
    qb
      .selectFrom('Clip')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('contentHash', '=', contentHash),
  );
  if (num(r?.n) > 0) return;
  await rows(db, qb.deleteFrom('Segment').where('contentHash', '=', contentHash));
  await rows(db, qb.deleteFrom('Prediction').where('contentHash', '=', contentHash));
}

/** The distinct contents under the filter that have a whole-clip embedding of this model, in hash order. */
export async function embeddedContents(db: Db, modelId: number, filter?: ClipFilter | null): Promise<string[]> {
  const rs = await rows(db, qb.selectFrom('Clip as c').select('c.contentHash as h').distinct().where(clipFilter(filter, modelId)).where(embeddedFilter(modelId)).orderBy('h'));
  return rs.map((r) => r.h);
}

/**
 * The next `limit` embedded contents under the filter after `after` (hash order), with how many clips
 * under the filter share each: a job pages through the library with this and resumes after its cursor.
 */
export async function embeddedContentPage(
  db: Db,
  modelId: number,
  p: { filter?: ClipFilter | null; after: string | null; limit: number },
): Promise<{ h: string; clips: number }[]> {
  let q = qb
    .selectFrom('Clip as c')
    .select(['c.contentHash as h', (eb) => eb.fn.countAll().as('n')])
    .where(clipFilter(p.filter, modelId))
    .where(embeddedFilter(modelId))
    .groupBy('c.contentHash')
    .orderBy('c.contentHash')
    .limit(int(p.limit));
  if (p.after !== null) q = q.where('c.contentHash', '>', p.after);
  return (await rows(db, q)).map((r) => ({ h: r.h, clips: num(r.n) }));
}

// ---- what ingest writes ----

/** The stream facts, waveform and embedded descriptions stored on a clip (what one decode of its bytes gives). */
export interface StoredClipFacts {
  format: string;
  container: string | null;
  codec: string | null;
  bitDepth: number | null;
  sampleRate: number;
  channels: number;
  decoder: string | null;
  durationSec: number;
  peaks: number[];
  embedded: EmbeddedTags;
}

/** Facts named for the clip's own path (its description and UCS category). */
export interface ClipNaming {
  description: string | null;
  ucsCatId: string | null;
  ucsCategory: string | null;
  ucsSubcategory: string | null;
}

/** The facts of the oldest stored clip with these bytes that has the stream facts (clips stored before `container` existed have not). */
export async function twinFacts(db: Db, contentHash: string): Promise<StoredClipFacts | null> {
  const r = await first(
    db,
    qb
      .selectFrom('Clip')
      .select(['format', 'container', 'codec', 'bitDepth', 'sampleRate', 'channels', 'decoder', 'durationSec', 'peaks', 'embedded'])
      .where('contentHash', '=', contentHash)
      .where('container', 'is not', null)
      .orderBy('id')
      .limit(1),
  );
  if (!r) return null;
  return {
    format: String(r.format),
    container: r.container ?? null,
    codec: r.codec ?? null,
    bitDepth: r.bitDepth == null ? null : num(r.bitDepth),
    sampleRate: num(r.sampleRate),
    channels: num(r.channels),
    decoder: r.decoder ?? null,
    durationSec: num(r.durationSec),
    peaks: (r.peaks ?? []).map(Number),
    embedded: ((typeof r.embedded === 'string' ? JSON.parse(r.embedded) : r.embedded) as EmbeddedTags | null) ?? {},
  };
}

/** An active-or-missing clip at this path with this size and mtime whose content is embedded for this model (nothing to read again). */
export async function unchangedClip(
  db: Db,
  p: { path: string; sizeBytes: number; mtimeMs: number; modelId: number },
): Promise<{ id: number; contentHash: string; durationSec: number } | null> {
  const r = await first(
    db,
    qb
      .selectFrom('Clip as c')
      .select(['c.id', 'c.contentHash', 'c.durationSec'])
      .where('c.path', '=', p.path)
      .where('c.sizeBytes', '=', bigint(p.sizeBytes))
      .where('c.mtime', '=', utcFromMs(p.mtimeMs))
      .where('c.container', 'is not', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('Segment as s')
            .select(sql`1`.as('one'))
            .whereRef('s.contentHash', '=', 'c.contentHash')
            .where('s.modelId', '=', p.modelId)
            .where('s.kind', '=', 'clip'),
        ),
      ),
  );
  return r ? { id: num(r.id), contentHash: r.contentHash, durationSec: num(r.durationSec) } : null;
}

/** A clip found again is active. */
export async function reactivateClip(db: Db, id: number): Promise<void> {
  await rows(db, qb.updateTable('Clip').set({ status: 'active', updatedAt: now() }).where('id', '=', id).where('status', '<>', 'active'));
}

/** The content hash stored for this path, the row locked until the transaction ends. */
export async function lockClipAtPath(db: Db, filePath: string): Promise<{ contentHash: string } | null> {
  return (await first(db, qb.selectFrom('Clip').select('contentHash').where('path', '=', filePath).forUpdate())) ?? null;
}

/** Insert or replace the clip at `path` (active again). */
export async function upsertClip(
  db: Db,
  c: { path: string; folder: string; name: string; contentHash: string; sizeBytes: number; mtimeMs: number; facts: StoredClipFacts; naming: ClipNaming },
): Promise<void> {
  const f = c.facts;
  const n = c.naming;
  // Casts as the columns are typed: every value is a bound parameter, and Postgres must not guess.
  const facts = {
    format: sql<string>`${f.format}::text`,
    container: sql<string | null>`${f.container}::text`,
    codec: sql<string | null>`${f.codec}::text`,
    bitDepth: sql<number | null>`${f.bitDepth}::int`,
    sampleRate: int(f.sampleRate),
    channels: int(f.channels),
    decoder: sql<string | null>`${f.decoder}::text`,
    durationSec: float8(f.durationSec),
    peaks: float8Array(f.peaks),
    embedded: sql<string>`${JSON.stringify(f.embedded)}::jsonb`,
    description: sql<string | null>`${n.description}::text`,
    ucsCatId: sql<string | null>`${n.ucsCatId}::text`,
    ucsCategory: sql<string | null>`${n.ucsCategory}::text`,
    ucsSubcategory: sql<string | null>`${n.ucsSubcategory}::text`,
  };
  await rows(
    db,
    qb
      .insertInto('Clip')
      .values({
        path: c.path,
        folder: c.folder,
        name: c.name,
        contentHash: c.contentHash,
        sizeBytes: bigint(c.sizeBytes),
        mtime: utcFromMs(c.mtimeMs),
        ...facts,
        status: 'active',
        updatedAt: now(),
      })
      .onConflict((oc) =>
        oc.column('path').doUpdateSet((eb) => ({
          folder: eb.ref('excluded.folder'),
          name: eb.ref('excluded.name'),
          contentHash: eb.ref('excluded.contentHash'),
          sizeBytes: eb.ref('excluded.sizeBytes'),
          mtime: eb.ref('excluded.mtime'),
          format: eb.ref('excluded.format'),
          container: eb.ref('excluded.container'),
          codec: eb.ref('excluded.codec'),
          bitDepth: eb.ref('excluded.bitDepth'),
          sampleRate: eb.ref('excluded.sampleRate'),
          channels: eb.ref('excluded.channels'),
          decoder: eb.ref('excluded.decoder'),
          durationSec: eb.ref('excluded.durationSec'),
          peaks: eb.ref('excluded.peaks'),
          embedded: eb.ref('excluded.embedded'),
          description: eb.ref('excluded.description'),
          ucsCatId: eb.ref('excluded.ucsCatId'),
          ucsCategory: eb.ref('excluded.ucsCategory'),
          ucsSubcategory: eb.ref('excluded.ucsSubcategory'),
          status: 'active',
          updatedAt: now(),
        })),
      ),
  );
}

/**
 * Active clips under `prefix` that the scan did not find become missing (never deleted), except those in
 * folders that could not be listed (`unseen` prefixes: not looked at, so neither found nor missing).
 * Returns how many clips under the prefix are missing now.
 */
export async function markUnfoundMissing(db: Db, prefix: string, found: string[], unseen: string[]): Promise<number> {
  const notFound = sql<boolean>`NOT (path = ANY(${textArray(found)}))`;
  const notUnseen = sql<boolean>`NOT EXISTS (SELECT 1 FROM unnest(${textArray(unseen)}) AS u(d) WHERE starts_with(path, u.d))`;
  await rows(
    db,
    qb
      .updateTable('Clip')
      .set({ status: 'missing', updatedAt: now() })
      .where(sql<boolean>`starts_with(path, ${prefix})`)
      .where('status', '<>', 'missing')
      .where(notFound)
      .where(notUnseen),
  );
  const r = await first(
    db,
    qb
      .selectFrom('Clip')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(sql<boolean>`starts_with(path, ${prefix})`)
      .where('status', '=', 'missing')
      .where(notFound)
      .where(notUnseen),
  );
  return num(r?.n);
}
