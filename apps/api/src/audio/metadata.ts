/**
 * What a file says about itself: the stream as stored (container, codec, bit depth, rate, channels)
 * and the descriptions sound libraries embed (BWF bext, iXML, RIFF INFO, ID3v2, Vorbis comments,
 * FLAC and MP4 tags). music-metadata reads tags and stream facts in-process; ffprobe's view is used
 * for the files ffmpeg decodes. Codec names are ffprobe's on both paths, so they compare and filter alike.
 */
import { parseBuffer, type IAudioMetadata } from 'music-metadata';
import type { FfprobeResult } from './ffmpeg.js';
import { audioStream } from './ffmpeg.js';
import { aiffCodec, ixmlFields, mp4AacChannels, parseAiff, parseFlacStreamInfo, parseWav, wavCodec } from './containers.js';
import { mp3FramesStart, type AudioFormat } from './sniff.js';

/** Embedded description fields, each trimmed; absent when the file has none. */
export interface EmbeddedTags {
  title?: string;
  description?: string;
  comment?: string;
  keywords?: string;
  artist?: string;
  album?: string;
  originator?: string;
  category?: string;
  subcategory?: string;
  catId?: string;
  library?: string;
}

export interface StreamFacts {
  container: string;
  /** sample frames the header declares (PCM/lossless containers), when it says */
  frames?: number;
  codec: string | null;
  bitDepth: number | null;
  sampleRate: number;
  channels: number;
  durationSec: number | null;
  bitrate: number | null;
}

const clean = (v: unknown): string | undefined => {
  const list = (Array.isArray(v) ? v : [v])
    .map((x) => (typeof x === 'string' ? x : x && typeof x === 'object' && 'text' in x ? String((x as { text?: unknown }).text ?? '') : x == null ? '' : String(x)))
    .map((s) => s.replace(/\0+/g, ' ').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const uniq = [...new Set(list)];
  return uniq.length ? uniq.join(' / ') : undefined;
};

function put(tags: EmbeddedTags, key: keyof EmbeddedTags, value: unknown) {
  const v = clean(value);
  if (!v) return;
  const cur = tags[key];
  if (!cur) tags[key] = v;
  else if (!cur.toLowerCase().includes(v.toLowerCase())) tags[key] = `${cur} / ${v}`;
}

/** ffprobe container name: the first of its format names, "mp4" for the ISO family. */
export function containerName(formatName: string | undefined): string {
  const f = formatName ?? 'unknown';
  if (f.startsWith('mov,mp4')) return 'mp4';
  return f.split(',')[0];
}

const JS_CONTAINER: Record<AudioFormat, string> = { wav: 'wav', aiff: 'aiff', flac: 'flac', mp3: 'mp3', ogg: 'ogg', opus: 'ogg', m4a: 'mp4' };

/** ffprobe's codec name for music-metadata's codec string, for the formats the JS path decodes. */
function mmCodec(format: AudioFormat, codec: string | undefined): string | null {
  const c = (codec ?? '').toLowerCase();
  if (format === 'flac') return 'flac';
  if (format === 'opus') return 'opus';
  if (c.includes('layer 3')) return 'mp3';
  if (c.includes('layer 2')) return 'mp2';
  if (c.includes('layer 1')) return 'mp1';
  if (c.includes('vorbis')) return 'vorbis';
  if (c.includes('opus')) return 'opus';
  if (c.includes('flac')) return 'flac';
  if (c.includes('alac')) return 'alac';
  if (c.includes('aac')) return 'aac';
  return null;
}

/** music-metadata, never throwing: a file it cannot parse simply has no tags from it. */
export async function parseTags(bytes: Uint8Array): Promise<IAudioMetadata | null> {
  try {
    return await parseBuffer(bytes, undefined, { duration: false, skipCovers: true });
  } catch {
    return null;
  }
}

/** Stream facts for a file the JS decoders read, from the headers (no decode); null where they do not say. */
export function jsStreamFacts(format: AudioFormat, bytes: Uint8Array, mm: IAudioMetadata | null): Partial<StreamFacts> & { container: string } {
  const out: Partial<StreamFacts> & { container: string } = { container: JS_CONTAINER[format] };
  if (format === 'wav') {
    const w = parseWav(bytes);
    if (w) Object.assign(out, { codec: wavCodec(w), bitDepth: w.bits || null, sampleRate: w.sampleRate, channels: w.channels });
  } else if (format === 'aiff') {
    const a = parseAiff(bytes);
    if (a) Object.assign(out, { codec: aiffCodec(a), bitDepth: a.bits || null, channels: a.channels });
  } else if (format === 'flac' && bytes[0] === 0x66) {
    const f = parseFlacStreamInfo(bytes);
    if (f) Object.assign(out, { codec: 'flac', bitDepth: f.bits, sampleRate: f.sampleRate, channels: f.channels });
  }
  // Opus always decodes at 48 kHz; OpusHead's "input sample rate" is only the encoder's input (ffprobe says 48000 too).
  if (format === 'opus') out.sampleRate = 48000;
  if (mm) {
    const f = mm.format;
    out.codec ??= mmCodec(format, f.codec);
    if (format === 'm4a' && out.codec === 'aac') out.channels ??= mp4AacChannels(bytes) ?? undefined;
    // Frames the header declares, for the decoded-length check of the exact formats.
    out.frames = f.numberOfSamples ?? undefined;
    out.bitDepth ??= f.bitsPerSample ?? null;
    out.sampleRate ??= f.sampleRate;
    out.channels ??= f.numberOfChannels;
    out.bitrate = f.bitrate ? Math.round(f.bitrate) : null;
  }
  if (format === 'mp3' && !out.codec) {
    const at = mp3FramesStart(bytes);
    if (at >= 0) out.codec = `mp${4 - ((bytes[at + 1] >> 1) & 3)}`; // layer bits 3/2/1 = layer I/II/III
  }
  if (format === 'flac' && bytes[0] !== 0x66) out.container = 'ogg';
  return out;
}

/** Stream facts as ffprobe states them (the reference the tests compare against). */
export function probeStreamFacts(p: FfprobeResult): StreamFacts | null {
  const s = audioStream(p);
  if (!s) return null;
  const bits = Number(s.bits_per_raw_sample) || s.bits_per_sample || null;
  const dur = Number(s.duration ?? p.format?.duration);
  return {
    container: containerName(p.format?.format_name),
    codec: s.codec_name ?? null,
    bitDepth: bits,
    sampleRate: Number(s.sample_rate),
    channels: s.channels ?? 0,
    durationSec: Number.isFinite(dur) ? dur : null,
    bitrate: Number(p.format?.bit_rate) || null,
  };
}

/**
 * Descriptions from every tag system music-metadata reads (common + native: bext, RIFF INFO,
 * ID3v2, Vorbis comments, MP4 ilst), iXML (parsed here: music-metadata skips the chunk) and, for
 * files only ffprobe reads, its tags.
 */
export function embeddedTags(bytes: Uint8Array, mm: IAudioMetadata | null, probe?: FfprobeResult | null): EmbeddedTags {
  const t: EmbeddedTags = {};
  if (mm) {
    const c = mm.common;
    put(t, 'title', c.title);
    put(t, 'description', c.description);
    put(t, 'description', c.longDescription);
    put(t, 'comment', c.comment);
    put(t, 'keywords', c.keywords);
    put(t, 'artist', c.artist);
    put(t, 'album', c.album);
    for (const tags of Object.values(mm.native)) {
      for (const { id, value } of tags) {
        // User-defined frames carry their own names: ID3v2 TXXX:comment (ffmpeg writes comments so), MP4 ----:com.apple.iTunes:…
        const k = id
          .toLowerCase()
          .replace(/^txxx:/, '')
          .replace(/^----:[^:]*:/, '');
        if (k === 'bext.description') put(t, 'description', value);
        else if (k === 'bext.originator') put(t, 'originator', value);
        else if (k === 'icmt' || k === 'comm' || k === 'comment') put(t, 'comment', value);
        else if (k === 'ikey' || k === 'keywords') put(t, 'keywords', value);
        else if (k === 'isbj' || k === 'description' || k === 'desc' || k === '©des' || k === 'ldes') put(t, 'description', value);
        else if (k === 'inam' || k === 'tit2' || k === 'title' || k === '©nam') put(t, 'title', value);
        else if (k === 'iart' || k === 'tpe1' || k === 'artist' || k === '©art') put(t, 'artist', value);
        else if (k === 'iprd' || k === 'talb' || k === 'album' || k === '©alb') put(t, 'album', value);
        else if (k === 'ieng' || k === 'isrc' || k === 'originator') put(t, 'originator', value);
      }
    }
  }
  if (bytes.length >= 12 && String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== 'fLaC') {
    const w = String.fromCharCode(...bytes.subarray(8, 12)) === 'WAVE' ? parseWav(bytes) : null;
    if (w?.ixml) {
      const x = ixmlFields(w.ixml);
      put(t, 'description', x.description);
      put(t, 'comment', x.note);
      put(t, 'keywords', x.keywords);
      put(t, 'title', x.tracktitle ?? x.fxname);
      put(t, 'category', x.category);
      put(t, 'subcategory', x.subcategory);
      put(t, 'catId', x.catid);
      put(t, 'library', x.library);
      put(t, 'originator', x.designer);
    }
  }
  if (probe) {
    for (const tags of [probe.format?.tags, audioStream(probe)?.tags]) {
      for (const [key, value] of Object.entries(tags ?? {})) {
        const k = key.toLowerCase();
        if (k === 'title') put(t, 'title', value);
        else if (k === 'description' || k === 'subject') put(t, 'description', value);
        else if (k === 'comment') put(t, 'comment', value);
        else if (k === 'keywords') put(t, 'keywords', value);
        else if (k === 'artist') put(t, 'artist', value);
        else if (k === 'album') put(t, 'album', value);
        else if (k === 'originator' || k === 'encoded_by') put(t, 'originator', value);
      }
    }
  }
  return t;
}
