import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One fork per core of CI's two (vitest's default is one fewer than the cores): the wire and
    // live-conformance tests mostly wait on wall-clock timeouts, and the other fork runs
    // CPU-bound tests meanwhile. Not more than the cores: a fork that waits for a core longer
    // than a minute misses vitest's RPC timeout ("Timeout calling onTaskUpdate").
    // Not isolated: a fork keeps the modules it has loaded from one test file to the next (the
    // model's modules are loaded once per fork, not once per file: ~40 s of a run's CPU). No test
    // mocks modules or changes globals, and the model keeps no state in its modules.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
  },
});
