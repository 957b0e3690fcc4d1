/**
 * Per-request DataLoaders: the fields a page of clips asks for once per clip (Clip.predictions and the label
 * set of each prediction) are collected within one tick and answered with one statement each. A loader's
 * cache lives as long as its request, so a write in one request is never hidden from the next.
 */
import DataLoader from 'dataloader';
import * as library from '../library/index.js';
import type { LabelSetRow, StoredPrediction } from '../library/index.js';
import type { Store } from '../store/index.js';

export interface Loaders {
  /** This model's stored predictions of a content hash. */
  predictions: DataLoader<string, StoredPrediction[]>;
  /** A label set by id (null when it is gone). */
  labelSets: DataLoader<number, LabelSetRow | null>;
}

export function createLoaders(store: Store, modelId: number): Loaders {
  return {
    predictions: new DataLoader(async (hashes: readonly string[]) => {
      const m = await library.predictionsOfContents(store, modelId, [...hashes]);
      return hashes.map((h) => m.get(h) ?? []);
    }),
    labelSets: new DataLoader(async (ids: readonly number[]) => {
      const m = await library.labelSetsByIds(store, [...ids]);
      return ids.map((id) => m.get(id) ?? null);
    }),
  };
}
