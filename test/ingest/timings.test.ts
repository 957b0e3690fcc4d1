import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newStageTimings, runIngest, STAGES } from '../../apps/api/src/ingest/index.js';
import { count, openDeps, tempDir, tone, writeWav } from './fixtures.js';

/**
 * ExecuteOptions.timings (bench:ingest's stage split) on a real run: PGlite, the bundled model,
 * WAV files written here (one at 44.1 kHz so resampling really happens, one long enough for windows).
 */
describe('ingest stage timings', () => {
  const lib = tempDir('ingest-timings');
  let deps: Awaited<ReturnType<typeof openDeps>>;

  beforeAll(async () => {
    writeWav(path.join(lib, 'a.wav'), tone(2, 440, 44100, 1), 44100);
    writeWav(path.join(lib, 'b.wav'), tone(12, 660, 48000, 2));
    writeWav(path.join(lib, 'c.wav'), tone(1, 880, 22050, 3), 22050);
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:', EARSHOT_AUDIO_BATCH: '2' });
  });
  afterAll(async () => {
    await deps?.close();
    fs.rmSync(lib, { recursive: true, force: true });
  });

  it('accounts every stage of a real run and records each forward pass the audio tower ran', async () => {
    const timings = newStageTimings();
    const summary = await runIngest(deps, { root: lib, concurrency: 2, timings });
    expect(summary.run.processedFiles).toBe(3);
    for (const s of STAGES) expect(timings.ms[s], s).toBeGreaterThan(0);
    // Every stored segment went through exactly one recorded forward pass, none larger than the batch size.
    const segments = await count(deps, `SELECT count(*) AS n FROM "Segment"`);
    expect(segments).toBe(1 + 1 + 2 + 1); // a, c: clip only; b (12 s): clip + windows 0–10 s and 2–12 s
    expect(timings.batches.reduce((a, b) => a + b, 0)).toBe(segments);
    expect(Math.max(...timings.batches)).toBeLessThanOrEqual(2);
  });
});
