/**
 * model:fetch against a local hub (node:http with Range support, port 0): progress, resume of a .part
 * file, checksum verification (known hash and the hub's LFS X-Linked-Etag), logit scales from a
 * safetensors header read by Range, and a bundle loadBundle accepts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarshotError } from '../../apps/api/src/errors.js';
import { loadBundle } from '../../apps/api/src/model/index.js';
import { downloadFile, fetchModel, KNOWN_MODELS, quantizedVariant, readSafetensorsScalars, type DownloadProgress, type KnownModel } from '../../apps/api/src/model/fetch.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A safetensors file with two float32 scalars and one larger tensor in between. */
function safetensors(a: number, t: number): Buffer {
  const header = {
    __metadata__: { format: 'pt' },
    'text_model.weight': { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
    logit_scale_a: { dtype: 'F32', shape: [], data_offsets: [16, 20] },
    logit_scale_t: { dtype: 'F32', shape: [], data_offsets: [20, 24] },
  };
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  const data = Buffer.alloc(24);
  data.writeFloatLE(a, 16);
  data.writeFloatLE(t, 20);
  return Buffer.concat([len, h, data]);
}

/** The test server's export, as a known-model entry with these recorded hashes. */
const testSpec = (sha256: Record<string, string>): KnownModel => ({
  repo: 'Org/clap-test',
  revision: 'main',
  description: 'test export',
  files: {
    'onnx/audio_model.onnx': 'audio_model.onnx',
    'onnx/text_model.onnx': 'text_model.onnx',
    'tokenizer.json': 'tokenizer.json',
    'tokenizer_config.json': 'tokenizer_config.json',
  },
  featureMode: 'rand_trunc',
  checkpointRepo: 'org/ckpt',
  sha256,
});

describe('model:fetch download logic (local HTTP server)', () => {
  let tmp: string;
  let server: http.Server;
  let base: string;
  const files = new Map<string, Buffer>();
  const requests: { url: string; range?: string }[] = [];
  /** Paths whose body the server cuts off after this many bytes (a dropped connection). */
  const cutAfter = new Map<string, number>();
  const lfs = new Set<string>();
  /** the sha256 the hub announces, when a test wants it to differ from the served bytes */
  const lfsSha = new Map<string, string>();

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'earshot-fetch-'));
    const big = Buffer.alloc(3_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const repo = '/Org/clap-test/resolve/main';
    files.set(`${repo}/onnx/audio_model.onnx`, big);
    files.set(`${repo}/onnx/text_model.onnx`, Buffer.from(big.subarray(0, 1_000_000)).reverse());
    files.set(`${repo}/onnx/audio_model_quantized.onnx`, Buffer.from(big.subarray(0, 500_000)));
    files.set(`${repo}/onnx/text_model_quantized.onnx`, Buffer.from(big.subarray(500_000, 800_000)));
    files.set(`${repo}/tokenizer.json`, Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 } } })));
    files.set(`${repo}/tokenizer_config.json`, Buffer.from(JSON.stringify({ model_max_length: 512 })));
    files.set('/org/ckpt/resolve/main/model.safetensors', safetensors(4.5, 2.25));
    lfs.add(`${repo}/onnx/audio_model.onnx`);
    server = http.createServer((req, res) => {
      const url = req.url ?? '';
      requests.push({ url, range: req.headers.range });
      // like huggingface.co: LFS files redirect to a CDN path; only the hub's redirect carries the sha256
      if (lfs.has(url)) {
        res.writeHead(302, { Location: `/cdn${url}`, 'X-Linked-Etag': `"${lfsSha.get(url) ?? sha(files.get(url)!)}"` }).end();
        return;
      }
      const body = files.get(url.replace(/^\/cdn/, ''));
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', ETag: '"0123456789abcdef0123456789abcdef"' }; // CDN-style md5 ETag
      let from = 0;
      let to = body.length - 1;
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (m) {
        from = Number(m[1]);
        if (m[2]) to = Math.min(Number(m[2]), to);
        if (from >= body.length) {
          res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
          return;
        }
        res.writeHead(206, { ...headers, 'Content-Range': `bytes ${from}-${to}/${body.length}`, 'Content-Length': String(to - from + 1) });
      } else {
        res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
      }
      const slice = body.subarray(from, to + 1);
      const key = url.replace(/^\/cdn/, '');
      const cut = cutAfter.get(key);
      if (cut !== undefined) {
        cutAfter.delete(key);
        res.write(slice.subarray(0, cut), () => res.destroy());
      } else res.end(slice);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('a dropped connection leaves a .part file; the next run resumes with Range and verifies the hub checksum', async () => {
    const url = `${base}/Org/clap-test/resolve/main/onnx/audio_model.onnx`;
    const body = files.get(new URL(url).pathname)!;
    const dest = path.join(tmp, 'resume', 'audio_model.onnx');
    cutAfter.set(new URL(url).pathname, 1_200_000);
    const e = await downloadFile(url, dest).catch((x) => x);
    expect(e).toBeInstanceOf(EarshotError);
    expect((e as EarshotError).code).toBe('DOWNLOAD_FAILED');
    const partSize = (await fs.stat(`${dest}.part`)).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(body.length);

    const seen: DownloadProgress[] = [];
    requests.length = 0;
    const r = await downloadFile(url, dest, { onProgress: (p) => seen.push({ ...p }) });
    // the GET (and the CDN request it is redirected to) carry the Range; the HEAD only reads the hub checksum
    const gets = requests.filter((r) => r.range);
    expect(gets.map((r) => r.range)).toEqual([`bytes=${partSize}-`, `bytes=${partSize}-`]);
    expect(gets.map((r) => r.url.startsWith('/cdn/'))).toEqual([false, true]);
    expect(r.resumedFrom).toBe(partSize);
    expect(r.sha256).toBe(sha(body));
    expect((await fs.readFile(dest)).equals(body)).toBe(true);
    await expect(fs.stat(`${dest}.part`)).rejects.toThrow();
    // progress starts at the resumed offset, only grows, and ends at the total
    expect(seen[0].done).toBe(partSize);
    expect(seen.every((p, i) => p.total === body.length && (i === 0 || p.done >= seen[i - 1].done))).toBe(true);
    expect(seen.at(-1)!.done).toBe(body.length);
  });

  it('a complete .part file (416 on resume) is verified and kept', async () => {
    const url = `${base}/Org/clap-test/resolve/main/onnx/text_model.onnx`;
    const body = files.get(new URL(url).pathname)!;
    const dest = path.join(tmp, 'full-part', 'text_model.onnx');
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.writeFile(`${dest}.part`, body);
    const r = await downloadFile(url, dest, { expectSha256: sha(body) });
    expect(r.resumedFrom).toBe(body.length);
    expect(r.sha256).toBe(sha(body));
  });

  it('a wrong checksum is CHECKSUM_MISMATCH and deletes the corrupt part file; 404 is DOWNLOAD_FAILED', async () => {
    const url = `${base}/Org/clap-test/resolve/main/tokenizer.json`;
    const dest = path.join(tmp, 'bad', 'tokenizer.json');
    const e = await downloadFile(url, dest, { expectSha256: 'ab'.repeat(32) }).catch((x) => x);
    expect((e as EarshotError).code).toBe('CHECKSUM_MISMATCH');
    expect((e as EarshotError).subject).toBe(url);
    await expect(fs.stat(`${dest}.part`)).rejects.toThrow();
    await expect(fs.stat(dest)).rejects.toThrow();
    // the hub's own LFS checksum (on its redirect, read by a HEAD) is checked too: announce another hash
    const audioPath = '/Org/clap-test/resolve/main/onnx/audio_model.onnx';
    lfsSha.set(audioPath, 'cd'.repeat(32));
    try {
      const e2 = await downloadFile(`${base}${audioPath}`, path.join(tmp, 'bad', 'a.onnx')).catch((x) => x);
      expect((e2 as EarshotError).code).toBe('CHECKSUM_MISMATCH');
      expect((e2 as EarshotError).message).toMatch(/expected cdcd/);
    } finally {
      lfsSha.delete(audioPath);
    }
    // the same header on a plain 200 response counts as well
    const body = Buffer.from('tampered');
    const server2 = http.createServer((req, res) => {
      res.writeHead(200, { 'X-Linked-Etag': `"${'ef'.repeat(32)}"`, 'Content-Length': String(body.length) }).end(body);
    });
    await new Promise<void>((r) => server2.listen(0, '127.0.0.1', r));
    try {
      const e4 = await downloadFile(`http://127.0.0.1:${(server2.address() as AddressInfo).port}/x`, path.join(tmp, 'bad', 'b.onnx')).catch((x) => x);
      expect((e4 as EarshotError).code).toBe('CHECKSUM_MISMATCH');
    } finally {
      await new Promise((r) => server2.close(r));
    }
    const e3 = await downloadFile(`${base}/nope`, path.join(tmp, 'bad', 'nope')).catch((x) => x);
    expect((e3 as EarshotError).code).toBe('DOWNLOAD_FAILED');
    expect((e3 as EarshotError).message).toMatch(/404/);
  });

  it('reads logit scales from a remote safetensors header with Range requests only', async () => {
    requests.length = 0;
    const s = await readSafetensorsScalars(`${base}/org/ckpt/resolve/main/model.safetensors`, ['logit_scale_a', 'logit_scale_t', 'absent']);
    expect(s).toEqual({ logit_scale_a: 4.5, logit_scale_t: 2.25 });
    expect(requests.every((r) => r.range)).toBe(true);
  });

  it('fetchModel writes a bundle loadBundle accepts, with recorded hashes, scales from the checkpoint and maxTextLength 77', async () => {
    const spec = testSpec({ 'tokenizer.json': sha(files.get('/Org/clap-test/resolve/main/tokenizer.json')!) });
    const modelsDir = path.join(tmp, 'models');
    const res = await fetchModel('clap-test', spec, { modelsDir, endpoint: base });
    expect(res.logitScaleSource).toBe('checkpoint');
    const b = await loadBundle(path.join(modelsDir, 'clap-test'));
    expect(b.manifest).toMatchObject({ name: 'clap-test', featureMode: 'rand_trunc', logitScaleA: 4.5, logitScaleT: 2.25, maxTextLength: 77, isDemo: false });
    expect(b.manifest.sha256!['audio_model.onnx']).toBe(sha(files.get('/Org/clap-test/resolve/main/onnx/audio_model.onnx')!));
    // a second run downloads nothing, it only re-hashes what is there
    requests.length = 0;
    await fetchModel('clap-test', spec, { modelsDir, endpoint: base });
    expect(requests.filter((r) => r.url.includes('/Org/clap-test/'))).toHaveLength(0);
    // no checkpoint → documented ln(100) default, said so in the manifest
    const res2 = await fetchModel('clap-test2', { ...spec, checkpointRepo: 'org/missing' }, { modelsDir, endpoint: base });
    expect(res2.logitScaleSource).toBe('default');
    expect(res2.manifest.logitScaleA).toBeCloseTo(Math.log(100), 10);
    expect(res2.manifest.description).toMatch(/NOT read from the checkpoint/);
  });

  it('--quantized: the int8 variant downloads onnx/*_quantized.onnx into its own bundle whose manifest points at them', async () => {
    // the fp32 tower's hash must not be applied to the int8 one
    const spec = testSpec({ 'audio_model.onnx': 'f'.repeat(64) });
    const modelsDir = path.join(tmp, 'models-int8');
    requests.length = 0;
    await fetchModel('clap-test-int8', quantizedVariant(spec), { modelsDir, endpoint: base });
    const towers = requests.filter((r) => r.url.includes('/onnx/')).map((r) => r.url);
    expect(towers).toEqual(expect.arrayContaining(['/Org/clap-test/resolve/main/onnx/audio_model_quantized.onnx', '/Org/clap-test/resolve/main/onnx/text_model_quantized.onnx']));
    expect(towers.some((u) => /\/onnx\/(audio|text)_model\.onnx$/.test(u))).toBe(false);
    const b = await loadBundle(path.join(modelsDir, 'clap-test-int8'));
    expect(b.manifest).toMatchObject({ name: 'clap-test-int8', files: { audio: 'audio_model_quantized.onnx', text: 'text_model_quantized.onnx' } });
    expect(b.manifest.description).toMatch(/int8/);
    expect(b.manifest.sha256!['audio_model_quantized.onnx']).toBe(sha(files.get('/Org/clap-test/resolve/main/onnx/audio_model_quantized.onnx')!));
    expect(b.audioPath.endsWith('audio_model_quantized.onnx')).toBe(true);
  });

  it('knows the published Xenova exports', () => {
    expect(KNOWN_MODELS['clap-htsat-unfused'].repo).toBe('Xenova/clap-htsat-unfused');
    for (const m of Object.values(KNOWN_MODELS)) expect(Object.values(m.files)).toEqual(expect.arrayContaining(['audio_model.onnx', 'text_model.onnx', 'tokenizer.json']));
  });
});
