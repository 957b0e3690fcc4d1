/**
 * `npm run lint` (eslint.config.js) enforces the architecture's "never" arrows, refuses import cycles and
 * runs type-aware rules. Probe files that break each rule are written into the source tree (the
 * project's tsconfig must hold them for the type-aware parser), linted with the repository's config, and
 * removed again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apps/api/src/config.js';

const API = path.join(REPO_ROOT, 'apps/api/src');
const tag = `lint-probe-${process.pid}`;
const probes: Record<string, string> = {
  // graphql/ may name the Store type it carries, never call the store
  [`graphql/${tag}-store.ts`]: `import { openStore } from '../store/index.js';\nimport type { Store } from '../store/index.js';\nexport const open: (s: Store) => unknown = () => openStore;\n`,
  [`graphql/${tag}-store-type.ts`]: `import type { Store } from '../store/index.js';\nexport type S = Store;\n`,
  [`search/${tag}-ingest.ts`]: `import type { ScannedFile } from '../ingest/scan.js';\nexport type F = ScannedFile;\n`,
  [`model/${tag}-search.ts`]: `import { searchByText } from '../search/index.js';\nexport const l = searchByText;\n`,
  // library/ may name a search type (an export row made from hits), never call a ranking
  [`library/${tag}-search.ts`]: `import { searchByText } from '../search/index.js';\nexport const s = searchByText;\n`,
  [`library/${tag}-search-type.ts`]: `import type { Hit } from '../search/index.js';\nexport type H = Hit;\n`,
  [`library/${tag}-a.ts`]: `import { b } from './${tag}-b.js';\nexport const a = (): number => b() + 1;\n`,
  [`library/${tag}-b.ts`]: `import { a } from './${tag}-a.js';\nexport const b = (): number => (Math.random() > 2 ? a() : 0);\n`,
  // type-aware: needs the compiler to know f returns a promise
  [`library/${tag}-floating.ts`]: `async function f(): Promise<number> {\n  return 1;\n}\nexport function g(): void {\n  f();\n}\n`,
};

let results: ESLint.LintResult[] = [];
const messagesOf = (rel: string) => results.find((r) => r.filePath === path.join(API, rel))?.messages ?? [];
const rules = (rel: string) => messagesOf(rel).map((m) => `${m.ruleId}: ${m.message}`);

describe('lint', () => {
  beforeAll(async () => {
    for (const [rel, text] of Object.entries(probes)) fs.writeFileSync(path.join(API, rel), text);
    const eslint = new ESLint({ cwd: REPO_ROOT });
    results = await eslint.lintFiles(Object.keys(probes).map((rel) => path.join(API, rel)));
  }, 180_000);
  afterAll(() => {
    for (const rel of Object.keys(probes)) fs.rmSync(path.join(API, rel), { force: true });
  });

  it('graphql/ never imports store/ (import type stays allowed)', () => {
    const store = rules(`graphql/${tag}-store.ts`);
    expect(store).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: '\.\.\/store\/index\.js' import is restricted .* graphql\/ never imports store\/ \(import type only\)/),
    ]);
    expect(messagesOf(`graphql/${tag}-store.ts`)[0].line).toBe(1);
    expect(rules(`graphql/${tag}-store-type.ts`)).toEqual([]);
  });

  it('search/ never imports ingest/, not even a type; model/ never imports search/', () => {
    expect(rules(`search/${tag}-ingest.ts`)).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: '\.\.\/ingest\/scan\.js' import is restricted .* search\/ never imports ingest\/: /),
    ]);
    expect(rules(`model/${tag}-search.ts`)).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .* model\/ never imports search\//)]);
  });

  it('library/ never imports search/ (import type stays allowed)', () => {
    expect(rules(`library/${tag}-search.ts`)).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .* library\/ never imports search\/ \(import type only\)/),
    ]);
    expect(rules(`library/${tag}-search-type.ts`)).toEqual([]);
  });

  it('an import cycle fails in both of its files', () => {
    expect(rules(`library/${tag}-a.ts`)).toEqual([expect.stringMatching(/^import-x\/no-cycle: /)]);
    expect(rules(`library/${tag}-b.ts`)).toEqual([expect.stringMatching(/^import-x\/no-cycle: /)]);
  });

  it('type-aware rules see types: a promise nobody awaits is an error', () => {
    expect(rules(`library/${tag}-floating.ts`)).toEqual([expect.stringMatching(/^@typescript-eslint\/no-floating-promises: /)]);
  });
});
