import type * as G from '../../../generated/graphql.js';
import type { ApiContext } from '../../context.js';

export const classifyResolvers: G.Resolvers = {
  Query: {
    classify: (_: unknown, a: G.QueryClassifyArgs, ctx: ApiContext) => ctx.services.classify.classify(a),
    labelSets: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.classify.listLabelSets(),
    labelSet: (_: unknown, a: G.QueryLabelSetArgs, ctx: ApiContext) => ctx.services.classify.getLabelSet(a.id),
    predictedLabels: (_: unknown, a: G.QueryPredictedLabelsArgs, ctx: ApiContext) => ctx.services.classify.predictedLabels(a.labelSet),
  },
  Mutation: {
    createLabelSet: (_: unknown, a: G.MutationCreateLabelSetArgs, ctx: ApiContext) => ctx.services.classify.createLabelSet(a.input),
    updateLabelSet: (_: unknown, a: G.MutationUpdateLabelSetArgs, ctx: ApiContext) => ctx.services.classify.updateLabelSet(a.id, a.input),
    deleteLabelSet: (_: unknown, a: G.MutationDeleteLabelSetArgs, ctx: ApiContext) => ctx.services.classify.deleteLabelSet(a.id),
    classifyLibrary: (_: unknown, a: G.MutationClassifyLibraryArgs, ctx: ApiContext) => ctx.services.classify.classifyLibrary(a.labelSet, a.filter),
  },
};
