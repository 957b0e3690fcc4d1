/** Audio format by content (magic bytes), never by file extension. */
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

export function sniffFormat(bytes: Uint8Array): AudioFormat | null {
  const b = bytes;
  if (b.length < 4) return null;
  const head = ascii(b, 0, 4);
  if ((head === 'RIFF' || head === 'RF64') && b.length >= 12 && ascii(b, 8, 4) === 'WAVE') return 'wav';
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
    // ID3v2 tag then (usually) MPEG frames; the tag size is a 28-bit syncsafe integer.
    if (b.length < 10) return null;
    const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
    const at = 10 + size;
    if (at >= b.length) return 'mp3'; // tag larger than what we read: trust it
    if (mp3Frame(b, at)) return 'mp3';
    return ascii(b, at, 4) === 'fLaC' ? 'flac' : null;
  }
  // Raw MPEG stream: require two consecutive plausible frame headers' worth of evidence (one is enough
  // at offset 0 for short reads), so random binary data is not called mp3.
  if (mp3Frame(b, 0)) return 'mp3';
  return null;
}
