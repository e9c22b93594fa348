import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One fork more than the 2 cores of CI: the wire and live-conformance tests spend most of
    // their time waiting on wall-clock timeouts, and a third fork runs CPU-bound tests meanwhile.
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
  },
});
