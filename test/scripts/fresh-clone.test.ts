/**
 * Every npm script the README names must work first on a fresh clone: no generated Prisma client, no
 * data dir, nothing but `npm install`. The README's commands are run in a copy of this working tree
 * (tracked and untracked-but-not-ignored files, exactly what a clone plus the change under test holds)
 * with this checkout's node_modules linked in, so no install runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apps/api/src/config.js';
import { tone, writeWav } from '../ingest/fixtures.js';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const PREPARE = 'node scripts/prepare.mjs && ';

/** `npm start`, `npm test`, `npm run <name>` as written in the README. */
function readmeScripts(): string[] {
  const names = new Set<string>();
  for (const m of readme.matchAll(/\bnpm (start|test)\b/g)) names.add(m[1]);
  for (const m of readme.matchAll(/\bnpm run ([\w:-]+)/g)) names.add(m[1]);
  return [...names].sort();
}

/** A script runs our TypeScript (which imports the generated Prisma client somewhere) unless it only runs a shell or Python script. */
const runsOurTypeScript = (cmd: string) => /\b(tsx|tsc|vitest)\b|--import tsx/.test(cmd);

function run(cwd: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('npm', args, { cwd, env: { ...process.env, DATABASE_URL: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('README npm scripts on a fresh clone', () => {
  it('every README script that runs our TypeScript generates the Prisma client first', () => {
    const named = readmeScripts();
    expect(named).toEqual(expect.arrayContaining(['start', 'test', 'ingest', 'worker', 'db:migrate', 'typecheck']));
    const missing = named.filter((n) => !(n in pkg.scripts));
    expect(missing, 'README names scripts package.json lacks').toEqual([]);
    const unprepared = named.filter((n) => runsOurTypeScript(pkg.scripts[n]) && !pkg.scripts[n].startsWith(PREPARE));
    expect(unprepared).toEqual([]);
  });

  let clone: string;
  let library: string;
  beforeAll(() => {
    clone = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-fresh-clone-'));
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && fs.existsSync(path.join(REPO_ROOT, f)));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, f), path.join(clone, f));
    }
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    library = path.join(clone, '.tmp-library');
    writeWav(path.join(library, 'tone.wav'), tone(1.5, 440));
  });
  afterAll(() => clone && fs.rmSync(clone, { recursive: true, force: true }));

  it('`npm run ingest -- <folder>` ingests without a generated client, and `npm run worker` gets as far as its config check', async () => {
    expect(fs.existsSync(path.join(clone, 'apps/api/src/generated'))).toBe(false);
    const env = { EARSHOT_DATA_DIR: path.join(clone, '.data') };
    const ingest = await run(clone, ['run', 'ingest', '--', library], env);
    expect(ingest.out).not.toMatch(/Cannot find module/);
    expect(ingest.code, ingest.out).toBe(0);
    expect(ingest.out).toMatch(/files: 1 found, 1 ingested/);
    expect(fs.existsSync(path.join(clone, 'apps/api/src/generated/prisma/client.ts'))).toBe(true);
    expect(fs.existsSync(path.join(clone, 'apps/api/src/generated/graphql.ts'))).toBe(true);

    const worker = await run(clone, ['run', 'worker'], env);
    expect(worker.out).not.toMatch(/Cannot find module/);
    expect(worker.code).toBe(1);
    expect(worker.out).toMatch(/CONFIG_INVALID: .*DATABASE_URL/);
  });

  // The code generated on the fresh clone above (Prisma client, GraphQL resolver types) type-checks, and so does the web app.
  it('`npm run typecheck` passes on the fresh clone', async () => {
    const r = await run(clone, ['run', 'typecheck'], {});
    expect(r.code, r.out).toBe(0);
  });
});
