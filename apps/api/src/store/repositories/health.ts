/** What the health checks read: a round trip, and the library's size. */
import { first, int, num, qb, raw, sql, type Db } from '../query.js';

/** One round trip to the database (the readiness probe). */
export async function ping(db: Db): Promise<void> {
  await raw(db, sql`SELECT 1`);
}

/** Active clips, and the segments of this model. */
export async function librarySize(db: Db, modelId: number): Promise<{ clips: number; segments: number }> {
  const c = await first(
    db,
    qb
      .selectFrom('Clip')
      .select((eb) => eb.fn.countAll().as('c'))
      .where('status', '=', 'active'),
  );
  const s = await first(
    db,
    qb
      .selectFrom('Segment')
      .select((eb) => eb.fn.countAll().as('s'))
      .where('modelId', '=', int(modelId)),
  );
  return { clips: num(c?.c), segments: num(s?.s) };
}
