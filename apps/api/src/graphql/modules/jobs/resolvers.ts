import type { JobRow } from '../../../jobs/index.js';
import type * as G from '../../../generated/graphql.js';
import type { ApiContext } from '../../context.js';

/** The schema's enum value of a lower-case domain status ('running' → 'RUNNING'). */
const upper = <S extends string>(s: S) => s.toUpperCase() as Uppercase<S>;

/** A numeric field of a job's payload (payloads are the handlers' own JSON). */
const payloadId = (j: JobRow, k: string): number | null => {
  const v = (j.payload as Record<string, unknown> | null)?.[k];
  return typeof v === 'number' ? v : null;
};

export const jobsResolvers: G.Resolvers = {
  Query: {
    jobs: (_: unknown, a: G.QueryJobsArgs, ctx: ApiContext) => ctx.services.jobs.list(a),
    job: (_: unknown, a: G.QueryJobArgs, ctx: ApiContext) => ctx.services.jobs.get(a.id),
  },
  Mutation: {
    reembedLibrary: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.jobs.reembed(),
    cancelJob: (_: unknown, a: G.MutationCancelJobArgs, ctx: ApiContext) => ctx.services.jobs.cancel(a.id),
  },
  Job: {
    status: (j: JobRow) => upper(j.status),
    labelSet: (j: JobRow, _: unknown, ctx: ApiContext) => {
      const id = j.kind === 'classifyLibrary' ? payloadId(j, 'labelSetId') : null;
      return id === null ? null : ctx.loaders.labelSets.load(id);
    },
    ingestRun: (j: JobRow, _: unknown, ctx: ApiContext) => {
      const id = j.kind === 'ingest' ? payloadId(j, 'runId') : null;
      return id === null ? null : ctx.services.jobs.run(id);
    },
  },
};
