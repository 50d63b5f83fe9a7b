import { defineConfig } from 'vitest/config';

const alias = {
  '@': new URL('./', import.meta.url).pathname,
  // 'server-only' throws unless bundled by Next.js for the server; tests are server code.
  'server-only': new URL('./tests/support/stubs/server-only.ts', import.meta.url).pathname,
};

export default defineConfig({
  resolve: { alias },
  test: {
    pool: 'forks',
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['tests/{unit,integration,conformance,fuzz}/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Three files at a time: most of their time is spent waiting on the emulator, Postgres and the
          // processes they start (the CPU was busy about 1.1 cores of 2 with two at a time), so three
          // forks on the machine's two cores finish sooner (Vitest's default is one fewer than the
          // cores: one, here). The groups below then run one after another.
          maxWorkers: 3,
          sequence: { shuffle: { tests: true, files: false }, groupOrder: 0 },
        },
      },
      {
        // The sale-day fault suite (tests/faults): one file of several processes (emulator, storefront,
        // workers), at CI size here and at full size with `npm run test:faults` (FAULT_SUITE_SIZE=full).
        extends: true,
        test: {
          name: 'faults',
          include: ['tests/faults/**/*.test.ts'],
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          testTimeout: 600_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Browser tests share one production build and run one file at a time: each starts servers
        // and a browser, and the machine has two cores.
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/support/e2e-setup.ts'],
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
