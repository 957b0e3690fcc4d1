/**
 * Just enough header parsing of WAV, AIFF and FLAC to know whether the JS decoders decode a file
 * exactly, and to name its codec as ffprobe would. music-metadata reads tags and most stream facts;
 * these are the facts it does not give (WAVE_FORMAT_EXTENSIBLE sub-formats, AIFF sign of 8-bit data,
 * FLAC frames that change rate or channels mid-stream, iXML).
 */
const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, Math.min(b.length, at + len)));
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export interface WavInfo {
  /** fmt wFormatTag, or the sub-format's first two bytes for WAVE_FORMAT_EXTENSIBLE */
  formatTag: number;
  extensible: boolean;
  bits: number;
  channels: number;
  sampleRate: number;
  /** data chunk size as written (0 from streaming writers that never filled it in) */
  dataSize: number | null;
  /** bytes after the data chunk header to the end of the file */
  dataBytesPresent: number;
  ixml: string | null;
  rf64: boolean;
}

/** RIFF/RF64 WAVE chunks. null when the fmt chunk cannot be read. */
export function parseWav(b: Uint8Array): WavInfo | null {
  if (b.length < 12) return null;
  const v = view(b);
  const rf64 = ascii(b, 0, 4) !== 'RIFF';
  let info: Omit<WavInfo, 'dataSize' | 'dataBytesPresent' | 'ixml' | 'rf64'> | null = null;
  let dataSize: number | null = null;
  let dataBytesPresent = 0;
  let ixml: string | null = null;
  let at = 12;
  while (at + 8 <= b.length) {
    const id = ascii(b, at, 4);
    let size = v.getUint32(at + 4, true);
    if (id === 'fmt ' && size >= 16 && at + 24 <= b.length) {
      let formatTag = v.getUint16(at + 8, true);
      const extensible = formatTag === 0xfffe;
      if (extensible && size >= 40 && at + 8 + 26 <= b.length) formatTag = v.getUint16(at + 8 + 24, true);
      info = { formatTag, extensible, channels: v.getUint16(at + 10, true), sampleRate: v.getUint32(at + 12, true), bits: v.getUint16(at + 22, true) };
    } else if (id === 'iXML' && at + 8 + size <= b.length) {
      ixml = new TextDecoder('utf-8').decode(b.subarray(at + 8, at + 8 + size)).replace(/\0+$/, '');
    } else if (id === 'data') {
      dataSize = size;
      dataBytesPresent = b.length - (at + 8);
      // 0 (never filled in), 0xFFFFFFFF (RF64's placeholder) or past the end: the audio runs to the end of the file.
      if (size === 0 || size === 0xffffffff || at + 8 + size > b.length) size = dataBytesPresent;
    }
    at += 8 + size + (size & 1);
  }
  return info && { ...info, dataSize, dataBytesPresent, ixml, rf64 };
}

/** MPEG-4 descriptor length: 1 to 4 bytes of 7 bits, high bit = more. */
function descLength(b: Uint8Array, at: number): [number, number] {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const x = b[at + i];
    n = (n << 7) | (x & 0x7f);
    if (!(x & 0x80)) return [n, at + i + 1];
  }
  return [n, at + 4];
}

/**
 * Channel count of an AAC track from its AudioSpecificConfig (esds → DecoderConfigDescriptor →
 * DecoderSpecificInfo), as ffprobe reports it: the mp4a sample entry's channelcount says 2 for mono AAC
 * as ffmpeg and others write it. null when there is no parseable esds.
 */
export function mp4AacChannels(b: Uint8Array): number | null {
  for (let i = 4; i + 16 < b.length; i++) {
    if (b[i] !== 0x65 || b[i + 1] !== 0x73 || b[i + 2] !== 0x64 || b[i + 3] !== 0x73) continue; // 'esds'
    let at = i + 8; // type + version/flags
    if (b[at] !== 0x03) continue;
    [, at] = descLength(b, at + 1);
    const flags = b[at + 2];
    at += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x20 ? 1 + b[at + 3] : 0) + (flags & 0x40 ? 2 : 0);
    if (b[at] !== 0x04) continue;
    [, at] = descLength(b, at + 1);
    at += 13; // objectTypeIndication, streamType, bufferSizeDB, maxBitrate, avgBitrate
    if (b[at] !== 0x05) continue;
    [, at] = descLength(b, at + 1);
    const aot = b[at] >> 3;
    const sfi = ((b[at] & 7) << 1) | (b[at + 1] >> 7);
    if (aot === 31 || sfi === 15) return null; // escape codes: rare, leave to the parser
    const config = (b[at + 1] >> 3) & 15;
    return config >= 1 && config <= 6 ? config : config === 7 ? 8 : null;
  }
  return null;
}

/** ffprobe's codec name for a WAV sub-format, or null for one the JS decoder is not checked against. */
export function wavCodec(w: WavInfo): string | null {
  switch (w.formatTag) {
    case 1:
      return w.bits === 8 ? 'pcm_u8' : [16, 24, 32].includes(w.bits) ? `pcm_s${w.bits}le` : null;
    case 3:
      return w.bits === 32 || w.bits === 64 ? `pcm_f${w.bits}le` : null;
    case 6:
      return 'pcm_alaw';
    case 7:
      return 'pcm_mulaw';
    case 2:
      return 'adpcm_ms';
    case 0x11:
      return 'adpcm_ima_wav';
    default:
      return null;
  }
}

export interface AiffInfo {
  aifc: boolean;
  compression: string;
  bits: number;
  channels: number;
  frames: number;
  /** offset and length of the sample bytes in SSND */
  ssnd: { at: number; size: number } | null;
}

export function parseAiff(b: Uint8Array): AiffInfo | null {
  if (b.length < 12 || ascii(b, 0, 4) !== 'FORM') return null;
  const v = view(b);
  const aifc = ascii(b, 8, 4) === 'AIFC';
  let comm: Omit<AiffInfo, 'ssnd' | 'aifc'> | null = null;
  let ssnd: AiffInfo['ssnd'] = null;
  let at = 12;
  while (at + 8 <= b.length) {
    const id = ascii(b, at, 4);
    const size = v.getUint32(at + 4, false);
    if (id === 'COMM' && at + 8 + 18 <= b.length) {
      comm = {
        channels: v.getUint16(at + 8, false),
        frames: v.getUint32(at + 10, false),
        bits: v.getUint16(at + 14, false),
        compression: aifc && size >= 22 ? ascii(b, at + 8 + 18, 4) : 'NONE',
      };
    } else if (id === 'SSND' && at + 16 <= b.length) {
      const offset = v.getUint32(at + 8, false);
      const start = at + 16 + offset;
      ssnd = { at: start, size: Math.max(0, Math.min(size - 8 - offset, b.length - start)) };
    }
    at += 8 + size + (size & 1);
  }
  return comm && { ...comm, aifc, ssnd };
}

export function aiffCodec(a: AiffInfo): string | null {
  switch (a.compression) {
    case 'NONE':
    case 'twos':
      return a.bits === 8 ? 'pcm_s8' : [16, 24, 32].includes(a.bits) ? `pcm_s${a.bits}be` : null;
    case 'sowt':
      return a.bits === 16 ? 'pcm_s16le' : null;
    case 'fl32':
    case 'FL32':
      return 'pcm_f32be';
    case 'fl64':
    case 'FL64':
      return 'pcm_f64be';
    case 'ulaw':
      return 'pcm_mulaw';
    case 'alaw':
      return 'pcm_alaw';
    default:
      return null;
  }
}

/**
 * Signed 8-bit AIFF samples. The JS AIFF decoder reads 8-bit AIFF as unsigned (WAV's convention),
 * which turns every sample into near-full-scale DC without an error; AIFF's 8-bit data is two's complement.
 */
export function aiffSigned8(b: Uint8Array, a: AiffInfo): Float32Array[] | null {
  if (a.bits !== 8 || !a.ssnd || a.channels < 1 || aiffCodec(a) !== 'pcm_s8') return null;
  const frames = Math.min(a.frames, Math.floor(a.ssnd.size / a.channels));
  const out = Array.from({ length: a.channels }, () => new Float32Array(frames));
  let o = a.ssnd.at;
  for (let i = 0; i < frames; i++) for (let c = 0; c < a.channels; c++) out[c][i] = ((b[o++] << 24) >> 24) / 128;
  return out;
}

export interface FlacInfo {
  sampleRate: number;
  channels: number;
  bits: number;
  totalSamples: number;
}

export function parseFlacStreamInfo(b: Uint8Array): FlacInfo | null {
  if (b.length < 42 || ascii(b, 0, 4) !== 'fLaC' || (b[4] & 0x7f) !== 0) return null;
  const s = 8; // STREAMINFO body: min/max block size (2+2), min/max frame size (3+3), then rate/channels/bits/total
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const bits = (((b[s + 12] & 1) << 4) | (b[s + 13] >> 4)) + 1;
  const totalSamples = (b[s + 13] & 0x0f) * 2 ** 32 + view(b).getUint32(s + 14, false);
  return { sampleRate, channels, bits, totalSamples };
}

// FLAC frame header tables (https://www.rfc-editor.org/rfc/rfc9639 §9.1).
const FLAC_RATES = [0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000];
const FLAC_BITS = [0, 8, 12, -1, 16, 20, 24, 32];

function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

/**
 * The first frame whose header (CRC-8 checked) declares a sample rate, channel count or bit depth
 * other than STREAMINFO's, as a sentence; null when every frame agrees. The JS FLAC decoder returns
 * such a stream at one rate and channel count (wrong audio, seconds short), so these go to ffmpeg.
 */
export function flacStreamChange(b: Uint8Array, si: FlacInfo): string | null {
  let at = 4;
  for (;;) {
    if (at + 4 > b.length) return null;
    const last = b[at] & 0x80;
    at += 4 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
    if (last) break;
  }
  for (let i = at; i + 6 < b.length; i++) {
    if (b[i] !== 0xff || (b[i + 1] & 0xfe) !== 0xf8) continue;
    const bsCode = b[i + 2] >> 4,
      rateCode = b[i + 2] & 15,
      chCode = b[i + 3] >> 4,
      bitsCode = (b[i + 3] >> 1) & 7;
    if (bsCode === 0 || rateCode === 15 || chCode > 10 || bitsCode === 3 || b[i + 3] & 1) continue;
    // UTF-8-style coded frame/sample number: 1 to 7 bytes
    let j = i + 4;
    const lead = b[j];
    const extra = lead < 0x80 ? 0 : lead >= 0xfe ? 6 : lead >= 0xfc ? 5 : lead >= 0xf8 ? 4 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : -1;
    if (extra < 0) continue;
    j += 1 + extra;
    if (bsCode === 6) j += 1;
    else if (bsCode === 7) j += 2;
    let rate = rateCode === 0 ? si.sampleRate : (FLAC_RATES[rateCode] ?? 0);
    if (rateCode === 12) {
      rate = b[j] * 1000;
      j += 1;
    } else if (rateCode === 13) {
      rate = (b[j] << 8) | b[j + 1];
      j += 2;
    } else if (rateCode === 14) {
      rate = ((b[j] << 8) | b[j + 1]) * 10;
      j += 2;
    }
    if (j >= b.length || crc8(b, i, j) !== b[j]) continue;
    const channels = chCode < 8 ? chCode + 1 : 2;
    const bits = bitsCode === 0 ? si.bits : FLAC_BITS[bitsCode];
    if (rate !== si.sampleRate) return `a frame at byte ${i} is at ${rate} Hz, the stream header says ${si.sampleRate} Hz`;
    if (channels !== si.channels) return `a frame at byte ${i} has ${channels} channels, the stream header says ${si.channels}`;
    if (bits !== si.bits) return `a frame at byte ${i} has ${bits}-bit samples, the stream header says ${si.bits}-bit`;
    i = j; // skip past this header; the sync code cannot start inside it
  }
  return null;
}

/** iXML fields a sound library uses for descriptions (Soundminer/BWF MetaEdit write these under USER or at top level). */
export function ixmlFields(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of ['DESCRIPTION', 'NOTE', 'KEYWORDS', 'CATEGORY', 'SUBCATEGORY', 'CATID', 'FXNAME', 'TRACKTITLE', 'LIBRARY', 'DESIGNER', 'PROJECT', 'SCENE']) {
    const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'i').exec(xml);
    const text = m?.[1]
      .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&')
      .trim();
    if (text) out[tag.toLowerCase()] = text;
  }
  return out;
}
