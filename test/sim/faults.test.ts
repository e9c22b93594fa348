import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enforceBudget, peakFaulty, randomFaultSchedule, type Fault } from '../../src/sim/faults.js';
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
