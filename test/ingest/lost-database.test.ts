/**
 * Which failures mid-ingest mean "the database went away" (→ one DB_UNREACHABLE line telling the user to
 * re-run) rather than a bug. bench:faults restarts a real server mid-ingest; depending on the moment, Prisma
 * reports the restart as any of these messages, so each wording seen there is kept here.
 */
import { describe, expect, it } from 'vitest';
import { lostDatabase } from '../../apps/api/src/ingest/pipeline.js';

const prismaRaw = (code: string, message: string) =>
  new Error(`Invalid \`prisma.$queryRawUnsafe()\` invocation:\n\n\nRaw query failed. Code: \`${code}\`. Message: \`${message}\``);

describe('lostDatabase', () => {
  it.each([
    ['server shutting down (57P03), as seen by bench:faults', prismaRaw('57P03', 'the database system is shutting down')],
    ['admin shutdown (57P01)', prismaRaw('57P01', 'terminating connection due to administrator command')],
    ['connection failure class 08', prismaRaw('08006', 'connection failure')],
    ['server unreachable', new Error("Can't reach database server at `127.0.0.1:5432`")],
    ['pg error code on a cause', Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })],
  ])('%s → lost', (_name, e) => {
    expect(lostDatabase(e)).toBe(true);
  });

  it.each([
    ['a unique violation', prismaRaw('23505', 'duplicate key value violates unique constraint')],
    ['disk full', prismaRaw('53100', 'could not extend file "base/5/16784": No space left on device')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('%s → not lost', (_name, e) => {
    expect(lostDatabase(e)).toBe(false);
  });
});
