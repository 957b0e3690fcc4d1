import { EarshotError } from '../../../errors.js';
import * as library from '../../../library/index.js';
import * as search from '../../../search/index.js';
import type * as G from '../../../generated/graphql.js';
import { pageSize } from '../../args.js';
import type { ApiContext } from '../../context.js';

export const libraryResolvers: G.Resolvers = {
  Query: {
    clip: (_: unknown, a: G.QueryClipArgs, ctx: ApiContext) => library.getClip(ctx.store, a.id),
    clips: async (_: unknown, a: G.QueryClipsArgs, ctx: ApiContext) => {
      const p = await library.listClips(ctx.store, ctx.modelId, { filter: a.filter, first: pageSize(ctx, a.first, 50), after: a.after });
      return { nodes: p.nodes, pageInfo: { hasNextPage: p.hasNextPage, endCursor: p.endCursor }, totalCount: p.totalCount };
    },
    folders: (_: unknown, a: G.QueryFoldersArgs, ctx: ApiContext) => library.listFolders(ctx.store, a.prefix),
    facets: (_: unknown, __: unknown, ctx: ApiContext) => library.facets(ctx.store),
    export: async (_: unknown, a: G.QueryExportArgs, ctx: ApiContext) => {
      const limit = a.source.limit ?? 100;
      if (limit > library.EXPORT_MAX)
        throw new EarshotError('LIMIT_EXCEEDED', `limit ${limit} exceeds the export maximum ${library.EXPORT_MAX}; GET /export streams longer lists`, { subject: 'limit' });
      const rows: library.ExportRow[] = [];
      const lists = search.exportLists({ store: ctx.store, modelId: ctx.modelId, runtime: ctx.runtime, limits: ctx.config.limits });
      for await (const page of library.exportPages(lists, a.source, limit, ctx.config.limits.maxPageSize)) rows.push(...page);
      return library.renderExport(rows, a.format, library.exportStem(a.source));
    },
  },
  Mutation: {
    setClipTags: (_: unknown, a: G.MutationSetClipTagsArgs, ctx: ApiContext) => library.setClipTags(ctx.store, a.id, a.tags, ctx.config.limits),
    editClipTags: (_: unknown, a: G.MutationEditClipTagsArgs, ctx: ApiContext) =>
      library.editClipTags(ctx.store, a.ids, { add: a.add, remove: a.remove }, { ...ctx.config.limits, maxIds: ctx.config.limits.maxPageSize }),
    deleteClip: (_: unknown, a: G.MutationDeleteClipArgs, ctx: ApiContext) => library.deleteClip(ctx.store, a.id),
  },
};
