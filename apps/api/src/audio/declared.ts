/**
 * The duration a file's header declares, read before anything is decoded. A 494 KB FLAC of an hour
 * of silence decodes to 0.9 GB of samples, and the duration cap used to be checked only after that:
 * with the header's word the cap refuses such a file first. Headers can lie the other way (declare
 * less than the file holds), so the cap is still checked on the decoded samples as well.
 */

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

/** WAV (RIFF/RF64-less): data bytes / byte rate of the fmt chunk. */
function wavSeconds(b: Uint8Array): number | null {
  if (b.length < 12 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WAVE') return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let byteRate = 0;
  let at = 12;
  while (at + 8 <= b.length) {
    const id = ascii(b, at, 4);
    const size = v.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 8 + 12 <= b.length) byteRate = v.getUint32(at + 8 + 8, true);
    if (id === 'data') {
      if (!byteRate) return null;
      // A streaming writer leaves 0 or 0xFFFFFFFF: the bytes that follow are the data.
      const bytes = size === 0 || size === 0xffffffff ? b.length - at - 8 : Math.min(size, b.length - at - 8);
      return bytes / byteRate;
    }
    at += 8 + size + (size & 1);
  }
  return null;
}

/** FLAC: total samples / sample rate of STREAMINFO (0 total = unknown). */
function flacSeconds(b: Uint8Array): number | null {
  if (b.length < 4 + 4 + 18 || ascii(b, 0, 4) !== 'fLaC' || (b[4] & 0x7f) !== 0) return null;
  const s = 8; // STREAMINFO body
  const rate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const total = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + (b[s + 15] << 16) + (b[s + 16] << 8) + b[s + 17];
  return rate > 0 && total > 0 ? total / rate : null;
}

/** 80-bit IEEE extended (AIFF sample rate). */
function extended(b: Uint8Array, at: number): number {
  const exp = ((b[at] & 0x7f) << 8) | b[at + 1];
  let mant = 0;
  for (let i = 0; i < 8; i++) mant = mant * 256 + b[at + 2 + i];
  return exp === 0 && mant === 0 ? 0 : mant * 2 ** (exp - 16383 - 63);
}

/** AIFF/AIFF-C: numSampleFrames / sampleRate of the COMM chunk. */
function aiffSeconds(b: Uint8Array): number | null {
  if (b.length < 12 || ascii(b, 0, 4) !== 'FORM' || !['AIFF', 'AIFC'].includes(ascii(b, 8, 4))) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 12;
  while (at + 8 <= b.length) {
    const size = v.getUint32(at + 4, false);
    if (ascii(b, at, 4) === 'COMM' && at + 8 + 18 <= b.length) {
      const frames = v.getUint32(at + 8 + 2, false);
      const rate = extended(b, at + 8 + 8);
      return rate > 0 ? frames / rate : null;
    }
    at += 8 + size + (size & 1);
  }
  return null;
}

/**
 * Seconds the header says the file holds, or null when the format says nothing we can trust. Only
 * advice: a header too broken to read says nothing (the decoder then names what is wrong with it).
 */
export function declaredSeconds(bytes: Uint8Array): number | null {
  try {
    const s = wavSeconds(bytes) ?? flacSeconds(bytes) ?? aiffSeconds(bytes);
    return s !== null && Number.isFinite(s) ? s : null;
  } catch {
    return null;
  }
}
