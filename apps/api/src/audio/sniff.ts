import audioType from 'audio-type';

/** Formats the JS decoders read (the fast path); by content (magic bytes), never by file extension. */
export type AudioFormat = 'wav' | 'mp3' | 'flac' | 'ogg' | 'opus' | 'm4a' | 'aiff';

export const AUDIO_FORMATS: readonly AudioFormat[] = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a', 'aiff'];

/** Bytes a caller should read for sniffFormat to see everything it looks at. */
export const SNIFF_BYTES = 4096;

const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));

function mp3Frame(b: Uint8Array, at: number): boolean {
  // MPEG audio frame sync: 11 set bits, a valid version/layer and a bitrate index that is not "bad"
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return false;
  const version = (b[at + 1] >> 3) & 3;
  const layer = (b[at + 1] >> 1) & 3;
  const bitrate = b[at + 2] >> 4;
  const rate = (b[at + 2] >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 15 && bitrate !== 0 && rate !== 3;
}

/** Offset just past any ID3v2 tags at `at` (taggers stack them: several tags one after another). */
export function skipId3Tags(b: Uint8Array, at = 0): number {
  while (at + 10 <= b.length && b[at] === 0x49 && b[at + 1] === 0x44 && b[at + 2] === 0x33) {
    const size = ((b[at + 6] & 0x7f) << 21) | ((b[at + 7] & 0x7f) << 14) | ((b[at + 8] & 0x7f) << 7) | (b[at + 9] & 0x7f);
    at += 10 + size + (b[at + 5] & 0x10 ? 10 : 0); // + footer (ID3v2.4 flag bit 4)
  }
  return at;
}

// kbit/s per bitrate index: [MPEG-1, MPEG-2/2.5] x [layer I, II, III] (ISO 11172-3 / 13818-3)
const MP3_KBPS = [
  [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
const MP3_RATES = [44100, 48000, 32000];

/** Length in bytes of the MPEG audio frame whose header is at `at`, or 0 when it is not a valid header. */
function mp3FrameLength(b: Uint8Array, at: number): number {
  if (!mp3Frame(b, at)) return 0;
  const version = (b[at + 1] >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = 4 - ((b[at + 1] >> 1) & 3); // 1, 2, 3
  const kbps = MP3_KBPS[version === 3 ? 0 : 1][layer - 1][b[at + 2] >> 4];
  const rate = MP3_RATES[(b[at + 2] >> 2) & 3] / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const pad = (b[at + 2] >> 1) & 1;
  if (layer === 1) return Math.floor((12 * kbps * 1000) / rate + pad) * 4;
  return Math.floor(((layer === 3 && version !== 3 ? 72 : 144) * kbps * 1000) / rate) + pad;
}

/**
 * Where the MPEG audio frames start: after stacked ID3v2 tags and up to `maxJunk` bytes of anything
 * else, at the first header followed by two more valid headers exactly where their lengths say
 * (three in a row do not happen by chance in tag text or junk). -1 when there is none.
 */
export function mp3FramesStart(b: Uint8Array, maxJunk = 65536): number {
  const from = skipId3Tags(b);
  const to = Math.min(b.length - 4, from + maxJunk);
  for (let at = from; at <= to; at++) {
    if (b[at] !== 0xff) continue;
    const n1 = mp3FrameLength(b, at);
    if (!n1) continue;
    if (at + n1 + 4 > b.length) return at === from ? at : -1; // one frame, nothing after it: trust it only right after the tags
    const n2 = mp3FrameLength(b, at + n1);
    if (!n2) continue;
    if (at + n1 + n2 + 4 > b.length || mp3FrameLength(b, at + n1 + n2)) return at;
  }
  return -1;
}

export function sniffFormat(bytes: Uint8Array): AudioFormat | null {
  const b = bytes;
  if (b.length < 4) return null;
  const head = ascii(b, 0, 4);
  if ((head === 'RIFF' || head === 'RF64' || head === 'BW64') && b.length >= 12 && ascii(b, 8, 4) === 'WAVE') return 'wav';
  if (head === 'fLaC') return 'flac';
  if (head === 'OggS') {
    // The first page carries the codec's identification header: "OpusHead" or "\x01vorbis".
    const first = ascii(b, 0, Math.min(b.length, 128));
    if (first.includes('OpusHead')) return 'opus';
    if (first.includes('vorbis')) return 'ogg';
    if (first.includes('FLAC')) return 'flac';
    return null;
  }
  if (head === 'FORM' && b.length >= 12 && (ascii(b, 8, 4) === 'AIFF' || ascii(b, 8, 4) === 'AIFC')) return 'aiff';
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp') return 'm4a';
  if (ascii(b, 0, 3) === 'ID3') {
    // ID3v2 tag(s) then (usually) MPEG frames; the tag size is a 28-bit syncsafe integer.
    if (b.length < 10) return null;
    const at = skipId3Tags(b);
    if (at >= b.length) return 'mp3'; // tags larger than what we read: trust them
    if (ascii(b, at, 4) === 'fLaC') return 'flac';
    return mp3FramesStart(b) >= 0 ? 'mp3' : null;
  }
  // Raw MPEG stream: require two consecutive plausible frame headers' worth of evidence (one is enough
  // at offset 0 for short reads), so random binary data is not called mp3.
  if (mp3Frame(b, 0)) return 'mp3';
  return null;
}

/**
 * Audio of any kind by content: the formats above, then what audio-type recognises (the long tail
 * the JS decoders or ffmpeg read: WavPack, TTA, CAF, WMA, Matroska/WebM, AC-3, AMR, ADTS AAC, APE,
 * Musepack, DSD…), then a few it does not (AU, Sony Wave64, Creative VOC, Ogg Speex).
 * The name is the kind stored as a clip's format. null: no audio signature.
 */
export function sniffAudio(bytes: Uint8Array): string | null {
  const js = sniffFormat(bytes);
  if (js) return js;
  const b = bytes;
  if (b.length < 4) return null;
  const head = ascii(b, 0, 4);
  if (head === '.snd') return 'au';
  if (head === 'riff' && b.length >= 24 && b[4] === 0x2e && b[5] === 0x91) return 'w64'; // Sony Wave64 GUID 66666972-912e-11cf-…
  if (ascii(b, 0, 19) === 'Creative Voice File') return 'voc';
  if (head === 'OggS' && ascii(b, 0, Math.min(b.length, 128)).includes('Speex   ')) return 'spx';
  const t = audioType(b);
  if (t && t !== 'mid') return t === 'oga' ? 'ogg' : t;
  if (skipId3Tags(b) > 0 && mp3FramesStart(b) >= 0) return 'mp3';
  return null;
}
