import { defineConfig } from 'vitest/config';

// Tests run against real parts (PGlite / Postgres, ONNX sessions, audio files), so
// they get generous timeouts; files run in separate processes, two at a time (2 cores).
export default defineConfig({
  test: {
    include: ['apps/api/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
