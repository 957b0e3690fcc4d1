import type { Config } from '../config.js';
import { EarshotError } from '../errors.js';
import type { AudioEmbedder } from '../model/embed.js';
import type { ClapRuntime } from '../model/index.js';
import { openRuntime } from '../model/runtime.js';
import { ensureModel, modelById, type Store } from '../store/index.js';
import type { IngestDb } from './db.js';
import { BatchingEmbedder } from './embed.js';
import type { StageTimings } from './timings.js';

/**
 * Embedders by EmbeddingModel id. A worker serves every run in the queue, and runs may name
 * different models: the runtime the process started with is reused for its own model, others
 * are loaded once from the model folder and must have the exact stored version (same weights).
 */
export class EmbedderPool {
  private readonly byId = new Map<number, Promise<AudioEmbedder>>();
  private readonly opened: ClapRuntime[] = [];

  constructor(
    private readonly db: IngestDb,
    private readonly store: Store,
    private readonly config: Config,
    private readonly own: AudioEmbedder,
    /** bench:ingest's stage accumulator (model time per forward pass); absent in production. */
    private readonly timings?: StageTimings,
  ) {}

  async ownModelId(): Promise<number> {
    const { id } = await ensureModel(this.store, this.own.identity);
    if (!this.byId.has(id)) this.byId.set(id, Promise.resolve(this.batched(this.own)));
    return id;
  }

  /** Files in flight share audio-tower runs (EARSHOT_AUDIO_BATCH items per run). */
  private batched(e: AudioEmbedder): AudioEmbedder {
    return new BatchingEmbedder(e, this.config.ort.audioBatchSize, this.timings);
  }

  get(modelId: number): Promise<AudioEmbedder> {
    let p = this.byId.get(modelId);
    if (!p) {
      p = this.load(modelId);
      this.byId.set(modelId, p);
      p.catch(() => this.byId.delete(modelId));
    }
    return p;
  }

  private async load(modelId: number): Promise<AudioEmbedder> {
    const m = await modelById(this.db, modelId);
    if (!m) throw new EarshotError('MODEL_NOT_FOUND', `no embedding model with id ${modelId}`, { subject: String(modelId) });
    if (m.name === this.own.identity.name && m.version === this.own.identity.version) return this.batched(this.own);
    const rt = await openRuntime(this.config, { modelName: m.name, textCacheSize: 0 });
    this.opened.push(rt);
    if (rt.identity.version !== m.version) {
      throw new EarshotError('MODEL_MISMATCH', `model ${m.name} on this machine is version ${rt.identity.version}, the run needs ${m.version}`, {
        subject: m.name,
      });
    }
    return this.batched(rt);
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.map((r) => r.close()));
  }
}
