/**
 * Batch classification of files on disk (`npm run classify`), without a server: each file's stored
 * embeddings when its bytes are in the library for this model (so answers equal the API's classify of
 * that clip), otherwise decoded and embedded here. A bad file becomes a failure with its code; the run goes on.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeFile } from '../audio/index.js';
import { asEarshotError, EarshotError, type ErrorCode } from '../errors.js';
import { sha256File } from '../hash.js';
import { embedSamples, type AudioEmbedder, type SegmentVector } from '../model/embed.js';
import type { Store } from '../store/index.js';
import { checkLabels, DEFAULT_TEMPLATE, listLabelSets } from '../library/label-sets.js';
import { classifyVectors, storedVectors, type Classification, type ClassifyRuntime } from './classify.js';

export type FileAnswer =
  | { file: string; ok: true; /** the library's stored embeddings were used */ stored: boolean; result: Classification }
  | { file: string; ok: false; code: ErrorCode; message: string };

export interface ClassifyFilesInput {
  /** Files and folders (each folder expanded by listFolder). */
  paths: string[];
  /** The audio files under a folder, recursively: the CLI passes ingest's scan, so classify sees what ingest would. */
  listFolder: (dir: string) => Promise<string[]>;
  labels?: string[] | null;
  /** A saved label set, by name or id. */
  labelSet?: string | null;
  template?: string | null;
  multiLabel?: boolean | null;
  maxLabels: number;
  embed: { windowSec: number; hopSec: number; batchSize: number; maxDurationSec: number };
  onFile?: (a: FileAnswer) => void;
}

export interface ClassifyFilesResult {
  labels: string[];
  template: string;
  multiLabel: boolean;
  answers: FileAnswer[];
}

async function expand(paths: string[], listFolder: ClassifyFilesInput['listFolder']): Promise<{ files: string[]; missing: FileAnswer[] }> {
  const files: string[] = [];
  const missing: FileAnswer[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    const st = await fs.stat(abs).catch(() => null);
    if (!st) missing.push({ file: abs, ok: false, code: 'FILE_NOT_FOUND', message: 'no such file or folder' });
    else if (st.isDirectory()) files.push(...(await listFolder(abs)));
    else files.push(abs);
  }
  return { files: [...new Set(files)], missing };
}

export async function classifyFiles(store: Store, modelId: number, rt: ClassifyRuntime & AudioEmbedder, input: ClassifyFilesInput): Promise<ClassifyFilesResult> {
  if (!!input.labels === !!input.labelSet) throw new EarshotError('BAD_USER_INPUT', 'give exactly one of --labels or --label-set', { subject: 'labels' });
  let labels: string[];
  let template = input.template ?? DEFAULT_TEMPLATE;
  let multiLabel = input.multiLabel ?? false;
  if (input.labelSet) {
    const set = (await listLabelSets(store)).find((s) => s.name === input.labelSet || String(s.id) === input.labelSet);
    if (!set) throw new EarshotError('NOT_FOUND', `no label set named ${JSON.stringify(input.labelSet)}`, { subject: input.labelSet });
    labels = set.labels;
    // As the API's classify: the set's own prompt and mode unless given explicitly.
    if (input.template == null) template = set.template;
    if (input.multiLabel == null) multiLabel = set.multiLabel;
  } else {
    labels = checkLabels(input.labels as string[], input.maxLabels);
  }
  const { files, missing } = await expand(input.paths, input.listFolder);
  const answers: FileAnswer[] = [...missing];
  missing.forEach((m) => input.onFile?.(m));
  for (const file of files) {
    let a: FileAnswer;
    try {
      let vectors: SegmentVector[] = await storedVectors(store, modelId, await sha256File(file));
      const stored = vectors.length > 0;
      if (!stored) {
        const st = await fs.stat(file);
        if (st.size === 0) throw new EarshotError('FILE_EMPTY', 'file is empty (0 bytes)', { subject: file });
        const d = await decodeFile(file, { maxDurationSec: input.embed.maxDurationSec });
        vectors = await embedSamples(rt, d.samples, d.meta.durationSec, { sampleRate: 48000, ...input.embed });
      }
      a = { file, ok: true, stored, result: await classifyVectors(rt, vectors, labels, template, multiLabel) };
    } catch (e) {
      const err = asEarshotError(e, 'AUDIO_DECODE_FAILED', file);
      a = { file, ok: false, code: err.code, message: err.message };
    }
    answers.push(a);
    input.onFile?.(a);
  }
  return { labels, template, multiLabel, answers };
}

const pct = (x: number | null | undefined) => (x == null ? '—' : `${(100 * x).toFixed(1)}%`);

/** One line per file: best label, its calibrated presence, "none of these", every score; failures with their code. */
export function formatAnswers(r: ClassifyFilesResult, format: 'table' | 'csv' | 'json', root = process.cwd()): string {
  const rel = (f: string) => (path.relative(root, f).startsWith('..') ? f : path.relative(root, f));
  if (format === 'json') return JSON.stringify(r, null, 2);
  if (format === 'csv') {
    const q = (s: string) => (/[",\r\n]/.test(s) || /^[=+\-@\t\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const head = ['file', 'status', 'code', 'best', 'present', 'noneOfThese', 'stored', ...r.labels.map((l) => `score:${l}`)];
    const rows = r.answers.map((a) =>
      a.ok
        ? [
            rel(a.file),
            'ok',
            '',
            a.result.best.label,
            String(a.result.best.present ?? ''),
            String(a.result.noneOfThese ?? ''),
            String(a.stored),
            ...a.result.scores.map((s) => String(s.score)),
          ]
        : [rel(a.file), 'failed', a.code, '', '', '', '', ...r.labels.map(() => '')],
    );
    return [head, ...rows].map((row) => row.map(q).join(',')).join('\r\n');
  }
  const ok = r.answers.filter((a): a is Extract<FileAnswer, { ok: true }> => a.ok);
  const bad = r.answers.filter((a): a is Extract<FileAnswer, { ok: false }> => !a.ok);
  const w = Math.max(4, ...ok.map((a) => rel(a.file).length));
  const lw = Math.max(4, ...r.labels.map((l) => l.length), 'none of these'.length);
  const lines = [`${'file'.padEnd(w)}  ${'best'.padEnd(lw)}  present  scores (${r.multiLabel ? 'each label alone' : 'softmax'})`];
  for (const a of ok) {
    const best = a.result.noneOfThese ? 'none of these' : a.result.best.label;
    const scores = a.result.scores.map((s) => `${s.label} ${pct(s.score)}`).join(', ');
    lines.push(`${rel(a.file).padEnd(w)}  ${best.padEnd(lw)}  ${pct(a.result.best.present).padStart(7)}  ${scores}`);
  }
  const stored = ok.filter((a) => a.stored).length;
  lines.push('', `${r.answers.length} files: ${ok.length} classified (${stored} from stored embeddings), ${bad.length} failed`);
  const unknown = [...new Set(ok[0]?.result.scores.flatMap((s) => s.unknownWords) ?? [])];
  if (unknown.length) lines.push(`the model does not know: ${unknown.join(', ')}`);
  if (bad.length) lines.push('failed:', ...bad.map((a) => `  ${a.code}  ${rel(a.file)}  ${a.message}`));
  return lines.join('\n');
}
