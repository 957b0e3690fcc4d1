/**
 * npm run classify end to end (the real CLI, PGlite in a temp data dir, models/clap-mini): files decoded
 * here give the same answers as after they are ingested (stored embeddings, which the API's classify
 * uses); bad files are listed with their codes and the run goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '../helpers/prng.js';
import { exited, spawnCli, tempDir, tone, writeWav } from '../ingest/fixtures.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const scratch = (p: string) => {
  const d = tempDir(p);
  made.push(d);
  return d;
};

async function run(args: string[], env: Record<string, string>) {
  const c = spawnCli(args, env);
  const { code } = await exited(c);
  return { code, out: c.out(), err: c.err() };
}

describe('npm run classify', () => {
  it('classifies files and folders, lists bad files with their codes, and equals the stored-embedding answers after ingest', async () => {
    const dir = scratch('classify-lib');
    writeWav(path.join(dir, 'a.wav'), tone(2, 440, 48000, 1));
    writeWav(path.join(dir, 'sub', 'b.wav'), tone(3, 880, 48000, 2));
    const r = prng(5);
    writeWav(
      path.join(dir, 'hiss.wav'),
      Float32Array.from({ length: 96000 }, () => 0.4 * (r() * 2 - 1)),
    );
    fs.writeFileSync(path.join(dir, 'broken.wav'), 'not audio at all\n');
    fs.writeFileSync(path.join(dir, 'empty.wav'), '');
    const env = { EARSHOT_DATA_DIR: scratch('classify-data') };
    const labels = 'sine tone, white noise, qwfp';

    const first = await run(['classify', dir, path.join(dir, 'missing.wav'), '--labels', labels, '--json'], env);
    expect(first.code, first.err).toBe(0);
    const j = JSON.parse(first.out);
    expect(j.labels).toEqual(['sine tone', 'white noise', 'qwfp']);
    const ok = j.answers.filter((a: any) => a.ok);
    expect(ok.map((a: any) => path.relative(dir, a.file)).sort()).toEqual(['a.wav', 'hiss.wav', 'sub/b.wav']);
    expect(ok.every((a: any) => a.stored === false)).toBe(true);
    const failed = Object.fromEntries(j.answers.filter((a: any) => !a.ok).map((a: any) => [path.basename(a.file), a.code]));
    expect(failed).toEqual({ 'missing.wav': 'FILE_NOT_FOUND', 'broken.wav': 'UNSUPPORTED_FORMAT', 'empty.wav': 'FILE_EMPTY' });
    for (const a of ok) {
      expect(a.result.scores.find((s: any) => s.label === 'qwfp')).toMatchObject({ present: 0, unknownWords: ['qwfp'] });
      expect(typeof a.result.noneOfThese).toBe('boolean');
    }

    // Into the library, then again: the stored embeddings are used and the answers are the same.
    expect((await run(['ingest', dir], env)).code).toBe(0);
    const second = await run(['classify', dir, '--labels', labels, '--csv'], env);
    expect(second.code, second.err).toBe(0);
    const [head, ...rows] = second.out
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(head).toEqual(['file', 'status', 'code', 'best', 'present', 'noneOfThese', 'stored', 'score:sine tone', 'score:white noise', 'score:qwfp']);
    for (const a of ok) {
      const row = rows.find((x) => path.resolve(x[0]) === a.file || x[0] === a.file)!;
      expect(row, a.file).toBeDefined();
      expect(row.slice(1, 4)).toEqual(['ok', '', a.result.best.label]);
      expect(row[6]).toBe('true');
      a.result.scores.forEach((s: any, i: number) => expect(Number(row[7 + i])).toBeCloseTo(s.score, 5));
    }
    expect(
      rows
        .filter((x) => x[1] === 'failed')
        .map((x) => x[2])
        .sort(),
    ).toEqual(['FILE_EMPTY', 'UNSUPPORTED_FORMAT']);

    // The table: one line per classified file, then the failures with their codes.
    const table = await run(['classify', path.join(dir, 'a.wav'), path.join(dir, 'broken.wav'), '--labels', labels], env);
    expect(table.out).toMatch(/2 files: 1 classified \(1 from stored embeddings\), 1 failed/);
    expect(table.out).toMatch(/UNSUPPORTED_FORMAT\s+\S*broken\.wav/);
    expect(table.out).toContain('the model does not know: qwfp');
  });

  it('refuses a missing label set and bad arguments with their codes', async () => {
    const env = { EARSHOT_DATA_DIR: scratch('classify-data2') };
    const set = await run(['classify', '.', '--label-set', 'nope'], env);
    expect(set.code).toBe(1);
    expect(set.err).toMatch(/^NOT_FOUND: no label set named "nope"/m);
    const both = await run(['classify', '.'], env);
    expect(both.code).toBe(2);
    expect(both.err).toContain('give exactly one of --labels or --label-set');
  });
});
