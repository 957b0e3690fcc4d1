/**
 * Downloading published CLAP ONNX exports from a Hugging Face–style hub into our bundle format.
 * Plain HTTP (Node's fetch), resumable through Range requests on `<file>.part`, sha256-verified.
 * Used by scripts/fetch-model.ts (`npm run model:fetch -- <name>`); no part of the API server.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EarshotError } from '../errors.js';
import { sha256File } from '../hash.js';
import type { BundleManifest } from './bundle.js';

export interface DownloadProgress {
  file: string;
  /** bytes on disk so far, including a resumed prefix */
  done: number;
  /** null when the server sends no length */
  total: number | null;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  sha256: string;
  /** bytes that were already on disk from an interrupted run */
  resumedFrom: number;
}

/**
 * The hub's resolve endpoint names an LFS file's sha256 in X-Linked-Etag (or ETag) — a checksum we did
 * not have to ship. Small non-LFS files carry a git blob sha1 there instead (40 hex), which we ignore.
 */
function hubSha256(res: Response): string | undefined {
  for (const h of ['x-linked-etag', 'etag']) {
    const v = res.headers.get(h)?.replace(/^W\//, '').replaceAll('"', '');
    if (v && /^[0-9a-f]{64}$/i.test(v)) return v.toLowerCase();
  }
  return undefined;
}

/**
 * LFS files answer `resolve/` with a redirect to a CDN whose ETag is not a sha256; the checksum header is on
 * the hub's own redirect. So ask the hub first with a HEAD that does not follow redirects (what
 * huggingface_hub does). Any failure here just means "no hub checksum": the GET reports real errors.
 */
async function hubChecksum(url: string, headers: Record<string, string>): Promise<string | undefined> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', headers });
    return hubSha256(res);
  } catch {
    return undefined;
  }
}

/**
 * Download `url` to `dest`. An existing `dest.part` is resumed with `Range: bytes=<size>-` (a server that
 * answers 200 instead of 206 gets a fresh download). The finished file is checked against `expectSha256`
 * or, failing that, the hub's own checksum header; a mismatch deletes the partial file (it cannot be
 * repaired by resuming) and throws CHECKSUM_MISMATCH.
 */
export async function downloadFile(
  url: string,
  dest: string,
  opts: { expectSha256?: string; onProgress?: (p: DownloadProgress) => void; headers?: Record<string, string> } = {},
): Promise<DownloadResult> {
  const part = `${dest}.part`;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const have = await fs.stat(part).then(
    (s) => s.size,
    () => 0,
  );
  const headers: Record<string, string> = { ...opts.headers };
  if (have > 0) headers.Range = `bytes=${have}-`;
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'follow' });
  } catch (e) {
    throw new EarshotError('DOWNLOAD_FAILED', `cannot reach the server: ${(e as Error).message}`, { subject: url, cause: e });
  }
  let start = 0;
  let total: number | null = null;
  if (res.status === 416 && have > 0) {
    // The part file already holds every byte: nothing left to fetch, only to verify.
    await res.body?.cancel();
    start = have;
    total = have;
  } else if (res.status === 206 && have > 0) {
    const range = /bytes (\d+)-\d+\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      await res.body?.cancel();
      throw new EarshotError('DOWNLOAD_FAILED', `server resumed at the wrong offset (${res.headers.get('content-range')})`, { subject: url });
    }
    start = have;
    total = range[2] === '*' ? null : Number(range[2]);
  } else if (res.ok) {
    const len = res.headers.get('content-length');
    total = len === null ? null : Number(len);
  } else {
    await res.body?.cancel();
    throw new EarshotError('DOWNLOAD_FAILED', `HTTP ${res.status} ${res.statusText}`, { subject: url });
  }
  const expect = opts.expectSha256?.toLowerCase() ?? hubSha256(res) ?? (await hubChecksum(url, opts.headers ?? {}));
  if (res.status !== 416 && res.body) {
    let done = start;
    const file = path.basename(dest);
    const counter = async function* (src: AsyncIterable<Uint8Array>) {
      for await (const chunk of src) {
        done += chunk.length;
        opts.onProgress?.({ file, done, total });
        yield chunk;
      }
    };
    opts.onProgress?.({ file, done, total });
    const out = createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), counter, out);
    } catch (e) {
      // Keep the part file: the next run resumes from where this one stopped. pipeline() rejects as soon
      // as the source fails, while a write may still be in flight: wait for the file to close so the
      // part's size is final before anyone (a retry, a test) reads it.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      throw new EarshotError('DOWNLOAD_FAILED', `download interrupted after ${done} bytes: ${(e as Error).message}`, { subject: url, cause: e });
    }
    if (total !== null && done !== total) {
      throw new EarshotError('DOWNLOAD_FAILED', `connection closed after ${done} of ${total} bytes (run again to resume)`, { subject: url });
    }
  }
  const digest = await sha256File(part);
  if (expect && digest !== expect) {
    await fs.rm(part, { force: true });
    throw new EarshotError('CHECKSUM_MISMATCH', `sha256 ${digest} ≠ expected ${expect}; the partial file was deleted`, { subject: url });
  }
  await fs.rename(part, dest);
  const bytes = (await fs.stat(dest)).size;
  return { file: dest, bytes, sha256: digest, resumedFrom: start };
}

/** A published export the fetcher knows how to turn into a bundle. */
export interface KnownModel {
  repo: string;
  revision: string;
  description: string;
  /** remote path → bundle file name */
  files: Record<string, string>;
  featureMode: BundleManifest['featureMode'];
  /** The PyTorch checkpoint whose safetensors header holds logit_scale_a / logit_scale_t (the ONNX towers do not). */
  checkpointRepo: string;
  /** Known sha256 per bundle file; empty until someone has verified a download (then: `--print-hashes`). */
  sha256: Record<string, string>;
}

const XENOVA_FILES = {
  'onnx/audio_model.onnx': 'audio_model.onnx',
  'onnx/text_model.onnx': 'text_model.onnx',
  'tokenizer.json': 'tokenizer.json',
  'tokenizer_config.json': 'tokenizer_config.json',
  'preprocessor_config.json': 'preprocessor_config.json',
  'config.json': 'config.json',
};

/**
 * Xenova's transformers.js exports of LAION's non-fusion checkpoints: audio input `input_features`
 * [B,1,1001,64] → `audio_embeds`, text `input_ids`/`attention_mask` → `text_embeds`, i.e. rand_trunc
 * bundles. LAION's fusion checkpoints (clap-htsat-fused) have no published ONNX export: use
 * scripts/export-clap-onnx.py for those.
 */
export const KNOWN_MODELS: Record<string, KnownModel> = {
  'clap-htsat-unfused': {
    repo: 'Xenova/clap-htsat-unfused',
    revision: 'main',
    description: 'LAION CLAP HTSAT (unfused) — ONNX export by Xenova of laion/clap-htsat-unfused',
    files: XENOVA_FILES,
    featureMode: 'rand_trunc',
    checkpointRepo: 'laion/clap-htsat-unfused',
    sha256: {},
  },
  'larger-clap-general': {
    repo: 'Xenova/larger_clap_general',
    revision: 'main',
    description: 'LAION larger CLAP (general audio) — ONNX export by Xenova of laion/larger_clap_general',
    files: XENOVA_FILES,
    featureMode: 'rand_trunc',
    checkpointRepo: 'laion/larger_clap_general',
    sha256: {},
  },
  'larger-clap-music-and-speech': {
    repo: 'Xenova/larger_clap_music_and_speech',
    revision: 'main',
    description: 'LAION larger CLAP (music and speech) — ONNX export by Xenova of laion/larger_clap_music_and_speech',
    files: XENOVA_FILES,
    featureMode: 'rand_trunc',
    checkpointRepo: 'laion/larger_clap_music_and_speech',
    sha256: {},
  },
};

/**
 * The int8 variant of a known export: Xenova publishes `onnx/<tower>_quantized.onnx` (onnxruntime's dynamic
 * quantizer) beside each fp32 tower. It becomes its own bundle, `<name>-int8`, so its vectors never mix with
 * the fp32 towers' (a bundle's version is the hash of its towers). No known hashes yet: the hub's checksum
 * header verifies the download.
 */
export function quantizedVariant(spec: KnownModel): KnownModel {
  const files = Object.fromEntries(
    Object.entries(spec.files).map(([remote, local]) =>
      remote.startsWith('onnx/') ? [remote.replace(/\.onnx$/, '_quantized.onnx'), local.replace(/\.onnx$/, '_quantized.onnx')] : [remote, local],
    ),
  );
  return { ...spec, description: `${spec.description} (int8: Xenova's *_quantized.onnx towers)`, files, sha256: {} };
}

/**
 * ln(100): CLAP (like open_clip) clamps the learned scale exp(logit_scale) at 100 and the released LAION
 * checkpoints sit at or near that bound. Used only when the checkpoint's value cannot be read.
 */
export const DEFAULT_LOGIT_SCALE = Math.log(100);

/**
 * Read scalar float32 tensors from a remote .safetensors file without downloading it: 8-byte header
 * length, the JSON header, then one Range request per tensor.
 */
export async function readSafetensorsScalars(url: string, names: string[], headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const range = async (from: number, to: number): Promise<Buffer> => {
    const res = await fetch(url, { headers: { ...headers, Range: `bytes=${from}-${to}` }, redirect: 'follow' });
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new EarshotError('DOWNLOAD_FAILED', `expected a partial response for bytes ${from}-${to}, got HTTP ${res.status}`, { subject: url });
    }
    return Buffer.from(await res.arrayBuffer());
  };
  const n = Number((await range(0, 7)).readBigUInt64LE(0));
  if (n <= 0 || n > 100_000_000) throw new EarshotError('DOWNLOAD_FAILED', `implausible safetensors header length ${n}`, { subject: url });
  const header = JSON.parse((await range(8, 8 + n - 1)).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out: Record<string, number> = {};
  for (const name of names) {
    const key = Object.keys(header).find((k) => k === name || k.endsWith(`.${name}`));
    const t = key ? header[key] : undefined;
    if (!t) continue;
    const [a, b] = t.data_offsets;
    const buf = await range(8 + n + a, 8 + n + b - 1);
    if (t.dtype === 'F32') out[name] = buf.readFloatLE(0);
    else if (t.dtype === 'F64') out[name] = buf.readDoubleLE(0);
    else if (t.dtype === 'F16') out[name] = f16(buf.readUInt16LE(0));
    else if (t.dtype === 'BF16') out[name] = new Float32Array(new Uint32Array([buf.readUInt16LE(0) << 16]).buffer)[0];
  }
  return out;
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

export interface FetchModelOptions {
  /** folder that receives models/<name>/ */
  modelsDir: string;
  endpoint?: string;
  token?: string;
  onProgress?: (p: DownloadProgress) => void;
  log?: (line: string) => void;
}

export interface FetchModelResult {
  dir: string;
  manifest: BundleManifest;
  files: DownloadResult[];
  logitScaleSource: 'checkpoint' | 'default';
}

/** Download a known export into `<modelsDir>/<name>/` and write its manifest.json. Finished files are kept and re-verified, not re-downloaded. */
export async function fetchModel(name: string, spec: KnownModel, opts: FetchModelOptions): Promise<FetchModelResult> {
  const endpoint = (opts.endpoint ?? 'https://huggingface.co').replace(/\/$/, '');
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const log = opts.log ?? (() => {});
  const dir = path.join(opts.modelsDir, name);
  await fs.mkdir(dir, { recursive: true });
  const results: DownloadResult[] = [];
  for (const [remote, local] of Object.entries(spec.files)) {
    const dest = path.join(dir, local);
    const known = spec.sha256[local];
    const exists = await fs.stat(dest).then(
      (s) => s.isFile(),
      () => false,
    );
    if (exists) {
      const digest = await sha256File(dest);
      if (!known || digest === known) {
        log(`${local}: already here (sha256 ${digest.slice(0, 16)}…)`);
        results.push({ file: dest, bytes: (await fs.stat(dest)).size, sha256: digest, resumedFrom: 0 });
        continue;
      }
      log(`${local}: sha256 differs from the known value, downloading again`);
      await fs.rm(dest);
    }
    const url = `${endpoint}/${spec.repo}/resolve/${encodeURIComponent(spec.revision)}/${remote}`;
    results.push(await downloadFile(url, dest, { expectSha256: known, onProgress: opts.onProgress, headers }));
  }
  let logitScaleSource: FetchModelResult['logitScaleSource'] = 'default';
  let scales: Record<string, number> = {};
  try {
    scales = await readSafetensorsScalars(`${endpoint}/${spec.checkpointRepo}/resolve/main/model.safetensors`, ['logit_scale_a', 'logit_scale_t'], headers);
    if (Number.isFinite(scales.logit_scale_a) && Number.isFinite(scales.logit_scale_t)) logitScaleSource = 'checkpoint';
  } catch (e) {
    log(`logit scales: cannot read ${spec.checkpointRepo}/model.safetensors (${(e as Error).message}); using ln(100)`);
  }
  const maxTextLength = await readMaxLength(path.join(dir, 'tokenizer_config.json'));
  const manifest: BundleManifest = {
    name,
    source: `https://huggingface.co/${spec.repo}@${spec.revision}`,
    description: `${spec.description}. Logit scales ${logitScaleSource === 'checkpoint' ? `read from ${spec.checkpointRepo}/model.safetensors` : 'NOT read from the checkpoint: ln(100) default'}.`,
    embeddingDim: 512,
    featureMode: spec.featureMode,
    sampleRate: 48000,
    logitScaleA: logitScaleSource === 'checkpoint' ? scales.logit_scale_a : DEFAULT_LOGIT_SCALE,
    logitScaleT: logitScaleSource === 'checkpoint' ? scales.logit_scale_t : DEFAULT_LOGIT_SCALE,
    promptTemplate: 'This is a sound of {}.',
    maxTextLength,
    isDemo: false,
    files: { audio: towerFile(spec, 'audio_model'), text: towerFile(spec, 'text_model'), tokenizer: 'tokenizer.json' },
    sha256: Object.fromEntries(results.map((r) => [path.basename(r.file), r.sha256])),
  };
  await fs.writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, manifest, files: results, logitScaleSource };
}

/** The bundle file a spec stores a tower in (audio_model.onnx, or audio_model_quantized.onnx for the int8 variant). */
function towerFile(spec: KnownModel, tower: 'audio_model' | 'text_model'): string {
  return Object.values(spec.files).find((f) => f.startsWith(tower) && f.endsWith('.onnx')) ?? `${tower}.onnx`;
}

/** CLAP's RoBERTa tokenizer says 512, but the model was trained on 77 tokens (HF ClapProcessor pads to 77 too). */
async function readMaxLength(file: string): Promise<number> {
  try {
    const c = JSON.parse(await fs.readFile(file, 'utf8')) as { model_max_length?: number };
    const m = c.model_max_length;
    return typeof m === 'number' && m >= 4 && m <= 77 ? m : 77;
  } catch {
    return 77;
  }
}
