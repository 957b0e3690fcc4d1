import fs from 'node:fs/promises';
import path from 'node:path';
import { SNIFF_BYTES, sniffAudio } from '../audio/index.js';
import { isInside } from './roots.js';

/**
 * Extensions that make a file an ingest candidate even when its content is not audio:
 * a `.wav` full of text is a broken sound file the user wants to hear about (UNSUPPORTED_FORMAT),
 * while a `.csv` or `.jpg` next to the sounds is simply not part of the library.
 */
export const AUDIO_EXTENSIONS = new Set([
  '.wav',
  '.wave',
  '.bwf',
  '.rf64',
  '.bw64',
  '.w64',
  '.mp3',
  '.mp2',
  '.mp1',
  '.mpa',
  '.flac',
  '.ogg',
  '.oga',
  '.opus',
  '.spx',
  '.m4a',
  '.m4b',
  '.mp4',
  '.aac',
  '.adts',
  '.alac',
  '.aif',
  '.aiff',
  '.aifc',
  '.webm',
  '.weba',
  '.mka',
  '.wma',
  '.asf',
  '.wv',
  '.ape',
  '.mpc',
  '.tta',
  '.au',
  '.snd',
  '.caf',
  '.dsf',
  '.dff',
  '.amr',
  '.awb',
  '.3gp',
  '.3ga',
  '.ac3',
  '.eac3',
  '.dts',
  '.voc',
  '.ircam',
  '.sf',
  '.qoa',
  '.tak',
  '.ofr',
]);

/** Bytes read from a file without an audio extension to decide whether it is audio anyway (magic numbers sit in the first few bytes). */
const HEAD_BYTES = SNIFF_BYTES;

export interface ScannedFile {
  path: string;
  size: number;
  /** Milliseconds, truncated to whole ms: Postgres timestamps keep ms precision. */
  mtimeMs: number;
}

/**
 * Recorded as a failure of the run: a folder under the root that could not be listed (its clips are
 * left alone), or a symlinked file whose target lies outside the root (not ingested: /audio would
 * refuse to serve it anyway).
 */
export interface ScanFailure {
  path: string;
  code: 'FOLDER_UNREADABLE' | 'FILE_OUTSIDE_ROOT';
  message: string;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Files with neither an audio extension nor audio content (no audio signature): counted, never recorded. */
  ignored: number;
  failures: ScanFailure[];
}

export function hasAudioExtension(p: string): boolean {
  return AUDIO_EXTENSIONS.has(path.extname(p).toLowerCase());
}

export async function readHead(p: string, n = HEAD_BYTES): Promise<Uint8Array> {
  const fh = await fs.open(p, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Recursive walk of `root` in a stable (sorted) order. Hidden entries (name starts with '.')
 * are skipped, as are symlinked directories (they can form cycles); symlinked files count
 * under their link path when their target lies inside the root, and are a FILE_OUTSIDE_ROOT failure
 * otherwise. A sub-folder that cannot be read is a FOLDER_UNREADABLE failure. A file is a candidate when it has an audio extension or its first
 * bytes sniff as audio (a `.dat` that is really a WAV is still a sound).
 */
export async function scanFolder(root: string): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const failures: ScanFailure[] = [];
  const realRoot = await fs.realpath(root);
  let ignored = 0;
  const fail = (dir: string, e: unknown, what: string) => {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    failures.push({ path: dir, code: 'FOLDER_UNREADABLE', message: `${what} (${code}): its clips are kept as they were; fix its permissions and ingest again` });
  };
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      // An unreadable sub-folder must not stop a 100k-file scan; the root itself is checked by the caller.
      if (dir === root) throw e;
      fail(dir, e, 'cannot list this folder');
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue;
      const full = path.join(dir, ent.name);
      if (ent.isDirectory()) {
        await walk(full);
        continue;
      }
      if (!ent.isFile() && !ent.isSymbolicLink()) continue;
      let st;
      try {
        st = await fs.stat(full);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ELOOP') continue; // dangling link or vanished between readdir and stat
        // EACCES here: the folder can be listed but not entered (r without x); nothing in it can be read.
        fail(dir, e, `cannot read the entries of this folder (${ent.name})`);
        return;
      }
      if (!st.isFile()) continue;
      if (ent.isSymbolicLink()) {
        const real = await fs.realpath(full).catch(() => full);
        if (!isInside(real, realRoot)) {
          failures.push({
            path: full,
            code: 'FILE_OUTSIDE_ROOT',
            message: `a symlink to ${real}, outside the ingested folder: not ingested (ingest that folder itself to include it)`,
          });
          continue;
        }
      }
      let candidate = hasAudioExtension(full);
      if (!candidate && st.size > 0) {
        try {
          candidate = sniffAudio(await readHead(full)) !== null;
        } catch {
          candidate = false;
        }
      }
      if (!candidate) {
        ignored++;
        continue;
      }
      files.push({ path: full, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
    }
  };
  await walk(root);
  return { files, ignored, failures };
}
