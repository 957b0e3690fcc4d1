// ESLint (flat config) for the whole repository: `npm run lint`, and `.ci/run` before the tests.
// Type-aware rules run through typescript-eslint's project service (each file under its own tsconfig.json:
// the root one for the API, scripts and tests, apps/web's for the web app).
import { createTypeScriptImportResolver, globals, importX, js, reactHooks, tseslint } from '@earshot/lint';

const API = 'apps/api/src';

/**
 * The architecture's "never" arrows (docs/architecture.md): a folder of apps/api/src and the folders of
 * apps/api/src it must not import. `types` names imports that stay allowed as `import type` only.
 */
const NEVER = {
  graphql: {
    never: ['store'],
    types: ['store'],
    why: 'resolvers call domain modules (library/, search/, ingest/), never the store; the context and loaders may name the Store type they carry',
  },
  search: { never: ['ingest', 'graphql', 'http'], why: 'search/ ranks what is stored; embedding lives in model/, scanning and the pipeline in ingest/' },
  ingest: { never: ['search', 'graphql', 'http'], why: 'ingest/ writes the library; it knows nothing of queries or transports' },
  store: { never: ['search', 'ingest', 'library', 'model', 'graphql', 'http', 'eval'], why: 'store/ is the bottom of the stack' },
  model: { never: ['store', 'search', 'ingest', 'library', 'graphql', 'http', 'eval'], why: 'model/ runs the towers on plain inputs' },
  features: { never: ['audio', 'model', 'store', 'search', 'ingest', 'library', 'graphql', 'http', 'eval'], why: 'features/ is pure signal processing' },
  audio: { never: ['model', 'store', 'search', 'ingest', 'graphql', 'http', 'eval'], why: 'audio/ decodes files and knows nothing of the library' },
  library: {
    never: ['search', 'ingest', 'graphql', 'http', 'eval'],
    types: ['search'],
    why: 'library/ lists, edits and exports what is stored (through store/); ranking lives in search/, writing the library in ingest/',
  },
  eval: { never: ['graphql', 'http'], why: 'eval/ calls the domain modules directly' },
};

/** An import of apps/api/src/<folder> from a sibling folder (`../store/index.js`, `../../store/x.js`). */
const folderImport = (folder) => `^(\\.\\./)+${folder}(/|$)`;

const arrowPatterns = (from, { never, types = [], why }) =>
  never.map((to) => ({
    regex: folderImport(to),
    message: `${from}/ never imports ${to}/${types.includes(to) ? ' (import type only)' : ''}: ${why}.`,
    ...(types.includes(to) ? { allowTypeImports: true } : {}),
  }));

const arrowRules = Object.entries(NEVER).flatMap(([from, arrow]) => [
  { files: [`${API}/${from}/**/*.ts`], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: arrowPatterns(from, arrow) }] } },
  // Plain JavaScript (worker hosts) has no type imports: the base rule, every import forbidden.
  { files: [`${API}/${from}/**/*.mjs`], rules: { 'no-restricted-imports': ['error', { patterns: arrowPatterns(from, { ...arrow, types: [] }) }] } },
]);

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      `${API}/generated/`,
      'apps/web/lib/generated/',
      'apps/web/.next/',
      'apps/web/next-env.d.ts',
      'models/',
      'demo/',
      'bench/results/',
      'test-artifacts/',
      '.data/',
      '.tmp/',
      'scripts/train/.cache/',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts}'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x reads only files with these extensions, through this parser; without them no-cycle sees no TypeScript at all.
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'apps/web/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      // Type-aware: a promise nobody awaits loses its error (the unhandled rejections that kill a server).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
    },
  },
  {
    // Tests and benchmarks read GraphQL and JSON responses, whose shape their assertions check.
    files: ['test/**/*.ts', 'scripts/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  ...arrowRules,
);
