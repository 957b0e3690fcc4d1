import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, spawnCli, tempDir } from './fixtures.js';

/** The CLI's contract with a user at a terminal: help on every command, usage errors exit 2, config errors name the variable. */
describe('earshot CLI: ingest and worker commands', () => {
  const env = { EARSHOT_DATA_DIR: tempDir('cli-data') };
  afterAll(() => fs.rmSync(env.EARSHOT_DATA_DIR, { recursive: true, force: true }));

  it('prints help for the program and for each command', async () => {
    for (const [args, text] of [
      [['--help'], /Commands:[\s\S]*ingest <folder>[\s\S]*worker/],
      [['ingest', '--help'], /--model NAME[\s\S]*--concurrency N[\s\S]*--reindex/],
      [['worker', '--help'], /pg-boss queue[\s\S]*--concurrency N/],
    ] as const) {
      const c = spawnCli([...args], env);
      expect((await exited(c)).code, c.err()).toBe(0);
      expect(c.out()).toMatch(text);
    }
  });

  it('rejects bad usage with exit code 2 and the command help', async () => {
    for (const args of [['ingest'], ['ingest', '/tmp', '--concurrency', 'zero'], ['ingest', '/tmp', '--bogus'], ['frobnicate']]) {
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
});
