import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { exited, spawnCli, tempDir, tone, writeWav } from './fixtures.js';

/** The CLI's contract with a user at a terminal: help on every command, usage errors exit 2, config errors name the variable. */
describe('earshot CLI: ingest and worker commands', () => {
  const env = { EARSHOT_DATA_DIR: tempDir('cli-data') };
  afterAll(() => fs.rmSync(env.EARSHOT_DATA_DIR, { recursive: true, force: true }));

  it('prints help for the program and for each command', async () => {
    for (const [args, text] of [
      [['--help'], /Commands:[\s\S]*ingest <folder>[\s\S]*worker/],
      [['ingest', '--help'], /--model NAME[\s\S]*--concurrency N[\s\S]*--reindex/],
      [['worker', '--help'], /pg-boss queue[\s\S]*--concurrency N/],
      [['reembed', '--help'], /--reindex ingest of each folder[\s\S]*resumes the job/],
    ] as const) {
      const c = spawnCli([...args], env);
      expect((await exited(c)).code, c.err()).toBe(0);
      expect(c.out()).toMatch(text);
    }
  });

  it('rejects bad usage with exit code 2 and the command help', async () => {
    for (const args of [['reembed', 'extra'], ['ingest'], ['ingest', '/tmp', '--concurrency', 'zero'], ['ingest', '/tmp', '--bogus'], ['frobnicate']]) {
      const c = spawnCli(args, env);
      expect((await exited(c)).code, `${args.join(' ')}: ${c.err()}`).toBe(2);
      expect(c.err()).toMatch(/earshot /);
    }
  });

  it('fails with a coded one-line error for a missing folder and for a worker without a server', async () => {
    const missing = spawnCli(['ingest', '/nonexistent/earshot-folder'], env);
    expect((await exited(missing)).code).toBe(1);
    expect(missing.err()).toMatch(/^FILE_NOT_FOUND: .*\/nonexistent\/earshot-folder/m);
    const worker = spawnCli(['worker'], env);
    expect((await exited(worker)).code).toBe(1);
    expect(worker.err()).toMatch(/^CONFIG_INVALID: .*DATABASE_URL/m);
  });

  it('reembed re-embeds an ingested library as a job and says how it ended', async () => {
    const lib = tempDir('cli-reembed-lib');
    const data = { EARSHOT_DATA_DIR: tempDir('cli-reembed-data') };
    writeWav(path.join(lib, 'a.wav'), tone(1, 440, 48000, 1));
    writeWav(path.join(lib, 'b.wav'), tone(1.5, 660, 48000, 2));
    const ingest = spawnCli(['ingest', lib], data);
    expect((await exited(ingest)).code, ingest.err()).toBe(0);
    const re = spawnCli(['reembed'], data);
    expect((await exited(re)).code, re.err()).toBe(0);
    expect(re.out()).toMatch(/^started reembed job \d+$/m);
    expect(re.out()).toMatch(/^reembed job \d+ done: 2 files re-embedded or unchanged, 0 failed$/m);
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(data.EARSHOT_DATA_DIR, { recursive: true, force: true });
  }, 240_000);
});
