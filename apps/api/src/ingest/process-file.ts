import fs from 'node:fs/promises';
import path from 'node:path';
import type { HeldFile } from '../audio/decode-thread.js';
import { metaFromDecoded, PEAK_POINTS, storedFacts, twinMeta, type ClipMeta } from './clip-meta.js';
import { EarshotError, asEarshotError } from '../errors.js';
import * as repo from '../store/index.js';
import type { IngestDb } from './db.js';
import { embedSamples, type AudioEmbedder, type SegmentVector } from '../model/embed.js';
import { sha256File } from '../hash.js';
import { timed, type StageTimings } from './timings.js';

/** One unit of queue work: a file row of a run. */
export interface FileJob {
  runId: number;
  fileId: number;
  path: string;
  modelId: number;
  reindex: boolean;
}

export interface ProcessSettings {
  windowSec: number;
  hopSec: number;
  batchSize: number;
  maxDurationSec: number;
  /** Where files are decoded, resampled and featurized: worker threads (a DecodePool), never the thread that coordinates. */
  decoder: FileDecoder;
  /** bench:ingest's stage accumulator; absent in production. */
  timings?: StageTimings;
}

/** What processFile needs of the decode threads (DecodePool satisfies it). */
export interface FileDecoder {
  openFile(filePath: string, opts: { maxDurationSec?: number; peaks: number }): Promise<HeldFile>;
}

export type FileOutcome =
  | { status: 'done'; contentHash: string; durationSec: number; embedded: boolean; segments: number }
  | { status: 'skipped'; contentHash: string; durationSec: number; reason: 'unchanged' | 'same-content' }
  | { status: 'failed'; code: string; message: string }
  /** Already handled (a duplicate job or an earlier attempt) or the run was cancelled. */
  | { status: 'noop' };

const SAMPLE_RATE = 48000; // decodeFile always returns 48 kHz mono (audio/ contract)

/**
 * Ingest one file: skip if unchanged, else hash, decode, embed (unless the same content is
 * already embedded for this model) and write Clip + Segments + the IngestFile status in ONE
 * transaction, so a crash at any point leaves either the old state or the new one.
 * User-caused problems become a failed IngestFile row, never an exception; only database
 * errors propagate (the queue retries the job).
 */
export async function processFile(db: IngestDb, embedder: AudioEmbedder, job: FileJob, s: ProcessSettings): Promise<FileOutcome> {
  const row = await repo.fileAndRunStatus(db, job.fileId);
  if (!row || row.status !== 'pending' || row.runStatus === 'cancelled') return { status: 'noop' };
  try {
    return await ingestSettled(db, embedder, job, s);
  } catch (e) {
    if (isDbError(e)) throw e;
    const err = asEarshotError(e, 'INGEST_FAILED', job.path);
    await repo.markFileFailedRow(db, job.fileId, err);
    return { status: 'failed', code: err.code, message: err.message };
  }
}

/** ingestOne, read again (CHANGE_WAIT_MS later) while the file is still being written (copy in progress), a few times before FILE_CHANGED fails it. */
async function ingestSettled(db: IngestDb, embedder: AudioEmbedder, job: FileJob, s: ProcessSettings): Promise<FileOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ingestOne(db, embedder, job, s);
    } catch (e) {
      if (!(e instanceof EarshotError && e.code === 'FILE_CHANGED') || attempt >= CHANGE_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, CHANGE_WAIT_MS));
    }
  }
}

/** Reads of a file whose size or mtime moves while it is ingested (CHANGE_WAIT_MS apart) before it fails with FILE_CHANGED. */
const CHANGE_ATTEMPTS = 3;
const CHANGE_WAIT_MS = 1000;

/** The file must be as it was when its reading began, or the stored clip would be a half-written one. */
async function assertUnchanged(p: string, before: { size: number; mtimeMs: number }): Promise<void> {
  const now = await fs.stat(p).catch(() => null);
  if (now && now.size === before.size && now.mtimeMs === before.mtimeMs) return;
  throw new EarshotError(
    'FILE_CHANGED',
    now ? `the file changed while it was read (${before.size} → ${now.size} bytes): still being written? ingest again once it is complete` : 'the file vanished while it was read',
    { subject: p },
  );
}

/** The queue's last word on a file whose job kept failing (e.g. the database dropped it mid-write). */
export async function markFileFailed(db: IngestDb, job: FileJob, err: unknown): Promise<void> {
  const e = asEarshotError(err, 'INGEST_FAILED', job.path);
  await repo.markFileFailedRow(db, job.fileId, { code: e.code, message: `gave up after retries: ${e.message}` }, true);
}

class DbError extends Error {}
const isDbError = (e: unknown) => e instanceof DbError;
/** Database failures must not be recorded as a bad file: tag them so they propagate. */
async function dbStep<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new DbError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}

async function ingestOne(db: IngestDb, embedder: AudioEmbedder, job: FileJob, s: ProcessSettings): Promise<FileOutcome> {
  let st;
  try {
    st = await fs.stat(job.path);
  } catch (e) {
    throw new EarshotError('FILE_NOT_FOUND', 'file vanished before it could be ingested', { subject: job.path, cause: e });
  }
  if (!st.isFile()) throw new EarshotError('FILE_NOT_FOUND', 'not a regular file', { subject: job.path });
  if (st.size === 0) throw new EarshotError('FILE_EMPTY', 'file is empty (0 bytes)', { subject: job.path });
  const mtimeMs = Math.floor(st.mtimeMs);

  // Fast path (no read at all): same path, size and mtime as a stored clip whose content is embedded for this model.
  if (!job.reindex) {
    const same = await dbStep(repo.unchangedClip(db, { path: job.path, sizeBytes: st.size, mtimeMs, modelId: job.modelId }));
    if (same) {
      await dbStep(
        db.tx(async (sql) => {
          const t = { sql };
          await repo.reactivateClip(t, same.id);
          await repo.markFileSettled(t, job.fileId, 'skipped', same.contentHash, same.durationSec);
        }),
      );
      return { status: 'skipped', contentHash: same.contentHash, durationSec: same.durationSec, reason: 'unchanged' };
    }
  }

  const contentHash = await timed(s.timings, 'hash', () => sha256File(job.path));

  // Is this content already embedded for this model? Under --reindex only an embedding made by
  // this same run counts (the duplicate of a file this run already re-embedded).
  const alreadyEmbedded = await dbStep(
    job.reindex ? repo.countDoneWithContent(db, job.runId, contentHash, job.fileId).then((n) => n > 0) : repo.hasClipVector(db, contentHash, job.modelId),
  );

  // Metadata and peaks: copied from a clip with the same bytes when content is already known, else decoded.
  let meta: ClipMeta | null = alreadyEmbedded ? await dbStep(twinMeta(db, contentHash, job.path)) : null;
  let segments: SegmentVector[] = [];
  if (!meta || !alreadyEmbedded) {
    const held = await s.decoder.openFile(job.path, { maxDurationSec: s.maxDurationSec, peaks: PEAK_POINTS });
    try {
      meta = metaFromDecoded(held.meta, held.peaks, job.path);
      if (!alreadyEmbedded) {
        try {
          segments = await embedSamples(embedder, held, held.meta.durationSec, {
            sampleRate: SAMPLE_RATE,
            windowSec: s.windowSec,
            hopSec: s.hopSec,
            batchSize: s.batchSize,
            timings: s.timings,
          });
        } catch (e) {
          throw asEarshotError(e, 'INFERENCE_FAILED', job.path);
        }
      }
    } finally {
      await held.release().catch(() => {});
      if (s.timings) {
        s.timings.ms.decode += held.decodeMs;
        s.timings.ms.resample += held.resampleMs;
        s.timings.ms.features += held.featureMs;
      }
    }
  }
  const m = meta;
  await assertUnchanged(job.path, st);
  const { facts, naming } = storedFacts(m);

  const final = await dbStep(
    db.tx(async (sql) => {
      const t = { sql };
      const old = await repo.lockClipAtPath(t, job.path);
      await repo.upsertClip(t, {
        path: job.path,
        folder: path.dirname(job.path) + path.sep,
        name: path.basename(job.path),
        contentHash,
        sizeBytes: st.size,
        mtimeMs,
        facts,
        naming,
      });
      if (segments.length > 0) await repo.replaceSegments(t, contentHash, job.modelId, segments);
      // The file changed: its old content's vectors go unless another clip still has those bytes.
      if (old && old.contentHash !== contentHash) await repo.dropOrphanContent(t, old.contentHash);
      // Only a touched file (same path, same bytes, already embedded) counts as skipped; a new path
      // for known bytes is a new clip (done) that simply reuses the stored embedding.
      // Under --reindex every file is reported as re-done, whichever copy carried the embedding.
      const status = !job.reindex && alreadyEmbedded && old?.contentHash === contentHash ? 'skipped' : 'done';
      await repo.markFileSettled(t, job.fileId, status, contentHash, m.durationSec);
      return status;
    }),
  );
  return final === 'skipped'
    ? { status: 'skipped', contentHash, durationSec: m.durationSec, reason: 'same-content' }
    : { status: 'done', contentHash, durationSec: m.durationSec, embedded: segments.length > 0, segments: segments.length };
}
