/**
 * The towers run in worker threads (model/threaded-session.ts): a forward pass must leave the event
 * loop free, failures must reject (never hang), and an unclosed runtime must not keep a process alive.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { features, HAS_MINI, MINI_DIR, REPO_ROOT, RUNTIME_OPTS } from './mini.js';

describe.skipIf(!HAS_MINI)('ClapRuntime towers in worker threads', () => {
  let rt: ClapRuntime;
  beforeAll(async () => {
    rt = await ClapRuntime.open(await loadBundle(MINI_DIR), RUNTIME_OPTS);
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('keeps the event loop turning during a forward pass, and counts the pass as busy time', async () => {
    const f = features(3, 4, 'fusion');
    const batch = Array.from({ length: 48 }, () => f);
    await rt.embedAudio(batch.slice(0, 2)); // warm-up
    const busy0 = rt.audioBusyMs;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const t0 = performance.now();
    const out = await rt.embedAudio(batch);
    const ms = performance.now() - t0;
    clearInterval(timer);
    expect(out).toHaveLength(48);
    // A pass on the main thread lets no timer fire until it ends (onnxruntime-node's run is synchronous).
    expect(ms).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(ms / 2 / 4));
    expect(rt.audioBusyMs - busy0).toBeGreaterThan(0);
    expect(rt.audioBusyMs - busy0).toBeLessThanOrEqual(ms + 1);
  });

  it('runs concurrent text and audio calls and returns each its own rows', async () => {
    const [a, t, a2] = await Promise.all([
      rt.embedAudio([features(1, 2, 'fusion')]),
      rt.embedText(['a dog barking', 'rain']),
      rt.embedAudio([features(2, 3, 'fusion'), features(1, 2, 'fusion')]),
    ]);
    const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    expect(maxDiff(a[0], a2[1])).toBeLessThan(1e-5);
    expect(maxDiff(a2[0], a2[1])).toBeGreaterThan(1e-3);
    expect(t).toHaveLength(2);
  });

  it('rejects calls after close with INFERENCE_FAILED instead of hanging', async () => {
    const other = await ClapRuntime.open(await loadBundle(MINI_DIR), RUNTIME_OPTS);
    await other.close();
    const e = await other.embedAudio([features(1, 2, 'fusion')]).catch((x) => x);
    expect(e).toMatchObject({ code: 'INFERENCE_FAILED' });
    expect(String(e.message)).toMatch(/released/);
  });

  it('does not keep a process alive when a runtime is never closed', async () => {
    const script = `
      import { ClapRuntime, loadBundle } from ${JSON.stringify(path.join(REPO_ROOT, 'apps/api/src/model/index.ts'))};
      const rt = await ClapRuntime.open(await loadBundle(${JSON.stringify(MINI_DIR)}), { provider: 'cpu', intraOpThreads: 1, textCacheSize: 0 });
      const [v] = await rt.embedText(['rain']);
      console.log('dim', v.length);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 60_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('dim 512');
    expect(code).toBe(0);
  });
});
