/**
 * `--help` on the npm scripts that do long or lasting work prints what the script does and exits 0
 * before any work starts: bench:queries used to take `--help` for a run (and loaded 110k rows),
 * db:migrate migrated, db:migration:create wrote a migration named "--help", model:train began training.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apps/api/src/config.js';
import { leadingComment } from '../../scripts/usage.js';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
/** The TypeScript file an npm script runs through tsx (the bench, database and model scripts). */
const tsFileOf = (cmd: string) => /(?:tsx|--import tsx) (scripts\/\S+\.ts)\b/.exec(cmd)?.[1];
const helped = Object.entries(pkg.scripts).filter(([name, cmd]) => /^(bench|db|model):/.test(name) && tsFileOf(cmd));

describe('--help of the scripts', () => {
  it('reads a leading JSDoc block and a leading run of // lines, without their comment marks', () => {
    expect(leadingComment('#!/usr/bin/env node\n/**\n * npm run x\n * Does y.\n */\nimport a from "a";')).toBe('npm run x\nDoes y.');
    expect(leadingComment('// npm run z: does z\n// and more\nimport b from "b";\n// not this')).toBe('npm run z: does z\nand more');
  });

  it('every bench, db and model script in TypeScript checks for --help before its work', () => {
    expect(helped.length).toBeGreaterThanOrEqual(10);
    for (const [name, cmd] of helped) {
      const src = fs.readFileSync(path.join(REPO_ROOT, tsFileOf(cmd)!), 'utf8');
      // model:fetch parses its options with node:util and writes a usage of its own.
      if (name === 'model:fetch') {
        expect(src).toMatch(/help/);
        continue;
      }
      expect(src, name).toMatch(/\nexitWithHelpIfAsked\(import\.meta\.url\);/);
      expect(leadingComment(src), name).toContain(`npm run ${name}`);
    }
  });

  it('db:migrate --help prints its help and touches no database; bench:queries --help loads nothing', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-help-'));
    try {
      for (const name of ['db:migrate', 'bench:queries']) {
        const file = tsFileOf(pkg.scripts[name])!;
        const r = spawnSync(process.execPath, ['--import', 'tsx', file, '--help'], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, DATABASE_URL: '', EARSHOT_DATA_DIR: path.join(dataDir, 'db') },
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain(`npm run ${name}`);
      }
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
