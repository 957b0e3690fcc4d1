/**
 * The cases of the security review that a real server answers quickly (the slow ones are in
 * `npm run bench:faults`): the freeze pair, Host and Origin checks, the proxy secret, uploads behind
 * the key, cost with `first` in a variable, and client input that used to end as INTERNAL / HTTP 500.
 * Two servers on in-memory PGlite with the real mini bundle: one with an API key, one without.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/api/src/config.js';
import type { ServerHandle } from '../../apps/api/src/server.js';
import { ffmpegConvert, hasTool, tempDir, tone, wavBytes, writeWav } from '../ingest/fixtures.js';

const KEY = 'security-test-key-0123456789';
const SECRET = 'security-proxy-secret-0123456789';
const MODEL_DIR = loadConfig().modelDir;
const reason = fs.existsSync(path.join(MODEL_DIR, 'clap-mini', 'manifest.json')) ? null : `${MODEL_DIR}/clap-mini is absent`;
if (reason) console.log(`[test/api/security] skipped: ${reason}`);

type Reply = { status: number; body: any; headers: Headers };

async function start(env: Record<string, string>): Promise<ServerHandle> {
  const { startServer } = await import('../../apps/api/src/server.js');
  return startServer(
    loadConfig({
      EARSHOT_DATA_DIR: ':memory:',
      EARSHOT_MODEL_DIR: MODEL_DIR,
      EARSHOT_API_PORT: '0',
      EARSHOT_LOG_LEVEL: 'error',
      EARSHOT_ORT_THREADS: '1',
      EARSHOT_DEMO_LIBRARY: 'off',
      EARSHOT_PROXY_SECRET: SECRET,
      EARSHOT_ALLOWED_ORIGINS: 'http://tools.example:8080',
      ...env,
    }),
  );
}

describe.skipIf(!!reason)('security: a server that is safe to leave running', () => {
  let keyed: ServerHandle;
  let open: ServerHandle;

  beforeAll(async () => {
    [keyed, open] = await Promise.all([start({ EARSHOT_API_KEY: KEY }), start({})]);
  }, 120_000);
  afterAll(async () => {
    await keyed?.close();
    await open?.close();
  });

  // node:http rather than fetch: fetch sets Host and Sec-Fetch-Mode itself, and these cases forge them.
  const send = (h: ServerHandle, route: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = http.request(`${h.url}${route}`, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, body, headers });
        });
      });
      req.on('error', reject);
      req.end(init.body);
    });
  const gql = (h: ServerHandle, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    send(h, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const code = (r: Reply) => r.body?.errors?.[0]?.extensions?.code ?? r.body?.error?.code;
  let n = 0;
  const mutation = () => `mutation { createLabelSet(input: { name: "set ${++n}", labels: ["a"] }) { id } }`;

  it('1: the freeze pair (two ~30 KB queries) is refused with LIMIT_EXCEEDED and the server stays healthy', async () => {
    const text = 'rain '.repeat(6000);
    const q = `query($q: String!) { searchByText(query: $q) { totalCount } }`;
    const [a, b] = await Promise.all([gql(open, q, { q: text }), gql(open, q, { q: text })]);
    for (const r of [a, b]) {
      expect(r.status).toBe(413);
      expect(code(r)).toBe('LIMIT_EXCEEDED');
      expect(r.body.errors[0].message).toMatch(/29999 characters long; the limit is 500/);
    }
    // Many distinct short words within the length limit: refused by the word limit.
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const many = await gql(open, q, { q: words });
    expect(code(many)).toBe('LIMIT_EXCEEDED');
    expect(many.body.errors[0].message).toMatch(/40 distinct words; the limit is 32/);
    // Labels and label sets are held to the same bounds.
    const label = await gql(open, `{ classify(clip: "1", labels: ["${'x'.repeat(600)}"]) { best { label } } }`);
    expect(code(label)).toBe('LIMIT_EXCEEDED');
    const within = await gql(open, q, { q: Array.from({ length: 32 }, (_, i) => `w${i}`).join(' ') });
    expect(within.body.errors).toBeUndefined();
    const health = await send(open, '/healthz');
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
  });

  it('2: a forged Host (DNS rebinding) is refused on every route; loopback names are answered', async () => {
    const port = new URL(open.url).port;
    for (const route of ['/healthz', '/graphql', '/audio/1', '/']) {
      const r = await send(open, route, { headers: { host: `attacker.example:${port}` } });
      expect(r.status, route).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
      expect(r.body.error.message).toMatch(/EARSHOT_ALLOWED_HOSTS/);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await send(open, '/healthz', { headers: { host } })).status, host).toBe(200);
    }
  });

  it('2: a page of another origin can neither write nor read; no Access-Control-Allow-Origin: *', async () => {
    const evil = { origin: 'http://localhost:8081' };
    const write = await gql(open, mutation(), {}, evil);
    expect(write.status).toBe(403);
    expect(code(write)).toBe('FORBIDDEN');
    const read = await gql(open, `{ health { ok } }`, {}, evil);
    expect(read.status).toBe(403);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await send(open, '/graphql', { method: 'OPTIONS', headers: { ...evil, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // <audio src> from another site sends no Origin, only Sec-Fetch-Site.
    const media = await send(open, '/audio/1', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'audio' } });
    expect(media.status).toBe(403);
    const sameSite = await send(open, '/audio/1', { headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' } });
    expect(sameSite.status).toBe(403);
    // Following a link is allowed (the linking page sees nothing).
    const nav = await send(open, '/audio/1', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
    expect(nav.status).toBe(404);
    // "null" origins (sandboxed frames, file://) are not an allowed origin.
    expect((await gql(open, `{ health { ok } }`, {}, { origin: 'null' })).status).toBe(403);
    // The server's own origin (its landing page) and the web app's default origin may write.
    const own = await gql(open, mutation(), {}, { origin: open.url });
    expect(own.body.errors).toBeUndefined();
    const web = await gql(open, mutation(), {}, { origin: 'http://127.0.0.1:3000' });
    expect(web.body.errors).toBeUndefined();
    // A configured origin gets CORS for itself only.
    const tool = await send(open, '/graphql', { method: 'OPTIONS', headers: { origin: 'http://tools.example:8080', 'access-control-request-method': 'POST' } });
    expect(tool.status).toBe(204);
    expect(tool.headers.get('access-control-allow-origin')).toBe('http://tools.example:8080');
    const plain = await send(open, '/healthz');
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('2/6: the proxy secret: forwarded Host is checked, a wider-bound proxy is not local, a wrong secret is ignored', async () => {
    const port = new URL(open.url).port;
    const viaProxy = (extra: Record<string, string>) => ({ 'x-earshot-proxy': SECRET, 'x-earshot-client': '127.0.0.1', 'x-earshot-host': 'localhost:43210', ...extra });
    // The web app on any port: the browser's Origin matches the Host it asked the proxy for.
    const ok = await gql(open, mutation(), {}, viaProxy({ origin: 'http://localhost:43210' }));
    expect(ok.body.errors).toBeUndefined();
    const rebound = await gql(open, mutation(), {}, viaProxy({ 'x-earshot-host': 'attacker.example:43210', origin: 'http://attacker.example:43210' }));
    expect(rebound.status).toBe(403);
    const crossOrigin = await gql(open, mutation(), {}, viaProxy({ origin: 'http://localhost:8081' }));
    expect(crossOrigin.status).toBe(403);
    // A proxy bound beyond loopback says its clients are not local: without a key, no writes.
    const remote = await gql(open, mutation(), {}, viaProxy({ 'x-earshot-client': 'remote', origin: 'http://localhost:43210' }));
    expect(code(remote)).toBe('UNAUTHENTICATED');
    // Without the right secret the x-earshot-* headers are the client's word and count for nothing.
    const forged = await gql(open, `{ health { ok } }`, {}, { 'x-earshot-proxy': 'wrong-secret-0123456789', 'x-earshot-host': 'localhost:1', host: `attacker.example:${port}` });
    expect(forged.status).toBe(403);
  });

  it('3: uploads need the key when one is set, and the key is never echoed', async () => {
    const wav = new Uint8Array(wavBytes(tone(1, 440, 48000, 1), 48000));
    const none = await send(keyed, '/upload', { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: wav });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const wrong = await send(keyed, '/upload', { method: 'POST', headers: { 'x-api-key': 'guess-guess-guess-1' }, body: wav });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('guess-guess-guess-1');
    const good = await send(keyed, '/upload', { method: 'POST', headers: { 'x-api-key': KEY }, body: wav });
    expect(good.status).toBe(201);
    const m = await gql(keyed, mutation(), {}, { 'x-api-key': 'guess-guess-guess-1' });
    expect(code(m)).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(m.body)).not.toContain('guess-guess-guess-1');
  });

  it.skipIf(!hasTool('ffmpeg'))('4: a FLAC whose header declares an hour is refused before it is decoded', async () => {
    const dir = tempDir('security-flac');
    const src = writeWav(path.join(dir, 'one.wav'), tone(1, 440, 44100, 1), 44100);
    ffmpegConvert(src, path.join(dir, 'one.flac'));
    const flac = new Uint8Array(fs.readFileSync(path.join(dir, 'one.flac')));
    // STREAMINFO total samples (36 bits at bytes 21..25): 3600 s at 44.1 kHz.
    const total = 3600 * 44100;
    flac[21] = (flac[21] & 0xf0) | Math.floor(total / 2 ** 32);
    new DataView(flac.buffer).setUint32(22, total >>> 0);
    const r = await send(keyed, '/upload', { method: 'POST', headers: { 'x-api-key': KEY }, body: flac });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('CLIP_TOO_LONG');
    expect(r.body.error.message).toMatch(/header declares 3600\.0 s.*refused before decoding/);
    // The real one-second file still goes through the decode thread.
    const ok = await send(keyed, '/upload', { method: 'POST', headers: { 'x-api-key': KEY }, body: new Uint8Array(fs.readFileSync(path.join(dir, 'one.flac'))) });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ format: 'flac', sampleRate: 44100 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('5: the cost limit counts `first` from variables and defaults, not only literals', async () => {
    const heavy = `hits { cursor score similarity startSec endSec clip { id path name folder format codec sampleRate channels durationSec sizeBytes tags waveform audioUrl } }`;
    const fiveAliases = (arg: string) => `query($n: Int) { ${['a', 'b', 'c', 'd', 'e'].map((a) => `${a}: searchByText(query: "rain"${arg}) { ${heavy} }`).join(' ')} }`;
    const literal = await gql(open, fiveAliases(', first: 200').replace('query($n: Int) ', ''));
    expect(code(literal)).toBe('LIMIT_EXCEEDED');
    const variable = await gql(open, fiveAliases(', first: $n'), { n: 200 });
    expect(code(variable)).toBe('LIMIT_EXCEEDED');
    expect(variable.status).toBe(400);
    expect(variable.body.errors[0].message).toMatch(/Cost limit of 20000 exceeded/);
    // The same cost as the literal form: `first` is read from the variables.
    expect(variable.body.errors[0].message).toBe(literal.body.errors[0].message);
    // An omitted variable means the argument's default page (20), as the resolver will use it.
    const omitted = await gql(open, fiveAliases(', first: $n').replace('{ hits', '{ totalCount hits'), {});
    expect(omitted.body.errors).toBeUndefined();
    const small = await gql(open, fiveAliases(', first: $n'), { n: 5 });
    expect(small.body.errors).toBeUndefined();
  });

  it('13: ids past 2³¹−1, NUL bytes, subscriptions, bad persisted-query hashes and the token limit are 4xx client errors', async () => {
    const big = '2147483648';
    const clip = await gql(open, `query($id: ID!) { clip(id: $id) { id } }`, { id: big });
    expect(clip.body.data.clip).toBeNull();
    for (const q of [
      `{ similarTo(clip: "${big}") { totalCount } }`,
      `{ classify(clip: "${big}", labels: ["a"]) { best { label } } }`,
      `{ nearDuplicates(clip: "${big}") { distance } }`,
      `{ labelSet(id: "${big}") { id } }`,
      `{ ingestRun(id: "${big}") { id } }`,
      `{ predictedLabels(labelSet: "${big}") { label } }`,
    ]) {
      const r = await gql(open, q);
      expect(code(r) ?? 'null-result', q).not.toBe('INTERNAL');
      expect(r.status, `${q} ${JSON.stringify(r.body)}`).toBeLessThan(500);
    }
    for (const m of [
      `mutation { deleteClip(id: "${big}") }`,
      `mutation { setClipTags(id: "${big}", tags: ["a"]) { id } }`,
      `mutation { deleteLabelSet(id: "${big}") }`,
      `mutation { cancelIngest(id: "${big}") { id } }`,
    ]) {
      const r = await gql(open, m);
      expect(['BAD_USER_INPUT', 'NOT_FOUND'], m).toContain(code(r));
    }
    const audio = await send(open, `/audio/${big}`);
    expect(audio.status, JSON.stringify(audio.body)).toBe(404);
    expect((await send(open, `/audio/99999999999999999999`)).status).toBe(404);

    const nul = await gql(open, `query($q: String!) { searchByText(query: $q) { totalCount } }`, { q: 'rain\u0000roof' });
    expect(nul.status).toBe(400);
    expect(code(nul)).toBe('BAD_USER_INPUT');
    const nulLiteral = await gql(open, `{ folders(prefix: "a\\u0000b") { path } }`);
    expect(code(nulLiteral)).toBe('BAD_USER_INPUT');

    const sub = await gql(open, `subscription { health { ok } }`);
    expect(sub.status).toBeLessThan(500);
    expect(code(sub)).toBe('BAD_USER_INPUT');

    const apq = await send(open, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { ok } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
    });
    expect(apq.status).toBeLessThan(500);
    expect(code(apq)).toBe('BAD_USER_INPUT');

    const tokens = await gql(open, `{ ${Array.from({ length: 700 }, () => 'facets { formats }').join(' ')} }`);
    expect(tokens.status).toBeGreaterThanOrEqual(400);
    expect(tokens.status).toBeLessThan(500);
    expect(code(tokens)).toBe('LIMIT_EXCEEDED');
  });

  it('12: library-wide near-duplicates of many identical copies return the first `first` pairs, nothing more', async () => {
    const dir = tempDir('security-copies');
    const src = writeWav(path.join(dir, 'copy_000.wav'), tone(0.5, 440, 48000, 5));
    for (let i = 1; i < 40; i++) fs.copyFileSync(src, path.join(dir, `copy_${String(i).padStart(3, '0')}.wav`));
    const { runIngest } = await import('../../apps/api/src/ingest/index.js');
    await runIngest(open.deps, { root: dir });
    const r = await gql(open, `{ nearDuplicates(maxDistance: 0, first: 7) { identical distance a { id } b { id } } }`);
    const pairs = r.body.data.nearDuplicates as { identical: boolean; distance: number; a: { id: string }; b: { id: string } }[];
    expect(pairs).toHaveLength(7);
    expect(pairs.every((p) => p.identical && p.distance === 0)).toBe(true);
    // (a, b) order: the smallest id paired with the next seven.
    const ids = pairs.map((p) => [Number(p.a.id), Number(p.b.id)]);
    const a0 = ids[0][0];
    expect(ids).toEqual(Array.from({ length: 7 }, (_, i) => [a0, a0 + i + 1]));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('16: tags are bounded in count and length', async () => {
    const many = await gql(open, `mutation($t: [String!]!) { setClipTags(id: "1", tags: $t) { id } }`, { t: Array.from({ length: 65 }, (_, i) => `t${i}`) });
    expect(code(many)).toBe('LIMIT_EXCEEDED');
    const long = await gql(open, `mutation($t: [String!]!) { setClipTags(id: "1", tags: $t) { id } }`, { t: ['x'.repeat(65)] });
    expect(code(long)).toBe('LIMIT_EXCEEDED');
  });
});
