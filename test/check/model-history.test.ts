import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { finalReads } from '../../src/check/final-read.js';
import { checkHistory } from '../../src/check/history/index.js';
import { searchSpace } from '../../src/explore/search.js';
import type { HistoryOp } from '../../src/oracle/history/types.js';
import { caseToScenario, exploreCaseArb } from '../../src/workload/arbitraries.js';

/**
 * The model checks itself: the histories its own clients record go through the Jepsen checker
 * that judges other implementations, with Jepsen-style final reads appended. (Presets that
 * lose data: test/explore/presets.test.ts checks that the checker names the loss too.)
 */

/** Anomalies that follow from a retried send being written twice (no idempotence yet: issue 5). */
const fromRetries = new Set(['duplicate', 'int-nonmonotonic-poll', 'int-poll-skip']);

describe('model histories through the Jepsen checker', () => {
  it('default, within its budget: no history shows a lost, unseen, inconsistent or aborted-read anomaly; retries show as duplicates', async () => {
    const space = searchSpace({ property: 'all', preset: 'default', runs: 1, seed: 1 });
    const cases = fc.sample(exploreCaseArb(space), { numRuns: 200, seed: 42 });
    let duplicates = 0;
    for (const [i, c] of cases.entries()) {
      const scenario = parseScenario(caseToScenario(c, space, { preset: 'default', overrides: {}, durationMs: 1500 }));
      const { world, config } = buildWorld(scenario, 'off');
      world.start();
      expect(world.run({ until: scenario.durationMs }), JSON.stringify(scenario)).toBeUndefined();
      const result = checkHistory([...world.history, ...finalReads(world, config!)] as HistoryOp[], {});
      expect(result['bad-error-types'].filter((a) => !fromRetries.has(a)), `replay: ${JSON.stringify(scenario)}`).toEqual([]);
      if (result['bad-error-types'].includes('duplicate')) {
        duplicates++;
        const dup = (result.errors as Record<string, { count: number }[]>).duplicate!;
        expect(dup[0]!.count).toBeGreaterThanOrEqual(2);
      }
      if (i % 20 === 0) await new Promise((r) => setImmediate(r)); // let the test runner breathe
    }
    // Without idempotence some retried sends are written twice, and Jepsen names them.
    expect(duplicates).toBeGreaterThan(0);
  });
});
