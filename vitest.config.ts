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
          sequence: { shuffle: { tests: true, files: false } },
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
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
