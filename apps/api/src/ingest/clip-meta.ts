/**
 * The facts stored on a Clip about its file (stream as stored, decoder, waveform, embedded descriptions,
 * UCS category), from a decode or copied from a clip with the same bytes. One list of columns serves the
 * copy and the write.
 */
import path from 'node:path';
import type { AudioMeta, EmbeddedTags } from '../audio/index.js';
import { parseUcs } from '../library/ucs.js';
import { num, type Sql } from './db.js';

export interface ClipMeta {
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
  /** The embedded fields as one text; null when the file carries none. */
  description: string | null;
  ucsCatId: string | null;
  ucsCategory: string | null;
  ucsSubcategory: string | null;
}

/** Column and SQL cast of every ClipMeta field, in write order. */
export const META_COLUMNS: readonly [keyof ClipMeta, string][] = [
  ['format', 'text'],
  ['container', 'text'],
  ['codec', 'text'],
  ['bitDepth', 'int'],
  ['sampleRate', 'int'],
  ['channels', 'int'],
  ['decoder', 'text'],
  ['durationSec', 'float8'],
  ['peaks', 'float8[]'],
  ['embedded', 'jsonb'],
  ['description', 'text'],
  ['ucsCatId', 'text'],
  ['ucsCategory', 'text'],
  ['ucsSubcategory', 'text'],
];

/** Order in which embedded fields make up the description text. */
const DESCRIPTION_FIELDS: (keyof EmbeddedTags)[] = ['title', 'description', 'comment', 'keywords', 'category', 'subcategory', 'library', 'artist', 'album', 'originator'];

export function describe(tags: EmbeddedTags): string | null {
  // A tag system may hold one text under two names (Vorbis DESCRIPTION is also the comment): keep each text once.
  const seen = new Set<string>();
  const text = DESCRIPTION_FIELDS.map((k) => tags[k])
    .filter((v): v is string => !!v && !seen.has(v.toLowerCase()) && !!seen.add(v.toLowerCase()))
    .join(' · ');
  return text || null;
}

/** Embedded text and the UCS facts of the name (per path: two paths with the same bytes may be named differently). */
function named(filePath: string, embedded: EmbeddedTags) {
  const u = parseUcs(path.basename(filePath), embedded);
  return {
    embedded,
    description: describe(embedded),
    ucsCatId: u?.catId ?? null,
    ucsCategory: u?.category ?? null,
    ucsSubcategory: u?.subcategory || null,
  };
}

const q = (c: string) => `"${c}"`;

/** Waveform thumbnail resolution: points of the peak envelope stored per clip. */
export const PEAK_POINTS = 200;

/** A clip's facts from its decoded stream (meta + the peak envelope the decode thread computed). */
export function metaFromDecoded(m: AudioMeta, peaks: number[], filePath: string): ClipMeta {
  return {
    format: m.format,
    container: m.container,
    codec: m.codec,
    bitDepth: m.bitDepth,
    sampleRate: m.sampleRate,
    channels: m.channels,
    decoder: m.decoder,
    durationSec: m.durationSec,
    peaks,
    ...named(filePath, m.tags),
  };
}

/**
 * The facts of a stored clip with these bytes; null when there is none, or when it was stored before
 * the stream facts were (no container): such a file is decoded again, once, to fill them in.
 */
export async function twinMeta(sql: Sql, contentHash: string, filePath: string): Promise<ClipMeta | null> {
  const [r] = await sql<Record<string, unknown>>(
    `SELECT ${META_COLUMNS.map(([c]) => q(c)).join(', ')} FROM "Clip" WHERE "contentHash" = $1 AND container IS NOT NULL ORDER BY id LIMIT 1`,
    [contentHash],
  );
  if (!r) return null;
  return {
    format: String(r.format),
    container: (r.container as string | null) ?? null,
    codec: (r.codec as string | null) ?? null,
    bitDepth: r.bitDepth == null ? null : num(r.bitDepth),
    sampleRate: num(r.sampleRate),
    channels: num(r.channels),
    decoder: (r.decoder as string | null) ?? null,
    durationSec: num(r.durationSec),
    peaks: ((r.peaks as unknown[]) ?? []).map(Number),
    ...named(filePath, (typeof r.embedded === 'string' ? JSON.parse(r.embedded) : r.embedded) ?? {}),
  };
}

/** `"col1", "col2", …` and `$n::cast, …` (numbered from `first`) and `"col" = EXCLUDED."col", …` for an upsert. */
export function metaSql(first: number): { columns: string; values: string; updates: string } {
  return {
    columns: META_COLUMNS.map(([c]) => q(c)).join(', '),
    values: META_COLUMNS.map(([, cast], i) => `$${first + i}::${cast}`).join(', '),
    updates: META_COLUMNS.map(([c]) => `${q(c)} = EXCLUDED.${q(c)}`).join(', '),
  };
}

export const metaParams = (m: ClipMeta): unknown[] => META_COLUMNS.map(([c]) => (c === 'embedded' ? JSON.stringify(m.embedded) : m[c]));
