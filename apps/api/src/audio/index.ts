/**
 * Audio front end: sniff the format by content, decode, downmix to mono, resample to 48 kHz,
 * validate. Pure npm decoders (audio-decode) are the fast path for the formats they decode exactly
 * (wav, aiff, flac, mp3, vorbis, opus, aac/alac in mp4), so the quick start needs no system packages.
 * Everything else — long-tail formats, files the JS decoders reject or decode to non-finite samples,
 * streams they would get wrong (FLAC changing rate mid-stream, unknown WAV/AIFF sub-formats) — goes
 * to ffmpeg when it is installed (probed first with ffprobe); without it the error says ffmpeg would
 * decode the file (NEEDS_FFMPEG).
 */
import fs from 'node:fs/promises';
import decodeAudio from 'audio-decode';
import { EarshotError } from '../errors.js';
import { aiffSigned8, flacStreamChange, parseAiff, parseFlacStreamInfo, parseWav } from './containers.js';
import { declaredSeconds } from './declared.js';
import { audioStream, ffmpegDecode, ffprobe, hasFfmpeg, withFile, type FfprobeResult } from './ffmpeg.js';
import { embeddedTags, jsStreamFacts, parseTags, probeStreamFacts, type EmbeddedTags, type StreamFacts } from './metadata.js';
import { resample } from './resample.js';
import { mp3FramesStart, sniffAudio, sniffFormat, type AudioFormat } from './sniff.js';

export { sniffFormat, sniffAudio, SNIFF_BYTES, AUDIO_FORMATS, type AudioFormat } from './sniff.js';
export { resample } from './resample.js';
export { hasFfmpeg } from './ffmpeg.js';
export type { EmbeddedTags } from './metadata.js';

export const TARGET_RATE = 48000; // CLAP's sampling_rate
const MIN_RATE = 1000; // below this nothing is audio we can embed
const MAX_RATE = 768000;

export interface AudioMeta {
  /** Kind by content: one of AUDIO_FORMATS for the JS-decoded formats, else e.g. wv, tta, caf, wma, webm, au, spx. */
  format: string;
  /** Container as ffprobe names it (wav, aiff, flac, mp3, ogg, mp4, matroska, asf, …). */
  container: string;
  /** Codec as ffprobe names it (pcm_s24le, pcm_s8, adpcm_ima_wav, flac, mp3, aac, alac, opus, …). */
  codec: string | null;
  /** Bits per sample as stored, for PCM-like and lossless codecs; null for lossy ones. */
  bitDepth: number | null;
  /** Sample rate and channel count as stored (not as decoded: a decoder may collapse identical channels). */
  sampleRate: number;
  channels: number;
  /** Of the decoded audio. */
  durationSec: number;
  bitrate?: number | null;
  /** Which decoder produced the samples. */
  decoder: 'js' | 'ffmpeg';
  /** Descriptions embedded in the file (bext, iXML, RIFF INFO, ID3v2, Vorbis comments, MP4 tags). */
  tags: EmbeddedTags;
}

export interface DecodedAudio {
  /** mono, 48 kHz */
  samples: Float32Array;
  sampleRate: 48000;
  meta: AudioMeta;
}

export interface DecodeOptions {
  maxDurationSec?: number;
  /** Name for error messages (the path, or an upload's file name). */
  name?: string;
  /** The file on disk, when there is one: ffmpeg reads it directly instead of a temp copy. */
  path?: string;
  /** Told the ms spent resampling to 48 kHz (bench:ingest splits decode from resample). */
  onResample?: (ms: number) => void;
  /**
   * Use ffmpeg where the JS decoders cannot decode exactly (default true, when installed). The header
   * fuzzer turns it off for most cases (a spawn per case costs ~200 ms); tests turn it off to check the
   * JS path on its own.
   */
  ffmpeg?: boolean;
}

interface Raw {
  channelData: Float32Array[];
  sampleRate: number;
}

async function jsDecode(bytes: Uint8Array): Promise<Raw> {
  const r = await decodeAudio(bytes);
  if (!r || !Array.isArray(r.channelData) || !r.channelData.length || !r.channelData[0].length) throw new Error('no samples decoded');
  return r;
}

/** A well-formed WAV whose data chunk is empty and nothing follows it: "no samples", not a decode failure. */
function wavDeclaresNoSamples(b: Uint8Array): boolean {
  const w = parseWav(b);
  return !!w && (w.dataSize === null || w.dataSize === 0) && w.dataBytesPresent === 0;
}

/**
 * Whether any sample is NaN or ±Infinity. x·0 is 0 for every finite x and NaN otherwise, so the sum is 0 exactly
 * when all are finite: one branch-free pass (a per-sample callback took ~20 % of a 60 s WAV's decode).
 */
function allFinite(x: Float32Array): boolean {
  // Four sums: one would wait on each add's latency.
  let a = 0,
    b = 0,
    c = 0,
    d = 0;
  const n4 = x.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    a += x[i] * 0;
    b += x[i + 1] * 0;
    c += x[i + 2] * 0;
    d += x[i + 3] * 0;
  }
  for (let i = n4; i < x.length; i++) a += x[i] * 0;
  return a + b + c + d === 0;
}
const hasNonFinite = (chs: Float32Array[]) => chs.some((ch) => !allFinite(ch));

/** Why the JS decoders cannot be trusted with these bytes before trying them; null when they can. */
function jsExactnessProblem(format: AudioFormat, bytes: Uint8Array, facts: Partial<StreamFacts>): string | null {
  if (format === 'wav') {
    const w = parseWav(bytes);
    if (!w) return null; // a broken header: the decoder's own error says what is wrong
    if (w.rf64) return 'RF64/BW64 WAV';
    if (!facts.codec) return `WAV sub-format 0x${w.formatTag.toString(16)} at ${w.bits} bits`;
    // The JS decoder reads ADPCM/a-law/µ-law only under their own format tags (inside WAVE_FORMAT_EXTENSIBLE it
    // returned 192 of 97,968 samples: found by bench:formats at 96 kHz, where ffmpeg writes them so).
    if (w.extensible && w.formatTag !== 1 && w.formatTag !== 3) return `WAVE_FORMAT_EXTENSIBLE with sub-format ${facts.codec}`;
  }
  if (format === 'aiff') {
    const a = parseAiff(bytes);
    if (a && !facts.codec) return `AIFF-C compression '${a.compression}'`;
  }
  if (format === 'flac' && bytes[0] === 0x66) {
    const si = parseFlacStreamInfo(bytes);
    if (si) return flacStreamChange(bytes, si) && `the FLAC stream changes mid-way: ${flacStreamChange(bytes, si)}`;
  }
  return null;
}

/** The JS fast path; returns samples or the reason it cannot be used. */
async function tryJs(format: AudioFormat, bytes: Uint8Array, facts: Partial<StreamFacts>): Promise<{ raw: Raw } | { reason: string; headerOk: boolean }> {
  const headerOk = facts.sampleRate !== undefined && facts.channels !== undefined;
  const problem = jsExactnessProblem(format, bytes, facts);
  if (problem) return { reason: problem, headerOk: true };
  let raw: Raw;
  try {
    // Stacked ID3v2 tags or junk before the first MPEG frame stop the JS decoder's sniffing: start it at the frames.
    const at = format === 'mp3' ? mp3FramesStart(bytes) : 0;
    raw = await jsDecode(at > 0 ? bytes.subarray(at) : bytes);
  } catch (e) {
    return { reason: (e as Error).message, headerOk };
  }
  if (format === 'aiff') {
    const a = parseAiff(bytes);
    const signed = a && aiffSigned8(bytes, a);
    if (signed) raw = { channelData: signed, sampleRate: raw.sampleRate };
  }
  if (hasNonFinite(raw.channelData)) return { reason: 'the JS decoder produced NaN or infinite samples', headerOk };
  // PCM and lossless containers declare their length exactly: a decode that falls short of it lost audio.
  const n = raw.channelData[0].length;
  if ((format === 'wav' || format === 'aiff' || format === 'flac') && facts.frames && n < facts.frames * 0.99 - 1) {
    return { reason: `the JS decoder returned ${n} of the ${facts.frames} sample frames the header declares`, headerOk };
  }
  // AAC decoders upmix mono to two identical channels: the stored stream has one.
  if (facts.channels === 1 && raw.channelData.length === 2 && raw.channelData[0].every((v, i) => v === raw.channelData[1][i])) {
    raw = { channelData: [raw.channelData[0]], sampleRate: raw.sampleRate };
  }
  if (facts.sampleRate && raw.sampleRate !== facts.sampleRate) {
    return { reason: `the JS decoder returned ${raw.sampleRate} Hz for a ${facts.sampleRate} Hz stream`, headerOk };
  }
  // Lossy JS decoders collapse identical stereo channels to one (harmless after downmix); any other mismatch is not.
  if (facts.channels && raw.channelData.length !== facts.channels && !(raw.channelData.length === 1 && facts.channels === 2)) {
    return { reason: `the JS decoder returned ${raw.channelData.length} channels for a ${facts.channels}-channel stream`, headerOk };
  }
  return { raw };
}

async function viaFfmpeg(bytes: Uint8Array, opts: DecodeOptions, subject: string, why: string, sniffed: boolean): Promise<{ raw: Raw; probe: FfprobeResult }> {
  return withFile({ path: opts.path, bytes }, async (file) => {
    let probe: FfprobeResult;
    try {
      probe = await ffprobe(file);
    } catch (e) {
      // Bytes with no audio signature that ffprobe cannot open either are simply not audio.
      throw new EarshotError(sniffed ? 'AUDIO_DECODE_FAILED' : 'UNSUPPORTED_FORMAT', `${why}; ffprobe cannot read it either: ${(e as Error).message}`, { subject, cause: e });
    }
    const s = audioStream(probe);
    if (!s) throw new EarshotError('UNSUPPORTED_FORMAT', `${why}; ffprobe finds no audio stream in it`, { subject });
    const rate = Number(s.sample_rate);
    const channels = s.channels ?? 0;
    if (!Number.isFinite(rate) || rate < MIN_RATE || rate > MAX_RATE) {
      throw new EarshotError('AUDIO_BAD_SAMPLE_RATE', `sample rate ${s.sample_rate} Hz is outside ${MIN_RATE}–${MAX_RATE} Hz`, { subject });
    }
    if (channels < 1) throw new EarshotError('AUDIO_DECODE_FAILED', `${why}; ffprobe reports no channels`, { subject });
    try {
      return { raw: await ffmpegDecode(file, rate, channels), probe };
    } catch (e) {
      throw new EarshotError('AUDIO_DECODE_FAILED', `${why}; ffmpeg: ${(e as Error).message}`, { subject, cause: e });
    }
  });
}

/**
 * Long-tail formats whose audio-decode decoders match ffmpeg on the generated corpus (test/audio/formats.test.ts),
 * used only when ffmpeg is absent and only when the result agrees with the header's rate and channels.
 * Not ADTS AAC: its JS decode differs from ffmpeg's beyond encoder delay (22 dB).
 */
const JS_LONG_TAIL = new Set(['wv', 'tta', 'caf', 'wma', 'webm', 'mkv', 'ac3']);

const INSTALL = 'install ffmpeg (and ffprobe) to decode it';

/** Decode bytes of any audio format to 48 kHz mono, or throw a typed error naming `opts.name`. */
export async function decodeBuffer(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const subject = opts.name ?? opts.path ?? '<buffer>';
  if (bytes.length === 0) throw new EarshotError('FILE_EMPTY', 'the file is empty (0 bytes)', { subject });
  const format = sniffFormat(bytes);
  const kind = format ?? sniffAudio(bytes);
  if (format === 'wav' && wavDeclaresNoSamples(bytes)) {
    throw new EarshotError('AUDIO_NO_SAMPLES', 'the WAV header is valid but its data chunk holds no samples', { subject });
  }
  const declared = opts.maxDurationSec !== undefined ? declaredSeconds(bytes) : null;
  if (declared !== null && declared > (opts.maxDurationSec as number)) {
    throw new EarshotError('CLIP_TOO_LONG', `the header declares ${declared.toFixed(1)} s, longer than the limit of ${opts.maxDurationSec} s (refused before decoding)`, {
      subject,
    });
  }
  const ffmpeg = opts.ffmpeg !== false && (await hasFfmpeg());
  const mm = kind ? await parseTags(bytes) : null;

  let raw: Raw | undefined;
  let probe: FfprobeResult | undefined;
  let facts: Partial<StreamFacts> & { container: string } = { container: kind ?? 'unknown' };
  let why = '';
  let headerOk = true;
  if (format) {
    facts = jsStreamFacts(format, bytes, mm);
    const js = await tryJs(format, bytes, facts);
    if ('raw' in js) raw = js.raw;
    else {
      why = `the built-in ${format} decoder cannot decode this file exactly (${js.reason})`;
      headerOk = js.headerOk;
    }
  } else if (kind) {
    // Long-tail formats: ffmpeg when installed; else audio-decode's decoders (checked against ffmpeg in tests).
    why = `${kind} is decoded by ffmpeg`;
    if (!ffmpeg && JS_LONG_TAIL.has(kind)) {
      const f = mm?.format;
      const opus = /opus/i.test(f?.codec ?? '');
      facts = {
        container: kind,
        codec: f?.codec?.toLowerCase() ?? null,
        bitDepth: f?.bitsPerSample ?? null,
        sampleRate: opus ? 48000 : f?.sampleRate,
        channels: f?.numberOfChannels,
      };
      try {
        const r = await jsDecode(bytes);
        const agrees = (!facts.sampleRate || facts.sampleRate === r.sampleRate) && (!facts.channels || facts.channels === r.channelData.length);
        if (agrees && !hasNonFinite(r.channelData)) {
          raw = r;
          facts.sampleRate ??= r.sampleRate;
          facts.channels ??= r.channelData.length;
        }
      } catch {
        raw = undefined;
      }
    }
    if (!ffmpeg) why = `the built-in decoders cannot decode this ${kind} file exactly`;
  } else {
    why = 'not a recognised audio format';
    headerOk = false;
  }

  if (!raw) {
    if (!ffmpeg) {
      if (!kind) throw new EarshotError('UNSUPPORTED_FORMAT', `${why} (wav, aiff, flac, mp3, ogg, opus, m4a without ffmpeg; ${INSTALL} if it is another format)`, { subject });
      throw new EarshotError(headerOk ? 'NEEDS_FFMPEG' : 'AUDIO_DECODE_FAILED', `${why}; ${headerOk ? INSTALL : `ffmpeg may decode it: ${INSTALL}`}`, { subject });
    }
    ({ raw, probe } = await viaFfmpeg(bytes, opts, subject, why, kind !== null));
    const p = probeStreamFacts(probe);
    if (p) facts = { ...p, container: p.container };
  }

  const rate = raw.sampleRate;
  if (!Number.isFinite(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new EarshotError('AUDIO_BAD_SAMPLE_RATE', `sample rate ${rate} Hz is outside ${MIN_RATE}–${MAX_RATE} Hz`, { subject });
  }
  const n = raw.channelData[0]?.length ?? 0;
  if (n === 0) throw new EarshotError('AUDIO_NO_SAMPLES', 'the file holds no audio samples', { subject });
  const durationSec = n / rate;
  if (opts.maxDurationSec !== undefined && durationSec > opts.maxDurationSec) {
    throw new EarshotError('CLIP_TOO_LONG', `${durationSec.toFixed(1)} s is longer than the limit of ${opts.maxDurationSec} s`, { subject });
  }
  const mono = toMono(raw.channelData);
  // The JS decoders' channels were checked (tryJs); ffmpeg's are checked here.
  if (probe && !allFinite(mono)) {
    const i = mono.findIndex((v) => !Number.isFinite(v));
    throw new EarshotError('AUDIO_INVALID_SAMPLES', `sample ${i} is ${mono[i]} (NaN or infinite values in the audio data)`, { subject });
  }
  const t0 = opts.onResample ? performance.now() : 0;
  const samples = await resample(mono, rate, TARGET_RATE);
  opts.onResample?.(performance.now() - t0);
  return {
    samples,
    sampleRate: TARGET_RATE,
    meta: {
      format: kind ?? facts.container,
      container: facts.container,
      codec: facts.codec ?? null,
      bitDepth: facts.bitDepth ?? null,
      sampleRate: facts.sampleRate || rate,
      channels: facts.channels || raw.channelData.length,
      durationSec,
      bitrate: facts.bitrate ?? null,
      decoder: probe ? 'ffmpeg' : 'js',
      tags: embeddedTags(bytes, mm, probe),
    },
  };
}

function toMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const n = channels[0].length;
  const out = new Float32Array(n);
  if (channels.length === 2) {
    // The common case in one pass, with the same float32 roundings as the general loop ((a + b) · 0.5).
    const [a, b] = channels;
    for (let i = 0; i < n; i++) out[i] = Math.fround(a[i] + b[i]) * 0.5;
    return out;
  }
  for (const ch of channels) for (let i = 0; i < n; i++) out[i] += ch[i];
  const k = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] *= k;
  return out;
}

async function readFile(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EarshotError('FILE_NOT_FOUND', 'no such file', { subject: path, cause: e });
    if (code === 'EISDIR') throw new EarshotError('UNSUPPORTED_FORMAT', 'is a folder, not a file', { subject: path, cause: e });
    throw new EarshotError('AUDIO_DECODE_FAILED', `cannot read the file: ${(e as Error).message}`, { subject: path, cause: e });
  }
}

export async function decodeFile(path: string, opts: Omit<DecodeOptions, 'name' | 'path'> = {}): Promise<DecodedAudio> {
  return decodeBuffer(await readFile(path), { ...opts, name: path, path });
}

/** Metadata without keeping the samples (decodes: exact for every format, no trust in headers). */
export async function probeFile(path: string): Promise<AudioMeta> {
  return (await decodeFile(path)).meta;
}

/** Peak envelope in [0,1] for waveform thumbnails. */
export function peaks(samples: Float32Array, n = 200): number[] {
  const out = new Array<number>(n).fill(0);
  if (samples.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * samples.length) / n);
    const b = Math.max(a + 1, Math.floor(((i + 1) * samples.length) / n));
    let m = 0;
    for (let j = a; j < b && j < samples.length; j++) {
      const v = Math.abs(samples[j]);
      if (v > m) m = v;
    }
    out[i] = Math.min(1, Math.round(m * 1000) / 1000);
  }
  return out;
}
