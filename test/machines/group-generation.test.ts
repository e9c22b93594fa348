/**
 * The group coordinator's generation checks (GroupCoordinator.handleSyncGroup,
 * handleHeartbeat, handleCommitOffsets): a request from a member of an older generation is
 * answered ILLEGAL_GENERATION and changes nothing, so a member that missed a rebalance cannot
 * install an assignment, keep its session alive as if current, or move the group's offsets.
 * Each test fails when its check is deleted from src/machines/group-coordinator.ts (issue #18;
 * test/mutants/README.md).
 */
import { describe, expect, it } from 'vitest';
import { groupCoordinator, type Joined } from '../helpers/group-coordinator.js';

/** One member leads generation 1 (Stable), then rejoins: generation 2 is CompletingRebalance. */
function secondGeneration() {
  const h = groupCoordinator();
  h.elect();
  const gen1 = h.stable();
  h.join('g0-c0', gen1.memberId);
  const gen2 = h.joined('g0-c0');
  expect([gen1.generationId, gen2.generationId, h.state()]).toEqual([1, 2, 'CompletingRebalance']);
  return { h, gen1, gen2 };
}

const errors = (sent: { msg: { error?: string } }[]) => sent.map((s) => s.msg.error);

describe('group coordinator: SyncGroup from an older generation', () => {
  it('the leader\'s assignment for generation 1, sent while generation 2 is completing, is refused ILLEGAL_GENERATION and not stored', () => {
    const { h, gen1, gen2 } = secondGeneration();
    h.sync('g0-c0', gen1, [{ memberId: gen1.memberId, partitions: [0] }]);
    expect(errors(h.sent('SyncGroupResponse'))).toEqual(['ILLEGAL_GENERATION']);
    expect(h.produced()).toEqual([]);
    expect(h.state()).toBe('CompletingRebalance');
    expect(h.ctx().members.get(gen1.memberId)!.assignment).toEqual([0, 1, 2]);
    // The same leader in generation 2 is stored and answered.
    h.sync('g0-c0', gen2, [{ memberId: gen2.memberId, partitions: [1] }]);
    h.answer(h.produced()[0]!);
    expect(h.sent('SyncGroupResponse').map((s) => [s.msg.error, s.msg['assignment']])).toEqual([[undefined, [1]]]);
    expect(h.state()).toBe('Stable');
  });

  it('in Stable, a member of an older generation asking for its assignment is answered ILLEGAL_GENERATION, not given one', () => {
    const { h, gen1, gen2 } = secondGeneration();
    h.sync('g0-c0', gen2, [{ memberId: gen2.memberId, partitions: [1] }]);
    h.answer(h.produced()[0]!);
    h.sent();
    h.sync('g0-c0', gen1);
    expect(h.sent('SyncGroupResponse').map((s) => [s.msg.error, s.msg['assignment']])).toEqual([['ILLEGAL_GENERATION', []]]);
  });
});

describe('group coordinator: Heartbeat from an older generation', () => {
  it('is answered ILLEGAL_GENERATION, in CompletingRebalance and in Stable; the current generation\'s heartbeat is not', () => {
    const { h, gen1, gen2 } = secondGeneration();
    h.heartbeat('g0-c0', gen1);
    h.heartbeat('g0-c0', gen2);
    expect(errors(h.sent('HeartbeatResponse'))).toEqual(['ILLEGAL_GENERATION', undefined]);
    h.sync('g0-c0', gen2, [{ memberId: gen2.memberId, partitions: [1] }]);
    h.answer(h.produced()[0]!);
    h.sent();
    expect(h.state()).toBe('Stable');
    h.heartbeat('g0-c0', gen1);
    h.heartbeat('g0-c0', gen2);
    expect(errors(h.sent('HeartbeatResponse'))).toEqual(['ILLEGAL_GENERATION', undefined]);
  });
});

describe('group coordinator: OffsetCommit from an older generation', () => {
  it('is answered ILLEGAL_GENERATION and not written; the current generation\'s commit is written', () => {
    const { h, gen1, gen2 } = secondGeneration();
    h.sync('g0-c0', gen2, [{ memberId: gen2.memberId, partitions: [1] }]);
    h.answer(h.produced()[0]!);
    h.sent();
    const commit = (m: Joined, offset: number) => h.commit('g0-c0', m, [{ partition: 1, offset }]);
    commit(gen1, 5);
    expect(errors(h.sent('OffsetCommitResponse'))).toEqual(['ILLEGAL_GENERATION']);
    expect(h.produced()).toEqual([]);
    commit(gen2, 7);
    const [write] = h.produced();
    expect(write!.records.map((r) => [r.key, r.value.value])).toEqual([['offset/g0/1', 7]]);
  });
});
