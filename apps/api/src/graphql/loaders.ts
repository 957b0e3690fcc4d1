/**
 * Per-request DataLoaders: the fields a list asks for once per item (Clip.predictions and the label set of each
 * prediction, IngestRun.failures) are collected within one tick and answered with one statement each. A loader's
 * cache lives as long as its request, so a write in one request is never hidden from the next.
 */
import DataLoader from 'dataloader';
import type { IngestFailure } from '../ingest/index.js';
import type { LabelSetRow, StoredPrediction } from '../library/index.js';
import type { Services } from '../services.js';

export interface Loaders {
  /** This model's stored predictions of a content hash. */
  predictions: DataLoader<string, StoredPrediction[]>;
  /** A label set by id (null when it is gone). */
  labelSets: DataLoader<number, LabelSetRow | null>;
  /** The first failures of a run: key { runId, first } (a runs list asks once per run, all with one `first`). */
  failures: DataLoader<{ runId: number; first: number }, IngestFailure[], string>;
}

export function createLoaders(services: Services): Loaders {
  return {
    predictions: new DataLoader(async (hashes: readonly string[]) => {
      const m = await services.library.predictionsOfContents([...hashes]);
      return hashes.map((h) => m.get(h) ?? []);
    }),
    labelSets: new DataLoader(async (ids: readonly number[]) => {
      const m = await services.library.labelSetsByIds([...ids]);
      return ids.map((id) => m.get(id) ?? null);
    }),
    failures: new DataLoader(
      async (keys: readonly { runId: number; first: number }[]) => {
        // One statement per distinct `first` (one in practice: the field's argument is the same on every run of a list).
        const byFirst = new Map<number, Promise<Map<number, IngestFailure[]>>>();
        for (const k of keys)
          if (!byFirst.has(k.first)) byFirst.set(k.first, services.ingest.failuresOfRuns([...new Set(keys.filter((x) => x.first === k.first).map((x) => x.runId))], k.first));
        return Promise.all(keys.map(async (k) => (await byFirst.get(k.first)!).get(k.runId) ?? []));
      },
      { cacheKeyFn: (k) => `${k.runId}:${k.first}` },
    ),
  };
}
