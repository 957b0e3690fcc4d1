import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest, type IngestSummary } from '../../apps/api/src/ingest/index.js';
import { AUDIO_EXTENSIONS } from '../../apps/api/src/ingest/scan.js';
import { count, openDeps, SHARED_AUDIO_DEV } from './fixtures.js';

const present = fs.existsSync(SHARED_AUDIO_DEV);
if (!present) console.log(`skipping audio-dev ingest: ${SHARED_AUDIO_DEV} is absent`);

/** Every case of the shared dev set: good files stored, each bad file rejected with its code, the run goes on. */
describe.skipIf(!present)('ingest ../shared/audio-dev', () => {
  let deps: Awaited<ReturnType<typeof openDeps>>;
  let summary: IngestSummary;
  const goodFiles = present
    ? fs
        .readdirSync(SHARED_AUDIO_DEV, { withFileTypes: true })
        .filter((e) => e.isFile() && AUDIO_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
        .map((e) => path.join(SHARED_AUDIO_DEV, e.name))
    : [];
  // Acceptable codes per bad case (what the decoder can know about each kind of breakage).
  const badCodes: Record<string, string[]> = {
    'empty.wav': ['FILE_EMPTY'],
    'not_audio.wav': ['UNSUPPORTED_FORMAT'],
    'truncated_header.wav': ['AUDIO_DECODE_FAILED', 'UNSUPPORTED_FORMAT'],
    'header_only_no_samples.wav': ['AUDIO_NO_SAMPLES', 'AUDIO_DECODE_FAILED'],
    'garbage_after_riff.wav': ['AUDIO_DECODE_FAILED', 'UNSUPPORTED_FORMAT'],
  };

  beforeAll(async () => {
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:' });
    summary = await runIngest(deps, { root: SHARED_AUDIO_DEV, concurrency: 2 });
  });
  afterAll(async () => {
    await deps?.close();
  });

  it('stores every good file and finishes the run', async () => {
    expect(summary.run.status).toBe('done');
    expect(summary.run.processedFiles).toBe(goodFiles.length);
    const paths = (await deps.store.sql<{ path: string }>(`SELECT path FROM "Clip" ORDER BY path`)).map((r) => r.path);
    expect(paths).toEqual([...goodFiles].sort());
    // The CSV files are not sounds and have no audio extension: not recorded at all.
    expect(summary.ignoredFiles).toBe(fs.readdirSync(SHARED_AUDIO_DEV).filter((n) => n.endsWith('.csv')).length);
  });

  it('rejects each bad file with its code and message', () => {
    expect(summary.run.failedFiles).toBe(Object.keys(badCodes).length);
    for (const f of summary.failures) {
      const name = path.basename(f.path);
      expect(badCodes[name], `unexpected failure ${f.code} for ${f.path}: ${f.message}`).toBeDefined();
      expect(badCodes[name]).toContain(f.code);
      expect(f.message.length).toBeGreaterThan(0);
    }
    expect(summary.failures.map((f) => path.basename(f.path)).sort()).toEqual(Object.keys(badCodes).sort());
  });

  it('embeds the long stereo file per window plus once whole', async () => {
    const [long] = await deps.store.sql<{ contentHash: string; durationSec: number }>(
      `SELECT "contentHash", "durationSec" FROM "Clip" WHERE name = 'dev_long_birds_stereo48k.wav'`,
    );
    expect(Number(long.durationSec)).toBeGreaterThan(10);
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE "contentHash" = $1 AND kind = 'clip'`, [long.contentHash])).toBe(1);
    expect(await count(deps, `SELECT count(*) AS n FROM "Segment" WHERE "contentHash" = $1 AND kind = 'window'`, [long.contentHash])).toBeGreaterThan(1);
    const maxEnd = await deps.store.sql<{ e: number }>(`SELECT max("endSec") AS e FROM "Segment" WHERE "contentHash" = $1 AND kind = 'window'`, [long.contentHash]);
    expect(Number(maxEnd[0].e)).toBeCloseTo(Number(long.durationSec), 1);
  });
});
