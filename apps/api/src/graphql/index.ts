/**
 * Apollo Server over the schema modules (modules/<name>/schema.graphql, merged): graphql-armor limits from config.limits, write authorisation
 * for mutations, and errors reduced to { message, extensions.code (an ErrorCode), subject }.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config.js';
import { ERROR_CODES, httpStatus, isEarshotError, type ErrorCode } from '../errors.js';
import { checkOperation } from './limits.js';
import { resolvers, type ApiContext } from './resolvers.js';
import { typeDefs } from './schema.js';

export { resolvers, type ApiContext } from './resolvers.js';
export { createLoaders, type Loaders } from './loaders.js';

export { SCHEMA_FILES, typeDefs } from './schema.js';

/** What every request's context carries on top of the shared handles. */
export interface RequestContext extends ApiContext {
  /** True when this request may run mutations (API key, or loopback when no key is configured). */
  canWrite: boolean;
}

// Postgres' statement_timeout (SQLSTATE 57014), as Prisma reports it.
const STATEMENT_TIMEOUT = /57014|canceling statement due to statement timeout/;

// graphql-js's parser with parseOptions.maxTokens.
const PARSER_TOKENS = /Document contains more tha[nt] (\d+) tokens/; // graphql 16 spells it "more that"

// graphql-armor rejects with "Syntax Error: <what> limit of N exceeded…".
const ARMOR_LIMIT = /limit of \d+ exceeded/i;

/** GraphQL's own failures (parse, validation, variable coercion) are the client's input. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Map any error to a client-safe shape whose code is one of ERROR_CODES. Internal errors keep no
 * message detail and no stack (they are logged on the server instead).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (msg: string) => void = console.error): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (isEarshotError(original)) {
    if (original.code === 'INTERNAL') log(`INTERNAL ${original.message}\n${original.stack ?? ''}`);
    return {
      ...base,
      message: original.code === 'INTERNAL' ? 'internal error' : original.message,
      extensions: { code: original.code, ...(original.subject ? { subject: original.subject } : {}) },
    };
  }
  const code = String(formatted.extensions?.code ?? '');
  if (STATEMENT_TIMEOUT.test(formatted.message))
    return { ...base, message: 'the database took too long over this request and stopped it; try a narrower request', extensions: { code: 'DEADLINE_EXCEEDED' } };
  const tokens = PARSER_TOKENS.exec(formatted.message);
  if (tokens) return { ...base, message: `Token limit of ${tokens[1]} exceeded.`, extensions: { code: 'LIMIT_EXCEEDED' } };
  if (ARMOR_LIMIT.test(formatted.message)) return { ...base, message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'LIMIT_EXCEEDED' } };
  if ((ERROR_CODES as readonly string[]).includes(code) && code !== 'INTERNAL') return { ...base, extensions: { code } };
  if (CLIENT_CODES.has(code)) return { ...base, extensions: { code: 'BAD_USER_INPUT', graphqlCode: code } };
  // Apollo's own request errors without a code (a persisted query whose hash does not match) carry a 4xx status.
  const status = (original as { extensions?: { http?: { status?: number } } } | null)?.extensions?.http?.status;
  if (status && status >= 400 && status < 500) return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  log(`INTERNAL ${formatted.message}\n${original instanceof Error ? original.stack : ''}`);
  return { ...base, message: 'internal error', extensions: { code: 'INTERNAL' } };
}

/**
 * Once the operation is known, before any resolver runs: limits that need the variables (cost with
 * `first` as given, NUL bytes, no subscriptions), then write access for mutations.
 */
const operationGuard = (limits: Config['limits']): ApolloServerPlugin<RequestContext> => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue, schema, document, request }) {
        if (operation) checkOperation(schema, document, operation, request.variables ?? {}, limits);
        if (operation?.operation === 'mutation' && !contextValue.canWrite) {
          throw new GraphQLError('this operation changes data and needs the API key (header x-api-key or Authorization: Bearer <key>)', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
      },
    };
  },
});

/**
 * A request that produced no data at all (its one root field failed: a refused query text, a missing
 * clip for a non-null field) answers with the HTTP status of its error's code, not 200.
 */
const statusPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const body = response.body;
        if (body.kind !== 'single' || body.singleResult.data != null || !body.singleResult.errors?.length) return;
        const code = body.singleResult.errors[0].extensions?.code;
        if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code)) return;
        const cur = response.http.status ?? 200;
        // Apollo's own 4xx stands; its 500 for an error we know to be the client's (graphql-armor's token
        // limit throws inside the parser) does not.
        if (cur === 200 || (cur >= 500 && code !== 'INTERNAL')) response.http.status = httpStatus(code as ErrorCode);
      },
    };
  },
};

export function createApollo(config: Config, log?: (msg: string) => void): ApolloServer<RequestContext> {
  const l = config.limits;
  const armor = new ApolloArmor({
    maxDepth: { n: l.maxQueryDepth, exposeLimits: true },
    maxAliases: { n: l.maxAliases, exposeLimits: true },
    // graphql-armor's token plugin throws from a plugin hook, which Apollo answers with HTTP 500: the
    // parser's own maxTokens (parseOptions below) fails the parse instead, a 400.
    maxTokens: { enabled: false },
    // Cost is checked in operationGuard, where variables are known (graphql/limits.ts).
    costLimit: { enabled: false },
    maxDirectives: { n: 20, exposeLimits: true },
    blockFieldSuggestion: { enabled: true },
  });
  const protection = armor.protect();
  return new ApolloServer<RequestContext>({
    typeDefs,
    resolvers,
    ...protection,
    parseOptions: { maxTokens: l.maxTokens },
    plugins: [...(protection.plugins as ApolloServerPlugin<RequestContext>[]), operationGuard(l), statusPlugin, ApolloServerPluginLandingPageDisabled()],
    includeStacktraceInErrorResponses: false,
    formatError: (f, e) => formatError(f, e, log),
  });
}
