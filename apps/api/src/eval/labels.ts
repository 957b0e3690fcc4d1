/**
 * A labelled folder: `labels.csv` at its root with a header naming at least `file` and `label`
 * (and optionally `caption`; other columns such as source or license are ignored), one row per
 * clip, `file` relative to the folder. ../shared/audio-dev has exactly this form.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EarshotError } from '../errors.js';

export interface LabelledItem {
  /** Path relative to the folder, as written in labels.csv. */
  file: string;
  /** Absolute path. */
  path: string;
  label: string;
  caption: string | null;
}

export interface LabelledFolder {
  root: string;
  csv: string;
  items: LabelledItem[];
  /** Rows whose file does not exist (listed in the report, not evaluated). */
  missing: string[];
}

/**
 * RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. Hand-written
 * because the format is this small; no CSV package is a dependency of the project yet.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // BOM from spreadsheet exports
  const endRow = () => {
    row.push(cur);
    if (row.length > 1 || row[0].trim() !== '') rows.push(row);
    row = [];
    cur = '';
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cur);
      cur = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cur += c;
  }
  if (cur !== '' || row.length) endRow();
  return rows;
}

/** Read `<folder>/labels.csv`. FILE_NOT_FOUND without it; BAD_USER_INPUT (subject = the CSV) for a malformed one. */
export async function readLabelledFolder(folder: string): Promise<LabelledFolder> {
  const root = path.resolve(folder);
  const csv = path.join(root, 'labels.csv');
  let text: string;
  try {
    text = await fs.readFile(csv, 'utf8');
  } catch (e) {
    throw new EarshotError('FILE_NOT_FOUND', `no labels.csv in ${root} (columns: file,label[,caption])`, { subject: csv, cause: e });
  }
  const [head, ...rows] = parseCsv(text);
  const cols = (head ?? []).map((h) => h.trim().toLowerCase());
  const fi = cols.indexOf('file');
  const li = cols.indexOf('label');
  const ci = cols.indexOf('caption');
  if (fi < 0 || li < 0) throw new EarshotError('BAD_USER_INPUT', `labels.csv needs a header with columns file and label, got: ${cols.join(',')}`, { subject: csv });
  const items: LabelledItem[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const [n, r] of rows.entries()) {
    const file = (r[fi] ?? '').trim();
    const label = (r[li] ?? '').trim();
    if (!file || !label) throw new EarshotError('BAD_USER_INPUT', `labels.csv row ${n + 2}: file and label must not be empty`, { subject: csv });
    const abs = path.resolve(root, file);
    if (!abs.startsWith(root + path.sep)) throw new EarshotError('BAD_USER_INPUT', `labels.csv row ${n + 2}: ${file} is outside the folder`, { subject: csv });
    if (seen.has(abs)) throw new EarshotError('BAD_USER_INPUT', `labels.csv row ${n + 2}: ${file} is listed twice`, { subject: csv });
    seen.add(abs);
    const exists = await fs.stat(abs).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!exists) {
      missing.push(file);
      continue;
    }
    const caption = ci >= 0 ? (r[ci] ?? '').trim() || null : null;
    items.push({ file, path: abs, label, caption });
  }
  if (!items.length) throw new EarshotError('BAD_USER_INPUT', `labels.csv lists no existing file`, { subject: csv });
  return { root, csv, items, missing };
}
