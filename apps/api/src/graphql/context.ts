import type { Services } from '../services.js';
import type { Loaders } from './loaders.js';

/** What every resolver receives: the domain services (built once at start-up) and this request's loaders. */
export interface ApiContext {
  services: Services;
  /** Made for each request (createLoaders), unlike the services: batches and caches within that request only. */
  loaders: Loaders;
}
