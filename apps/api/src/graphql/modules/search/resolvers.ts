import type { HitPage } from '../../../search/index.js';
import type * as G from '../../../generated/graphql.js';
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

export const searchResolvers: G.Resolvers = {
  Query: {
    searchByText: async (_: unknown, a: G.QuerySearchByTextArgs, ctx: ApiContext) => hitPage(await ctx.services.search.byText(a)),
    similarTo: async (_: unknown, a: G.QuerySimilarToArgs, ctx: ApiContext) => hitPage(await ctx.services.search.similarTo(a)),
    nearDuplicates: (_: unknown, a: G.QueryNearDuplicatesArgs, ctx: ApiContext) => ctx.services.search.nearDuplicates(a),
    nearDuplicatesStatus: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.search.nearDuplicatesStatus(),
  },
  Mutation: {
    computeNearDuplicates: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.search.computeNearDuplicates(),
  },
};
