/**
 * Apollo Server over schema.graphql: graphql-armor limits from config.limits, write authorisation
 * for mutations, and errors reduced to { message, extensions.code (an ErrorCode), subject }.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config.js';
import { ERROR_CODES, isEarshotError, type ErrorCode } from '../errors.js';
import { resolvers, type ApiContext } from './resolvers.js';

export { resolvers, type ApiContext } from './resolvers.js';

export const SCHEMA_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema.graphql');
export const typeDefs = fs.readFileSync(SCHEMA_FILE, 'utf8');

/** What every request's context carries on top of the shared handles. */
export interface RequestContext extends ApiContext {
  /** True when this request may run mutations (API key, or loopback when no key is configured). */
  canWrite: boolean;
}

// graphql-armor rejects with "Syntax Error: <what> limit of N exceeded…".
const ARMOR_LIMIT = /limit of \d+ exceeded/i;

/** GraphQL's own failures (parse, validation, variable coercion) are the client's input. */
const CLIENT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/**
 * Map any error to a client-safe shape whose code is one of ERROR_CODES. Internal errors keep no
 * message detail and no stack (they are logged on the server instead).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (msg: string) => void = console.error): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (isEarshotError(original)) {
    if (original.code === 'INTERNAL') log(`INTERNAL ${original.message}\n${original.stack ?? ''}`);
    return { ...base, message: original.code === 'INTERNAL' ? 'internal error' : original.message, extensions: { code: original.code, ...(original.subject ? { subject: original.subject } : {}) } };
  }
  const code = String(formatted.extensions?.code ?? '');
  if (ARMOR_LIMIT.test(formatted.message)) return { ...base, message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'LIMIT_EXCEEDED' } };
  if ((ERROR_CODES as readonly string[]).includes(code) && code !== 'INTERNAL') return { ...base, extensions: { code: code as ErrorCode } };
  if (CLIENT_CODES.has(code)) return { ...base, extensions: { code: 'BAD_USER_INPUT', graphqlCode: code } };
  log(`INTERNAL ${formatted.message}\n${original instanceof Error ? original.stack : ''}`);
  return { ...base, message: 'internal error', extensions: { code: 'INTERNAL' } };
}

/** Mutations need write access; checked once the operation is known, before any resolver runs. */
const writeGuard: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (operation?.operation === 'mutation' && !contextValue.canWrite) {
          throw new GraphQLError(
            'this operation changes data and needs the API key (header x-api-key or Authorization: Bearer <key>)',
            { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } },
          );
        }
      },
    };
  },
};

export function createApollo(config: Config, log?: (msg: string) => void): ApolloServer<RequestContext> {
  const l = config.limits;
  const armor = new ApolloArmor({
    maxDepth: { n: l.maxQueryDepth, exposeLimits: true },
    maxAliases: { n: l.maxAliases, exposeLimits: true },
    maxTokens: { n: l.maxTokens, exposeLimits: true },
    costLimit: { maxCost: l.maxCost, exposeLimits: true },
    maxDirectives: { n: 20, exposeLimits: true },
    blockFieldSuggestion: { enabled: true },
  });
  const protection = armor.protect();
  return new ApolloServer<RequestContext>({
    typeDefs,
    resolvers,
    ...protection,
    plugins: [...(protection.plugins as ApolloServerPlugin<RequestContext>[]), writeGuard, ApolloServerPluginLandingPageDisabled() as ApolloServerPlugin<RequestContext>],
    includeStacktraceInErrorResponses: false,
    formatError: (f, e) => formatError(f, e, log),
  });
}
