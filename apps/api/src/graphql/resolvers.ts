/**
 * Thin resolvers: check limits, call one library/, search/ or ingest/ function, map rows to schema types.
 * Mutations are authorised once per operation by the auth plugin (graphql/errors.ts), not here.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import { EarshotError } from '../errors.js';
import { cancelIngest, getRun, ingestDb, listRuns, runProgress, startIngest, type IngestRunRow } from '../ingest/index.js';
import * as library from '../library/index.js';
import * as search from '../search/index.js';
import type { ClipRow } from '../library/index.js';
import type { HitPage } from '../search/index.js';
import type * as G from '../generated/graphql.js';
import type { ApiContext } from './context.js';

export type { ApiContext } from './context.js';

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 date-time string',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString()),
  parseValue: (v) => new Date(String(v)),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : null),
});

const pageSize = (ctx: ApiContext, first: number | null | undefined, dflt: number) => library.checkPageSize(first, ctx.config.limits.maxPageSize, dflt);

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

async function uploadVectors(ctx: ApiContext, id: string) {
  return ctx.uploads.vectors(id);
}
async function uploadVector(ctx: ApiContext, id: string) {
  const v = await ctx.uploads.vectors(id);
  return v[0].embedding;
}

/** The schema's enum value of a lower-case domain status ('active' → 'ACTIVE'), typed so a status the schema lacks fails the typecheck. */
const upper = <S extends string>(s: S) => s.toUpperCase() as Uppercase<S>;

async function requireRun(ctx: ApiContext, id: string) {
  const run = await getRun(ingestDb(ctx.store), search.intId(id, 'id'));
  if (!run) throw new EarshotError('NOT_FOUND', `no ingest run with id ${id}`, { subject: id });
  return run;
}

/** Typed against schema.graphql (codegen.ts): a resolver returning the wrong shape fails `npm run typecheck`. */
export const resolvers: G.Resolvers = {
  DateTime,
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
    clip: (_: unknown, a: G.QueryClipArgs, ctx: ApiContext) => library.getClip(ctx.store, a.id),
    clips: async (_: unknown, a: G.QueryClipsArgs, ctx: ApiContext) => {
      const p = await library.listClips(ctx.store, ctx.modelId, { filter: a.filter, first: pageSize(ctx, a.first, 50), after: a.after });
      return { nodes: p.nodes, pageInfo: { hasNextPage: p.hasNextPage, endCursor: p.endCursor }, totalCount: p.totalCount };
    },
    folders: (_: unknown, a: G.QueryFoldersArgs, ctx: ApiContext) => library.listFolders(ctx.store, a.prefix),
    facets: (_: unknown, __: unknown, ctx: ApiContext) => library.facets(ctx.store),
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
    classify: (_: unknown, a: G.QueryClassifyArgs, ctx: ApiContext) =>
      search.classify(ctx.store, ctx.modelId, ctx.runtime, (id) => uploadVectors(ctx, id), a, ctx.config.limits.maxLabels, ctx.config.limits),
    labelSets: (_: unknown, __: unknown, ctx: ApiContext) => library.listLabelSets(ctx.store),
    labelSet: (_: unknown, a: G.QueryLabelSetArgs, ctx: ApiContext) => library.getLabelSet(ctx.store, a.id),
    predictedLabels: (_: unknown, a: G.QueryPredictedLabelsArgs, ctx: ApiContext) => library.predictedLabels(ctx.store, ctx.modelId, a.labelSet),
    ingestRoots: (_: unknown, __: unknown, ctx: ApiContext) => ctx.config.ingest.roots,
    ingestRuns: async (_: unknown, a: G.QueryIngestRunsArgs, ctx: ApiContext) => listRuns(ingestDb(ctx.store), pageSize(ctx, a.first, 20)),
    ingestRun: async (_: unknown, a: G.QueryIngestRunArgs, ctx: ApiContext) => {
      const n = Number(a.id);
      if (!search.isId(n)) return null;
      return getRun(ingestDb(ctx.store), n);
    },
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
    startIngest: async (_: unknown, a: G.MutationStartIngestArgs, ctx: ApiContext) => {
      // The path as given: startIngest refuses relative paths and real paths outside EARSHOT_INGEST_ROOTS.
      const { runId, finished } = await startIngest(
        { store: ctx.store, runtime: ctx.runtime, config: ctx.config },
        { root: a.path, reindex: a.reindex ?? false, concurrency: ctx.config.ingest.concurrency },
      );
      ctx.background.add(finished);
      void finished.finally(() => ctx.background.delete(finished));
      return requireRun(ctx, String(runId));
    },
    cancelIngest: async (_: unknown, a: G.MutationCancelIngestArgs, ctx: ApiContext) => {
      await requireRun(ctx, a.id);
      return cancelIngest({ store: ctx.store }, Number(a.id));
    },
    createLabelSet: (_: unknown, a: G.MutationCreateLabelSetArgs, ctx: ApiContext) => library.createLabelSet(ctx.store, a.input, ctx.config.limits.maxLabels, ctx.config.limits),
    updateLabelSet: (_: unknown, a: G.MutationUpdateLabelSetArgs, ctx: ApiContext) =>
      library.updateLabelSet(ctx.store, a.id, a.input, ctx.config.limits.maxLabels, ctx.config.limits),
    deleteLabelSet: (_: unknown, a: G.MutationDeleteLabelSetArgs, ctx: ApiContext) => library.deleteLabelSet(ctx.store, a.id),
    classifyLibrary: (_: unknown, a: G.MutationClassifyLibraryArgs, ctx: ApiContext) => search.classifyLibrary(ctx.store, ctx.modelId, ctx.runtime, a.labelSet, a.filter),
    setClipTags: (_: unknown, a: G.MutationSetClipTagsArgs, ctx: ApiContext) => library.setClipTags(ctx.store, a.id, a.tags, ctx.config.limits),
    editClipTags: (_: unknown, a: G.MutationEditClipTagsArgs, ctx: ApiContext) =>
      library.editClipTags(ctx.store, a.ids, { add: a.add, remove: a.remove }, { ...ctx.config.limits, maxIds: ctx.config.limits.maxPageSize }),
    deleteClip: (_: unknown, a: G.MutationDeleteClipArgs, ctx: ApiContext) => library.deleteClip(ctx.store, a.id),
  },
  Clip: {
    waveform: (c: ClipRow) => c.peaks,
    audioUrl: (c: ClipRow) => `/audio/${c.id}`,
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
  IngestRun: {
    status: (r: IngestRunRow) => upper(r.status),
    filesPerSec: (r: IngestRunRow) => runProgress(r).filesPerSec,
    audioHoursPerSec: (r: IngestRunRow) => runProgress(r).audioHoursPerSec,
    etaSec: (r: IngestRunRow) => runProgress(r).etaSec,
    // The run page lists up to 100 failures whatever the page-size setting; the cost limit bounds it.
    failures: (r: IngestRunRow, a: G.IngestRunFailuresArgs, ctx: ApiContext) =>
      ctx.loaders.failures.load({ runId: r.id, first: library.checkPageSize(a.first, Math.max(ctx.config.limits.maxPageSize, 1000), 100) }),
  },
};
