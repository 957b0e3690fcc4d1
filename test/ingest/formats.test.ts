import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../../apps/api/src/audio/metadata.js';
import { runIngest } from '../../apps/api/src/ingest/index.js';
import { facets, listClips } from '../../apps/api/src/library/index.js';
import { ensureModel } from '../../apps/api/src/store/index.js';
import { corpusTools, makeCorpus } from '../audio/corpus.js';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';
import { openDeps, tempDir } from './fixtures.js';

/**
 * Every file a sound library holds is ingested or listed as a failure with a code: long-tail formats
 * only ffmpeg decodes, files the JS decoders used to get wrong or reject, audio by content under a
 * name without an audio extension; only files that are neither audio by content nor by extension
 * are ignored. Stored rate and channels are the file's own (ffprobe's), not the decoder's 48 kHz mono.
 */
const missing = corpusTools();
const server = testServerUrl();
describe.skipIf(missing.length > 0)('ingest of every format ffmpeg decodes', () => {
  const lib = tempDir('ingest-formats');
  let deps: Awaited<ReturnType<typeof openDeps>>;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const kinds = [
    'wavpack',
    'speex',
    'au',
    'mka-vorbis',
    'wma',
    'caf',
    'tta',
    'ac3',
    'rf64',
    'flac-12',
    'flac-rate-change',
    'aiff-s8',
    'mp3-stacked-id3',
    'mp3-junk-before-frames',
    'wav-zero-data-size',
    'adts-aac',
    'w64',
    'voc',
  ];

  beforeAll(async () => {
    makeCorpus(lib, [{ rate: 44100, channels: 2, sec: 1 }], kinds);
    // WavPack bytes under a name with no audio extension: audio by content.
    fs.copyFileSync(path.join(lib, 'wavpack-44100-2ch.wv'), path.join(lib, 'take-07.dat'));
    fs.writeFileSync(path.join(lib, 'broken.wv'), 'a text file with an audio extension\n'.repeat(10));
    fs.writeFileSync(path.join(lib, 'cut.wv'), fs.readFileSync(path.join(lib, 'wavpack-44100-2ch.wv')).subarray(0, 40));
    fs.writeFileSync(path.join(lib, 'readme.txt'), 'a text file: ignored');
    testDb = server ? await createTestDatabase(server) : undefined;
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:', ...(testDb ? { DATABASE_URL: testDb.url } : {}) });
  });
  afterAll(async () => {
    await deps?.close();
    await testDb?.drop();
    fs.rmSync(lib, { recursive: true, force: true });
  });

  it('ingests every kind, lists the broken ones with a code, ignores only the text file', async () => {
    const s = await runIngest(deps, { root: lib });
    // The messages ride along: a failure seen once in a loaded full-suite run said only its code.
    expect(
      s.failures.map((f) => [path.basename(f.path), f.code]),
      JSON.stringify(s.failures),
    ).toEqual([
      ['broken.wv', 'UNSUPPORTED_FORMAT'],
      ['cut.wv', 'AUDIO_DECODE_FAILED'],
    ]);
    expect(s.failures[1].message).toMatch(/ffmpeg/);
    expect(s.ignoredFiles).toBe(1);
    expect(s.run.processedFiles).toBe(kinds.length + 1);
    const clips = await deps.store.sql<{ name: string; sampleRate: number; channels: number; format: string; codec: string; container: string; bitDepth: number | null }>(
      `SELECT name, "sampleRate", channels, format, codec, container, "bitDepth" FROM "Clip" ORDER BY name`,
    );
    for (const c of clips) {
      const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path.join(lib, c.name)]).toString());
      const st = j.streams.find((x: { codec_type: string }) => x.codec_type === 'audio');
      expect([c.name, c.sampleRate, c.channels, c.codec, c.container]).toEqual([c.name, Number(st.sample_rate), st.channels, st.codec_name, containerName(j.format.format_name)]);
    }
    expect(clips.find((c) => c.name === 'flac-12-44100-2ch.flac')?.bitDepth).toBe(12);
    expect(clips.find((c) => c.name === 'aiff-s8-44100-2ch.aiff')).toMatchObject({ codec: 'pcm_s8', bitDepth: 8 });
    expect(clips.find((c) => c.name === 'take-07.dat')?.format).toBe('wv');
  });

  it('stream facts are filterable, and clips stored before them are filled in by the next incremental ingest', async () => {
    const { id: modelId } = await ensureModel(deps.store, deps.runtime.identity);
    const names = async (filter: object) => (await listClips(deps.store, modelId, { filter, first: 100 })).nodes.map((c) => c.name).sort();
    expect(await names({ codecs: ['wavpack'] })).toEqual(['take-07.dat', 'wavpack-44100-2ch.wv']);
    expect(await names({ bitDepths: [12] })).toEqual(['flac-12-44100-2ch.flac']);
    expect(await names({ containers: ['ogg'], codecs: ['speex'] })).toEqual(['speex-44100-2ch.spx']);
    const f = await facets(deps.store);
    expect(f.codecs).toEqual(expect.arrayContaining(['pcm_s8', 'wavpack', 'speex', 'flac', 'mp3']));
    expect(f.bitDepths).toEqual(expect.arrayContaining([8, 12, 16]));

    // As if stored before the stream-facts migration: the next run reads the file again (no re-embedding).
    await deps.store.sql(`UPDATE "Clip" SET container = NULL, codec = NULL, "bitDepth" = NULL, decoder = NULL WHERE name = 'tta-44100-2ch.tta'`);
    const segments = await deps.store.sql(`SELECT id FROM "Segment" ORDER BY id`);
    const again = await runIngest(deps, { root: lib });
    expect(again.run.processedFiles).toBe(0);
    const [row] = await deps.store.sql<{ container: string; codec: string; decoder: string }>(`SELECT container, codec, decoder FROM "Clip" WHERE name = 'tta-44100-2ch.tta'`);
    expect(row).toEqual({ container: 'tta', codec: 'tta', decoder: 'ffmpeg' });
    expect(await deps.store.sql(`SELECT id FROM "Segment" ORDER BY id`)).toEqual(segments);
  });
});
