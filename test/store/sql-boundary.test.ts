/**
 * SQL lives in apps/api/src/store/ (house rule 13): a statement, a raw Prisma query or a call of the store's
 * executor with SQL text anywhere else under apps/api/src fails here, naming the file and line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../apps/api/src');

/**
 * Files still to move. When a file here holds no SQL any more the second test says so, and it leaves this list.
 */
const NOT_YET_MOVED: string[] = [];

// Upper-case SQL the way statements are written; prose in comments is skipped below.
const SQL = [
  /\bSELECT\s+(?:\*|DISTINCT|count\(|[a-z"])/,
  /\bINSERT\s+INTO\b/,
  /\bUPDATE\s+"/,
  /\bDELETE\s+FROM\b/,
  /\bON\s+CONFLICT\b/,
  /\$(?:queryRaw|executeRaw)(?:Unsafe)?\b/,
  /\.sql\s*(?:<[^>]*>)?\s*\(\s*[`'"]/,
  /\bsql\s*(?:<[^>]*>)?`/,
];

/** Lines of `text` that hold SQL, comments left out. */
export function sqlLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inBlock = false;
  for (const [i, raw] of text.split('\n').entries()) {
    let l = raw;
    if (inBlock) {
      const end = l.indexOf('*/');
      if (end < 0) continue;
      l = l.slice(end + 2);
      inBlock = false;
    }
    l = l.replace(/\/\*.*?\*\//g, '');
    const start = l.indexOf('/*');
    if (start >= 0) {
      inBlock = true;
      l = l.slice(0, start);
    }
    l = l.replace(/(^|\s)\/\/.*$/, '$1');
    if (/^\s*\*/.test(l)) continue; // a line inside a doc comment
    if (SQL.some((re) => re.test(l))) out.push({ line: i + 1, text: raw.trim() });
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(p);
    return /\.(ts|mts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

describe('SQL only in store/', () => {
  it('finds what it looks for (a probe of each kind)', () => {
    const probes = [
      'const [r] = await store.sql(`SELECT id FROM "Clip" WHERE id = $1`, [n]);',
      'await t.sql<{ n: bigint }>(`select count(*) as n from x`);',
      'await db.sql(\'ANALYZE "Clip"\');',
      'await prisma.$queryRawUnsafe(text);',
      'const q = sql`WITH x AS (SELECT 1)`;',
      '  `INSERT INTO "Prediction" (a) VALUES ($1)`,',
      '  `UPDATE "IngestRun" SET status = $2`,',
      '  `DELETE FROM "Segment" WHERE x`,',
    ];
    for (const p of probes) expect(sqlLines(p), p).toHaveLength(1);
    expect(sqlLines('// each INSERT either creates the run or yields\n/** SELECT x FROM "Clip" */\n * UPDATE "Clip" in a comment')).toEqual([]);
  });

  it('no file under apps/api/src outside store/ holds SQL', () => {
    const found: string[] = [];
    for (const f of sourceFiles(SRC)) {
      const rel = path.relative(SRC, f).split(path.sep).join('/');
      if (rel.startsWith('store/') || NOT_YET_MOVED.includes(rel)) continue;
      for (const l of sqlLines(fs.readFileSync(f, 'utf8'))) found.push(`apps/api/src/${rel}:${l.line}: ${l.text}`);
    }
    expect(found).toEqual([]);
    for (const rel of NOT_YET_MOVED) expect(sqlLines(fs.readFileSync(path.join(SRC, rel), 'utf8')).length, `${rel} holds no SQL now: take it off NOT_YET_MOVED`).toBeGreaterThan(0);
  });
});
