import * as library from '../../../library/index.js';
import type * as G from '../../../generated/graphql.js';
import type { ApiContext } from '../../context.js';

export const systemResolvers: G.Resolvers = {
  Query: {
    health: async (_: unknown, __: unknown, ctx: ApiContext) => {
      const { clips, segments } = await library.librarySize(ctx.store, ctx.modelId);
      return { ok: true, backend: ctx.store.backend, clips, segments, version: ctx.version };
    },
    model: (_: unknown, __: unknown, ctx: ApiContext) => ({
      ...ctx.runtime.identity,
      source: ctx.runtime.manifest.source,
      isDemo: ctx.runtime.manifest.isDemo,
      promptTemplate: ctx.runtime.manifest.promptTemplate,
    }),
  },
};
