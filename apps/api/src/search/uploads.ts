/**
 * Query audio uploaded over HTTP: decoded once, kept in memory (bounded), embedded on first use.
 * Uploads are query inputs, never library content, so they never touch the database.
 */
import { randomUUID } from 'node:crypto';
import { decodeBuffer, type AudioMeta } from '../audio/index.js';
import { EarshotError } from '../errors.js';
import { embedSamples, type AudioEmbedder, type SegmentVector } from '../ingest/embed.js';

export interface UploadInfo {
  id: string;
  name: string;
  durationSec: number;
  format: string;
  sampleRate: number;
  channels: number;
}

interface Entry {
  info: UploadInfo;
  samples: Float32Array | null;
  meta: AudioMeta;
  vectors: Promise<SegmentVector[]> | null;
  at: number;
}

export interface UploadOptions {
  maxUploadBytes: number;
  maxUploadDurationSec: number;
  windowSec: number;
  hopSec: number;
  batchSize: number;
  /** Oldest uploads are dropped beyond this many (48 kHz mono floats add up). */
  maxEntries?: number;
}

export class UploadRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly embedder: AudioEmbedder,
    private readonly opts: UploadOptions,
  ) {}

  /** Decode and keep an upload; UPLOAD_TOO_LARGE / CLIP_TOO_LONG / decode errors name `name`. */
  async add(bytes: Uint8Array, name = 'upload'): Promise<UploadInfo> {
    if (bytes.length > this.opts.maxUploadBytes) {
      throw new EarshotError('UPLOAD_TOO_LARGE', `upload is ${bytes.length} bytes; the limit is ${this.opts.maxUploadBytes}`, { subject: name });
    }
    if (bytes.length === 0) throw new EarshotError('FILE_EMPTY', 'upload is empty', { subject: name });
    const decoded = await decodeBuffer(bytes, { maxDurationSec: this.opts.maxUploadDurationSec, name });
    const info: UploadInfo = {
      id: `u_${randomUUID()}`,
      name,
      durationSec: decoded.meta.durationSec,
      format: decoded.meta.format,
      sampleRate: decoded.meta.sampleRate,
      channels: decoded.meta.channels,
    };
    this.entries.set(info.id, { info, samples: decoded.samples, meta: decoded.meta, vectors: null, at: Date.now() });
    const max = this.opts.maxEntries ?? 64;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    return info;
  }

  get(id: string): UploadInfo {
    return this.entry(id).info;
  }

  /** Whole-clip embedding first, then one per window for uploads longer than one window. */
  vectors(id: string): Promise<SegmentVector[]> {
    const e = this.entry(id);
    if (!e.vectors) {
      const samples = e.samples as Float32Array;
      e.vectors = embedSamples(this.embedder, samples, e.info.durationSec, {
        sampleRate: 48000,
        windowSec: this.opts.windowSec,
        hopSec: this.opts.hopSec,
        batchSize: this.opts.batchSize,
      }).then((v) => {
        e.samples = null; // the vectors are all we need from now on
        return v;
      });
      e.vectors.catch(() => (e.vectors = null));
    }
    return e.vectors;
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new EarshotError('NOT_FOUND', `no upload ${id} (uploads are kept in memory and expire; upload again)`, { subject: id });
    return e;
  }
}
