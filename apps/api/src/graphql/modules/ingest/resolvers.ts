import { EarshotError } from '../../../errors.js';
import { cancelIngest, getRun, ingestDb, listRuns, runProgress, startIngest, type IngestRunRow } from '../../../ingest/index.js';
import * as library from '../../../library/index.js';
import * as search from '../../../search/index.js';
import type * as G from '../../../generated/graphql.js';
import { pageSize, upper } from '../../args.js';
import type { ApiContext } from '../../context.js';

async function requireRun(ctx: ApiContext, id: string) {
  const run = await getRun(ingestDb(ctx.store), search.intId(id, 'id'));
  if (!run) throw new EarshotError('NOT_FOUND', `no ingest run with id ${id}`, { subject: id });
  return run;
}

export const ingestResolvers: G.Resolvers = {
  Query: {
    ingestRoots: (_: unknown, __: unknown, ctx: ApiContext) => ctx.config.ingest.roots,
    ingestRuns: async (_: unknown, a: G.QueryIngestRunsArgs, ctx: ApiContext) => listRuns(ingestDb(ctx.store), pageSize(ctx, a.first, 20)),
    ingestRun: async (_: unknown, a: G.QueryIngestRunArgs, ctx: ApiContext) => {
      const n = Number(a.id);
      if (!search.isId(n)) return null;
      return getRun(ingestDb(ctx.store), n);
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
