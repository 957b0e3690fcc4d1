/**
 * Request limits that need the operation's variables, checked once the operation is resolved and
 * before any resolver runs. graphql-armor's cost rule runs at validation, where variables are not
 * known: it counted `first: $n` (or an omitted `first`) as 1, so six requests asking for full pages
 * through a variable stalled the server for 20 s while the same literal query was refused.
 */
// Only type imports from graphql: Apollo may load another copy of the package (CJS beside ESM under
// vitest), and graphql's instanceof-based predicates refuse types from another copy.
import {
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

interface FieldDef {
  type: unknown;
  args: readonly { name: string; defaultValue?: unknown }[];
}
interface Composite {
  getFields?: () => Record<string, FieldDef>;
}

/** The named type under list and non-null wrappers. */
function named(t: unknown): Composite | undefined {
  let x = t as { ofType?: unknown } | undefined;
  while (x && x.ofType) x = x.ofType;
  return x as Composite | undefined;
}

/** The weights of graphql-armor's cost rule (objects 2, scalars 1, ×1.5 per level), so limits keep their meaning. */
const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;

function limitError(message: string, code = 'LIMIT_EXCEEDED'): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Cost of the operation with every list field multiplied by its `first` as coerced: a literal, a
 * variable, the argument's schema default, or — when none is given — the page maximum.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, maxPage: number): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return 0;
  const rootType = root as unknown as Composite;

  const firstOf = (node: FieldNode, def: FieldDef | undefined): number => {
    const argDef = def?.args.find((a) => a.name === 'first' || a.name === 'last');
    if (!argDef) return 1;
    const arg = node.arguments?.find((a) => a.name.value === argDef.name);
    let v: unknown;
    if (arg?.value.kind === Kind.INT) v = Number(arg.value.value);
    else if (arg?.value.kind === Kind.VARIABLE) v = variables[arg.value.name.value];
    // An explicit null means "no value" to our resolvers, which then use the default page size.
    if (v == null) v = argDef.defaultValue;
    return typeof v === 'number' && Number.isFinite(v) ? Math.max(1, v) : maxPage;
  };

  const selectionCost = (set: SelectionSetNode, parent: Composite, seen: Set<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue; // introspection is bounded by depth and tokens
        const def = parent.getFields?.()[sel.name.value];
        if (!sel.selectionSet) {
          total += DEPTH_FACTOR * SCALAR_COST;
          continue;
        }
        const type = def ? named(def.type) : undefined;
        const inner = type ? selectionCost(sel.selectionSet, type, seen) : 0;
        total += DEPTH_FACTOR * (OBJECT_COST + inner) * firstOf(sel, def);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) as Composite | undefined) : parent;
        total += selectionCost(sel.selectionSet, type ?? parent, seen);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || seen.has(name)) continue; // cycles are refused by validation; never loop here
        const type = (schema.getType(frag.typeCondition.name.value) as Composite | undefined) ?? parent;
        total += selectionCost(frag.selectionSet, type, new Set([...seen, name]));
      }
    }
    return total;
  };
  // Root fields carry no level factor (as in graphql-armor).
  return selectionCost(operation.selectionSet, rootType, new Set()) / DEPTH_FACTOR;
}

/** A NUL character anywhere in the operation's string literals or variables (Postgres text cannot hold one). */
export function hasNul(document: DocumentNode, variables: unknown): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  const walk = (v: unknown): boolean =>
    typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) ? v.some(walk) : v !== null && typeof v === 'object' ? Object.values(v).some(walk) : false;
  return found || walk(variables);
}

/** The checks above as one call: throws the GraphQLError to answer with, or returns. */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: { maxCost: number; maxPageSize: number },
): void {
  if (operation.operation === 'subscription') throw limitError('subscriptions are not supported by this API', 'BAD_USER_INPUT');
  if (hasNul(document, variables)) throw limitError('text must not contain NUL (\\u0000) characters', 'BAD_USER_INPUT');
  const cost = Math.round(operationCost(schema, document, operation, variables, limits.maxPageSize));
  if (cost > limits.maxCost) throw limitError(`Query Cost limit of ${limits.maxCost} exceeded, found ${cost}.`);
}
