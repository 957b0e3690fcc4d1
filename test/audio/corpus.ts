/**
 * A corpus of audio files made by code with ffmpeg, sox and flac (plus byte-level edits for the odd
 * cases the tools will not write): every container/codec kind a sound library holds, and the files
 * that trip decoders (signed 8-bit AIFF, 12/20-bit FLAC, mid-stream rate/channel changes, stacked
 * ID3v2, junk before MP3 frames, zero-size data chunks, RF64, WAV extensible).
 * Used by test/audio/formats.test.ts (one file per kind) and scripts/bench/formats.ts (every kind
 * at several rates and channel counts: the "Must show" corpus).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CorpusFile {
  file: string;
  kind: string;
  sampleRate: number;
  channels: number;
}

/** A source signal: distinct tones per channel plus a little seeded noise, so channel mix-ups and offsets show. */
export interface Source {
  rate: number;
  channels: number;
  sec: number;
}

const run = (bin: string, args: string[]) => {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.error}`);
};
const ff = (...args: string[]) => run('ffmpeg', ['-v', 'error', '-y', ...args]);

export const hasBin = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
export const corpusTools = () => ['ffmpeg', 'ffprobe', 'sox', 'flac'].filter((b) => !hasBin(b));

function signal(s: Source, seed = 7): Float32Array[] {
  const n = Math.round(s.sec * s.rate);
  const out: Float32Array[] = [];
  let x = seed >>> 0;
  for (let c = 0; c < s.channels; c++) {
    const ch = new Float32Array(n);
    const f = 220 * (1 + c * 0.5);
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      ch[i] = 0.45 * Math.sin((2 * Math.PI * f * i) / s.rate) * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / s.rate)) + 0.02 * (x / 2 ** 32 - 0.5);
    }
    out.push(ch);
  }
  return out;
}

/**
 * PCM WAV writer: `bits` container bits (8 unsigned, 16/24/32 signed), `valid` significant bits
 * (written as WAVE_FORMAT_EXTENSIBLE when they differ or `extensible` is set): flac keeps the
 * valid bits, which is how 12- and 20-bit FLAC are made.
 */
export function pcmWav(chs: Float32Array[], rate: number, bits: 8 | 16 | 24 | 32, opts: { valid?: number; extensible?: boolean } = {}): Buffer {
  const valid = opts.valid ?? bits;
  const ext = opts.extensible || valid !== bits || chs.length > 2;
  const bps = bits / 8;
  const n = chs[0].length;
  const data = Buffer.alloc(n * chs.length * bps);
  const full = 2 ** (valid - 1);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (const ch of chs) {
      const q = Math.max(-full, Math.min(full - 1, Math.round(ch[i] * full))) * 2 ** (bits - valid);
      if (bits === 8) data.writeUInt8(q + 128, o);
      else if (bits === 16) data.writeInt16LE(q, o);
      else if (bits === 24) data.writeIntLE(q, o, 3);
      else data.writeInt32LE(q, o);
      o += bps;
    }
  }
  const fmt = Buffer.alloc(ext ? 40 : 16);
  fmt.writeUInt16LE(ext ? 0xfffe : 1, 0);
  fmt.writeUInt16LE(chs.length, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * chs.length * bps, 8);
  fmt.writeUInt16LE(chs.length * bps, 12);
  fmt.writeUInt16LE(bits, 14);
  if (ext) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(valid, 18);
    fmt.writeUInt32LE(chs.length <= 2 ? (chs.length === 1 ? 0x4 : 0x3) : 2 ** chs.length - 1, 20);
    // KSDATAFORMAT_SUBTYPE_PCM {00000001-0000-0010-8000-00aa00389b71}
    Buffer.from('0100000000001000800000aa00389b71', 'hex').copy(fmt, 24);
  }
  const chunk = (id: string, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), chunk('data', data)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0);
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/** Offset of the first FLAC frame (after fLaC and the metadata blocks). */
function flacFramesAt(b: Buffer): number {
  let at = 4;
  for (;;) {
    const last = b[at] & 0x80;
    at += 4 + b.readUIntBE(at + 1, 3);
    if (last) return at;
  }
}

/** Zero STREAMINFO's total-samples field (36 bits at byte 8 + 13.4): "unknown", as in a stream that changes mid-way. */
function clearFlacTotal(b: Buffer): Buffer {
  b[8 + 13] &= 0xf0;
  b.writeUInt32BE(0, 8 + 14);
  return b;
}

function id3v2(text: string): Buffer {
  const frame = (id: string, value: string) => {
    const body = Buffer.concat([Buffer.from([3]), Buffer.from(value, 'utf8')]); // encoding 3 = UTF-8
    const h = Buffer.alloc(10);
    h.write(id, 0, 'latin1');
    h.writeUInt32BE(body.length, 4); // v2.3 sizes are plain 32-bit
    return Buffer.concat([h, body]);
  };
  const frames = Buffer.concat([frame('TIT2', text), Buffer.alloc(64)]); // 64 bytes of padding
  const h = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);
  const n = frames.length;
  h[6] = (n >> 21) & 0x7f;
  h[7] = (n >> 14) & 0x7f;
  h[8] = (n >> 7) & 0x7f;
  h[9] = n & 0x7f;
  return Buffer.concat([h, frames]);
}

type Maker = (src: string, out: string, s: Source, tmp: string) => void;

/** Every kind: file extension, what makes it, and which sources it can take (rate/channel limits of the codec). */
export const KINDS: Record<string, { ext: string; make: Maker; ok?: (s: Source) => boolean }> = {
  'wav-pcm16': { ext: 'wav', make: (src, out) => fs.copyFileSync(src, out) },
  'wav-u8': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_u8', out) },
  'wav-s24': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s24le', out) },
  'wav-s32': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s32le', out) },
  'wav-f32': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_f32le', out) },
  'wav-f64': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_f64le', out) },
  'wav-ulaw': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_mulaw', out) },
  'wav-alaw': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_alaw', out) },
  'wav-ima-adpcm': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'adpcm_ima_wav', out) },
  'wav-ms-adpcm': { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'adpcm_ms', out), ok: (s) => s.channels <= 2 },
  'wav-extensible-s20': {
    ext: 'wav',
    make: (_src, out, s) => fs.writeFileSync(out, pcmWav(signal(s), s.rate, 24, { valid: 20 })),
  },
  'wav-zero-data-size': {
    // A streaming recorder that never went back to fill in the sizes: data (and RIFF) say 0, audio follows.
    ext: 'wav',
    make: (_src, out, s) => {
      const b = pcmWav(signal(s), s.rate, 16);
      b.writeUInt32LE(0, 4);
      b.writeUInt32LE(0, b.indexOf('data', 12, 'latin1') + 4);
      fs.writeFileSync(out, b);
    },
  },
  rf64: { ext: 'wav', make: (src, out) => ff('-i', src, '-rf64', 'always', '-c:a', 'pcm_s16le', out) },
  bwf: { ext: 'wav', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s24le', '-write_bext', '1', '-metadata', 'description=generated bext', out) },
  'aiff-s16': { ext: 'aiff', make: (src, out) => run('sox', [src, '-b', '16', out]) },
  'aiff-s24': { ext: 'aiff', make: (src, out) => run('sox', [src, '-b', '24', out]) },
  'aiff-s8': { ext: 'aiff', make: (src, out) => run('sox', [src, '-b', '8', '-e', 'signed-integer', out]) },
  'aifc-sowt': { ext: 'aifc', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s16le', '-f', 'aiff', out) },
  'aifc-fl32': { ext: 'aifc', make: (src, out) => ff('-i', src, '-c:a', 'pcm_f32be', '-f', 'aiff', out) },
  'flac-16': { ext: 'flac', make: (src, out) => run('flac', ['-s', '-f', '-o', out, src]) },
  'flac-24': { ext: 'flac', make: (src, out) => ff('-i', src, '-c:a', 'flac', '-sample_fmt', 's32', '-bits_per_raw_sample', '24', out) },
  'flac-12': {
    ext: 'flac',
    make: (_src, out, s, tmp) => {
      const w = path.join(tmp, `${path.basename(out)}.src12.wav`);
      fs.writeFileSync(w, pcmWav(signal(s), s.rate, 16, { valid: 12 }));
      run('flac', ['-s', '-f', '-o', out, w]);
    },
  },
  'flac-20': {
    ext: 'flac',
    make: (_src, out, s, tmp) => {
      const w = path.join(tmp, `${path.basename(out)}.src20.wav`);
      fs.writeFileSync(w, pcmWav(signal(s), s.rate, 24, { valid: 20 }));
      run('flac', ['-s', '-f', '-o', out, w]);
    },
  },
  'flac-rate-change': {
    // Two FLAC streams' frames back to back: the second half is at half the rate (as in flac's own test streams).
    ext: 'flac',
    ok: (s) => s.rate >= 16000,
    make: (src, out, s, tmp) => {
      const a = path.join(tmp, `${path.basename(out)}.a.flac`),
        b = path.join(tmp, `${path.basename(out)}.b.flac`);
      run('flac', ['-s', '-f', '-o', a, src]);
      ff('-i', src, '-ar', String(s.rate / 2), `${b}.wav`);
      run('flac', ['-s', '-f', '-o', b, `${b}.wav`]);
      const bb = fs.readFileSync(b);
      fs.writeFileSync(out, clearFlacTotal(Buffer.concat([fs.readFileSync(a), bb.subarray(flacFramesAt(bb))])));
    },
  },
  'flac-channel-change': {
    ext: 'flac',
    ok: (s) => s.channels === 2,
    make: (src, out, _s, tmp) => {
      const a = path.join(tmp, `${path.basename(out)}.a.flac`),
        b = path.join(tmp, `${path.basename(out)}.b.flac`);
      run('flac', ['-s', '-f', '-o', a, src]);
      ff('-i', src, '-ac', '1', `${b}.wav`);
      run('flac', ['-s', '-f', '-o', b, `${b}.wav`]);
      const bb = fs.readFileSync(b);
      fs.writeFileSync(out, clearFlacTotal(Buffer.concat([fs.readFileSync(a), bb.subarray(flacFramesAt(bb))])));
    },
  },
  'ogg-flac': { ext: 'oga', make: (src, out) => ff('-i', src, '-c:a', 'flac', '-f', 'ogg', out) },
  mp3: { ext: 'mp3', make: (src, out) => ff('-i', src, '-c:a', 'libmp3lame', '-q:a', '2', out), ok: (s) => s.channels <= 2 },
  'mp3-stacked-id3': {
    ext: 'mp3',
    ok: (s) => s.channels <= 2,
    make: (src, out, _s, tmp) => {
      const m = path.join(tmp, `${path.basename(out)}.plain.mp3`);
      ff('-i', src, '-c:a', 'libmp3lame', '-id3v2_version', '0', '-write_xing', '0', m);
      fs.writeFileSync(out, Buffer.concat([id3v2('first tag'), id3v2('second tag'), fs.readFileSync(m)]));
    },
  },
  'mp3-junk-before-frames': {
    ext: 'mp3',
    ok: (s) => s.channels <= 2,
    make: (src, out, _s, tmp) => {
      const m = path.join(tmp, `${path.basename(out)}.plain.mp3`);
      ff('-i', src, '-c:a', 'libmp3lame', '-id3v2_version', '0', '-write_xing', '0', m);
      const junk = Buffer.alloc(1500, 0x20);
      junk.write('padding left by a broken tagger', 0, 'latin1');
      fs.writeFileSync(out, Buffer.concat([id3v2('tag'), junk, fs.readFileSync(m)]));
    },
  },
  mp2: { ext: 'mp2', make: (src, out) => ff('-i', src, '-c:a', 'mp2', out), ok: (s) => s.channels <= 2 && [32000, 44100, 48000, 16000, 22050, 24000].includes(s.rate) },
  vorbis: { ext: 'ogg', make: (src, out) => ff('-i', src, '-c:a', 'libvorbis', out) },
  opus: { ext: 'opus', make: (src, out) => ff('-i', src, '-c:a', 'libopus', out), ok: (s) => s.channels <= 2 },
  'm4a-aac': { ext: 'm4a', make: (src, out) => ff('-i', src, '-c:a', 'aac', out), ok: (s) => s.channels <= 2 },
  'm4a-alac': { ext: 'm4a', make: (src, out) => ff('-i', src, '-c:a', 'alac', out) },
  'adts-aac': { ext: 'aac', make: (src, out) => ff('-i', src, '-c:a', 'aac', '-f', 'adts', out), ok: (s) => s.channels <= 2 },
  'webm-opus': { ext: 'webm', make: (src, out) => ff('-i', src, '-c:a', 'libopus', out), ok: (s) => s.channels <= 2 },
  'mka-vorbis': { ext: 'mka', make: (src, out) => ff('-i', src, '-c:a', 'libvorbis', out) },
  wma: { ext: 'wma', make: (src, out) => ff('-i', src, '-c:a', 'wmav2', out), ok: (s) => s.channels <= 2 },
  wavpack: { ext: 'wv', make: (src, out) => ff('-i', src, '-c:a', 'wavpack', out) },
  tta: { ext: 'tta', make: (src, out) => ff('-i', src, '-c:a', 'tta', out) },
  au: { ext: 'au', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s16be', '-f', 'au', out) },
  caf: { ext: 'caf', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s16le', '-f', 'caf', out) },
  ac3: { ext: 'ac3', make: (src, out) => ff('-i', src, '-c:a', 'ac3', out), ok: (s) => [32000, 44100, 48000].includes(s.rate) },
  speex: { ext: 'spx', make: (src, out) => ff('-i', src, '-ar', '16000', '-ac', '1', '-c:a', 'speex', out) },
  w64: { ext: 'w64', make: (src, out) => ff('-i', src, '-c:a', 'pcm_s16le', '-f', 'w64', out) },
  voc: { ext: 'voc', make: (src, out) => ff('-i', src, '-c:a', 'pcm_u8', '-f', 'voc', out), ok: (s) => s.channels <= 2 },
};

/** Writes the source WAV for `s` and every kind that accepts it into `dir` (`onRefused`: skip, and say, what an encoder refuses). */
export function makeCorpus(dir: string, sources: Source[], kinds: string[] = Object.keys(KINDS), onRefused?: (kind: string, s: Source, e: Error) => void): CorpusFile[] {
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, '.tmp-'));
  const out: CorpusFile[] = [];
  try {
    for (const s of sources) {
      const tag = `${s.rate}-${s.channels}ch`;
      const src = path.join(tmp, `src-${tag}.wav`);
      fs.writeFileSync(src, pcmWav(signal(s), s.rate, 16));
      for (const kind of kinds) {
        const k = KINDS[kind];
        if (k.ok && !k.ok(s)) continue;
        const file = path.join(dir, `${kind}-${tag}.${k.ext}`);
        try {
          k.make(src, file, s, tmp);
        } catch (e) {
          // An encoder that refuses this rate/channel count (libopus at 11025 Hz…): not a file of the corpus.
          if (!onRefused) throw e;
          fs.rmSync(file, { force: true });
          onRefused(kind, s, e as Error);
          continue;
        }
        out.push({ file, kind, sampleRate: s.rate, channels: s.channels });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
