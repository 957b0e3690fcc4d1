/**
 * ClipFilter → SQL over "Clip" c. Every condition is a bound parameter; the same clause serves the
 * listing, the vector ranking, the keyword ranking and the exact totalCount, so counts always agree.
 */
import { EarshotError } from '../errors.js';

export type ClipStatus = 'ACTIVE' | 'MISSING';

export interface ClipFilter {
  minDurationSec?: number | null;
  maxDurationSec?: number | null;
  formats?: string[] | null;
  containers?: string[] | null;
  codecs?: string[] | null;
  bitDepths?: number[] | null;
  ucsCategories?: string[] | null;
  sampleRates?: number[] | null;
  channels?: number[] | null;
  folderPrefix?: string | null;
  tags?: string[] | null;
  predictedLabel?: { labelSet: string | number; label: string; minScore?: number | null } | null;
  status?: ClipStatus | null;
}

/** Ids are Postgres `int`: anything above this cannot name a row (and would overflow the parameter). */
export const MAX_ID = 2 ** 31 - 1;

/** True when v is a possible row id: an integer in [1, MAX_ID]. */
export const isId = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_ID;

/** Parse a GraphQL ID that must be a positive integer. */
export function intId(v: string | number, field: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!isId(n)) throw new EarshotError('BAD_USER_INPUT', `${field} must be a positive integer id, got ${JSON.stringify(v)}`, { subject: field });
  return n;
}

/**
 * SQL conditions (joined with AND) for `filter`; values are pushed onto `params`.
 * `modelId` scopes predicted-label filters to the running model's predictions.
 */
export function filterSql(filter: ClipFilter | null | undefined, params: unknown[], modelId: number): string {
  const f = filter ?? {};
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  where.push(`c.status = ${p(f.status === 'MISSING' ? 'missing' : 'active')}`);
  if (f.minDurationSec != null && f.maxDurationSec != null && f.minDurationSec > f.maxDurationSec) {
    throw new EarshotError('BAD_USER_INPUT', `minDurationSec (${f.minDurationSec}) is greater than maxDurationSec (${f.maxDurationSec})`, { subject: 'filter' });
  }
  if (f.minDurationSec != null) where.push(`c."durationSec" >= ${p(f.minDurationSec)}::float8`);
  if (f.maxDurationSec != null) where.push(`c."durationSec" <= ${p(f.maxDurationSec)}::float8`);
  if (f.formats?.length) where.push(`c.format = ANY(${p(f.formats.map((x) => x.toLowerCase()))}::text[])`);
  if (f.containers?.length) where.push(`c.container = ANY(${p(f.containers.map((x) => x.toLowerCase()))}::text[])`);
  if (f.codecs?.length) where.push(`c.codec = ANY(${p(f.codecs.map((x) => x.toLowerCase()))}::text[])`);
  if (f.bitDepths?.length) where.push(`c."bitDepth" = ANY(${p(f.bitDepths)}::int[])`);
  // A UCS category by name (AMBIENCE) or by its CatID prefix (AMB), as users know either.
  if (f.ucsCategories?.length) {
    const cats = p(f.ucsCategories.map((x) => x.toUpperCase()));
    where.push(`(c."ucsCategory" = ANY(${cats}::text[]) OR regexp_replace(c."ucsCatId", '[A-Z][a-z].*$', '') = ANY(${cats}::text[]))`);
  }
  if (f.sampleRates?.length) where.push(`c."sampleRate" = ANY(${p(f.sampleRates)}::int[])`);
  if (f.channels?.length) where.push(`c.channels = ANY(${p(f.channels)}::int[])`);
  if (f.folderPrefix) where.push(`starts_with(c.folder, ${p(f.folderPrefix)})`);
  if (f.tags?.length) where.push(`c.tags @> ${p(f.tags)}::text[]`);
  if (f.predictedLabel) {
    const pl = f.predictedLabel;
    where.push(`EXISTS (SELECT 1 FROM "Prediction" pr WHERE pr."contentHash" = c."contentHash" AND pr."modelId" = ${p(modelId)}::int
      AND pr."labelSetId" = ${p(intId(pl.labelSet, 'predictedLabel.labelSet'))}::int AND pr.label = ${p(pl.label)} AND pr.score >= ${p(pl.minScore ?? 0)}::float8)`);
  }
  return where.join(' AND ');
}

/** Condition: the clip's content has a whole-clip embedding of this model. */
export function embeddedSql(params: unknown[], modelId: number): string {
  params.push(modelId);
  return `EXISTS (SELECT 1 FROM "Segment" e WHERE e."contentHash" = c."contentHash" AND e."modelId" = $${params.length}::int AND e.kind = 'clip')`;
}
