/**
 * KIP-848's pure rules (src/groups/consumer-protocol/): the server-side assignors, the
 * coordinator's incremental reconciliation (CurrentAssignmentBuilder) and the epoch checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitEpochValid, heartbeatEpochValid, reconcile, targetAssignment, type MemberAssignment } from '../../src/groups/consumer-protocol/index.js';

const member = (over: Partial<MemberAssignment> = {}): MemberAssignment => ({ memberEpoch: 1, previousMemberEpoch: 0, state: 'STABLE', assigned: [], pendingRevocation: [], ...over });

describe('server-side assignors', () => {
  it('uniform and range give every partition to exactly one member, balanced within one', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('uniform' as const, 'range' as const),
        fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1 }),
        fc.integer({ min: 0, max: 12 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 12 }))),
        (assignor, members, partitions, had) => {
          const previous = new Map<string, number[]>();
          for (const [m, p] of had) previous.set(m, [...(previous.get(m) ?? []), p]);
          const t = targetAssignment(assignor, members, previous, partitions);
          const all = [...t.values()].flat().sort((x, y) => x - y);
          expect(all).toEqual(Array.from({ length: partitions }, (_, p) => p));
          const sizes = [...t.values()].map((ps) => ps.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          expect([...t.keys()].sort()).toEqual([...members].sort());
        },
      ),
    );
  });

  it('uniform is sticky: a member joining takes partitions only from those above their new quota', () => {
    const before = targetAssignment('uniform', ['a', 'b'], new Map(), 6);
    expect(before).toEqual(new Map([['a', [0, 1, 2]], ['b', [3, 4, 5]]]));
    const after = targetAssignment('uniform', ['a', 'b', 'c'], before, 6);
    expect(after.get('a')).toEqual([0, 1]);
    expect(after.get('b')).toEqual([3, 4]);
    expect(after.get('c')).toEqual([2, 5]);
  });

  it('range gives contiguous ranges in member-id order, whatever the previous assignment', () => {
    const t = targetAssignment('range', ['b', 'a', 'c'], new Map([['c', [0]]]), 7);
    expect(t).toEqual(new Map([['a', [0, 1, 2]], ['b', [3, 4]], ['c', [5, 6]]]));
  });
});

describe('incremental reconciliation (CurrentAssignmentBuilder)', () => {
  it('a member that loses a partition revokes it in its current epoch before it moves on', () => {
    const a = member({ memberEpoch: 1, assigned: [0, 1] });
    const step = reconcile(a, 2, [0], [0, 1], () => false);
    expect(step).toMatchObject({ memberEpoch: 1, state: 'UNREVOKED_PARTITIONS', assigned: [0], pendingRevocation: [1] });
    // Still owning partition 1: no progress.
    expect(reconcile(step, 2, [0], [0, 1], () => false)).toBe(step);
    // The heartbeat shows it gave 1 up: the target epoch.
    expect(reconcile(step, 2, [0], [0], () => false)).toMatchObject({ memberEpoch: 2, previousMemberEpoch: 1, state: 'STABLE', assigned: [0], pendingRevocation: [] });
  });

  it('a partition still held by another member is not given out (UNRELEASED_PARTITIONS) until it is released', () => {
    const b = member({ memberEpoch: 0, previousMemberEpoch: -1 });
    let held = true;
    const step = reconcile(b, 2, [1], [], () => held);
    expect(step).toMatchObject({ memberEpoch: 2, state: 'UNRELEASED_PARTITIONS', assigned: [] });
    held = false;
    expect(reconcile(step, 2, [1], [], () => held)).toMatchObject({ memberEpoch: 2, state: 'STABLE', assigned: [1] });
  });

  it('never gives a member a partition another member holds (a property over random steps)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5 })), fc.uniqueArray(fc.integer({ min: 0, max: 5 })), fc.uniqueArray(fc.integer({ min: 0, max: 5 })), (assigned, target, others) => {
        const step = reconcile(member({ assigned }), 2, target, assigned, (p) => others.includes(p));
        for (const p of step.assigned) expect(assigned.includes(p) || !others.includes(p)).toBe(true);
      }),
    );
  });
});

describe('member epochs', () => {
  it('a heartbeat ahead of the coordinator, or behind it other than the previous epoch with a subset of the assignment, is fenced', () => {
    const m = member({ memberEpoch: 5, previousMemberEpoch: 4, assigned: [0, 1] });
    expect(heartbeatEpochValid(m, 5, [0, 1, 2])).toBe(true);
    expect(heartbeatEpochValid(m, 6, [])).toBe(false);
    expect(heartbeatEpochValid(m, 4, [0])).toBe(true);
    expect(heartbeatEpochValid(m, 4, [2])).toBe(false);
    expect(heartbeatEpochValid(m, 3, [])).toBe(false);
  });

  it('an offset commit must carry the member epoch exactly', () => {
    const m = member({ memberEpoch: 5 });
    expect(commitEpochValid(m, 5)).toBe(true);
    expect(commitEpochValid(m, 4)).toBe(false);
    expect(commitEpochValid(m, 6)).toBe(false);
  });
});
