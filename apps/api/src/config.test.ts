import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig } from './config.js';
import { EarshotError } from './errors.js';

/** Bad values per variable; paths and host are free-form (a path's writability is checked on open). */
const BAD: Record<string, string[]> = {
  DATABASE_URL: ['mysql://localhost/x', 'localhost:5432'],
  EARSHOT_MODEL: ['clap mini', '../etc'],
  EARSHOT_API_PORT: ['70000', 'http', '-1', '80.5'],
  EARSHOT_WEB_PORT: ['65536', 'x'],
  EARSHOT_HNSW_EF_SEARCH: ['5', '1001', 'many'],
  EARSHOT_API_KEY: ['short'],
  EARSHOT_LOG_LEVEL: ['loud', 'INFO'],
  EARSHOT_ORT_PROVIDER: ['tpu'],
  EARSHOT_ORT_THREADS: ['-1', '1.5', 'all'],
  EARSHOT_AUDIO_BATCH: ['0', '257'],
  EARSHOT_INGEST_ROOTS: ['relative/sounds', './x', '~/music'],
  EARSHOT_INGEST_CONCURRENCY: ['0', 'many'],
  EARSHOT_DECODE_THREADS: ['0', 'all'],
  EARSHOT_WINDOW_SEC: ['0', 'ten'],
  EARSHOT_HOP_SEC: ['0.1'],
  EARSHOT_MAX_DURATION_SEC: ['0', '1e9'],
  EARSHOT_MAX_UPLOAD_BYTES: ['10', '50MB'],
  EARSHOT_MAX_UPLOAD_SEC: ['0'],
  EARSHOT_MAX_LABELS: ['0', '1001'],
  EARSHOT_MAX_PAGE_SIZE: ['0'],
  EARSHOT_MAX_QUERY_DEPTH: ['1'],
  EARSHOT_MAX_ALIASES: ['0'],
  EARSHOT_MAX_TOKENS: ['5'],
  EARSHOT_MAX_COST: ['5'],
  EARSHOT_TEXT_CACHE: ['-1'],
  EARSHOT_MAX_QUERY_CHARS: ['5'],
  EARSHOT_MAX_QUERY_WORDS: ['0'],
  EARSHOT_MAX_TAGS: ['0'],
  EARSHOT_MAX_TAG_CHARS: ['0'],
  EARSHOT_REQUEST_TIMEOUT_MS: ['5'],
  EARSHOT_STATEMENT_TIMEOUT_MS: ['5'],
  EARSHOT_ALLOWED_HOSTS: ['http://x.example', 'a b'],
  EARSHOT_ALLOWED_ORIGINS: ['tools.example', 'http://tools.example/app'],
  EARSHOT_PROXY_SECRET: ['short'],
};
const SECRET_VARS = ['EARSHOT_API_KEY', 'EARSHOT_PROXY_SECRET'];
const FREE_FORM = ['EARSHOT_DEMO_LIBRARY', 'EARSHOT_DATA_DIR', 'EARSHOT_MODEL_DIR', 'EARSHOT_HOST'];

function configError(env: Record<string, string>): EarshotError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(EarshotError);
    return e as EarshotError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has defaults for everything: an empty environment is valid and uses the embedded database', () => {
    const cfg = loadConfig({});
    expect(cfg.databaseUrl).toBeUndefined();
    expect(cfg.dataDir).toMatch(/\.data$/);
    expect(cfg.apiPort).toBe(4000);
    expect(cfg.ingest.hopSec).toBeLessThanOrEqual(cfg.ingest.windowSec);
  });

  it('reads good values and treats empty strings as unset', () => {
    const cfg = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db.example:5433/earshot',
      EARSHOT_API_PORT: '0',
      EARSHOT_ORT_THREADS: '4',
      EARSHOT_LOG_LEVEL: 'debug',
      EARSHOT_DATA_DIR: '',
    });
    expect(cfg).toMatchObject({ databaseUrl: 'postgresql://u:p@db.example:5433/earshot', apiPort: 0, logLevel: 'debug' });
    expect(cfg.ort.intraOpThreads).toBe(4);
    expect(cfg.dataDir).toMatch(/\.data$/);
  });

  it("keeps EARSHOT_DATA_DIR=':memory:' (in-memory embedded database) and resolves other paths", () => {
    expect(loadConfig({ EARSHOT_DATA_DIR: ':memory:' }).dataDir).toBe(':memory:');
    expect(loadConfig({ EARSHOT_DATA_DIR: 'rel/data' }).dataDir).toBe(path.resolve('rel/data'));
  });

  it('covers every variable it knows', () => {
    expect(new Set([...Object.keys(BAD), ...FREE_FORM])).toEqual(new Set(Object.values(ENV_NAMES)));
  });

  for (const [name, values] of Object.entries(BAD)) {
    for (const value of values) {
      it(`${name}=${JSON.stringify(value)} → CONFIG_INVALID naming ${name}`, () => {
        const e = configError({ [name]: value });
        expect(e.code).toBe('CONFIG_INVALID');
        expect(e.message).toContain(`${name}=`);
        // Secrets are named but never echoed.
        if (SECRET_VARS.includes(name)) expect(e.message).not.toContain(value);
        else expect(e.message).toContain(value);
        expect(e.toLine()).not.toContain('\n');
        // Only the bad variable is blamed.
        for (const other of Object.values(ENV_NAMES)) if (other !== name) expect(e.message).not.toContain(`${other}=`);
      });
    }
  }

  it('names every bad variable at once', () => {
    const e = configError({ EARSHOT_API_PORT: 'x', EARSHOT_LOG_LEVEL: 'loud' });
    expect(e.details?.issues).toHaveLength(2);
    expect(e.message).toMatch(/EARSHOT_API_PORT="x".*EARSHOT_LOG_LEVEL="loud"/);
  });

  it('reads EARSHOT_INGEST_ROOTS as colon- or comma-separated absolute paths; the default is the demo library', () => {
    expect(loadConfig({ EARSHOT_INGEST_ROOTS: '/srv/a:/srv/b/,/mnt/c' }).ingest.roots).toEqual(['/srv/a', '/srv/b', '/mnt/c']);
    expect(loadConfig({ EARSHOT_DEMO_LIBRARY: '/srv/demo' }).ingest.roots).toEqual(['/srv/demo']);
    expect(loadConfig({ EARSHOT_DEMO_LIBRARY: 'off' }).ingest.roots).toEqual([]);
    const e = configError({ EARSHOT_INGEST_ROOTS: '/srv/a:sounds' });
    expect(e.message).toMatch(/^invalid configuration: EARSHOT_INGEST_ROOTS="sounds": every ingest root must be an absolute path$/);
  });

  it('refuses a hop longer than the window', () => {
    const e = configError({ EARSHOT_WINDOW_SEC: '5', EARSHOT_HOP_SEC: '6' });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/EARSHOT_HOP_SEC.*EARSHOT_WINDOW_SEC/);
  });
});

describe('listening beyond loopback', () => {
  it('needs an API key, because the web proxy makes every browser request look local', () => {
    expect(() => loadConfig({ EARSHOT_HOST: '0.0.0.0' })).toThrow(/EARSHOT_API_KEY/);
    expect(loadConfig({ EARSHOT_HOST: '0.0.0.0', EARSHOT_API_KEY: 'a-long-enough-key' }).host).toBe('0.0.0.0');
  });
});
