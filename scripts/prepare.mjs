#!/usr/bin/env node
// Regenerates the Prisma client (apps/api/src/generated/prisma, gitignored) when it is missing or
// when prisma/schema.prisma (or the Prisma version) changed since the last generation.
// Cheap when nothing changed: one hash of a small file, no child process.
//
// PRISMA_SCHEMA_ENGINE_BINARY=/bin/false: `prisma generate` does not need the schema engine, but the
// CLI would otherwise try to download it from binaries.prisma.sh (unreachable offline) and fail.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = path.join(root, 'prisma/schema.prisma');
const outDir = path.join(root, 'apps/api/src/generated/prisma');
const stampPath = path.join(outDir, '.schema-sha256');
const lockDir = path.join(root, 'apps/api/src/generated/.prepare-lock');

function prismaVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules/prisma/package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

const wanted = createHash('sha256')
  .update(fs.readFileSync(schemaPath))
  .update(`\0prisma@${prismaVersion()}`)
  .digest('hex');

const upToDate = () => {
  try {
    return fs.readFileSync(stampPath, 'utf8').trim() === wanted && fs.existsSync(path.join(outDir, 'client.ts'));
  } catch {
    return false;
  }
};

if (upToDate()) process.exit(0);

// Several test runs (or engineers) may start at once: one generates, the others wait for it,
// because two generators writing the same folder leave a mix of both.
fs.mkdirSync(path.dirname(lockDir), { recursive: true });
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
  if (!upToDate()) {
    const started = Date.now();
    const r = spawnSync('npx', ['--no-install', 'prisma', 'generate', '--schema', schemaPath], {
      cwd: root,
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      console.error(`prepare: prisma generate failed (exit ${r.status ?? r.signal})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
      status = 1;
    } else {
      fs.writeFileSync(stampPath, `${wanted}\n`);
      console.log(`prepare: generated the Prisma client in ${Date.now() - started} ms`);
    }
  }
} finally {
  fs.rmSync(lockDir, { recursive: true, force: true });
}
process.exit(status);
