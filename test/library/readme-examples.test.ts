import { describe, expect, it } from 'vitest';
// The README's "Use it as a library" examples, as they are written there but for the import path
// ('kafka-model' in the README): if one stops compiling or running, this fails.
import {
  checkHistory,
  checkHistoryAsync,
  explore,
  parseHistory,
  parseScenario,
  runScenario,
  type CheckResult,
  type ExploreResult,
  type HistoryOp,
  type JepsenOp,
} from '../../src/index.js';

describe('README: use it as a library', () => {
  it('checks a Jepsen history: ops in memory, or EDN text', async () => {
    const ops: JepsenOp[] = [
      { index: 0, process: 0, type: 'invoke', f: 'send', value: [['send', 1, 10]] },
      { index: 1, process: 0, type: 'ok', f: 'send', value: [['send', 1, [0, 10]]] },
      { index: 2, process: 1, type: 'invoke', f: 'poll', value: [['poll']] },
      { index: 3, process: 1, type: 'ok', f: 'poll', value: [['poll', { 1: [[0, 10]] }]] },
    ];
    const result: CheckResult = checkHistory(ops);
    expect(result.valid).toBe(true);

    const edn = '{:index 0 :type :ok :process 0 :f :send :value [[:send 1 [0 10]]]}\n{:index 1 :type :ok :process 1 :f :poll :value [[:poll {1 [[0 10]]}]]}\n';
    const fromText = await checkHistoryAsync(parseHistory(edn, 'edn'));
    expect(fromText.valid).toBe(true);

    // A history that lost an acknowledged send: invalid, and the anomaly says which.
    const lost = checkHistory([...ops.slice(0, 2), { index: 2, process: 1, type: 'ok', f: 'poll', value: [['poll', { 1: [] }]] }, { index: 3, process: 0, type: 'ok', f: 'send', value: [['send', 1, [1, 11]]] }, { index: 4, process: 1, type: 'ok', f: 'poll', value: [['poll', { 1: [[1, 11]] }]] }]);
    expect(lost.valid).toBe(false);
    expect(lost['bad-error-types']).toContain('lost-write');
  });

  it('runs a scenario, and checks the model own history with the same checker', () => {
    const scenario = parseScenario({ seed: 7, durationMs: 1500, config: { preset: 'acks1' }, workload: { kind: 'produce', records: 20 }, faults: [{ at: 100, type: 'crash', node: 'b1' }] });
    const { world, summary } = runScenario(scenario);
    expect(summary.sends.invoked).toBe(20);
    const history: readonly HistoryOp[] = world.history;
    expect(checkHistory(history).stats.completions).toBeGreaterThan(0);
  });

  it('searches for a counterexample from a test suite, and replays it', () => {
    const r: ExploreResult = explore({ property: 'no-acked-loss', preset: 'acks1', runs: 200, seed: 3, maxShrinks: 5 });
    expect(r.found).toBe(true);
    const again = runScenario(r.scenario!);
    expect(again.summary.violation?.property).toBe('no-acked-loss');
    expect(again.summary.traceHash).toBe(r.scenario!.expect?.traceHash);
  });
});
