import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The vitest configuration that StrykerJS runs (stryker.config.json: vitest.configFile). It is
 * `vitest.config.ts` less the test files that cannot judge a mutant, or only slowly:
 *
 * - test/oracle/conform: builds a C client with gcc and drives librdkafka's mock cluster;
 * - test/claims/browser.test.ts: renders docs/claims.html in headless Chromium;
 * - test/diagrams: diagram rendering and docs regenerated to the committed bytes;
 * - test/cli: the command line, several tests in a child process;
 * - test/sim/world.test.ts: one test compares a trace hash computed in this process with one
 *   from a child process, and the child never sees Stryker's active mutant, so it would "kill"
 *   mutants by comparing the mutant with the unmutated code;
 * - test/explore/parallel.test.ts: worker threads, which never see the active mutant either;
 * - test/determinism-lint.test.ts, test/spec-traceability.test.ts: they read source text, which
 *   Stryker has instrumented, not behaviour.
 *
 * `npm test` still runs all of them; this file is used by `npm run mutate` only.
 */
export const mutationExcluded = [
  'test/oracle/conform/**',
  'test/claims/browser.test.ts',
  'test/diagrams/**',
  'test/cli/**',
  'test/sim/world.test.ts',
  'test/explore/parallel.test.ts',
  'test/determinism-lint.test.ts',
  'test/spec-traceability.test.ts',
];

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, ...mutationExcluded],
    },
  }),
);
