/** Shared helpers of the bench scripts: argument parsing, percentiles, result files. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `--name a,b` or `--name=a,b` from argv. */
export function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i]!.startsWith(`--${name}=`)) return argv[i]!.slice(name.length + 3);
  }
  return undefined;
}

export const numList = (s: string | undefined, dflt: number[]): number[] =>
  s ? s.split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x) && x > 0) : dflt;

/** Nearest-rank percentile of an unsorted list. */
export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const r2 = (x: number) => Math.round(x * 100) / 100;

export function writeResult(name: string, data: unknown): string {
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

export const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
