/**
 * `--help` / `-h` for the scripts npm runs: the script's own leading comment is its help, printed before
 * any work starts (bench:queries took `--help` for a run and loaded 110k rows; db:migrate migrated).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The leading comment of a source file (a JSDoc block or a run of `//` lines), without its comment marks. */
export function leadingComment(source: string): string {
  const text = source.replace(/^#!.*\n/, '');
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  if (block)
    return block[1]
      .split('\n')
      .map((l) => l.replace(/^\s*\* ?/, ''))
      .join('\n')
      .trim();
  const lines: string[] = [];
  for (const l of text.split('\n')) {
    if (!/^\s*\/\//.test(l)) break;
    lines.push(l.replace(/^\s*\/\/ ?/, ''));
  }
  return lines.join('\n').trim();
}

/** When the command line asks for help, print the calling script's leading comment and exit 0. */
export function exitWithHelpIfAsked(scriptUrl: string, argv = process.argv.slice(2)): void {
  if (!argv.some((a) => a === '--help' || a === '-h')) return;
  process.stdout.write(`${leadingComment(fs.readFileSync(fileURLToPath(scriptUrl), 'utf8'))}\n`);
  process.exit(0);
}
