/**
 * npm run bench:formats [-- --sec 1 --keep DIR] — the format corpus of issue 14: every kind of
 * test/audio/corpus.ts (46 container/codec kinds and odd cases) at several rates and channel counts,
 * generated with ffmpeg, sox and flac. For each file: ffprobe's facts and ffmpeg's own decode (the
 * reference), then decodeFile with ffmpeg allowed and with the JS decoders alone.
 * Prints per-kind rows and totals; writes bench/results/formats.json.
 *   false rejection: ffmpeg decodes the file, decodeFile (ffmpeg allowed) throws
 *   silent mismatch: decodeFile returns audio whose SNR against the reference is < 30 dB (after aligning
 *                    for encoder delay)
 *   fact mismatch:   rate/channels/codec/container other than ffprobe's, or a duration more than 80 ms from
 *                    the length of ffmpeg's decode
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { isEarshotError } from '../../apps/api/src/errors.js';
import { corpusTools, makeCorpus, type Source } from '../../test/audio/corpus.js';
import { ffmpegReference, ffprobe, type Probe } from '../../test/audio/ffmpeg-reference.js';
import { alignedSnr } from '../../test/audio/snr.js';
import { arg, r2, writeResult } from './common.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

const missing = corpusTools();
if (missing.length) {
  console.error(`bench:formats needs ${missing.join(', ')} (Debian: ffmpeg, flac, sox)`);
  process.exit(1);
}
const sec = Number(arg('sec') ?? 1);
const dir = arg('keep') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-formats-'));
const SNR_MIN = 30; // dB, issue 14's "no silent mismatch" bar
const DURATION_TOL = 0.08; // s: lossy encoders pad to whole frames; ffprobe counts the padding

// Rates from telephone to high-resolution, mono and stereo, and 5.1 at 48 kHz: every kind at each that its encoder takes.
const sources: Source[] = [
  ...[8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000].flatMap((rate) => [1, 2].map((channels) => ({ rate, channels, sec }))),
  { rate: 48000, channels: 6, sec },
];
const refused: string[] = [];
const t0 = performance.now();
const files = makeCorpus(dir, sources, undefined, (kind, s) => refused.push(`${kind}@${s.rate}/${s.channels}`));
const genSec = (performance.now() - t0) / 1000;

// A file ffmpeg cannot probe or decode has no reference (counted, not compared).
const probeOrNull = (file: string): Probe | null => {
  try {
    return ffprobe(file);
  } catch {
    return null;
  }
};
const referenceOrNull = (file: string, p: Probe): Promise<Float32Array | null> =>
  ffmpegReference(file, p).then(
    (r) => (r.length ? r : null),
    () => null,
  );

interface Row {
  kind: string;
  files: number;
  probeDurationDiffers: number;
  ffmpegDecodes: number;
  ok: number;
  falseRejections: number;
  silentMismatches: number;
  factMismatches: number;
  viaFfmpeg: number;
  jsOnlyOk: number;
  jsOnlyNeedsFfmpeg: number;
  jsOnlyOther: number;
  jsOnlySilent: number;
  minSnr: number;
  msWith: number[];
  msWithout: number[];
}
const rows = new Map<string, Row>();
const problems: string[] = [];
for (const f of files) {
  const r = rows.get(f.kind) ?? {
    kind: f.kind,
    files: 0,
    probeDurationDiffers: 0,
    ffmpegDecodes: 0,
    ok: 0,
    falseRejections: 0,
    silentMismatches: 0,
    factMismatches: 0,
    viaFfmpeg: 0,
    jsOnlyOk: 0,
    jsOnlyNeedsFfmpeg: 0,
    jsOnlyOther: 0,
    jsOnlySilent: 0,
    minSnr: Infinity,
    msWith: [],
    msWithout: [],
  };
  rows.set(f.kind, r);
  r.files++;
  const name = path.basename(f.file);
  const p = probeOrNull(f.file);
  const ref = p && (await referenceOrNull(f.file, p));
  if (!p || !ref) {
    problems.push(`${name}: ffmpeg does not decode it (not counted)`);
    continue;
  }
  r.ffmpegDecodes++;
  let t = performance.now();
  try {
    const d = await decodeFile(f.file);
    r.msWith.push(performance.now() - t);
    const snr = alignedSnr(ref, d.samples);
    r.minSnr = Math.min(r.minSnr, snr);
    if (d.meta.decoder === 'ffmpeg') r.viaFfmpeg++;
    const facts = [d.meta.container, d.meta.codec, d.meta.sampleRate, d.meta.channels].join('/');
    const want = [p.container, p.codec, p.sampleRate, p.channels].join('/');
    // Duration against ffmpeg's decode of the same file; ffprobe's container duration also counts encoder
    // padding (low-rate MP3: up to 0.15 s over 1 s of audio), so it is reported, not required.
    const durOk = Math.abs(d.meta.durationSec - ref.length / 48000) <= DURATION_TOL;
    if (Number.isFinite(p.duration) && Math.abs(d.meta.durationSec - p.duration) > DURATION_TOL) r.probeDurationDiffers++;
    if (snr < SNR_MIN) {
      r.silentMismatches++;
      problems.push(`${name}: ${snr.toFixed(1)} dB (${d.meta.decoder})`);
    } else if (facts !== want || !durOk) {
      r.factMismatches++;
      problems.push(`${name}: ${facts} ${d.meta.durationSec.toFixed(3)} s != ffprobe ${want}, ffmpeg decode ${(ref.length / 48000).toFixed(3)} s`);
    } else r.ok++;
  } catch (e) {
    r.falseRejections++;
    problems.push(`${name}: ${isEarshotError(e) ? e.toLine() : String(e)}`);
  }
  t = performance.now();
  try {
    const d = await decodeFile(f.file, { ffmpeg: false });
    r.msWithout.push(performance.now() - t);
    const snr = alignedSnr(ref, d.samples);
    if (snr < SNR_MIN || d.meta.sampleRate !== p.sampleRate || d.meta.channels !== p.channels) {
      r.jsOnlySilent++;
      problems.push(`${name} without ffmpeg: ${snr.toFixed(1)} dB, ${d.meta.sampleRate} Hz ${d.meta.channels} ch`);
    } else r.jsOnlyOk++;
  } catch (e) {
    if (isEarshotError(e) && e.code === 'NEEDS_FFMPEG' && /install ffmpeg/.test(e.message)) r.jsOnlyNeedsFfmpeg++;
    else {
      r.jsOnlyOther++;
      problems.push(`${name} without ffmpeg: ${isEarshotError(e) ? e.toLine() : String(e)}`);
    }
  }
}

const list = [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind));
const sum = (k: keyof Row) => list.reduce((s, r) => s + (r[k] as number), 0);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
console.log(
  `corpus: ${files.length} files, ${list.length} kinds, ${sources.length} rate/channel sources, ${sec} s each, generated in ${genSec.toFixed(1)} s (${refused.length} combinations an encoder refused)`,
);
console.log('kind                      files  ok  falseRej  silent  facts  viaFfmpeg | noFfmpeg: ok  NEEDS_FFMPEG  other  silent | min SNR  ms(ff)  ms(js)');
for (const r of list) {
  console.log(
    `${r.kind.padEnd(25)} ${String(r.files).padStart(5)} ${String(r.ok).padStart(3)} ${String(r.falseRejections).padStart(9)} ${String(r.silentMismatches).padStart(7)} ${String(r.factMismatches).padStart(6)} ${String(r.viaFfmpeg).padStart(10)} | ${String(r.jsOnlyOk).padStart(12)} ${String(r.jsOnlyNeedsFfmpeg).padStart(13)} ${String(r.jsOnlyOther).padStart(6)} ${String(r.jsOnlySilent).padStart(7)} | ${(Number.isFinite(r.minSnr) ? r.minSnr.toFixed(1) : '-').padStart(7)} ${mean(r.msWith).toFixed(0).padStart(7)} ${mean(r.msWithout).toFixed(0).padStart(7)}`,
  );
}
const totals = {
  files: files.length,
  kinds: list.length,
  ffmpegDecodes: sum('ffmpegDecodes'),
  ok: sum('ok'),
  falseRejections: sum('falseRejections'),
  silentMismatches: sum('silentMismatches'),
  factMismatches: sum('factMismatches'),
  viaFfmpeg: sum('viaFfmpeg'),
  probeDurationDiffers: sum('probeDurationDiffers'),
  withoutFfmpeg: { ok: sum('jsOnlyOk'), needsFfmpeg: sum('jsOnlyNeedsFfmpeg'), otherErrors: sum('jsOnlyOther'), silentMismatches: sum('jsOnlySilent') },
};
console.log(`\ntotals: ${JSON.stringify(totals)}`);
if (problems.length) console.log(`\nproblems:\n  ${problems.join('\n  ')}`);
const out = writeResult('formats', {
  at: new Date().toISOString(),
  sec,
  sources,
  refused,
  totals,
  snrMinDb: SNR_MIN,
  durationTolSec: DURATION_TOL,
  kinds: list.map((r) => ({ ...r, minSnr: Number.isFinite(r.minSnr) ? r2(r.minSnr) : null, msWith: r2(mean(r.msWith)), msWithout: r2(mean(r.msWithout)) })),
  problems,
});
console.log(`\nwrote ${out}`);
if (!arg('keep')) fs.rmSync(dir, { recursive: true, force: true });
