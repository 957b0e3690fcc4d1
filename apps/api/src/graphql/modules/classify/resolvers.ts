import * as library from '../../../library/index.js';
import * as search from '../../../search/index.js';
import type * as G from '../../../generated/graphql.js';
import type { ApiContext } from '../../context.js';

export const classifyResolvers: G.Resolvers = {
  Query: {
    classify: (_: unknown, a: G.QueryClassifyArgs, ctx: ApiContext) =>
      search.classify(ctx.store, ctx.modelId, ctx.runtime, (id) => ctx.uploads.vectors(id), a, ctx.config.limits.maxLabels, ctx.config.limits),
    labelSets: (_: unknown, __: unknown, ctx: ApiContext) => library.listLabelSets(ctx.store),
    labelSet: (_: unknown, a: G.QueryLabelSetArgs, ctx: ApiContext) => library.getLabelSet(ctx.store, a.id),
    predictedLabels: (_: unknown, a: G.QueryPredictedLabelsArgs, ctx: ApiContext) => library.predictedLabels(ctx.store, ctx.modelId, a.labelSet),
  },
  Mutation: {
    createLabelSet: (_: unknown, a: G.MutationCreateLabelSetArgs, ctx: ApiContext) => library.createLabelSet(ctx.store, a.input, ctx.config.limits.maxLabels, ctx.config.limits),
    updateLabelSet: (_: unknown, a: G.MutationUpdateLabelSetArgs, ctx: ApiContext) =>
      library.updateLabelSet(ctx.store, a.id, a.input, ctx.config.limits.maxLabels, ctx.config.limits),
    deleteLabelSet: (_: unknown, a: G.MutationDeleteLabelSetArgs, ctx: ApiContext) => library.deleteLabelSet(ctx.store, a.id),
    classifyLibrary: (_: unknown, a: G.MutationClassifyLibraryArgs, ctx: ApiContext) => search.classifyLibrary(ctx.store, ctx.modelId, ctx.runtime, a.labelSet, a.filter),
  },
};
