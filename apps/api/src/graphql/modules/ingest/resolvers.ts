import { runProgress, type IngestRunRow } from '../../../ingest/index.js';
import type * as G from '../../../generated/graphql.js';
import { upper } from '../../args.js';
import type { ApiContext } from '../../context.js';

export const ingestResolvers: G.Resolvers = {
  Query: {
    ingestRoots: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.ingest.roots(),
    ingestRuns: (_: unknown, a: G.QueryIngestRunsArgs, ctx: ApiContext) => ctx.services.ingest.runs(a.first),
    ingestRun: (_: unknown, a: G.QueryIngestRunArgs, ctx: ApiContext) => ctx.services.ingest.run(a.id),
  },
  Mutation: {
    // The path as given: startIngest refuses relative paths and real paths outside EARSHOT_INGEST_ROOTS.
    startIngest: (_: unknown, a: G.MutationStartIngestArgs, ctx: ApiContext) => ctx.services.ingest.start(a.path, a.reindex ?? false),
    cancelIngest: (_: unknown, a: G.MutationCancelIngestArgs, ctx: ApiContext) => ctx.services.ingest.cancel(a.id),
  },
  IngestRun: {
    status: (r: IngestRunRow) => upper(r.status),
    filesPerSec: (r: IngestRunRow) => runProgress(r).filesPerSec,
    audioHoursPerSec: (r: IngestRunRow) => runProgress(r).audioHoursPerSec,
    etaSec: (r: IngestRunRow) => runProgress(r).etaSec,
    failures: (r: IngestRunRow, a: G.IngestRunFailuresArgs, ctx: ApiContext) => ctx.loaders.failures.load({ runId: r.id, first: ctx.services.ingest.failuresPage(a.first) }),
  },
};
