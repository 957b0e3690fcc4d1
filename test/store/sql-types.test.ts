import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

// store.sql goes through Prisma's raw-query path on both backends, so parameters and results
// must look the same whichever one the config picks. This pins down what callers can rely on.

let t: TestStore;
let store: Store;
beforeAll(async () => {
  t = await openTestStore();
  store = t.store;
});
afterAll(async () => {
  await t?.cleanup();
});

describe(`store.sql types on ${process.env.DATABASE_URL ? 'the Postgres server' : 'embedded PGlite'}`, () => {
  it('maps result columns the same way on both backends', async () => {
    const [r] = await store.sql<Record<string, unknown>>(
      `SELECT 42::int AS i4, 1.5::float8 AS f8, 7::bigint AS i8, count(*) AS cnt, 2.25::numeric AS num, 'x'::text AS txt,
              true AS bool, NULL::text AS nul, ARRAY['a','b']::text[] AS txts, ARRAY[0.5, 1]::float8[] AS floats,
              '2026-01-02T03:04:05.678Z'::timestamptz AS tstz, '2026-01-02 03:04:05.678'::timestamp(3) AS ts,
              '[1,2.5]'::vector AS vec, '{"a":1}'::jsonb AS js
         FROM (VALUES (1), (2)) v(x)`,
    );
    expect(r).toMatchObject({ i4: 42, f8: 1.5, txt: 'x', bool: true, nul: null, txts: ['a', 'b'], floats: [0.5, 1], vec: '[1,2.5]' });
    expect(r.i8).toBe(7n);
    expect(r.cnt).toBe(2n);
    expect(Number(r.num)).toBe(2.25);
    expect(r.js).toEqual({ a: 1 });
    expect(r.tstz).toBeInstanceOf(Date);
    expect((r.tstz as Date).toISOString()).toBe('2026-01-02T03:04:05.678Z');
    // timestamp without time zone (Prisma's DateTime columns) is read as UTC.
    expect((r.ts as Date).toISOString()).toBe('2026-01-02T03:04:05.678Z');
  });

  it('binds JS parameters: numbers, strings, booleans, null, Date, bigint and arrays', async () => {
    const when = new Date('2026-03-04T05:06:07.089Z');
    const [r] = await store.sql<Record<string, unknown>>(
      `SELECT $1::int + 1 AS i, $2::float8 * 2 AS f, $3::text AS s, $4::boolean AS b, $5::text IS NULL AS n,
              $6::timestamptz AS d, $7::bigint + 1 AS big, $8::text[] AS arr, array_length($9::float8[], 1) AS len,
              $10::bigint AS bigstr`,
      [41, 0.25, "it's", false, null, when, 9007199254740993n, ['x', 'y z', ''], [1.5, 2.5, 3.5], '12345678901'],
    );
    expect(r).toMatchObject({ i: 42, f: 0.5, s: "it's", b: false, n: true, arr: ['x', 'y z', ''], len: 3 });
    expect((r.d as Date).toISOString()).toBe(when.toISOString());
    expect(r.big).toBe(9007199254740994n);
    expect(r.bigstr).toBe(12345678901n);
  });

  it('runs statements that return no rows, and reports SQL errors with the server message', async () => {
    expect(await store.sql(`CREATE TABLE t_plain (x int)`)).toEqual([]);
    expect(await store.sql(`INSERT INTO t_plain VALUES ($1)`, [1])).toEqual([]);
    expect(await store.sql(`UPDATE t_plain SET x = x + 1 RETURNING x`)).toEqual([{ x: 2 }]);
    await expect(store.sql(`SELECT * FROM no_such_table`)).rejects.toThrow(/no_such_table/);
    await expect(store.sql(`INSERT INTO "LabelSet" (name, labels, "updatedAt") VALUES ($1, $2, now()), ($1, $2, now())`, ['dup', ['a']])).rejects.toThrow(
      /Unique constraint|duplicate key|23505/i,
    );
  });
});
