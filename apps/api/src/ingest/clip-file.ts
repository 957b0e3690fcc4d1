/**
 * The bytes of a stored clip, only while they are still the file that was ingested: same size and
 * mtime as stored, a regular file, and a real path inside the folder it was ingested from (a file
 * swapped for a symlink to /etc/… or to another user's sound is refused, never streamed).
 */
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { EarshotError } from '../errors.js';
import { innermostRootOf } from '../store/index.js';
import type { IngestDb } from './db.js';
import { isInside } from './roots.js';

export interface IngestedFile {
  path: string;
  sizeBytes: number;
  mtime: Date;
}

/**
 * The innermost root of an ingest run that holds `file` (runs are few: one row per ingest, so this
 * is a scan of a small table, not of the files).
 */
export async function ingestRootOf(db: Pick<IngestDb, 'sql'>, file: string): Promise<string | null> {
  return innermostRootOf(db, file);
}

// O_NONBLOCK: a FIFO put in the file's place must not hang the request in open(); no effect on regular files.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

/**
 * An open handle on the clip's file, checked after opening (so the handle is the checked file, not
 * whatever the path points to a moment later). The caller closes it (a read stream with autoClose
 * does). FILE_NOT_FOUND when it is gone, FILE_OUTSIDE_ROOT when its real path leaves its ingest
 * root, FILE_CHANGED when it is not the file that was ingested; each names the stored path.
 */
export async function openIngestedFile(db: Pick<IngestDb, 'sql'>, clip: IngestedFile): Promise<{ handle: FileHandle; size: number }> {
  const root = await ingestRootOf(db, clip.path);
  if (!root) throw new EarshotError('FILE_OUTSIDE_ROOT', 'no ingest run covers this file: it is not served', { subject: clip.path });
  let handle: FileHandle;
  try {
    handle = await fs.promises.open(clip.path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') {
      throw new EarshotError('FILE_NOT_FOUND', 'the file of this clip is gone from disk', { subject: clip.path, cause: e });
    }
    throw new EarshotError('FILE_CHANGED', `the file of this clip cannot be opened (${code ?? 'error'})`, { subject: clip.path, cause: e });
  }
  try {
    const st = await handle.stat();
    const [real, realRoot] = await Promise.all([fs.promises.realpath(clip.path), fs.promises.realpath(root)]);
    if (!isInside(real, realRoot)) {
      throw new EarshotError('FILE_OUTSIDE_ROOT', `the file now resolves outside its ingest root ${root}: it is not served`, { subject: clip.path });
    }
    // The real path must still name the opened file (a swap between open and realpath is refused too).
    const atReal = await fs.promises.stat(real);
    if (atReal.ino !== st.ino || atReal.dev !== st.dev || !st.isFile()) {
      throw new EarshotError('FILE_CHANGED', 'the file of this clip was replaced (not the same regular file): re-ingest its folder', { subject: clip.path });
    }
    if (st.size !== clip.sizeBytes || Math.floor(st.mtimeMs) !== clip.mtime.getTime()) {
      throw new EarshotError(
        'FILE_CHANGED',
        `the file changed since it was ingested (size ${st.size} vs ${clip.sizeBytes} bytes, mtime ${new Date(Math.floor(st.mtimeMs)).toISOString()} vs ${clip.mtime.toISOString()}): re-ingest its folder`,
        { subject: clip.path },
      );
    }
    return { handle, size: st.size };
  } catch (e) {
    await handle.close().catch(() => {});
    if (e instanceof EarshotError) throw e;
    throw new EarshotError('FILE_NOT_FOUND', 'the file of this clip is gone from disk', { subject: clip.path, cause: e });
  }
}
