import { clapFeatures, splitWindows, type ClapFeatures, type FeatureMode } from '../features/index.js';

/** What the pipeline needs from the model runtime (ClapRuntime satisfies it). */
export interface AudioEmbedder {
  identity: { name: string; version: string; dim: number; featureMode: FeatureMode };
  embedAudio(batch: ClapFeatures[]): Promise<Float32Array[]>;
}

export interface SegmentVector {
  kind: 'clip' | 'window';
  startSec: number;
  endSec: number;
  embedding: Float32Array;
}

export interface EmbedOptions {
  sampleRate: number;
  windowSec: number;
  hopSec: number;
  batchSize: number;
}

/**
 * One clip-level embedding of the whole file plus, for files longer than one window, one
 * embedding per window. Features are computed one batch at a time: a fusion feature is
 * 1 MB (4×1001×64 float32), so a 3-hour file's 2,000 windows must never exist at once.
 */
export async function embedSamples(
  embedder: AudioEmbedder,
  samples: Float32Array,
  durationSec: number,
  opts: EmbedOptions,
): Promise<SegmentVector[]> {
  const mode = embedder.identity.featureMode;
  const windows = splitWindows(samples.length, opts.sampleRate, opts.windowSec, opts.hopSec);
  const jobs: { kind: 'clip' | 'window'; startSec: number; endSec: number; from: number; to: number }[] = [
    { kind: 'clip', startSec: 0, endSec: durationSec, from: 0, to: samples.length },
    ...windows.map((w) => ({ kind: 'window' as const, startSec: w.startSec, endSec: w.endSec, from: w.start, to: w.end })),
  ];
  const out: SegmentVector[] = [];
  for (let i = 0; i < jobs.length; i += opts.batchSize) {
    const chunk = jobs.slice(i, i + opts.batchSize);
    const feats = chunk.map((j) => clapFeatures(j.from === 0 && j.to === samples.length ? samples : samples.subarray(j.from, j.to), mode));
    const vecs = await embedder.embedAudio(feats);
    chunk.forEach((j, k) => out.push({ kind: j.kind, startSec: j.startSec, endSec: j.endSec, embedding: vecs[k] }));
  }
  return out;
}
