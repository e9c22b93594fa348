import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { buildWorld } from '../../src/cluster/run.js';
import { replicationInvariants } from '../../src/check/replication.js';
import { parseScenario, type Scenario } from '../../src/cluster/scenario.js';
import { finalReads, settleForFinalReads } from '../../src/check/final-read.js';
import { checkHistory } from '../../src/check/history/index.js';
import { searchSpace } from '../../src/explore/search.js';
import type { HistoryOp } from '../../src/oracle/history/types.js';
import { caseToScenario, exploreCaseArb } from '../../src/workload/arbitraries.js';

/**
 * The model checks itself: the histories its own clients record go through the Jepsen checker
 * that judges other implementations, with Jepsen-style final reads appended. (Presets that
 * lose data: test/explore/presets.test.ts checks that the checker names the loss too.)
 */

/** Anomalies that follow from a retried send being written twice (without idempotence). */
const fromRetries = new Set(['duplicate', 'int-nonmonotonic-poll', 'int-poll-skip']);

/** Generated runs of a preset, checking the given invariants (all of them when absent). */
function histories(preset: string, n: number, seed: number, properties?: string[]) {
  const space = searchSpace({ property: 'all', preset, runs: 1, seed: 1 });
  return fc
    .sample(exploreCaseArb(space), { numRuns: n, seed })
    .map((c) => parseScenario({ ...caseToScenario(c, space, { preset, overrides: {}, durationMs: 1500 }), ...(properties ? { properties } : {}) }));
}

/**
 * Run a scenario (no invariant may break), stop the faults and let the cluster recover as Jepsen
 * does before its final reads, and check the history with the final reads appended.
 */
function checkRun(scenario: Scenario) {
  const { world, config } = buildWorld(scenario, 'off');
  world.start();
  expect(world.run({ until: scenario.durationMs }), JSON.stringify(scenario)).toBeUndefined();
  settleForFinalReads(world, 1000);
  expect(world.violation, JSON.stringify(scenario)).toBeUndefined();
  return checkHistory([...world.history, ...finalReads(world, config!)] as HistoryOp[], {});
}

// 50 generated runs each: a sample for the test suite (kept under its 5 minutes); kafka-model
// explore searches the same space at length.
describe('model histories through the Jepsen checker', () => {
  it('default (idempotent producer), within its budget: every history checks valid', async () => {
    for (const [i, scenario] of histories('default', 50, 42).entries()) {
      const result = checkRun(scenario);
      expect(result['bad-error-types'], `replay: ${JSON.stringify(scenario)}`).toEqual([]);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r)); // let the test runner breathe
    }
  });

  it('no-idempotence, within its budget: retried sends are written twice, and Jepsen names them duplicates; nothing is lost', async () => {
    let duplicates = 0;
    // Every invariant but no-duplicates, which these runs are expected to break.
    const replication = replicationInvariants(resolveConfig('no-idempotence')).map((inv) => inv.id);
    for (const [i, scenario] of histories('no-idempotence', 50, 42, replication).entries()) {
      const result = checkRun(scenario);
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
