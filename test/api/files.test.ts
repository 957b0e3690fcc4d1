/**
 * Files on the server's disk through the real API (issue 15 #7, #8, #14): startIngest only inside
 * EARSHOT_INGEST_ROOTS and says SCANNING while it walks, identical concurrent calls share one run,
 * and GET /audio/:id serves a clip only while its file is the one that was ingested.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../apps/api/src/config.js';
import type { ServerHandle } from '../../apps/api/src/server.js';
import { tempDir, tone, wavBytes, writeWav } from '../ingest/fixtures.js';

const MODEL_DIR = loadConfig().modelDir;
const reason = fs.existsSync(path.join(MODEL_DIR, 'clap-mini', 'manifest.json')) ? null : `${MODEL_DIR}/clap-mini is absent`;
if (reason) console.log(`[test/api/files] skipped: ${reason}`);

type Gql<T = any> = { data?: T; errors?: { message: string; extensions?: { code?: string; subject?: string } }[] };
const KEY = 'files-test-key-0123456789';
const ACTIVE = ['QUEUED', 'SCANNING', 'RUNNING'];

describe.skipIf(!!reason)('files on disk through the API', () => {
  let tmp = '';
  let root = '';
  let outside = '';
  let h: ServerHandle;

  const post = async <T = any>(query: string, variables: Record<string, unknown> = {}): Promise<Gql<T>> => {
    const r = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: JSON.stringify({ query, variables }) });
    return (await r.json()) as Gql<T>;
  };
  const start = (p: string) => post<{ startIngest: { id: string; status: string; root: string } }>(`mutation($p: String!) { startIngest(path: $p) { id status root } }`, { p });
  const runOf = async (id: string) =>
    (await post(`query($id: ID!) { ingestRun(id: $id) { id status root totalFiles processedFiles skippedFiles failedFiles failures { path code message } } }`, { id })).data!
      .ingestRun;
  /** Poll a run to its end; every status seen on the way is returned. */
  const finish = async (id: string) => {
    const seen: string[] = [];
    // Bounded by time, not by polls: beside the rest of the suite on a server the walk and the queue take longer.
    let run;
    for (const end = Date.now() + 100_000; Date.now() < end;) {
      run = await runOf(id);
      if (seen[seen.length - 1] !== run.status) seen.push(run.status);
      if (!ACTIVE.includes(run.status)) return { run, seen };
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`run ${id} did not finish in 100 s: statuses ${seen.join(' → ')}, last ${JSON.stringify(run)}`);
  };
  const clipId = async (name: string) => (await post(`{ clips(first: 50) { nodes { id name } } }`)).data!.clips.nodes.find((c: { name: string }) => c.name === name)?.id as string;
  const audio = async (id: string) => {
    const r = await fetch(`${h.url}/audio/${id}`);
    const body = Buffer.from(await r.arrayBuffer());
    return { status: r.status, body, json: () => JSON.parse(body.toString('utf8')) as { error: { code: string; subject?: string } } };
  };

  beforeAll(async () => {
    tmp = tempDir('files');
    root = path.join(tmp, 'library');
    outside = path.join(tmp, 'private');
    writeWav(path.join(root, 'a', 'kick.wav'), tone(1, 120, 48000, 1));
    writeWav(path.join(root, 'a', 'snare.wav'), tone(1.2, 900, 48000, 2));
    writeWav(path.join(outside, 'secret.wav'), tone(0.5, 3000, 48000, 3));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not serve me');
    // Inside the root, pointing out of it: a folder link (never walked) and a file link (a failure).
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.symlinkSync(path.join(outside, 'secret.wav'), path.join(root, 'a', 'link.wav'));
    // A link that stays inside the root is ingested like any file.
    fs.symlinkSync(path.join(root, 'a', 'snare.wav'), path.join(root, 'snare-link.wav'));
    const cfg: Config = loadConfig({
      EARSHOT_DATA_DIR: ':memory:',
      EARSHOT_MODEL_DIR: MODEL_DIR,
      EARSHOT_MODEL: 'clap-mini',
      EARSHOT_API_PORT: '0',
      EARSHOT_API_KEY: KEY,
      EARSHOT_LOG_LEVEL: 'error',
      EARSHOT_INGEST_CONCURRENCY: '1',
      EARSHOT_ORT_THREADS: '1',
      EARSHOT_INGEST_ROOTS: `${root},/nonexistent/earshot-root`,
    });
    const { startServer } = await import('../../apps/api/src/server.js');
    h = await startServer(cfg);
  }, 300_000);

  afterAll(async () => {
    await h?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('startIngest refuses relative paths and real paths outside EARSHOT_INGEST_ROOTS, with a code and a reason', async () => {
    for (const p of ['../..', 'library', './', '']) {
      const r = await start(p);
      expect(r.errors?.[0]?.extensions?.code, p).toBe('PATH_NOT_ABSOLUTE');
      expect(r.errors?.[0]?.message).toMatch(/relative path/);
    }
    for (const p of ['/', tmp, outside, path.join(root, '..'), path.join(root, 'escape'), `${root}-sibling`]) {
      if (p.endsWith('-sibling')) fs.mkdirSync(p, { recursive: true });
      const r = await start(p);
      expect(r.errors?.[0]?.extensions, p).toMatchObject({ code: 'PATH_OUTSIDE_ROOTS', subject: p });
      expect(r.errors?.[0]?.message).toMatch(/outside the ingest roots .*EARSHOT_INGEST_ROOTS/);
    }
    expect((await start(path.join(root, 'escape'))).errors![0].message).toContain(`resolves to ${outside}`);
    expect((await start(path.join(root, 'nope'))).errors?.[0]?.extensions?.code).toBe('FILE_NOT_FOUND');
    expect((await start(path.join(root, 'a', 'kick.wav'))).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Nothing was created by the refused calls.
    expect((await post(`{ ingestRuns { id } }`)).data!.ingestRuns).toEqual([]);
  });

  it('a run says SCANNING while it walks (never QUEUED), then runs; three identical calls at once share one run', async () => {
    // 1,500 nested empty folders: a walk that takes a while, with nothing to ingest in it.
    for (let i = 0; i < 1500; i++) fs.mkdirSync(path.join(root, 'deep', String(i % 30), String(i)), { recursive: true });
    const calls = await Promise.all([start(root), start(`${root}/`), start(path.join(root, 'a', '..'))]);
    for (const c of calls) expect(c.errors, JSON.stringify(c.errors)).toBeUndefined();
    const ids = new Set(calls.map((c) => c.data!.startIngest.id));
    expect(ids.size).toBe(1);
    for (const c of calls) expect(c.data!.startIngest).toMatchObject({ root, status: expect.stringMatching(/^(SCANNING|RUNNING|DONE)$/) });
    expect(calls.map((c) => c.data!.startIngest.status)).toContain('SCANNING');
    const { run, seen } = await finish([...ids][0]);
    expect(seen).not.toContain('QUEUED');
    expect(run).toMatchObject({ status: 'DONE', totalFiles: 4, processedFiles: 3, failedFiles: 1 });
    expect(run.failures).toEqual([
      {
        path: path.join(root, 'a', 'link.wav'),
        code: 'FILE_OUTSIDE_ROOT',
        message: expect.stringContaining(`a symlink to ${path.join(outside, 'secret.wav')}, outside the ingested folder`),
      },
    ]);
    const runs = (await post(`{ ingestRuns { id root } }`)).data!.ingestRuns;
    expect(runs).toEqual([{ id: [...ids][0], root }]);
    // After it ended, the same call makes a new run (which finds both files unchanged).
    const again = await start(root);
    expect(again.data!.startIngest.id).not.toBe([...ids][0]);
    expect((await finish(again.data!.startIngest.id)).run).toMatchObject({ status: 'DONE', skippedFiles: 3, failedFiles: 1 });
  }, 300_000);

  it('GET /audio serves a clip only while its file is the ingested one: never the bytes of a swapped-in file', async () => {
    const kick = path.join(root, 'a', 'kick.wav');
    const original = fs.readFileSync(kick);
    // Seconds with half a ms added: utimes goes through a float, and the stored mtime is whole ms.
    const mtime = (Math.floor(fs.statSync(kick).mtimeMs) + 0.5) / 1000;
    const id = await clipId('kick.wav');
    expect(id).toBeTruthy();
    const ok = await audio(id);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(original)).toBe(true);
    // A symlink that stays inside the root is served.
    const viaLink = await audio(await clipId('snare-link.wav'));
    expect(viaLink.status).toBe(200);
    expect(viaLink.body.equals(fs.readFileSync(path.join(root, 'a', 'snare.wav')))).toBe(true);
    const secret = fs.readFileSync(path.join(outside, 'secret.wav'));
    const refuse = async (code: string, status: number) => {
      const r = await audio(id);
      expect(r.status, code).toBe(status);
      expect(r.json().error).toMatchObject({ code, subject: kick });
      expect(r.body.includes(secret.subarray(44, 200))).toBe(false);
      expect(r.body.includes(Buffer.from('do not serve me'))).toBe(false);
    };
    try {
      // A symlink to a file outside the root (even one with the same size and mtime).
      fs.rmSync(kick);
      fs.symlinkSync(path.join(outside, 'secret.txt'), kick);
      await refuse('FILE_OUTSIDE_ROOT', 403);
      fs.rmSync(kick);
      fs.writeFileSync(path.join(outside, 'twin.wav'), original);
      fs.utimesSync(path.join(outside, 'twin.wav'), mtime, mtime);
      fs.symlinkSync(path.join(outside, 'twin.wav'), kick);
      await refuse('FILE_OUTSIDE_ROOT', 403);
      // A symlink through a folder link that leaves the root.
      fs.rmSync(kick);
      fs.symlinkSync(path.join(root, 'escape', 'secret.wav'), kick);
      await refuse('FILE_OUTSIDE_ROOT', 403);
      // Other bytes in its place: different size; then the same size, another mtime.
      fs.rmSync(kick);
      fs.writeFileSync(kick, secret);
      await refuse('FILE_CHANGED', 409);
      fs.writeFileSync(kick, wavBytes(tone(1, 4000, 48000, 9), 48000));
      expect(fs.statSync(kick).size).toBe(original.length);
      await refuse('FILE_CHANGED', 409);
      // A FIFO answers at once instead of hanging the request.
      fs.rmSync(kick);
      if (process.platform === 'linux') {
        const { execFileSync } = await import('node:child_process');
        execFileSync('mkfifo', [kick]);
        await refuse('FILE_CHANGED', 409);
        fs.rmSync(kick);
      }
      // Gone.
      const gone = await audio(id);
      expect(gone.status).toBe(404);
      expect(gone.json().error.code).toBe('FILE_NOT_FOUND');
    } finally {
      fs.rmSync(kick, { force: true });
      fs.writeFileSync(kick, original);
      fs.utimesSync(kick, mtime, mtime);
    }
    // The original back (same bytes, same mtime): served again, ranges too.
    const back = await audio(id);
    expect(back.status).toBe(200);
    expect(back.body.equals(original)).toBe(true);
    const part = await fetch(`${h.url}/audio/${id}`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(original.subarray(10, 20))).toBe(true);
  }, 120_000);
});
