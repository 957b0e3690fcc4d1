/** The list fetchers of an export, wired to the same search functions (and cutoff) as the lists the user pages through. */
import type { Store } from '../store/index.js';
import { listClips } from '../library/clips.js';
import type { ExportFetchers } from '../library/export.js';
import { relevanceForSearch, searchByText, similarTo } from './rank.js';
import type { RelevanceRuntime } from './relevance.js';
import type { TextLimits } from '../library/text.js';

export interface ExportListDeps {
  store: Store;
  modelId: number;
  runtime: RelevanceRuntime & { embedText: (t: string[]) => Promise<Float32Array[]>; unknownWords: (t: string) => string[] };
  limits: TextLimits;
}

export function exportLists(d: ExportListDeps): ExportFetchers {
  // One relevance (calibration or library cutoff) for the whole export: every page ends at the same cutoff.
  let relevance: ReturnType<typeof relevanceForSearch> | null = null;
  const rel = () => (relevance ??= relevanceForSearch(d.store, d.modelId, d.runtime));
  return {
    text: async (query, hybrid, filter, first, after) =>
      searchByText(d.store, d.modelId, (t) => d.runtime.embedText(t), {
        query,
        filter,
        first,
        after,
        hybrid,
        limits: d.limits,
        relevance: await rel(),
        unknownWords: (t) => d.runtime.unknownWords(t),
      }),
    // Stored clips only: an uploaded query sound is not a list anyone can page back to.
    similar: async (clip, filter, first, after) =>
      similarTo(d.store, d.modelId, () => Promise.reject(new Error('no uploads in exports')), { clip, filter, first, after, relevance: await rel() }),
    clips: async (filter, first, after) => listClips(d.store, d.modelId, { filter, first, after }),
  };
}
