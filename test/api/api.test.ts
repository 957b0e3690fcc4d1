/**
 * The API through real HTTP: startServer on in-memory PGlite with the real mini model bundle, a small
 * library of generated WAVs ingested through the ingest module, every operation, limits and auth.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../apps/api/src/config.js';
import { startIngest } from '../../apps/api/src/ingest/index.js';
import type { ServerHandle } from '../../apps/api/src/server.js';
import { tempDir, tone, wavBytes, writeWav } from '../ingest/fixtures.js';

const KEY = 'api-test-key-0123456789';
// The defaults of config.ts, so EARSHOT_MODEL_DIR (read there) can point the suite at another bundle.
const MODEL_DIR = loadConfig().modelDir;
const BUNDLE = path.join(MODEL_DIR, 'clap-mini');
/** The bundle's calibration (npm run model:calibrate): the API's scores are these curves of the cosine. */
const CAL = JSON.parse(fs.readFileSync(path.join(BUNDLE, 'calibration.json'), 'utf8'));
const sigma = (c: { a: number; b: number }, cos: number) => 1 / (1 + Math.exp(-(c.a * cos + c.b)));
const reason = fs.existsSync(path.join(BUNDLE, 'manifest.json')) ? null : `${BUNDLE}/manifest.json is absent (mini model bundle not built yet)`;
if (reason) console.log(`[test/api] skipped: ${reason}`);

type Gql<T = any> = { data?: T; errors?: { message: string; extensions?: { code?: string; subject?: string; [k: string]: unknown } }[] };

/** Swept sine: a different sound from the steady tones. */
function chirp(sec: number, f0: number, f1: number, sr = 48000): Float32Array {
  const n = Math.round(sec * sr);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sr;
    x[i] = 0.4 * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * sec)));
  }
  return x;
}

function noise(sec: number, seed: number, sr = 48000): Float32Array {
  const n = Math.round(sec * sr);
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = 0.6 * (s / 2 ** 32 - 0.5);
  }
  return x;
}

describe.skipIf(!!reason)('GraphQL API over HTTP', () => {
  let tmp = '';
  let lib = '';
  let cfg: Config;
  let h: ServerHandle;
  const ids: Record<string, string> = {};

  const post = async <T = any>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = { 'x-api-key': KEY }): Promise<Gql<T>> => {
    const r = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return (await r.json()) as Gql<T>;
  };
  const ok = async <T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const r = await post<T>(query, variables);
    if (r.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  };
  const code = (r: Gql) => r.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    tmp = tempDir('api');
    lib = path.join(tmp, 'lib');
    writeWav(path.join(lib, 'tones', 'sine_440.wav'), tone(1.5, 440, 48000, 1));
    writeWav(path.join(lib, 'tones', 'sine_880.wav'), tone(2, 880, 48000, 2));
    writeWav(path.join(lib, 'tones', 'stereo_hum.wav'), tone(2.5, 110, 44100, 3), 44100, 2);
    writeWav(path.join(lib, 'fx', 'sweep_up.wav'), chirp(3, 200, 4000));
    writeWav(path.join(lib, 'fx', 'hiss_noise.wav'), noise(2, 7));
    // 24 s: longer than one 10 s window, so it gets window embeddings (classify windows, best window).
    const long = new Float32Array(24 * 48000);
    long.set(tone(8, 300, 48000, 4), 0);
    long.set(noise(8, 9), 8 * 48000);
    long.set(chirp(8, 500, 3000), 16 * 48000);
    writeWav(path.join(lib, 'fx', 'long_mix.wav'), long);
    // Same bytes at a second path: an exact duplicate.
    fs.mkdirSync(path.join(lib, 'copies'), { recursive: true });
    fs.copyFileSync(path.join(lib, 'tones', 'sine_440.wav'), path.join(lib, 'copies', 'sine_440_copy.wav'));

    cfg = loadConfig({
      EARSHOT_DATA_DIR: ':memory:',
      EARSHOT_INGEST_ROOTS: tmp,
      EARSHOT_MODEL_DIR: MODEL_DIR,
      EARSHOT_MODEL: 'clap-mini',
      EARSHOT_API_PORT: '0',
      EARSHOT_API_KEY: KEY,
      EARSHOT_LOG_LEVEL: 'error',
      EARSHOT_INGEST_CONCURRENCY: '1',
      EARSHOT_ORT_THREADS: '1',
      EARSHOT_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024),
      EARSHOT_MAX_UPLOAD_SEC: '20',
      EARSHOT_MAX_LABELS: '5',
      EARSHOT_MAX_PAGE_SIZE: '50',
      EARSHOT_MAX_QUERY_DEPTH: '5',
      EARSHOT_MAX_ALIASES: '3',
      EARSHOT_MAX_TOKENS: '400',
      EARSHOT_MAX_COST: '3000',
    });
    const { startServer } = await import('../../apps/api/src/server.js');
    h = await startServer(cfg);
    const { runId, finished } = await startIngest(h.deps, { root: lib, concurrency: 1 });
    const summary = await finished;
    expect(summary, `ingest run ${runId}`).not.toBeNull();
    const { clips } = await ok(`{ clips(first: 50) { nodes { id name } } }`);
    for (const c of clips.nodes) ids[c.name] = c.id;
    expect(Object.keys(ids).sort()).toEqual(['hiss_noise.wav', 'long_mix.wav', 'sine_440.wav', 'sine_440_copy.wav', 'sine_880.wav', 'stereo_hum.wav', 'sweep_up.wav']);
  }, 400_000);

  afterAll(async () => {
    await h?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('health, model, /healthz and the local landing page', async () => {
    const d = await ok(`{ health { ok backend clips segments version } model { name version dim featureMode isDemo promptTemplate source } }`);
    expect(d.health).toMatchObject({ ok: true, backend: 'pglite', clips: 7 });
    // 6 distinct contents with one clip vector each, plus windows of the 24 s file.
    expect(d.health.segments).toBeGreaterThan(6);
    expect(d.model).toMatchObject({ name: 'clap-mini', dim: 512, version: h.deps.runtime.identity.version });
    const hz = await fetch(`${h.url}/healthz`);
    expect(hz.status).toBe(200);
    expect(await hz.json()).toMatchObject({ ok: true, backend: 'pglite' });
    const page = await fetch(`${h.url}/`);
    const html = await page.text();
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('searchByText');
    expect(html).not.toMatch(/https?:\/\/(?!127)/); // nothing loaded from the internet
  });

  it('clips: keyset pages cover the library once each, in path order, with exact totals under filters', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { clips }: any = await ok(`query($a: String) { clips(first: 3, after: $a) { totalCount nodes { id path } pageInfo { hasNextPage endCursor } } }`, { a: after });
      expect(clips.totalCount).toBe(7);
      seen.push(...clips.nodes.map((n: { path: string }) => n.path));
      if (!clips.pageInfo.hasNextPage) break;
      after = clips.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect(seen).toEqual([...seen].sort());
    const f = async (filter: unknown) =>
      (await ok(`query($f: ClipFilter) { clips(filter: $f, first: 50) { totalCount nodes { name channels durationSec } } }`, { f: filter })).clips;
    const stereo = await f({ channels: [2] });
    expect(stereo.totalCount).toBe(1);
    expect(stereo.nodes[0].name).toBe('stereo_hum.wav');
    const fx = await f({ folderPrefix: path.join(lib, 'fx') + '/' });
    expect(fx.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['hiss_noise.wav', 'long_mix.wav', 'sweep_up.wav']);
    const short = await f({ maxDurationSec: 2.2 });
    expect(short.totalCount).toBe(short.nodes.length);
    expect(short.nodes.every((n: { durationSec: number }) => n.durationSec <= 2.2)).toBe(true);
    expect(short.totalCount).toBe(4); // 1.5 s ×2, 2 s ×2
    const sr = await f({ sampleRates: [44100] });
    expect(sr.totalCount).toBe(1);
    const bad = await post(`{ clips(filter: { minDurationSec: 5, maxDurationSec: 1 }) { totalCount } }`);
    expect(code(bad)).toBe('BAD_USER_INPUT');
  });

  it('folders and facets', async () => {
    const { folders } = await ok(`{ folders { path name clipCount } }`);
    expect(folders).toEqual([{ path: `${lib}/`, name: 'lib', clipCount: 7 }]);
    const sub = (await ok(`query($p: String) { folders(prefix: $p) { path name clipCount } }`, { p: lib })).folders;
    expect(sub.map((x: { name: string; clipCount: number }) => [x.name, x.clipCount])).toEqual([
      ['copies', 1],
      ['fx', 3],
      ['tones', 3],
    ]);
    const { facets } = await ok(`{ facets { formats sampleRates channels tags minDurationSec maxDurationSec } }`);
    expect(facets).toMatchObject({ formats: ['wav'], sampleRates: [44100, 48000], channels: [1, 2] });
    expect(facets.maxDurationSec).toBeCloseTo(24, 1);
  });

  it('vector-only text search: best window, stable cursor pages equal one long page', async () => {
    const q = `query($q: String!, $first: Int, $after: String) { searchByText(query: $q, first: $first, after: $after, hybrid: false, weak: true) {
      totalCount hits { cursor score similarity good startSec endSec vectorRank keywordRank clip { id name durationSec } } pageInfo { hasNextPage endCursor } } }`;
    const all = (await ok(q, { q: 'a pure sine tone', first: 50 })).searchByText;
    // weak: true lists every clip; totalCount counts the good matches only.
    expect(all.hits).toHaveLength(7);
    expect(all.totalCount).toBe(all.hits.filter((x: any) => x.good).length);
    for (let i = 1; i < all.hits.length; i++) expect(all.hits[i - 1].score).toBeGreaterThanOrEqual(all.hits[i].score);
    all.hits.forEach((x: any, i: number) => {
      expect(x.vectorRank).toBe(i + 1);
      expect(x.keywordRank).toBeNull();
      expect(x.score).toBeCloseTo(sigma(CAL.textToAudio, x.similarity), 9);
      expect(x.endSec).toBeLessThanOrEqual(x.clip.durationSec + 1e-6);
    });
    const long = all.hits.find((x: any) => x.clip.name === 'long_mix.wav');
    expect(long.endSec - long.startSec).toBeGreaterThan(0);
    const paged: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: any = (await ok(q, { q: 'a pure sine tone', first: 2, after })).searchByText;
      paged.push(...p.hits.map((x: any) => x.clip.id));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.hits.map((x: any) => x.clip.id));
    // Filters apply before ranking and the total counts the filtered set.
    const f = (await ok(`{ searchByText(query: "tone", hybrid: false, weak: true, filter: { channels: [2] }) { totalCount hits { clip { name } } } }`)).searchByText;
    expect(f.totalCount).toBeLessThanOrEqual(1);
    expect(f.hits.map((x: any) => x.clip.name)).toEqual(['stereo_hum.wav']);
  });

  it('a word the model does not know: no good match and says why, until a tag names it (keyword half)', async () => {
    const word = 'zebrafinch';
    const q = `query($q: String!, $h: Boolean, $w: Boolean) { searchByText(query: $q, first: 50, hybrid: $h, weak: $w) {
      totalCount unknownWords noGoodMatch calibration { kind goodMatch } hits { score good fusedScore clip { id } keywordRank vectorRank matchedTerms } } }`;
    const none = (await ok(q, { q: word })).searchByText;
    expect(none).toMatchObject({ totalCount: 0, hits: [], unknownWords: [word], noGoodMatch: `the model does not know: ${word}`, calibration: { kind: 'BUNDLE', goodMatch: 0.5 } });
    // The weaker hits are there on request, all at 0: the embedding of an unknown word says nothing.
    const weak = (await ok(q, { q: word, h: false, w: true })).searchByText;
    expect(weak.hits).toHaveLength(7);
    expect(weak.hits.every((x: any) => x.score === 0 && !x.good)).toBe(true);
    const last = weak.hits[weak.hits.length - 1].clip.id;
    await ok(`mutation($id: ID!, $t: [String!]!) { setClipTags(id: $id, tags: $t) { id tags } }`, { id: last, t: [word, 'field recording'] });
    try {
      const hybrid = (await ok(q, { q: word })).searchByText;
      expect(hybrid.totalCount).toBe(1);
      expect(hybrid.noGoodMatch).toBeNull();
      expect(hybrid.hits).toHaveLength(1);
      const [h] = hybrid.hits;
      // A name/tag match of every informative word alone: relevance KEYWORD_RELEVANCE (0.6).
      expect(h).toMatchObject({ clip: { id: last }, keywordRank: 1, matchedTerms: [word], good: true });
      expect(h.score).toBeCloseTo(0.6, 12);
      expect(h.fusedScore).toBeCloseTo((61 / 2) * (1 / 61 + 1 / (60 + h.vectorRank)), 12);
      // Vector-only still knows nothing.
      expect((await ok(q, { q: word, h: false })).searchByText.totalCount).toBe(0);
    } finally {
      await ok(`mutation($id: ID!) { setClipTags(id: $id, tags: []) { id } }`, { id: last });
    }
  });

  it('one score, one order: every list ranks by and shows calibrated relevance, hybrid exposes its parts', async () => {
    const fields = `scoreKind hits { score good cosine similarity fusedScore vectorRank keywordRank matchedTerms clip { id } }`;
    const lists = {
      hybrid: (await ok(`{ searchByText(query: "hum noise", first: 50, weak: true) { ${fields} } }`)).searchByText,
      vector: (await ok(`{ searchByText(query: "hum noise", first: 50, hybrid: false, weak: true) { ${fields} } }`)).searchByText,
      similar: (await ok(`query($c: ID) { similarTo(clip: $c, first: 50, weak: true) { ${fields} } }`, { c: ids['sine_440.wav'] })).similarTo,
    };
    expect([lists.hybrid.scoreKind, lists.vector.scoreKind, lists.similar.scoreKind]).toEqual(['RELEVANCE', 'RELEVANCE', 'RELEVANCE']);
    for (const [name, l] of Object.entries<any>(lists)) {
      expect(l.hits.length, name).toBeGreaterThan(2);
      for (let i = 1; i < l.hits.length; i++) expect(l.hits[i - 1].score, `${name} #${i}`).toBeGreaterThanOrEqual(l.hits[i].score);
      for (const h of l.hits) {
        expect(h.cosine).toBe(h.similarity);
        expect(h.good).toBe(h.score >= 0.5);
      }
    }
    // Hybrid: noisy-OR of the vector half's probability and the keyword half's (0.6 × share of the two
    // informative words matched: "hum" in stereo_hum.wav, "noise" in hiss_noise.wav); RRF only as a part.
    for (const h of lists.hybrid.hits) {
      const pk = h.keywordRank ? (0.6 * h.matchedTerms.length) / 2 : 0;
      expect(h.score).toBeCloseTo(1 - (1 - sigma(CAL.textToAudio, h.cosine)) * (1 - pk), 9);
      expect(h.fusedScore).toBeCloseTo((61 / 2) * ((h.vectorRank ? 1 / (60 + h.vectorRank) : 0) + (h.keywordRank ? 1 / (60 + h.keywordRank) : 0)), 12);
    }
    expect(lists.hybrid.hits.filter((h: any) => h.keywordRank).length).toBe(2);
    for (const h of lists.vector.hits) {
      expect(h.fusedScore).toBeNull();
      expect(h.score).toBeCloseTo(sigma(CAL.textToAudio, h.cosine), 9);
    }
    for (const h of lists.similar.hits) expect(h.score).toBeCloseTo(sigma(CAL.audioToAudio, h.cosine), 9);
  });

  it('a bundle without calibration gets a cutoff from the library (unrelated background prompts and clips)', async () => {
    const rt = h.deps.runtime;
    const saved = rt.calibration;
    rt.calibration = null;
    try {
      const r = (
        await ok(`{ searchByText(query: "sine tone", hybrid: false, weak: true, first: 50) { totalCount calibration { kind source goodMatch } hits { score good cosine } } }`)
      ).searchByText;
      expect(r.calibration.kind).toBe('LIBRARY');
      expect(r.calibration.source).toMatch(/cutoffs from this library \(7 clips\): cosine -?\d\.\d{3} \(median best match of 24 unrelated prompts\)/);
      const cut = Number(/cosine (-?\d\.\d+)/.exec(r.calibration.source)![1]);
      // Above the null cutoff ⇔ good; the score is a logistic centred there.
      for (const x of r.hits) expect(x.good, `cos ${x.cosine}`).toBe(x.cosine >= cut - 1e-3 ? x.score >= 0.5 : false);
      expect(r.totalCount).toBe(r.hits.filter((x: any) => x.good).length);
      const s = (await ok(`query($c: ID) { similarTo(clip: $c) { calibration { kind } hits { good } } }`, { c: ids['sine_440.wav'] })).similarTo;
      expect(s.calibration.kind).toBe('LIBRARY');
    } finally {
      rt.calibration = saved;
    }
  });

  it('keyword half: English stems, no stop words, and a word every clip has does not move results', async () => {
    const run = async (q: string, hybrid = true) =>
      (await ok(`query($q: String!, $h: Boolean) { searchByText(query: $q, first: 50, hybrid: $h) { hits { clip { id name } keywordRank matchedTerms } } }`, { q, h: hybrid }))
        .searchByText.hits;
    // "sines" is stemmed to the "sine" of sine_440.wav, its copy and sine_880.wav; hits name the word as typed.
    const sines = await run('sines');
    expect(
      sines
        .slice(0, 3)
        .map((h: any) => h.clip.name)
        .sort(),
    ).toEqual(['sine_440.wav', 'sine_440_copy.wav', 'sine_880.wav']);
    expect(sines[0]).toMatchObject({ keywordRank: 1, matchedTerms: ['sines'] });
    expect(sines.filter((h: any) => h.keywordRank !== null)).toHaveLength(3);
    // Stop words match nothing, and "wav" (every clip's name) is no information: the order is the vector order.
    const vector = (await run('the wav of a', false)).map((h: any) => h.clip.id);
    const hybrid = await run('the wav of a');
    expect(hybrid.map((h: any) => h.clip.id)).toEqual(vector);
    expect(hybrid.every((h: any) => h.keywordRank === null && h.matchedTerms.length === 0)).toBe(true);
  });

  it('similarTo a clip excludes it and finds its exact copy first; nearDuplicates pairs them', async () => {
    const { similarTo } = await ok(`query($c: ID) { similarTo(clip: $c, first: 10, weak: true) { totalCount hits { similarity good clip { id name } } } }`, {
      c: ids['sine_440.wav'],
    });
    expect(similarTo.hits).toHaveLength(6);
    expect(similarTo.totalCount).toBe(similarTo.hits.filter((x: any) => x.good).length);
    expect(similarTo.hits[0].good).toBe(true);
    expect(similarTo.hits.map((x: any) => x.clip.id)).not.toContain(ids['sine_440.wav']);
    expect(similarTo.hits[0].clip.name).toBe('sine_440_copy.wav');
    expect(similarTo.hits[0].similarity).toBeCloseTo(1, 5);
    const one = (await ok(`query($c: ID) { nearDuplicates(clip: $c, maxDistance: 0.001) { distance identical a { id } b { name } } }`, { c: ids['sine_440.wav'] })).nearDuplicates;
    expect(one).toEqual([{ distance: expect.any(Number), identical: true, a: { id: ids['sine_440.wav'] }, b: { name: 'sine_440_copy.wav' } }]);
    const lib2 = (await ok(`{ nearDuplicates(maxDistance: 0.001) { distance identical a { name } b { name } } }`)).nearDuplicates;
    expect(lib2).toHaveLength(1);
    expect(lib2[0].identical).toBe(true);
    // Library-wide pairs come from the stored computation (a job after the ingest), at most 0.2 apart.
    const { computeNearDuplicates } = await ok(`mutation { computeNearDuplicates { id kind } }`);
    expect(computeNearDuplicates.kind).toBe('nearDuplicates');
    expect((await h.deps.jobs.wait(Number(computeNearDuplicates.id))).status).toBe('done');
    const status = (await ok(`{ nearDuplicatesStatus { computedAt stale job { id } } }`)).nearDuplicatesStatus;
    expect(status).toEqual({ computedAt: expect.any(String), stale: false, job: null });
    expect(code(await post(`{ nearDuplicates(maxDistance: 2) { distance } }`))).toBe('BAD_USER_INPUT');
    const everything = (await ok(`{ nearDuplicates(maxDistance: 0.2, first: 50) { distance identical a { id } b { id } } }`)).nearDuplicates;
    for (let i = 1; i < everything.length; i++) expect(everything[i].distance).toBeGreaterThanOrEqual(everything[i - 1].distance);
    expect(everything.filter((x: any) => x.identical)).toHaveLength(1);
    // The stored pairs are exactly the pairs the live single-clip query finds from either side (each content probes its 16 nearest of 6).
    const live = new Map<string, number>();
    for (const id of Object.values(ids)) {
      const near = (await ok(`query($c: ID) { nearDuplicates(clip: $c, maxDistance: 0.2) { distance b { id } } }`, { c: id })).nearDuplicates;
      for (const x of near) live.set([Number(id), Number(x.b.id)].sort((p, q) => p - q).join('-'), x.distance);
    }
    expect(everything.length).toBe(live.size);
    for (const x of everything) expect(live.get(`${x.a.id}-${x.b.id}`)).toBeCloseTo(x.distance, 6);
    const both = await post(`{ similarTo(first: 1) { totalCount } }`);
    expect(code(both)).toBe('BAD_USER_INPUT');
    const missing = await post(`{ similarTo(clip: "99999") { totalCount } }`);
    expect(code(missing)).toBe('NOT_FOUND');
  });

  it('open-set classify: calibrated presence per label, "none of these", unknown words; multi-label uses the same curve', async () => {
    const q = `query($c: ID, $l: [String!], $m: Boolean) { classify(clip: $c, labels: $l, multiLabel: $m) {
      noneOfThese noneProbability best { label } scores { label score cosine present unknownWords } } }`;
    // Words clap-mini cannot represent: the softmax is flat (a third each) but nothing is present, and the API says why.
    const farm = (await ok(q, { c: ids['sine_440.wav'], l: ['xyzzy', 'qwfp', 'zxqv'] })).classify;
    expect(farm.noneOfThese).toBe(true);
    for (const s of farm.scores) {
      expect(s.present).toBe(0);
      expect(s.unknownWords).toEqual([s.label]);
    }
    // Known labels: presence is the bundle's labelPresence curve of the cosine, independent of the other labels.
    const labels = ['sine tone', 'white noise', 'speech', 'siren'];
    const single = (await ok(q, { c: ids['sine_440.wav'], l: labels })).classify;
    for (const s of single.scores) expect(s.present).toBeCloseTo(sigma(CAL.labelPresence, s.cosine), 9);
    // "None of these": the labels together, P(none) = Π(1 − present), none when P(any) < 0.5.
    const none = single.scores.reduce((q: number, s: any) => q * (1 - s.present), 1);
    expect(single.noneProbability).toBeCloseTo(none, 9);
    expect(single.noneOfThese).toBe(1 - none < 0.5);
    expect(farm.noneProbability).toBe(1);
    const alone = (await ok(q, { c: ids['sine_440.wav'], l: ['speech'] })).classify;
    expect(alone.scores[0].present).toBeCloseTo(single.scores[2].present, 9);
    const multi = (await ok(q, { c: ids['sine_440.wav'], l: labels, m: true })).classify;
    multi.scores.forEach((s: any, i: number) => expect(s.score).toBeCloseTo(single.scores[i].present, 9));
    // Prompt ensemble: each label averaged over several templates, a different (still softmax) answer.
    const ens = (
      await ok(`query($c: ID, $l: [String!]) { classify(clip: $c, labels: $l, ensemble: true) { ensemble template scores { score cosine } } }`, {
        c: ids['sine_440.wav'],
        l: labels,
      })
    ).classify;
    expect(ens.ensemble).toBe(true);
    expect(ens.template).toBe('This is a sound of {}.');
    expect(ens.scores.reduce((a: number, s: any) => a + s.score, 0)).toBeCloseTo(1, 6);
    expect(ens.scores.map((s: any) => s.cosine)).not.toEqual(single.scores.map((s: any) => s.cosine));
  });

  it('classify a stored clip: softmax over labels, multi-label scores, per-window scores for long clips, label limit', async () => {
    const labels = ['beep', 'noise', 'speech', 'music'];
    const q = `query($c: ID, $l: [String!], $m: Boolean) { classify(clip: $c, labels: $l, multiLabel: $m) {
      scores { label score cosine } best { label score } multiLabel template windows { startSec endSec best { label score } scores { score } } } }`;
    const single = (await ok(q, { c: ids['long_mix.wav'], l: labels })).classify;
    expect(single.scores.map((s: any) => s.label)).toEqual(labels);
    expect(single.scores.reduce((a: number, s: any) => a + s.score, 0)).toBeCloseTo(1, 6);
    expect(single.best.score).toBe(Math.max(...single.scores.map((s: any) => s.score)));
    expect(single.template).toBe('This is a sound of {}.');
    // 24 s with 10 s windows every 5 s.
    expect(single.windows.length).toBeGreaterThanOrEqual(3);
    expect(single.windows[0].startSec).toBe(0);
    for (const w of single.windows) expect(w.scores.reduce((a: number, s: any) => a + s.score, 0)).toBeCloseTo(1, 6);
    const multi = (await ok(q, { c: ids['long_mix.wav'], l: labels, m: true })).classify;
    expect(multi.multiLabel).toBe(true);
    expect(multi.scores.map((s: any) => s.cosine)).toEqual(single.scores.map((s: any) => s.cosine));
    expect(multi.scores.reduce((a: number, s: any) => a + s.score, 0)).not.toBeCloseTo(1, 3);
    const short = (await ok(q, { c: ids['sine_880.wav'], l: labels })).classify;
    expect(short.windows).toEqual([]);
    const tooMany = await post(q, { c: ids['sine_880.wav'], l: ['a', 'b', 'c', 'd', 'e', 'f'] });
    expect(code(tooMany)).toBe('LIMIT_EXCEEDED');
    expect(tooMany.errors?.[0].extensions?.subject).toBe('labels');
  });

  it('uploads: raw and multipart bodies, similarTo / classify by upload id, size and duration caps', async () => {
    const bytes = wavBytes(tone(1.5, 440, 48000, 1), 48000);
    const raw = await fetch(`${h.url}/upload`, { method: 'POST', headers: { 'content-type': 'audio/wav', 'x-filename': 'q.wav', 'x-api-key': KEY }, body: new Uint8Array(bytes) });
    expect(raw.status).toBe(201);
    const up = (await raw.json()) as { id: string; durationSec: number; format: string; sampleRate: number; channels: number };
    expect(up).toMatchObject({ format: 'wav', sampleRate: 48000, channels: 1 });
    expect(up.durationSec).toBeCloseTo(1.5, 3);
    const sim = (await ok(`query($a: ID) { similarTo(audio: $a, first: 3) { hits { similarity clip { name } } } }`, { a: up.id })).similarTo;
    // Same bytes as sine_440.wav: both stored copies are at similarity 1.
    expect(
      sim.hits
        .slice(0, 2)
        .map((x: any) => x.clip.name)
        .sort(),
    ).toEqual(['sine_440.wav', 'sine_440_copy.wav']);
    expect(sim.hits[0].similarity).toBeCloseTo(1, 5);
    const stored = (await ok(`query($c: ID) { classify(clip: $c, labels: ["beep", "noise"]) { scores { score } } }`, { c: ids['sine_440.wav'] })).classify;
    const fromUpload = (await ok(`query($a: ID) { classify(audio: $a, labels: ["beep", "noise"]) { scores { score } } }`, { a: up.id })).classify;
    fromUpload.scores.forEach((s: any, i: number) => expect(s.score).toBeCloseTo(stored.scores[i].score, 5));

    const form = new FormData();
    form.append('note', 'ignored');
    form.append('file', new Blob([new Uint8Array(wavBytes(noise(1, 3), 48000))], { type: 'audio/wav' }), 'noise.wav');
    const mp = await fetch(`${h.url}/upload`, { method: 'POST', headers: { 'x-api-key': KEY }, body: form });
    expect(mp.status).toBe(201);
    expect(await mp.json()).toMatchObject({ name: 'noise.wav', format: 'wav', channels: 1 });

    const big = await fetch(`${h.url}/upload`, { method: 'POST', headers: { 'x-api-key': KEY }, body: new Uint8Array(5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('UPLOAD_TOO_LARGE');
    const longUp = await fetch(`${h.url}/upload`, { method: 'POST', headers: { 'x-api-key': KEY }, body: fs.readFileSync(path.join(lib, 'fx', 'long_mix.wav')) });
    expect(longUp.status).toBe(413);
    expect((await longUp.json()).error.code).toBe('CLIP_TOO_LONG');
    const junk = await fetch(`${h.url}/upload`, { method: 'POST', headers: { 'x-api-key': KEY }, body: 'this is not audio at all, just text' });
    expect(junk.status).toBeGreaterThanOrEqual(400);
    expect((await junk.json()).error.code).toBe('UNSUPPORTED_FORMAT');
    const gone = await post(`{ similarTo(audio: "u_nope") { totalCount } }`);
    expect(code(gone)).toBe('NOT_FOUND');
  });

  it('GET /audio/:clipId streams the file with range requests', async () => {
    const file = fs.readFileSync(path.join(lib, 'tones', 'sine_880.wav'));
    const whole = await fetch(`${h.url}/audio/${ids['sine_880.wav']}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    // The type the API lists the clip with (the web app's drag-out) is the one the stream is sent as.
    const listed = await post(`query($id: ID!) { clip(id: $id) { mimeType } }`, { id: ids['sine_880.wav'] });
    expect(listed.data.clip.mimeType).toBe('audio/wav');
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);
    const part = await fetch(`${h.url}/audio/${ids['sine_880.wav']}`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${file.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(file.subarray(100, 200))).toBe(true);
    const tail = await fetch(`${h.url}/audio/${ids['sine_880.wav']}`, { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(file.subarray(file.length - 10))).toBe(true);
    const beyond = await fetch(`${h.url}/audio/${ids['sine_880.wav']}`, { headers: { range: `bytes=${file.length + 5}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${file.length}`);
    const none = await fetch(`${h.url}/audio/424242`);
    expect(none.status).toBe(404);
    expect((await none.json()).error.code).toBe('NOT_FOUND');
  });

  it('label sets: CRUD, classifyLibrary stores predictions, browse by predicted label with exact totals', async () => {
    const input = { name: 'kinds', labels: ['beep', 'noise', 'sweep'] };
    const created = (await ok(`mutation($i: LabelSetInput!) { createLabelSet(input: $i) { id name labels template multiLabel createdAt } }`, { i: input })).createLabelSet;
    expect(created).toMatchObject({ name: 'kinds', labels: input.labels, template: 'This is a sound of {}.', multiLabel: false });
    const dup = await post(`mutation($i: LabelSetInput!) { createLabelSet(input: $i) { id } }`, { i: input });
    expect(code(dup)).toBe('BAD_USER_INPUT');
    const updated = (
      await ok(`mutation($id: ID!, $i: LabelSetInput!) { updateLabelSet(id: $id, input: $i) { id labels } }`, {
        id: created.id,
        i: { ...input, labels: ['beep', 'noise', 'sweep', 'hum'] },
      })
    ).updateLabelSet;
    expect(updated.labels).toHaveLength(4);
    expect((await ok(`{ labelSets { id name } }`)).labelSets).toEqual([{ id: created.id, name: 'kinds' }]);

    // classifyLibrary returns its job at once; the job counts clips; its counts are predictedLabels once it is done.
    const job = (await ok(`mutation($s: ID!) { classifyLibrary(labelSet: $s) { id kind status labelSet { id } } }`, { s: created.id })).classifyLibrary;
    expect(job).toMatchObject({ kind: 'classifyLibrary', labelSet: { id: created.id } });
    expect(['QUEUED', 'RUNNING', 'DONE']).toContain(job.status);
    await h.deps.jobs.wait(Number(job.id));
    const done = (await ok(`query($id: ID!) { job(id: $id) { status total processed failed error finishedAt } }`, { id: job.id })).job;
    expect(done).toEqual({ status: 'DONE', total: 7, processed: 7, failed: 0, error: null, finishedAt: expect.any(String) });
    expect((await ok(`{ jobs(kind: "classifyLibrary") { id } }`)).jobs.map((j: any) => j.id)).toContain(job.id);
    expect(code(await post(`mutation { classifyLibrary(labelSet: "424242") { id } }`))).toBe('NOT_FOUND');
    const { predictedLabels } = await ok(`query($s: ID!) { predictedLabels(labelSet: $s) { label count } }`, { s: created.id });
    expect(predictedLabels.reduce((a: number, c: any) => a + c.count, 0)).toBe(7);
    const top = predictedLabels[0];
    const browse = (
      await ok(`query($f: ClipFilter) { clips(filter: $f, first: 50) { totalCount nodes { id predictions { label score labelSet { id name } } } } }`, {
        f: { predictedLabel: { labelSet: created.id, label: top.label } },
      })
    ).clips;
    expect(browse.totalCount).toBe(top.count);
    expect(browse.nodes).toHaveLength(top.count);
    for (const n of browse.nodes) expect(n.predictions).toEqual([{ label: top.label, score: expect.any(Number), labelSet: { id: created.id, name: 'kinds' } }]);
    // Classifying with the saved set equals its stored prediction: the best label (or "(none of these)" when
    // no label is present) with its calibrated presence as the per-clip confidence.
    for (const n of browse.nodes) {
      const one = (await ok(`query($c: ID, $s: ID) { classify(clip: $c, labelSet: $s) { noneOfThese best { label score present } } }`, { c: n.id, s: created.id })).classify;
      expect(n.predictions[0].label).toBe(one.noneOfThese ? '(none of these)' : one.best.label);
      expect(n.predictions[0].score).toBeCloseTo(one.best.present, 9);
    }
    // Browsing filters on that confidence.
    const sure = (
      await ok(`query($f: ClipFilter) { clips(filter: $f, first: 50) { totalCount nodes { predictions { score } } } }`, {
        f: { predictedLabel: { labelSet: created.id, label: top.label, minScore: 0.5 } },
      })
    ).clips;
    expect(sure.totalCount).toBe(browse.nodes.filter((n: any) => n.predictions[0].score >= 0.5).length);

    expect((await ok(`mutation($id: ID!) { deleteLabelSet(id: $id) }`, { id: created.id })).deleteLabelSet).toBe(true);
    expect((await ok(`query($id: ID!) { labelSet(id: $id) { id } }`, { id: created.id })).labelSet).toBeNull();
    expect(code(await post(`mutation($id: ID!) { deleteLabelSet(id: $id) }`, { id: created.id }))).toBe('NOT_FOUND');
  });

  it('export: CSV and JSON of a search, a similarity list and a filtered listing', async () => {
    const csv = (await ok(`{ export(source: { text: "sine tone", limit: 4 }, format: CSV) { filename mimeType content } }`)).export;
    expect(csv.mimeType).toBe('text/csv');
    expect(csv.filename).toBe('search_sine_tone.csv');
    const lines = csv.content.trim().split('\r\n');
    // The export is the list the user sees: the good matches (here the three sine clips), at most `limit`.
    const shown = (await ok(`{ searchByText(query: "sine tone", first: 4) { totalCount hits { clip { id } } } }`)).searchByText;
    expect(shown.hits.length).toBeGreaterThan(0);
    expect(lines.slice(1).map((l: string) => l.split(',')[1])).toEqual(shown.hits.map((h: any) => h.clip.id));
    expect(lines[0]).toBe('rank,id,path,name,folder,format,sampleRate,channels,durationSec,tags,score,scoreKind,cosine,vectorRank,keywordRank,startSec,endSec');
    // The exported score is the order's: non-increasing down the file, and named FUSED for a hybrid search.
    const cells = lines.slice(1).map((l: string) => l.split(','));
    const scores = cells.map((c: string[]) => Number(c[10]));
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]).toBeGreaterThanOrEqual(scores[i]);
    expect(new Set(cells.map((c: string[]) => c[11]))).toEqual(new Set(['RELEVANCE']));
    const json = (await ok(`query($c: ID) { export(source: { similarToClip: $c, limit: 100 }, format: JSON) { filename mimeType content } }`, { c: ids['sine_440.wav'] })).export;
    const rows = JSON.parse(json.content);
    const good = (await ok(`query($c: ID) { similarTo(clip: $c, first: 10) { totalCount } }`, { c: ids['sine_440.wav'] })).similarTo.totalCount;
    expect(rows).toHaveLength(good);
    expect(rows[0]).toMatchObject({ rank: 1, name: 'sine_440_copy.wav', scoreKind: 'RELEVANCE' });
    const listing = JSON.parse((await ok(`{ export(source: { filter: { channels: [2] } }, format: JSON) { content } }`)).export.content);
    expect(listing.map((r: any) => r.name)).toEqual(['stereo_hum.wav']);
  });

  it('GET /export streams every row of a list (CSV or JSON, as a download); pages of any size give the same rows; bad input is a JSON error', async () => {
    const get = (q: string) => fetch(`${h.url}/export?${q}`);
    const res = await get(`format=csv&text=${encodeURIComponent('sine tone')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="search_sine_tone.csv"');
    const lines = (await res.text()).trim().split('\r\n');
    const total = (await ok(`{ searchByText(query: "sine tone") { totalCount } }`)).searchByText.totalCount;
    expect(lines.length - 1).toBe(total);
    // The same rows as the GraphQL export of the whole list.
    const gqlCsv = (await ok(`{ export(source: { text: "sine tone", limit: 1000 }, format: CSV) { content } }`)).export.content;
    expect(lines.join('\r\n') + '\r\n').toBe(gqlCsv);
    const listing = (await (await get(`format=json&filter=${encodeURIComponent(JSON.stringify({ formats: ['wav'] }))}`)).json()) as any[];
    const wavs = (await ok(`{ clips(filter: { formats: ["wav"] }) { totalCount } }`)).clips.totalCount;
    expect(listing).toHaveLength(wavs);
    expect(listing.map((r) => r.rank)).toEqual(listing.map((_, i) => i + 1));

    // Paged two rows at a time over the real store and search functions: the same rows, ranks running on.
    const { exportLists } = await import('../../apps/api/src/search/index.js');
    const { exportPages } = await import('../../apps/api/src/library/index.js');
    const { ensureModel } = await import('../../apps/api/src/store/index.js');
    const { id: modelId } = await ensureModel(h.deps.store, h.deps.runtime.identity);
    const lists = exportLists({ store: h.deps.store, modelId, runtime: h.deps.runtime, limits: cfg.limits });
    for (const src of [{ text: 'sine tone' }, { filter: { formats: ['wav'] } }, { similarToClip: ids['sine_440.wav'] }]) {
      const whole: any[] = [];
      const paged: any[] = [];
      for await (const p of exportPages(lists, src, 1000, 1000)) whole.push(...p);
      let pages = 0;
      for await (const p of exportPages(lists, src, 1000, 2)) {
        pages++;
        paged.push(...p);
      }
      expect(paged, JSON.stringify(src)).toEqual(whole);
      expect(pages).toBe(Math.ceil(whole.length / 2));
    }

    // Errors before any row: a status and a coded JSON body, never half a file.
    for (const [q, subject] of [
      ['format=xml', 'format'],
      ['filter=%7Bnope', 'filter'],
      [`filter=${encodeURIComponent('{"formats":"wav","bogus":1}')}`, 'filter'],
      ['limit=0', 'limit'],
    ]) {
      const bad = await get(q);
      expect(bad.status, q).toBe(400);
      expect((await bad.json()).error).toMatchObject({ code: 'BAD_USER_INPUT', subject });
    }
    const long = await get(`text=${'a'.repeat(cfg.limits.maxQueryChars + 1)}`);
    expect((await long.json()).error.code).toBe('LIMIT_EXCEEDED');
  });

  it('ingest over GraphQL: start, poll to done, failures with codes, runs list; unknown folder', async () => {
    const extra = path.join(tmp, 'incoming');
    writeWav(path.join(extra, 'beep_2k.wav'), tone(1, 2000, 48000, 11));
    fs.writeFileSync(path.join(extra, 'broken.wav'), 'not a wav file at all');
    const started = (await ok(`mutation($p: String!) { startIngest(path: $p) { id status root } }`, { p: extra })).startIngest;
    expect(started.root).toBe(extra);
    let run: any;
    for (let i = 0; i < 600; i++) {
      run = (
        await ok(`query($id: ID!) { ingestRun(id: $id) { id status totalFiles processedFiles failedFiles filesPerSec etaSec failures { path code message } } }`, { id: started.id })
      ).ingestRun;
      if (!['QUEUED', 'SCANNING', 'RUNNING'].includes(run.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run).toMatchObject({ status: 'DONE', totalFiles: 2, processedFiles: 1, failedFiles: 1 });
    expect(run.failures).toEqual([{ path: path.join(extra, 'broken.wav'), code: expect.stringMatching(/UNSUPPORTED_FORMAT|AUDIO_DECODE_FAILED/), message: expect.any(String) }]);
    const runs = (await ok(`{ ingestRuns(first: 5) { id status } }`)).ingestRuns;
    expect(runs.map((r: any) => r.id)).toContain(started.id);
    const cancelled = (await ok(`mutation($id: ID!) { cancelIngest(id: $id) { id status } }`, { id: started.id })).cancelIngest;
    expect(cancelled.id).toBe(started.id);
    const nowhere = await post(`mutation { startIngest(path: "/nonexistent/earshot/folder") { id } }`);
    expect(code(nowhere)).toBe('FILE_NOT_FOUND');
    // The new clip is searchable and deletable.
    const { clips } = await ok(`{ clips(filter: { folderPrefix: ${JSON.stringify(extra + '/')} }) { nodes { id } } }`);
    expect(clips.nodes).toHaveLength(1);
    expect((await ok(`mutation($id: ID!) { deleteClip(id: $id) }`, { id: clips.nodes[0].id })).deleteClip).toBe(true);
    expect((await ok(`query($id: ID!) { clip(id: $id) { id } }`, { id: clips.nodes[0].id })).clip).toBeNull();
  });

  it('limits reject with LIMIT_EXCEEDED: depth, aliases, tokens, cost, page size', async () => {
    const within = await post(`{ searchByText(query: "x") { hits { clip { id } } } }`);
    expect(within.errors).toBeUndefined();
    const deep = await post(`{ searchByText(query: "x") { hits { clip { predictions { labelSet { id } } } } } }`);
    expect(code(deep)).toBe('LIMIT_EXCEEDED');
    expect(deep.errors?.[0].message).toMatch(/depth/i);
    const aliases = await post(`{ a: health { ok } b: health { ok } c: health { ok } d: health { ok } }`);
    expect(code(aliases)).toBe('LIMIT_EXCEEDED');
    expect(aliases.errors?.[0].message).toMatch(/alias/i);
    const tokens = await post(`{ ${Array.from({ length: 120 }, () => 'facets { formats }').join(' ')} }`);
    expect(code(tokens)).toBe('LIMIT_EXCEEDED');
    expect(tokens.errors?.[0].message).toMatch(/token/i);
    const cost = await post(`{ ingestRuns(first: 20) { id failures(first: 100) { path code message } } }`);
    expect(code(cost)).toBe('LIMIT_EXCEEDED');
    expect(cost.errors?.[0].message).toMatch(/cost/i);
    const page = await post(`query($n: Int) { clips(first: $n) { totalCount } }`, { n: 51 });
    expect(code(page)).toBe('LIMIT_EXCEEDED');
    expect(page.errors?.[0].extensions?.subject).toBe('first');
    const page2 = await post(`query($n: Int) { searchByText(query: "x", first: $n) { totalCount } }`, { n: 1000 });
    expect(code(page2)).toBe('LIMIT_EXCEEDED');
  });

  it('write auth: mutations need the key (x-api-key or Bearer); reads stay open', async () => {
    const m = `mutation { createLabelSet(input: { name: "auth-check", labels: ["a"] }) { id } }`;
    const none = await post(m, {}, {});
    expect(code(none)).toBe('UNAUTHENTICATED');
    expect(none.data ?? null).toBeNull();
    const wrong = await post(m, {}, { 'x-api-key': 'not-the-key-000' });
    expect(code(wrong)).toBe('UNAUTHENTICATED');
    expect((await ok(`{ labelSets { name } }`)).labelSets.map((s: any) => s.name)).not.toContain('auth-check');
    const bearer = await post(m, {}, { authorization: `Bearer ${KEY}` });
    expect(bearer.errors).toBeUndefined();
    const read = await post(`{ health { ok } }`, {}, {});
    expect(read.data).toEqual({ health: { ok: true } });
    await ok(`mutation($id: ID!) { deleteLabelSet(id: $id) }`, { id: bearer.data.createLabelSet.id });
  });

  it('ingestRoots lists the folders the server may ingest (EARSHOT_INGEST_ROOTS), the ones startIngest accepts', async () => {
    expect((await ok(`{ ingestRoots }`)).ingestRoots).toEqual([tmp]);
    const outside = await post(`mutation { startIngest(path: "/etc") { id } }`);
    expect(code(outside)).toBe('PATH_OUTSIDE_ROOTS');
    expect(outside.errors?.[0]?.message).toContain(tmp);
  });

  it('editClipTags adds and removes tags on several clips at once, all or nothing, with the key; the tag filter finds them', async () => {
    const m = `mutation($ids: [ID!]!, $add: [String!], $remove: [String!]) { editClipTags(ids: $ids, add: $add, remove: $remove) { id tags } }`;
    const two = [ids['sine_880.wav'], ids['hiss_noise.wav']];
    const tagsOf = async (id: string) => (await ok(`query($id: ID!) { clip(id: $id) { tags } }`, { id })).clip.tags as string[];
    try {
      await ok(`mutation($id: ID!) { setClipTags(id: $id, tags: ["keep"]) { id } }`, { id: two[0] });
      const out = (await ok(m, { ids: two, add: ['bulk-a', ' bulk-b ', 'bulk-a'] })).editClipTags;
      expect(out.map((c: any) => c.tags)).toEqual([
        ['keep', 'bulk-a', 'bulk-b'],
        ['bulk-a', 'bulk-b'],
      ]);
      const tagged = (await ok(`{ clips(filter: { tags: ["bulk-a", "bulk-b"] }) { nodes { id } } }`)).clips.nodes.map((c: any) => c.id).sort();
      expect(tagged).toEqual([...two].sort());
      await ok(m, { ids: two, remove: ['bulk-b'] });
      expect(await tagsOf(two[0])).toEqual(['keep', 'bulk-a']);
      // One unknown id: nothing changes anywhere.
      const bad = await post(m, { ids: [two[0], '999999'], add: ['never'] });
      expect(code(bad)).toBe('NOT_FOUND');
      expect(await tagsOf(two[0])).toEqual(['keep', 'bulk-a']);
      // Over-long tags are refused with the limit named; without the key it is refused too.
      const long = await post(m, { ids: two, add: ['x'.repeat(65)] });
      expect(code(long)).toBe('LIMIT_EXCEEDED');
      expect(long.errors?.[0]?.message).toMatch(/the limit is 64/);
      expect(code(await post(m, { ids: two, add: ['nokey'] }, {}))).toBe('UNAUTHENTICATED');
      expect(await tagsOf(two[1])).toEqual(['bulk-a']);
      expect(code(await post(m, { ids: [] }))).toBe('BAD_USER_INPUT');
    } finally {
      for (const id of two) await ok(`mutation($id: ID!) { setClipTags(id: $id, tags: []) { id } }`, { id });
    }
  });

  it('errors carry stable codes and no stack traces', async () => {
    const syntax = await post(`{ health { ok }`);
    expect(code(syntax)).toBe('BAD_USER_INPUT');
    const unknown = await post(`{ nope }`);
    expect(code(unknown)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(unknown)).not.toMatch(/Did you mean/);
    const badCursor = await post(`{ clips(after: "%%%") { totalCount } }`);
    expect(code(badCursor)).toBe('BAD_USER_INPUT');
    for (const r of [syntax, unknown, badCursor]) expect(JSON.stringify(r)).not.toMatch(/stacktrace|\bat .*\.ts:\d+/);
    const malformed = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    const mBody = await malformed.text();
    expect(JSON.parse(mBody).error.code).toBe('BAD_USER_INPUT');
    expect(mBody).not.toMatch(/\bat .*:\d+:\d+/);
    const noRoute = await fetch(`${h.url}/nope`);
    expect(noRoute.status).toBe(404);
    expect((await noRoute.json()).error.code).toBe('NOT_FOUND');
  });
});
