/**
 * The controller's first elections (spec/replication.md, Components): a NewPartition starts on
 * its preferred replica, and waits for it for at most broker.session.timeout.ms.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import type { Fault } from '../../src/sim/faults.js';

/** Each partition of `t` with the broker and time of its first election. */
function firstLeaders(faults: Fault[]): Map<string, { node: string; t: number }> {
  const { world } = runScenario(parseScenario({ seed: 4, durationMs: 400, config: { preset: 'default', overrides: { partitions: 3 } }, faults }), 'full');
  const first = new Map<string, { node: string; t: number }>();
  for (const e of world.trace.events()) {
    const m = e.e === 'note' ? /^(t-\d) leader in epoch 0,/.exec(e.text) : null;
    if (e.e === 'note' && m && !first.has(m[1]!)) first.set(m[1]!, { node: e.node, t: e.t });
  }
  return first;
}

describe('controller: first leaders', () => {
  it('each data partition starts on its preferred replica, so leadership is spread', () => {
    const first = firstLeaders([]);
    expect([...first.entries()].map(([p, l]) => `${p}@${l.node}`).sort()).toEqual(['t-0@b1', 't-1@b2', 't-2@b3']);
  });

  it('a partition whose preferred replica never comes up is elected once broker.session.timeout.ms (90 ms) has passed', () => {
    const first = firstLeaders([{ at: 0, type: 'crash', node: 'b1' }]);
    // t-0 prefers b1, which is down from the start: the next replica in its assignment leads.
    expect(first.get('t-0')!.node).toBe('b2');
    expect(first.get('t-0')!.t).toBeGreaterThanOrEqual(90);
    // The others are not held up.
    expect(first.get('t-1')).toMatchObject({ node: 'b2' });
    expect(first.get('t-2')).toMatchObject({ node: 'b3' });
    expect(first.get('t-1')!.t).toBeLessThan(90);
  });
});
