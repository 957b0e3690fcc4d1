/**
 * Optional stage timings of an ingest run, for bench:ingest. A plain accumulator of summed
 * milliseconds per stage, passed down through ExecuteOptions → ProcessSettings / EmbedderPool.
 * When no accumulator is given every helper here is a direct call: production runs pay nothing.
 * Stages overlap in time (files run concurrently and the audio tower runs on onnxruntime's own
 * threads), so the sums can exceed the run's wall time; they say where the work goes, not a timeline.
 */
import type { IngestDb } from './db.js';

export const STAGES = ['decode', 'resample', 'features', 'model', 'hash', 'database'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageTimings {
  /** Summed ms per stage. decode: read + decode + downmix + checks (not resample); hash: sha256 of the file. */
  ms: Record<Stage, number>;
  /** Items per audio-tower forward pass, in order (the batches the pipeline actually ran). */
  batches: number[];
  /** performance.now() when the first audio-tower pass was sent and when the last one returned. */
  towerSpan: { first: number; last: number } | null;
}

export function newStageTimings(): StageTimings {
  return { ms: { decode: 0, resample: 0, features: 0, model: 0, hash: 0, database: 0 }, batches: [], towerSpan: null };
}

export async function timed<T>(t: StageTimings | undefined, stage: Stage, fn: () => Promise<T>): Promise<T> {
  if (!t) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    t.ms[stage] += performance.now() - t0;
  }
}

export function timedSync<T>(t: StageTimings | undefined, stage: Stage, fn: () => T): T {
  if (!t) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    t.ms[stage] += performance.now() - t0;
  }
}

/** Every query and transaction of `db` counted as database time; `db` itself when not timing. */
export function timedDb(db: IngestDb, t: StageTimings | undefined): IngestDb {
  if (!t) return db;
  return {
    backend: db.backend,
    sql: (text, params) => timed(t, 'database', () => db.sql(text, params)),
    tx: (fn) => timed(t, 'database', () => db.tx(fn)),
  };
}

/** decodeFile's onResample hook: the resample part of a timed decode moves from decode to resample. */
export function resampleHook(t: StageTimings | undefined): ((ms: number) => void) | undefined {
  if (!t) return undefined;
  return (ms) => {
    t.ms.decode -= ms;
    t.ms.resample += ms;
  };
}
