/**
 * The facts stored on a Clip about its file (stream as stored, decoder, waveform, embedded descriptions,
 * UCS category), from a decode or copied from a clip with the same bytes.
 */
import path from 'node:path';
import type { AudioMeta, EmbeddedTags } from '../audio/index.js';
import { parseUcs } from '../library/ucs.js';
import { twinFacts, type ClipNaming, type Db, type StoredClipFacts } from '../store/index.js';

/** What ingest stores of one file: the stream facts of its bytes and the naming of its path. */
export type ClipMeta = StoredClipFacts & ClipNaming;

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
export async function twinMeta(db: Db, contentHash: string, filePath: string): Promise<ClipMeta | null> {
  const facts = await twinFacts(db, contentHash);
  return facts ? { ...facts, ...named(filePath, facts.embedded) } : null;
}

/** What upsertClip stores of a ClipMeta: the stream facts and the naming of this path. */
export function storedFacts(m: ClipMeta): { facts: StoredClipFacts; naming: ClipNaming } {
  const { description, ucsCatId, ucsCategory, ucsSubcategory, ...facts } = m;
  return { facts, naming: { description, ucsCatId, ucsCategory, ucsSubcategory } };
}
