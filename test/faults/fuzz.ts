/**
 * Header fuzzer for the audio front end, shared by test/faults/fuzz-decode.test.ts and
 * scripts/bench/faults.ts: small valid WAV / MP3 / FLAC seeds, a seeded mutator that damages the
 * first few hundred bytes the way real broken files are damaged (bit rot, zeroed/0xFF runs,
 * truncation, absurd chunk sizes, duplicated or missing chunks), and a judge that runs one case
 * through the real decoder and says whether the outcome is acceptable.
 *
 * Acceptable: a valid result (finite samples, 48 kHz, length matching the reported duration) or an
 * EarshotError with a known code. Anything else (a plain Error, a TypeError from a decoder, NaN
 * output, a case that never settles) is a finding.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeBuffer, TARGET_RATE } from '../../apps/api/src/audio/index.js';
import { ERROR_CODES, EarshotError } from '../../apps/api/src/errors.js';
import { prng } from '../helpers/prng.js';

export type SeedFormat = 'wav' | 'mp3' | 'flac';
export const SEED_FORMATS: readonly SeedFormat[] = ['wav', 'mp3', 'flac'];

/** 16-bit PCM stereo WAV with an extra LIST chunk before `data`, so chunk-level mutations have something to move. */
export function seedWav(sec = 0.1, rate = 48000): Buffer {
  const n = Math.round(sec * rate);
  const data = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const v = Math.round(0.4 * Math.sin((2 * Math.PI * 440 * i) / rate) * 32767);
    data.writeInt16LE(v, i * 4);
    data.writeInt16LE(-v, i * 4 + 2);
  }
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0);
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(2, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE(rate * 4, 16);
  fmt.writeUInt16LE(4, 20);
  fmt.writeUInt16LE(16, 22);
  const list = Buffer.alloc(8 + 12);
  list.write('LIST', 0);
  list.writeUInt32LE(12, 4);
  list.write('INFOISFT', 8);
  list.writeUInt32LE(0, 16);
  const dataHdr = Buffer.alloc(8);
  dataHdr.write('data', 0);
  dataHdr.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, dataHdr, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0);
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/**
 * MP3 and FLAC seeds are encoded from the WAV seed by ffmpeg (on the dev machines and in CI): no
 * pure-JS encoder is among the dependencies. Returns only the formats it could make.
 */
// 48 kHz seeds: an intact header then skips the resampler (its per-call setup dominates a 0.1 s clip);
// mutated sample-rate fields still send cases through it.
export function makeSeeds(): Partial<Record<SeedFormat, Buffer>> {
  const wav = seedWav();
  const seeds: Partial<Record<SeedFormat, Buffer>> = { wav };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-fuzz-seeds-'));
  try {
    const src = path.join(dir, 'seed.wav');
    fs.writeFileSync(src, wav);
    const enc: Record<'mp3' | 'flac', string[]> = {
      // An ID3v2 tag in front, as most real MP3s have: the sniffer's tag-skipping path is fuzzed too.
      mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-id3v2_version', '3', '-metadata', 'title=fuzz'],
      flac: ['-c:a', 'flac', '-metadata', 'title=fuzz'],
    };
    for (const f of ['mp3', 'flac'] as const) {
      const dst = path.join(dir, `seed.${f}`);
      const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', src, ...enc[f], dst]);
      if (r.status === 0) seeds[f] = fs.readFileSync(dst);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return seeds;
}

/** Offsets of 4-byte size fields worth attacking: RIFF chunk sizes, FLAC metadata block lengths, the ID3 tag size. */
function sizeFields(b: Buffer, format: SeedFormat): { at: number; width: 4 | 3; le: boolean }[] {
  const out: { at: number; width: 4 | 3; le: boolean }[] = [];
  if (format === 'wav') {
    out.push({ at: 4, width: 4, le: true });
    let at = 12;
    while (at + 8 <= b.length && out.length < 16) {
      out.push({ at: at + 4, width: 4, le: true });
      const size = b.readUInt32LE(at + 4);
      at += 8 + size + (size & 1);
    }
  } else if (format === 'flac') {
    let at = 4;
    while (at + 4 <= b.length && out.length < 16) {
      out.push({ at: at + 1, width: 3, le: false });
      const last = b[at] & 0x80;
      at += 4 + b.readUIntBE(at + 1, 3);
      if (last) break;
    }
  } else if (b.subarray(0, 3).toString('latin1') === 'ID3') {
    out.push({ at: 6, width: 4, le: false });
  }
  return out;
}

/** WAV chunks / FLAC metadata blocks as [start, end) byte ranges (for duplicate/remove mutations). */
function chunks(b: Buffer, format: SeedFormat): [number, number][] {
  const out: [number, number][] = [];
  if (format === 'wav') {
    let at = 12;
    while (at + 8 <= b.length) {
      const size = b.readUInt32LE(at + 4);
      const end = Math.min(b.length, at + 8 + size + (size & 1));
      out.push([at, end]);
      at = end;
    }
  } else if (format === 'flac') {
    let at = 4;
    while (at + 4 <= b.length) {
      const last = b[at] & 0x80;
      const end = Math.min(b.length, at + 4 + b.readUIntBE(at + 1, 3));
      out.push([at, end]);
      at = end;
      if (last) break;
    }
  }
  return out;
}

export const MUTATIONS = ['bitflip', 'byte0', 'byteFF', 'byteRandom', 'run', 'truncate', 'sizeHuge', 'sizeZero', 'sizeRandom', 'dupChunk', 'dropChunk', 'stack'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** One mutated copy of `seed`; damage stays in the first `headerBytes` bytes except for truncation and chunk moves. */
export function mutate(seed: Buffer, format: SeedFormat, rnd: () => number, op?: Mutation, headerBytes = 512): { bytes: Buffer; op: Mutation } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const kind = op ?? pick(MUTATIONS);
  let b: Buffer = Buffer.from(seed);
  const h = Math.min(headerBytes, b.length);
  const at = () => Math.floor(rnd() * h);
  switch (kind) {
    case 'bitflip':
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
        const i = at();
        b[i] ^= 1 << Math.floor(rnd() * 8);
      }
      break;
    case 'byte0':
    case 'byteFF':
    case 'byteRandom':
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) b[at()] = kind === 'byte0' ? 0 : kind === 'byteFF' ? 0xff : Math.floor(rnd() * 256);
      break;
    case 'run': {
      const i = at();
      b.fill(pick([0, 0xff, Math.floor(rnd() * 256)]), i, Math.min(h, i + 1 + Math.floor(rnd() * 32)));
      break;
    }
    case 'truncate':
      // Half the cuts land inside the header, half anywhere in the file.
      b = b.subarray(0, rnd() < 0.5 ? at() : Math.floor(rnd() * b.length));
      break;
    case 'sizeHuge':
    case 'sizeZero':
    case 'sizeRandom': {
      const fields = sizeFields(b, format);
      if (!fields.length) return mutate(seed, format, rnd, 'byteRandom', headerBytes);
      const f = pick(fields);
      const max = f.width === 4 ? 0xffffffff : 0xffffff;
      const v = kind === 'sizeHuge' ? pick([max, max - 1, 0x7fffffff & max, 0x80000000 & max || max]) : kind === 'sizeZero' ? 0 : Math.floor(rnd() * (max + 1));
      if (f.at + f.width <= b.length) {
        if (f.width === 3) b.writeUIntBE(v, f.at, 3);
        else if (f.le) b.writeUInt32LE(v >>> 0, f.at);
        else b.writeUInt32BE(v >>> 0, f.at);
      }
      break;
    }
    case 'dupChunk':
    case 'dropChunk': {
      const cs = chunks(b, format);
      if (!cs.length) return mutate(seed, format, rnd, 'run', headerBytes);
      const [s, e] = pick(cs);
      b = kind === 'dupChunk' ? Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]) : Buffer.concat([b.subarray(0, s), b.subarray(e)]);
      break;
    }
    case 'stack': {
      // Several mutations on top of each other: the combinations single edits miss.
      for (let k = 2 + Math.floor(rnd() * 3); k > 0; k--) b = mutate(b, format, rnd, pick(MUTATIONS.filter((m) => m !== 'stack')), headerBytes).bytes;
      break;
    }
  }
  return { bytes: b, op: kind };
}

export type Verdict =
  | { ok: true; outcome: 'decoded'; durationSec: number }
  | { ok: true; outcome: string /* the EarshotError code */ }
  | { ok: false; outcome: 'timeout' | 'foreign-error' | 'bad-code' | 'invalid-result'; detail: string };

/** The decoder's result must be what its contract says, else it is a finding. */
function checkResult(r: Awaited<ReturnType<typeof decodeBuffer>>): string | null {
  if (r.sampleRate !== TARGET_RATE) return `sampleRate ${r.sampleRate}`;
  if (!(r.samples instanceof Float32Array) || r.samples.length === 0) return 'no samples';
  for (let i = 0; i < r.samples.length; i++) if (!Number.isFinite(r.samples[i])) return `sample ${i} is ${r.samples[i]}`;
  const d = r.meta.durationSec;
  if (!Number.isFinite(d) || d <= 0) return `durationSec ${d}`;
  // Resampling may round by a sample or two; anything more means length and duration disagree.
  const expected = d * TARGET_RATE;
  if (Math.abs(r.samples.length - expected) > Math.max(4, expected * 0.001)) return `${r.samples.length} samples for ${d} s`;
  if (!Number.isFinite(r.meta.sampleRate) || !Number.isInteger(r.meta.channels) || r.meta.channels < 1) return `meta ${JSON.stringify(r.meta)}`;
  return null;
}

/** Run one case through the real decoder entry, bounded by `timeoutMs` (an async hang becomes a finding, not a stuck suite). */
export async function judge(bytes: Uint8Array, name: string, timeoutMs = 10_000, ffmpeg = true): Promise<Verdict> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, outcome: 'timeout', detail: `no result after ${timeoutMs} ms` }), timeoutMs);
  });
  const run = (async (): Promise<Verdict> => {
    try {
      const r = await decodeBuffer(bytes, { name, maxDurationSec: 3600, ffmpeg });
      const bad = checkResult(r);
      return bad ? { ok: false, outcome: 'invalid-result', detail: bad } : { ok: true, outcome: 'decoded', durationSec: r.meta.durationSec };
    } catch (e) {
      if (!(e instanceof EarshotError)) return { ok: false, outcome: 'foreign-error', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      if (!(ERROR_CODES as readonly string[]).includes(e.code)) return { ok: false, outcome: 'bad-code', detail: e.code };
      return { ok: true, outcome: e.code };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface FuzzReport {
  cases: number;
  perFormat: Record<string, number>;
  histogram: Record<string, number>;
  byOp: Record<string, Record<string, number>>;
  findings: { format: SeedFormat; index: number; op: Mutation; outcome: string; detail: string; hex: string }[];
  seconds: number;
  ffmpeg: boolean;
}

export interface FuzzOptions {
  casesPerFormat: number;
  /** PRNG seed: the same seed gives the same cases. */
  seed?: number;
  timeoutMs?: number;
  /** Let the decoder fall back to ffmpeg (slow: a process per rejected case). */
  ffmpeg?: boolean;
}

/** `casesPerFormat` mutated cases of each seed file, reproducible from `seed`. */
export async function fuzzDecoder(seeds: Partial<Record<SeedFormat, Buffer>>, o: FuzzOptions): Promise<FuzzReport> {
  const { casesPerFormat, seed = 0xea45, timeoutMs = 10_000, ffmpeg = false } = o;
  const t0 = performance.now();
  const report: FuzzReport = { cases: 0, perFormat: {}, histogram: {}, byOp: {}, findings: [], seconds: 0, ffmpeg };
  for (const format of SEED_FORMATS) {
    const s = seeds[format];
    if (!s) continue;
    const rnd = prng(seed ^ (format.charCodeAt(0) * 7919));
    for (let i = 0; i < casesPerFormat; i++) {
      const { bytes, op } = mutate(s, format, rnd);
      const v = await judge(bytes, `fuzz-${format}-${i}`, timeoutMs, ffmpeg);
      report.cases++;
      report.perFormat[format] = (report.perFormat[format] ?? 0) + 1;
      const key = `${format}:${v.outcome}`;
      report.histogram[key] = (report.histogram[key] ?? 0) + 1;
      (report.byOp[op] ??= {})[v.outcome] = (report.byOp[op][v.outcome] ?? 0) + 1;
      if (!v.ok) report.findings.push({ format, index: i, op, outcome: v.outcome, detail: v.detail, hex: bytes.subarray(0, 64).toString('hex') });
    }
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
