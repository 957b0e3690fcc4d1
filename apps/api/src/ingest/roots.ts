/**
 * Which folders an ingest may read. The CLI is the local user and may ingest any folder it is given;
 * the startIngest mutation may only ingest inside EARSHOT_INGEST_ROOTS (config.ingest.roots), judged
 * on real paths so that `..` and symlinks cannot step outside.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EarshotError } from '../errors.js';

/** `child` is `parent` or lies below it (both absolute, normalised). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

/**
 * The real path of `requested` when it is an absolute folder inside one of `roots`; the run is
 * stored under that real path. PATH_NOT_ABSOLUTE, FILE_NOT_FOUND, BAD_USER_INPUT (not a folder) or
 * PATH_OUTSIDE_ROOTS otherwise, each naming the path as given.
 */
export async function resolveIngestRoot(requested: string, roots: readonly string[]): Promise<string> {
  if (!path.isAbsolute(requested)) {
    throw new EarshotError('PATH_NOT_ABSOLUTE', `refused: ${JSON.stringify(requested)} is a relative path; give the folder's absolute path`, {
      subject: requested,
    });
  }
  let real: string;
  try {
    real = await fs.realpath(requested);
  } catch (e) {
    throw new EarshotError('FILE_NOT_FOUND', `no folder ${requested} on the server`, { subject: requested, cause: e });
  }
  const st = await fs.stat(real);
  if (!st.isDirectory()) throw new EarshotError('BAD_USER_INPUT', `not a folder: ${requested}`, { subject: requested });
  for (const root of roots) {
    const realRoot = await fs.realpath(root).catch(() => null);
    if (realRoot && isInside(real, realRoot)) return real;
  }
  const where = real === path.resolve(requested) ? '' : ` (it resolves to ${real})`;
  throw new EarshotError(
    'PATH_OUTSIDE_ROOTS',
    `refused: ${requested}${where} is outside the ingest roots (${roots.length ? roots.join(', ') : 'none configured'}); ` +
      'add its folder to EARSHOT_INGEST_ROOTS on the server, or ingest it with the CLI (npm run ingest -- <folder>)',
    { subject: requested },
  );
}
