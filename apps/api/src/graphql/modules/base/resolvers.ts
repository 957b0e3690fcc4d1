/** The shared types' resolvers: the DateTime scalar and Clip's fields that are not stored columns. */
import { GraphQLScalarType, Kind } from 'graphql';
import { mimeTypeOf } from '../../../audio/mime.js';
import type { ClipRow } from '../../../library/index.js';
import type * as G from '../../../generated/graphql.js';
import { upper } from '../../args.js';
import type { ApiContext } from '../../context.js';

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 date-time string',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString()),
  parseValue: (v) => new Date(String(v)),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : null),
});

export const baseResolvers: G.Resolvers = {
  DateTime,
  Clip: {
    waveform: (c: ClipRow) => c.peaks,
    audioUrl: (c: ClipRow) => `/audio/${c.id}`,
    mimeType: (c: ClipRow) => mimeTypeOf(c.format),
    status: (c: ClipRow) => upper(c.status),
    predictions: async (c: ClipRow, _: unknown, ctx: ApiContext) => {
      const preds = await ctx.loaders.predictions.load(c.contentHash);
      const sets = await ctx.loaders.labelSets.loadMany([...new Set(preds.map((p) => p.labelSetId))]);
      const byId = new Map(sets.flatMap((s) => (s && !(s instanceof Error) ? [[s.id, s] as const] : [])));
      return preds.flatMap((p) => {
        const labelSet = byId.get(p.labelSetId);
        return labelSet ? [{ labelSet, label: p.label, score: p.score }] : [];
      });
    },
  },
};
