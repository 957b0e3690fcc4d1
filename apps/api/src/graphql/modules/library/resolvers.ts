import type * as G from '../../../generated/graphql.js';
import type { ApiContext } from '../../context.js';

export const libraryResolvers: G.Resolvers = {
  Query: {
    clip: (_: unknown, a: G.QueryClipArgs, ctx: ApiContext) => ctx.services.library.getClip(a.id),
    clips: async (_: unknown, a: G.QueryClipsArgs, ctx: ApiContext) => {
      const p = await ctx.services.library.listClips(a);
      return { nodes: p.nodes, pageInfo: { hasNextPage: p.hasNextPage, endCursor: p.endCursor }, totalCount: p.totalCount };
    },
    folders: (_: unknown, a: G.QueryFoldersArgs, ctx: ApiContext) => ctx.services.library.listFolders(a.prefix),
    facets: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.library.facets(),
    export: (_: unknown, a: G.QueryExportArgs, ctx: ApiContext) => ctx.services.library.exportFile(a.source, a.format),
  },
  Mutation: {
    setClipTags: (_: unknown, a: G.MutationSetClipTagsArgs, ctx: ApiContext) => ctx.services.library.setClipTags(a.id, a.tags),
    editClipTags: (_: unknown, a: G.MutationEditClipTagsArgs, ctx: ApiContext) => ctx.services.library.editClipTags(a.ids, { add: a.add, remove: a.remove }),
    deleteClip: (_: unknown, a: G.MutationDeleteClipArgs, ctx: ApiContext) => ctx.services.library.deleteClip(a.id),
  },
};
