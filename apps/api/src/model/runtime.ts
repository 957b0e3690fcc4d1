/** The one way a process opens a model from the config: its bundle folder, and the ONNX settings of config.ort. */
import path from 'node:path';
import type { Config } from '../config.js';
import { loadBundle } from './bundle.js';
import { ClapRuntime } from './index.js';

export interface OpenRuntimeOptions {
  /** A bundle of cfg.modelDir other than cfg.modelName (a run recorded under another model, `--model`). */
  modelName?: string;
  /** Text embeddings kept (LRU); 0 for work that never embeds text (ingest). Default: cfg.limits.textCacheSize. */
  textCacheSize?: number;
}

export async function openRuntime(cfg: Pick<Config, 'modelDir' | 'modelName' | 'ort' | 'limits'>, opts: OpenRuntimeOptions = {}): Promise<ClapRuntime> {
  const bundle = await loadBundle(path.join(cfg.modelDir, opts.modelName ?? cfg.modelName));
  return ClapRuntime.open(bundle, {
    provider: cfg.ort.executionProvider,
    intraOpThreads: cfg.ort.intraOpThreads,
    textCacheSize: opts.textCacheSize ?? cfg.limits.textCacheSize,
  });
}
