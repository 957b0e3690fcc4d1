#!/usr/bin/env node
// Regenerates what the code imports but git does not hold (gitignored) when it is missing or its inputs
// changed since the last generation:
//   - the Prisma client (apps/api/src/generated/prisma) from prisma/schema.prisma,
//   - Kysely's table types (apps/api/src/generated/kysely.ts) from the same schema (scripts/kysely-types.mjs),
//   - the GraphQL types through codegen.ts: the API's resolver types (apps/api/src/generated/graphql.ts) from
//     the schema modules (apps/api/src/graphql/modules/*/schema.graphql), the web app's operation types (apps/web/lib/generated/graphql.ts) from apps/web/lib/queries.ts.
// Cheap when nothing changed: one hash of a few small files per generator, no child process.
//
// PRISMA_SCHEMA_ENGINE_BINARY=/bin/false: `prisma generate` does not need the schema engine, but the
// CLI would otherwise try to download it from binaries.prisma.sh (unreachable offline) and fail.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const generatedDir = path.join(root, 'apps/api/src/generated');
const lockDir = path.join(generatedDir, '.prepare-lock');

function version(pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Every schema module's file (a module added or removed changes the list, and so the hash). */
function schemaModules() {
  const dir = 'apps/api/src/graphql/modules';
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, dir, d.name, 'schema.graphql')))
    .map((d) => `${dir}/${d.name}/schema.graphql`)
    .sort();
}

/** name, the files and packages whose change means a new generation, where its stamp goes, the files it must leave (all relative to the repository), the command. */
const GENERATORS = [
  {
    name: 'the Prisma client',
    inputs: ['prisma/schema.prisma'],
    packages: ['prisma'],
    stamp: 'apps/api/src/generated/prisma/.schema-sha256',
    outputs: ['apps/api/src/generated/prisma/client.ts'],
    command: ['prisma', 'generate', '--schema', path.join(root, 'prisma/schema.prisma')],
    env: { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  },
  {
    name: 'the Kysely table types',
    inputs: ['prisma/schema.prisma', 'scripts/kysely-types.mjs'],
    packages: [],
    stamp: 'apps/api/src/generated/.kysely-sha256',
    outputs: ['apps/api/src/generated/kysely.ts'],
    script: 'scripts/kysely-types.mjs',
    env: {},
  },
  {
    name: 'the GraphQL types',
    inputs: [...schemaModules(), 'apps/api/src/graphql/schema.ts', 'apps/web/lib/queries.ts', 'codegen.ts'],
    packages: ['@graphql-codegen/cli', '@graphql-codegen/typescript', '@graphql-codegen/typescript-resolvers', '@graphql-codegen/typescript-operations'],
    stamp: 'apps/api/src/generated/.graphql-sha256',
    outputs: ['apps/api/src/generated/graphql.ts', 'apps/web/lib/generated/graphql.ts'],
    command: ['graphql-codegen', '--config', 'codegen.ts', '--silent'],
    env: {},
  },
];

function wanted(g) {
  const h = createHash('sha256');
  for (const f of g.inputs) h.update(fs.readFileSync(path.join(root, f))).update('\0');
  for (const p of g.packages) h.update(`${p}@${version(p)}\0`);
  return h.digest('hex');
}

const upToDate = (g) => {
  try {
    return fs.readFileSync(path.join(root, g.stamp), 'utf8').trim() === wanted(g) && g.outputs.every((f) => fs.existsSync(path.join(root, f)));
  } catch {
    return false;
  }
};

if (GENERATORS.every(upToDate)) process.exit(0);

// Several test runs (or engineers) may start at once: one generates, the others wait for it,
// because two generators writing the same folder leave a mix of both.
fs.mkdirSync(generatedDir, { recursive: true });
const deadline = Date.now() + 120_000;
for (;;) {
  try {
    fs.mkdirSync(lockDir);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    // A lock older than two minutes belongs to a generator that died.
    const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
    if (age > 120_000) fs.rmSync(lockDir, { recursive: true, force: true });
    if (Date.now() > deadline) {
      console.error(`prepare: timed out waiting for ${lockDir}; remove it if no other prepare is running`);
      process.exit(1);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

let status = 0;
try {
  for (const g of GENERATORS) {
    if (upToDate(g)) continue;
    const started = Date.now();
    const [cmd, args] = g.script ? [process.execPath, [path.join(root, g.script)]] : ['npx', ['--no-install', ...g.command]];
    const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...g.env }, encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`prepare: generating ${g.name} failed (exit ${r.status ?? r.signal})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
      status = 1;
      break;
    }
    fs.mkdirSync(path.dirname(path.join(root, g.stamp)), { recursive: true });
    fs.writeFileSync(path.join(root, g.stamp), `${wanted(g)}\n`);
    console.log(`prepare: generated ${g.name} in ${Date.now() - started} ms`);
  }
} finally {
  fs.rmSync(lockDir, { recursive: true, force: true });
}
process.exit(status);
