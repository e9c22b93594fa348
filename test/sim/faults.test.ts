import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetGuard, enforceBudget, peakFaulty, randomFaultSchedule, withMinDowntime, type Fault } from '../../src/sim/faults.js';
import { Rng } from '../../src/sim/rng.js';

const nodes = ['b1', 'b2', 'b3', 'b4', 'b5'];

describe('fault schedules', () => {
  it('sim-fault-budget: random schedules stay within the fault budget and in time order', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.nat({ max: 30 }), (seed, maxFaulty, episodes) => {
        const s = randomFaultSchedule(Rng.seeded(seed), { budget: { nodes, maxFaulty }, horizonMs: 1000, episodes });
        expect(peakFaulty(s, nodes)).toBeLessThanOrEqual(maxFaulty);
        for (let i = 1; i < s.length; i++) expect(s[i]!.at).toBeGreaterThanOrEqual(s[i - 1]!.at);
      }),
    );
  });

  it('enforceBudget keeps a schedule that is already within budget unchanged', () => {
    const s: Fault[] = [
      { at: 1, type: 'crash', node: 'b1' },
      { at: 5, type: 'restart', node: 'b1' },
      { at: 6, type: 'partition', from: ['b2'], to: ['b1', 'b3', 'b4', 'b5'] },
      { at: 9, type: 'heal' },
    ];
    expect(enforceBudget(s, { nodes, maxFaulty: 1 })).toEqual(s);
  });

  it('a latency spike counts until its last delayed message arrives, in enforceBudget and in the run-time BudgetGuard alike', () => {
    const spike: Fault = { at: 10, type: 'latency', node: 'b1', ms: 100, durationMs: 50 };
    // b2 crashes after the spike's window (60) but before a message sent at its end arrives (160).
    const during: Fault = { at: 120, type: 'crash', node: 'b2' };
    const after: Fault = { at: 160, type: 'crash', node: 'b3' };
    expect(enforceBudget([spike, during], { nodes, maxFaulty: 1 })).toEqual([spike]);
    expect(enforceBudget([spike, after], { nodes, maxFaulty: 1 })).toEqual([spike, after]);
    const guard = new BudgetGuard({ nodes, maxFaulty: 1 });
    expect(guard.admit([spike])).toBe(true);
    expect(guard.admit([during])).toBe(false);
    expect(guard.admit([after])).toBe(true);
  });

  it('withMinDowntime drops a restart sooner than the minimum after the crash that took its node down', () => {
    const s: Fault[] = [
      { at: 200, type: 'crash', node: 'b2' },
      { at: 255, type: 'restart', node: 'b2' },
      { at: 300, type: 'restart', node: 'b2' },
      { at: 310, type: 'crash', node: 'b3' },
      { at: 410, type: 'restart', node: 'b3' },
    ];
    expect(withMinDowntime(s, 100).map((f) => `${f.type}:${'node' in f ? f.node : ''}@${f.at}`)).toEqual(['crash:b2@200', 'restart:b2@300', 'crash:b3@310', 'restart:b3@410']);
    expect(withMinDowntime(s, 0)).toEqual(s);
  });

  it('enforceBudget drops the fault that would exceed the budget', () => {
    const s: Fault[] = [
      { at: 1, type: 'crash', node: 'b1' },
      { at: 2, type: 'crash', node: 'b2' },
      { at: 3, type: 'restart', node: 'b1' },
      { at: 4, type: 'crash', node: 'b3' },
    ];
    const kept = enforceBudget(s, { nodes, maxFaulty: 1 });
    expect(kept.map((f) => `${f.type}:${'node' in f ? f.node : ''}`)).toEqual(['crash:b1', 'restart:b1', 'crash:b3']);
    expect(peakFaulty(s, nodes)).toBe(2);
  });

  it('a node that lost power counts as power-lost until it is whole again, so a second power loss right after its restart needs --correlated', () => {
    const s: Fault[] = [
      { at: 10, type: 'crash', node: 'b1' },
      { at: 11, type: 'restart', node: 'b1' },
      { at: 12, type: 'crash', node: 'b2' },
      { at: 13, type: 'restart', node: 'b2' },
      { at: 400, type: 'crash', node: 'b3' },
      { at: 401, type: 'restart', node: 'b3' },
    ];
    const budget = { nodes, maxFaulty: 2, maxPowerLost: 1, recoveryMs: 300 };
    const kept = enforceBudget(s, budget).map((f) => `${f.type}:${'node' in f ? f.node : ''}`);
    // b2's power loss comes while b1 still lacks what it lost; b3's after b1 is whole again.
    expect(kept).toEqual(['crash:b1', 'restart:b1', 'restart:b2', 'crash:b3', 'restart:b3']);
    // A process crash keeps the page cache: it is not a power loss.
    const processCrash = s.map((f) => (f.type === 'crash' && f.node === 'b2' ? { ...f, kind: 'process' as const } : f));
    expect(enforceBudget(processCrash, budget)).toHaveLength(6);
    expect(enforceBudget(s, { ...budget, maxPowerLost: 2 })).toHaveLength(6);
  });
});
