import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest } from '../../apps/api/src/ingest/index.js';
import { parseUcs } from '../../apps/api/src/library/ucs.js';
import type { ClapRuntime } from '../../apps/api/src/model/index.js';
import { facets, listClips } from '../../apps/api/src/library/index.js';
import { searchByText } from '../../apps/api/src/search/index.js';
import { ensureModel } from '../../apps/api/src/store/index.js';
import { corpusTools, pcmWav } from '../audio/corpus.js';
import { createTestDatabase, testServerUrl } from '../helpers/store.js';
import { openDeps, tempDir, tone } from './fixtures.js';

/**
 * Embedded descriptions round-trip: tags written by ffmpeg, flac and code (iXML) into every tag system a
 * library uses, ingested, found by a word that is only in the description, shown on the clip, filtered by
 * UCS category; a changed tag is picked up by the next incremental ingest.
 */
const missing = corpusTools();
const server = testServerUrl();

const ff = (...args: string[]) => {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
};

/** A WAV with an iXML chunk as Soundminer writes one (USER fields). */
function wavWithIxml(file: string, xml: string) {
  const wav = pcmWav([tone(1, 523, 44100, 3)], 44100, 16);
  const body = Buffer.from(xml, 'utf8');
  const h = Buffer.alloc(8);
  h.write('iXML', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  const out = Buffer.concat([wav, h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  out.writeUInt32LE(out.length - 8, 4);
  fs.writeFileSync(file, out);
}

describe('UCS file names', () => {
  it('splits CatID_FXName_CreatorID_SourceID and names the category', () => {
    expect(parseUcs('DOORWood_Creaky Barn Door Open_JD_ES.wav')).toEqual({ catId: 'DOORWood', category: 'DOORS', subcategory: 'WOOD', fxName: 'Creaky Barn Door Open' });
    expect(parseUcs('AMBForst-Dawn_Birds Far_JD_ES.flac')).toMatchObject({ catId: 'AMBForst', category: 'AMBIENCE', subcategory: 'FORST' });
    expect(parseUcs('AMBForst_x_JD_ES.wav', { subcategory: 'Forest' })).toMatchObject({ subcategory: 'FOREST' });
    expect(parseUcs('dog_bark-02.wav')).toBeNull();
    expect(parseUcs('README.wav')).toBeNull();
  });
});

describe.skipIf(missing.length > 0)('embedded descriptions', () => {
  const lib = tempDir('ingest-tags');
  const P = (n: string) => path.join(lib, n);
  let deps: Awaited<ReturnType<typeof openDeps>>;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let modelId: number;
  // One word per tag system that appears nowhere else (not in names, paths or other files).
  const words: Record<string, string> = {
    'bext.wav': 'zanzibarbext',
    'info.wav': 'quixoticinfo',
    'ixml.wav': 'marmaladeixml',
    'id3.mp3': 'obsidianid3',
    'vorbis.ogg': 'periwinklevorbis',
    'tagged.flac': 'saffronflac',
    'tagged.m4a': 'turquoisemp4',
  };

  beforeAll(async () => {
    const src = P('src.raw.wav');
    fs.writeFileSync(src, pcmWav([tone(1.2, 440, 44100, 1)], 44100, 16));
    ff('-i', src, '-c:a', 'pcm_s24le', '-write_bext', '1', '-metadata', `description=${words['bext.wav']} dawn chorus`, '-metadata', 'originator=Earshot Tests', P('bext.wav'));
    ff('-i', src, '-metadata', `comment=${words['info.wav']} rain on tin`, '-metadata', 'title=Rain Take 3', P('info.wav'));
    wavWithIxml(
      P('ixml.wav'),
      `<?xml version="1.0"?><BWFXML><USER><DESCRIPTION>${words['ixml.wav']} wooden door creak</DESCRIPTION><CATEGORY>DOORS</CATEGORY><SUBCATEGORY>WOOD</SUBCATEGORY><CATID>DOORWood</CATID></USER></BWFXML>`,
    );
    ff('-i', src, '-c:a', 'libmp3lame', '-metadata', `comment=${words['id3.mp3']} thundrox`, '-metadata', 'artist=Field Recordist', P('id3.mp3'));
    ff('-i', src, '-c:a', 'libvorbis', '-metadata', `description=${words['vorbis.ogg']} wind`, P('vorbis.ogg'));
    spawnSync('flac', ['-s', '-f', '-T', `DESCRIPTION=${words['tagged.flac']} creek`, '-o', P('tagged.flac'), src]);
    ff('-i', src, '-c:a', 'aac', '-metadata', `comment=${words['tagged.m4a']} footsteps`, P('tagged.m4a'));
    ff('-i', src, P('DOORWood_Creaky Barn Door Open_JD_ES.wav'));
    ff('-i', src, '-c:a', 'flac', P('AMBForst_Dawn Birds Far_JD_ES.flac'));
    fs.unlinkSync(src);
    testDb = server ? await createTestDatabase(server) : undefined;
    deps = await openDeps({ EARSHOT_DATA_DIR: ':memory:', ...(testDb ? { DATABASE_URL: testDb.url } : {}) });
    modelId = (await ensureModel(deps.store, deps.runtime.identity)).id;
    const s = await runIngest(deps, { root: lib });
    expect(s.failures).toEqual([]);
  });
  afterAll(async () => {
    await deps?.close();
    await testDb?.drop();
    fs.rmSync(lib, { recursive: true, force: true });
  });

  const search = (query: string, filter?: object) =>
    searchByText(deps.store, modelId, (t) => (deps.runtime as ClapRuntime).embedText(t), {
      query,
      first: 5,
      filter,
      unknownWords: (t) => (deps.runtime as ClapRuntime).unknownWords(t),
    });

  it('finds each clip by a word that is only in its embedded description, and shows it', async () => {
    for (const [name, word] of Object.entries(words)) {
      const page = await search(word);
      const top = page.hits[0];
      expect(top?.clip.name, word).toBe(name);
      expect(top.keywordRank).toBe(1);
      expect(top.matchedTerms).toContain(word);
      expect(top.clip.description).toContain(word);
    }
    const [bext] = (await listClips(deps.store, modelId, { filter: { folderPrefix: lib }, first: 100 })).nodes.filter((c) => c.name === 'bext.wav');
    expect(bext.embedded).toMatchObject({ description: `${words['bext.wav']} dawn chorus`, originator: 'Earshot Tests' });
    const [info] = (await search(words['info.wav'])).hits;
    expect(info.clip.embedded).toMatchObject({ title: 'Rain Take 3', comment: `${words['info.wav']} rain on tin` });
  });

  it('a description word ranks above the same word in a folder name', async () => {
    // A word the text tower cannot represent, so the keyword half alone orders the two (the API passes unknownWords too).
    fs.mkdirSync(P('thundrox'), { recursive: true });
    fs.copyFileSync(P('vorbis.ogg'), P('thundrox/plain.ogg'));
    await runIngest(deps, { root: lib });
    const page = await search('thundrox');
    expect(page.hits[0].clip.name).toBe('id3.mp3');
    expect(page.hits.map((h) => h.clip.name)).toContain('plain.ogg');
    // The keyword half itself puts the description (weight A) above the folder word (C), not only the id tie-break.
    const rank = (n: string) => page.hits.find((h) => h.clip.name === n)?.keywordRank as number;
    expect(rank('id3.mp3')).toBeLessThan(rank('plain.ogg'));
  });

  it('UCS categories come from names and iXML, filter and facet', async () => {
    const names = async (ucsCategories: string[]) => (await listClips(deps.store, modelId, { filter: { ucsCategories }, first: 100 })).nodes.map((c) => c.name).sort();
    expect(await names(['DOORS'])).toEqual(['DOORWood_Creaky Barn Door Open_JD_ES.wav', 'ixml.wav']);
    expect(await names(['amb'])).toEqual(['AMBForst_Dawn Birds Far_JD_ES.flac']);
    expect((await facets(deps.store)).ucsCategories).toEqual(['AMBIENCE', 'DOORS']);
    const [door] = (await search('doors', { ucsCategories: ['DOORS'] })).hits.filter((h) => h.clip.name === 'ixml.wav');
    expect(door.clip.ucs).toEqual({ catId: 'DOORWood', category: 'DOORS', subcategory: 'WOOD' });
  });

  it('a changed tag is picked up by the next incremental ingest', async () => {
    const file = P('info.wav');
    const tmp = P('info.tmp.wav');
    ff('-i', file, '-c:a', 'copy', '-metadata', 'comment=gossamerchanged', '-metadata', 'title=Rain Take 4', tmp);
    fs.renameSync(tmp, file);
    const s = await runIngest(deps, { root: lib });
    expect(s.run.processedFiles).toBe(1);
    expect((await search('gossamerchanged')).hits[0]?.clip.name).toBe('info.wav');
    expect((await search(words['info.wav'])).hits.some((h) => h.clip.name === 'info.wav' && h.keywordRank !== null)).toBe(false);
  });
});
