/** Argument checks and value mappings that several schema modules' resolvers share. */
import * as library from '../library/index.js';
import type { ApiContext } from './context.js';

/** `first` checked against the page-size limit (dflt when the argument is absent). */
export const pageSize = (ctx: ApiContext, first: number | null | undefined, dflt: number) => library.checkPageSize(first, ctx.config.limits.maxPageSize, dflt);

/** The schema's enum value of a lower-case domain status ('active' → 'ACTIVE'), typed so a status the schema lacks fails the typecheck. */
export const upper = <S extends string>(s: S) => s.toUpperCase() as Uppercase<S>;
