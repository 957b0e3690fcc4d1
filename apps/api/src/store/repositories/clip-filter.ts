/**
 * ClipFilter → a condition over "Clip" c. Every condition is a bound parameter; the same fragment serves the
 * listing, the vector ranking, the keyword ranking and the exact totalCount, so counts always agree.
 */
import { EarshotError } from '../../errors.js';
import { intId } from '../../ids.js';
import { sql, type RawBuilder } from '../query.js';

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

/** Conditions (AND-ed) for `filter` over "Clip" c; `modelId` scopes predicted-label filters to the running model's predictions. */
export function clipFilter(filter: ClipFilter | null | undefined, modelId: number): RawBuilder<boolean> {
  const f = filter ?? {};
  const where: RawBuilder<unknown>[] = [sql`c.status = ${f.status === 'MISSING' ? 'missing' : 'active'}`];
  if (f.minDurationSec != null && f.maxDurationSec != null && f.minDurationSec > f.maxDurationSec) {
    throw new EarshotError('BAD_USER_INPUT', `minDurationSec (${f.minDurationSec}) is greater than maxDurationSec (${f.maxDurationSec})`, { subject: 'filter' });
  }
  if (f.minDurationSec != null) where.push(sql`c."durationSec" >= ${f.minDurationSec}::float8`);
  if (f.maxDurationSec != null) where.push(sql`c."durationSec" <= ${f.maxDurationSec}::float8`);
  if (f.formats?.length) where.push(sql`c.format = ANY(${f.formats.map((x) => x.toLowerCase())}::text[])`);
  if (f.containers?.length) where.push(sql`c.container = ANY(${f.containers.map((x) => x.toLowerCase())}::text[])`);
  if (f.codecs?.length) where.push(sql`c.codec = ANY(${f.codecs.map((x) => x.toLowerCase())}::text[])`);
  if (f.bitDepths?.length) where.push(sql`c."bitDepth" = ANY(${f.bitDepths}::int[])`);
  // A UCS category by name (AMBIENCE) or by its CatID prefix (AMB), as users know either.
  if (f.ucsCategories?.length) {
    const cats = f.ucsCategories.map((x) => x.toUpperCase());
    where.push(sql`(c."ucsCategory" = ANY(${cats}::text[]) OR regexp_replace(c."ucsCatId", '[A-Z][a-z].*$', '') = ANY(${cats}::text[]))`);
  }
  if (f.sampleRates?.length) where.push(sql`c."sampleRate" = ANY(${f.sampleRates}::int[])`);
  if (f.channels?.length) where.push(sql`c.channels = ANY(${f.channels}::int[])`);
  if (f.folderPrefix) where.push(sql`starts_with(c.folder, ${f.folderPrefix})`);
  if (f.tags?.length) where.push(sql`c.tags @> ${f.tags}::text[]`);
  if (f.predictedLabel) {
    const pl = f.predictedLabel;
    where.push(sql`EXISTS (SELECT 1 FROM "Prediction" pr WHERE pr."contentHash" = c."contentHash" AND pr."modelId" = ${modelId}::int
      AND pr."labelSetId" = ${intId(pl.labelSet, 'predictedLabel.labelSet')}::int AND pr.label = ${pl.label} AND pr.score >= ${pl.minScore ?? 0}::float8)`);
  }
  return sql<boolean>`${sql.join(where, sql` AND `)}`;
}

/** Condition: the clip's content (c) has a whole-clip embedding of this model. */
export const embeddedFilter = (modelId: number): RawBuilder<boolean> =>
  sql<boolean>`EXISTS (SELECT 1 FROM "Segment" e WHERE e."contentHash" = c."contentHash" AND e."modelId" = ${modelId}::int AND e.kind = 'clip')`;
