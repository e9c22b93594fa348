import { parseScenario, type Scenario } from '../../src/cluster/scenario.js';

/**
 * The zombie-fencing setup of the transaction tests (KIP-447): two consume-transform-produce
 * consumers on 3 partitions, session.timeout.ms 10 s (scaled: 100 ms); consumer 0 stalls with
 * its transaction open for `stall` and wakes up after the group moved its partitions.
 */
export function zombieScenario(preset: string, stall: { at: number; durationMs: number }): Scenario {
  return parseScenario({
    seed: 5,
    durationMs: 2000,
    config: { preset, overrides: { partitions: 3, sessionTimeoutMs: 100 } },
    properties: ['exactly-once'],
    workload: {
      kind: 'produce',
      records: 40,
      intervalMs: 8,
      keys: 8,
      transactional: { recordsPerTxn: 3, abortEvery: 0 },
      groups: [{ consumers: 2, commit: 'transactional', processingMs: 10, stalls: [{ consumer: 0, ...stall }] }],
    },
  });
}

/**
 * A consume-transform-produce group (2 consumers, 3 partitions, every third transaction aborted)
 * through a broker crash (b2, 300-500 ms) and a consumer crash (g0-c1, 700-900 ms).
 */
export function crashesScenario(preset: string, properties: readonly string[]): Scenario {
  return parseScenario({
    seed: 3,
    durationMs: 2500,
    config: { preset, overrides: { partitions: 3 } },
    workload: { kind: 'produce', records: 30, intervalMs: 10, keys: 8, transactional: { recordsPerTxn: 4, abortEvery: 3 }, groups: [{ consumers: 2, commit: 'transactional' }] },
    faults: [
      { at: 300, type: 'crash', node: 'b2' },
      { at: 500, type: 'restart', node: 'b2' },
      { at: 700, type: 'crash', node: 'g0-c1' },
      { at: 900, type: 'restart', node: 'g0-c1' },
    ],
    properties: [...properties],
  });
}
