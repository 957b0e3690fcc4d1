import type * as G from '../../../generated/graphql.js';
import type { ApiContext } from '../../context.js';

export const systemResolvers: G.Resolvers = {
  Query: {
    health: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.system.health(),
    model: (_: unknown, __: unknown, ctx: ApiContext) => ctx.services.system.model(),
  },
};
