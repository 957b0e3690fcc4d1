import type { Config } from '../config.js';
import type { ClapRuntime } from '../model/index.js';
import type { UploadRegistry } from '../search/index.js';
import type { Store } from '../store/index.js';
import type { Loaders } from './loaders.js';

/** What every resolver receives: the server's shared handles (built once at start-up). */
export interface ApiContext {
  store: Store;
  runtime: ClapRuntime;
  config: Config;
  modelId: number;
  uploads: UploadRegistry;
  version: string;
  /** Background ingest work started by this server (awaited on close). */
  background: Set<Promise<unknown>>;
  /** Made for each request (createLoaders), unlike the handles above: batches and caches within that request only. */
  loaders: Loaders;
}
