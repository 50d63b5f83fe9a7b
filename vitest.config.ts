import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@': new URL('./', import.meta.url).pathname,
      // 'server-only' throws unless bundled by Next.js for the server; tests are server code.
      'server-only': new URL('./tests/support/stubs/server-only.ts', import.meta.url).pathname,
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    sequence: { shuffle: { tests: true, files: false } },
    restoreMocks: true,
  },
});
