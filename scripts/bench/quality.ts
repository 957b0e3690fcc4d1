/**
 * npm run bench:quality [-- --model NAME]: `npm run eval` on ../shared/audio-dev (the labelled dev
 * clips), as part of `npm run bench`. Skipped with a printed reason when the folder is absent.
 * Writes bench/results/quality-<model>.json (through the eval command itself).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { arg, REPO_ROOT } from './common.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

const folder = path.resolve(REPO_ROOT, '../shared/audio-dev');
if (!fs.existsSync(path.join(folder, 'labels.csv'))) {
  console.log(`bench:quality skipped: ${folder}/labels.csv is absent`);
  process.exit(0);
}
const model = arg('model');
const r = spawnSync(
  process.execPath,
  ['--single-threaded-gc', '--import', 'tsx', path.join(REPO_ROOT, 'apps/api/src/cli.ts'), 'eval', folder, ...(model ? ['--model', model] : [])],
  {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
