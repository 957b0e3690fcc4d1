/**
 * Query audio uploaded over HTTP: decoded and embedded once; only the embeddings are kept, in memory,
 * bounded in count and time (64 uploads that kept their decoded samples took a server from 2 to 8 GB).
 * Uploads are query inputs, never library content, so they never touch the database.
 */
import { randomUUID } from 'node:crypto';
import type { HeldAudio } from '../audio/decode-thread.js';
import { decodeBuffer, type AudioMeta } from '../audio/index.js';
import { EarshotError } from '../errors.js';
import { embedSamples, type AudioEmbedder, type FeatureSource, type SegmentVector } from '../model/embed.js';

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
  /** The embeddings are all an upload is kept for: its samples are dropped as soon as it is embedded. */
  vectors: SegmentVector[];
  at: number;
}

export interface UploadOptions {
  maxUploadBytes: number;
  maxUploadDurationSec: number;
  windowSec: number;
  hopSec: number;
  batchSize: number;
  /** Oldest uploads are dropped beyond this many. */
  maxEntries?: number;
  /** Uploads expire this long after they were made (ms). */
  ttlMs?: number;
  /**
   * Decode on another thread and keep the samples there (the server passes a DecodeThread's `open`):
   * decoding and features then never run on the HTTP thread. Without it, both run here.
   */
  open?: (bytes: Uint8Array, opts: { maxDurationSec: number; name: string }) => Promise<HeldAudio>;
}

/** An upload of the longest allowed duration holds ~1 + 2·duration/window vectors of 2 KB: 600 s → ~245 KB. */
const DEFAULT_MAX_ENTRIES = 256;
const DEFAULT_TTL_MS = 60 * 60_000;

export class UploadRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly embedder: AudioEmbedder,
    private readonly opts: UploadOptions,
  ) {}

  /**
   * Decode, embed and keep only the embeddings (whole clip first, then windows of long uploads).
   * UPLOAD_TOO_LARGE / CLIP_TOO_LONG / decode errors name `name`. A file whose header declares more
   * than the duration cap is refused before it is decoded.
   */
  async add(bytes: Uint8Array, name = 'upload'): Promise<UploadInfo> {
    if (bytes.length > this.opts.maxUploadBytes) {
      throw new EarshotError('UPLOAD_TOO_LARGE', `upload is ${bytes.length} bytes; the limit is ${this.opts.maxUploadBytes}`, { subject: name });
    }
    if (bytes.length === 0) throw new EarshotError('FILE_EMPTY', 'upload is empty', { subject: name });
    const o = { maxDurationSec: this.opts.maxUploadDurationSec, name };
    const audio: { meta: AudioMeta; source: Float32Array | FeatureSource; release?: () => Promise<void> } = this.opts.open
      ? await this.opts.open(bytes, o).then((h) => ({ meta: h.meta, source: h, release: h.release }))
      : await decodeBuffer(bytes, o).then((d) => ({ meta: d.meta, source: d.samples }));
    const info: UploadInfo = {
      id: `u_${randomUUID()}`,
      name,
      durationSec: audio.meta.durationSec,
      format: audio.meta.format,
      sampleRate: audio.meta.sampleRate,
      channels: audio.meta.channels,
    };
    let vectors: SegmentVector[];
    try {
      vectors = await embedSamples(this.embedder, audio.source, info.durationSec, {
        sampleRate: 48000,
        windowSec: this.opts.windowSec,
        hopSec: this.opts.hopSec,
        batchSize: this.opts.batchSize,
      });
    } finally {
      await audio.release?.();
    }
    this.expire();
    this.entries.set(info.id, { info, vectors, at: Date.now() });
    const max = this.opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    return info;
  }

  get(id: string): UploadInfo {
    return this.entry(id).info;
  }

  /** Whole-clip embedding first, then one per window for uploads longer than one window. */
  async vectors(id: string): Promise<SegmentVector[]> {
    return this.entry(id).vectors;
  }

  /** How many uploads are held (after dropping expired ones). */
  get size(): number {
    this.expire();
    return this.entries.size;
  }

  private expire(): void {
    const cutoff = Date.now() - (this.opts.ttlMs ?? DEFAULT_TTL_MS);
    // Insertion order is age order: stop at the first one still fresh.
    for (const [id, e] of this.entries) {
      if (e.at >= cutoff) break;
      this.entries.delete(id);
    }
  }

  private entry(id: string): Entry {
    this.expire();
    const e = this.entries.get(id);
    if (!e) throw new EarshotError('NOT_FOUND', `no upload ${id} (uploads are kept in memory and expire; upload again)`, { subject: id });
    return e;
  }
}
