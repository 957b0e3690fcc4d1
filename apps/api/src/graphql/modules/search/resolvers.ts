import * as search from '../../../search/index.js';
import type { HitPage } from '../../../search/index.js';
import type * as G from '../../../generated/graphql.js';
import { pageSize } from '../../args.js';
import type { ApiContext } from '../../context.js';

const hitPage = (p: HitPage) => ({
  scoreKind: p.scoreKind,
  calibration: p.relevance,
  unknownWords: p.unknownWords,
  noGoodMatch: p.noGoodMatch,
  hits: p.hits,
  pageInfo: { hasNextPage: p.hasNextPage, endCursor: p.endCursor },
  totalCount: p.totalCount,
  totalCountExact: p.totalCountExact,
});

async function uploadVector(ctx: ApiContext, id: string) {
  const v = await ctx.uploads.vectors(id);
  return v[0].embedding;
}

export const searchResolvers: G.Resolvers = {
  Query: {
    searchByText: async (_: unknown, a: G.QuerySearchByTextArgs, ctx: ApiContext) =>
      hitPage(
        await search.searchByText(ctx.store, ctx.modelId, (t) => ctx.runtime.embedText(t), {
          query: a.query,
          filter: a.filter,
          first: pageSize(ctx, a.first, 20),
          after: a.after,
          hybrid: a.hybrid ?? true,
          limits: ctx.config.limits,
          relevance: await search.relevanceForSearch(ctx.store, ctx.modelId, ctx.runtime),
          unknownWords: (t) => ctx.runtime.unknownWords(t),
          weak: a.weak ?? false,
        }),
      ),
    similarTo: async (_: unknown, a: G.QuerySimilarToArgs, ctx: ApiContext) =>
      hitPage(
        await search.similarTo(ctx.store, ctx.modelId, (id) => uploadVector(ctx, id), {
          ...a,
          first: pageSize(ctx, a.first, 20),
          relevance: await search.relevanceForSearch(ctx.store, ctx.modelId, ctx.runtime),
        }),
      ),
    nearDuplicates: (_: unknown, a: G.QueryNearDuplicatesArgs, ctx: ApiContext) =>
      search.nearDuplicates(ctx.store, ctx.modelId, { clip: a.clip, maxDistance: a.maxDistance ?? 0.02, first: pageSize(ctx, a.first, 50) }),
  },
};
