import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
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

/**
 * Vitest runs the slowest test files first; under Stryker that is the wrong way round: a mutant
 * runs the tests covering it until one fails, and the quick unit tests of a module kill most of
 * its mutants. So the quickest files (by vitest's recorded durations, else the smallest) run first.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const cost = (f: TestSpecification): number => {
      const key = `${f.project.name}:${relative(config.root, f.moduleId)}`;
      const known = cache.getFileTestResults(key)?.duration;
      return known ?? 1_000_000 + (cache.getFileStats(key)?.size ?? statSync(f.moduleId).size);
    };
    return [...files].sort((a, b) => cost(a) - cost(b));
  }
}

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, ...mutationExcluded],
      sequence: { sequencer: QuickestFirst },
    },
  }),
);
