/**
 * The group's membership is stored with the group and reloaded by a new coordinator
 * (GroupMetadataManager.storeGroup / loadGroupsAndOffsets / readGroupMessageValue, and
 * GroupCoordinator.onGroupLoaded, since 0.9): after a failover the group is Stable in the same
 * generation, with the same members, leader and assignments, and each member has a fresh
 * session to find the new coordinator. Driven at machine level: coordinator `a` writes the
 * partition, coordinator `b` (elected later, in a newer leader epoch) loads what `a` wrote.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { groupCoordinator, type Joined } from '../helpers/group-coordinator.js';

const errors = (sent: { msg: { error?: string } }[]) => sent.map((s) => s.msg.error);

/** Two members in a Stable generation 1 on coordinator `a`: g0-c0 leads with [0, 1], g0-c1 has [2]. */
function stableGroupOfTwo() {
  const a = groupCoordinator();
  a.elect();
  a.join('g0-c0');
  a.join('g0-c1');
  a.advance(a.config.groupInitialRebalanceDelayMs + 1);
  const responses = a.sent('JoinGroupResponse');
  const m0 = responses.find((s) => s.to === 'g0-c0')!.msg as unknown as Joined;
  const m1 = responses.find((s) => s.to === 'g0-c1')!.msg as unknown as Joined;
  a.sync('g0-c1', m1);
  a.sync('g0-c0', m0, [
    { memberId: m0.memberId, partitions: [0, 1] },
    { memberId: m1.memberId, partitions: [2] },
  ]);
  a.answer(a.produced()[0]!);
  a.sent();
  expect([a.state(), m0.generationId, m1.generationId]).toEqual(['Stable', 1, 1]);
  return { a, m0, m1 };
}

describe('group coordinator failover: the group is reloaded with its members', () => {
  it('the record written when the rebalance completes carries the generation, protocol, leader and every member with its assignment', () => {
    const { a, m0, m1 } = stableGroupOfTwo();
    const groupRecords = a.log.filter((r) => r.key === 'group/g0');
    expect(groupRecords).toHaveLength(1);
    const g = groupRecords[0]!.value.group!;
    expect([groupRecords[0]!.value.value, g.generation, g.protocol, g.leader]).toEqual([1, 1, 'range', m0.memberId]);
    expect(g.members.map((m) => [m.memberId, m.client, m.assignment])).toEqual([
      [m0.memberId, 'g0-c0', [0, 1]],
      [m1.memberId, 'g0-c1', [2]],
    ]);
  });

  it('a new coordinator loads the group Stable in the same generation; the members heartbeat it and commit in that generation, no rejoin', () => {
    const { a, m0, m1 } = stableGroupOfTwo();
    const b = groupCoordinator(a.config, 1_000);
    b.elect(a.log, 1);
    expect(b.state()).toBe('Stable');
    const ctx = b.ctx();
    expect([ctx.generation, ctx.leader, ctx.protocol]).toEqual([1, m0.memberId, 'range']);
    expect([...ctx.members.values()].map((m) => [m.memberId, m.client, m.assignment])).toEqual([
      [m0.memberId, 'g0-c0', [0, 1]],
      [m1.memberId, 'g0-c1', [2]],
    ]);
    b.heartbeat('g0-c0', m0);
    b.heartbeat('g0-c1', m1);
    expect(errors(b.sent('HeartbeatResponse'))).toEqual([undefined, undefined]);
    // A member asking for its assignment again gets the stored one.
    b.sync('g0-c1', m1);
    expect(b.sent('SyncGroupResponse').map((s) => [s.msg.error, s.msg['assignment']])).toEqual([[undefined, [2]]]);
    b.commit('g0-c0', m0, [{ partition: 0, offset: 4 }]);
    expect(b.produced().map((p) => p.records.map((r) => [r.key, r.value.value]))).toEqual([[['offset/g0/0', 4]]]);
    expect(b.state()).toBe('Stable');
  });

  it('each loaded member gets a whole session from the load (onGroupLoaded), not from its last heartbeat to the old coordinator', () => {
    const { a, m0 } = stableGroupOfTwo();
    // The old coordinator last heard from the members at time 1; the new one loads at 1,000.
    const b = groupCoordinator(a.config, 1_000);
    b.elect(a.log, 1);
    const session = b.ctx().members.get(m0.memberId)!.sessionTimeoutMs;
    b.advance(session);
    expect([b.state(), b.ctx().members.size]).toEqual(['Stable', 2]);
    b.heartbeat('g0-c0', m0);
    b.sent();
    // g0-c1 never finds the new coordinator: its session expires and the group rebalances without it.
    b.advance(1);
    expect(b.state()).toBe('PreparingRebalance');
    expect([...b.ctx().members.keys()]).toEqual([m0.memberId]);
  });

  it('a group whose members all left is stored Empty, so a new coordinator does not restore them', () => {
    const { a, m0, m1 } = stableGroupOfTwo();
    for (const [client, m] of [['g0-c0', m0], ['g0-c1', m1]] as const) a.send({ type: 'LeaveGroup', actor: 'group-g0', requestId: 900, groupId: 'g0', memberId: m.memberId }, client);
    a.advance(1);
    expect(a.state()).toBe('Empty');
    const [empty] = a.produced();
    expect(empty!.records.map((r) => [r.key, r.value.value, r.value.group?.members.length])).toEqual([['group/g0', 2, 0]]);
    a.answer(empty!);
    const b = groupCoordinator(a.config, 1_000);
    b.elect(a.log, 1);
    expect([b.state(), b.ctx().generation, b.ctx().members.size]).toEqual(['Empty', 2, 0]);
    b.heartbeat('g0-c0', m0);
    expect(errors(b.sent('HeartbeatResponse'))).toEqual(['UNKNOWN_MEMBER_ID']);
  });

  it('a generation whose store was not replicated is not loaded: the new coordinator has the last stored one, and a member of the newer one is told ILLEGAL_GENERATION', () => {
    const { a, m0, m1 } = stableGroupOfTwo();
    a.join('g0-c0', m0.memberId); // the leader rejoins: generation 2
    a.join('g0-c1', m1.memberId);
    const gen2 = a.sent('JoinGroupResponse').find((s) => s.to === 'g0-c0')!.msg as unknown as Joined;
    expect([gen2.generationId, a.state()]).toEqual([2, 'CompletingRebalance']);
    a.sync('g0-c0', gen2, [{ memberId: m0.memberId, partitions: [0, 1, 2] }]);
    expect(a.produced()).toHaveLength(1); // generation 2's record, never answered: the coordinator fails over
    const b = groupCoordinator(a.config, 1_000);
    b.elect(a.log, 1);
    expect([b.state(), b.ctx().generation]).toEqual(['Stable', 1]);
    b.heartbeat('g0-c0', gen2);
    expect(errors(b.sent('HeartbeatResponse'))).toEqual(['ILLEGAL_GENERATION']);
  });
});

/**
 * KIP-345 static member `i0` (g0-c0) leads a Stable generation 1 alone, then restarts: it rejoins
 * with no member id and its instance id, and takes its old entry over under a new member id.
 */
function staticRejoin(staticMemberRejoinStored: boolean) {
  const a = groupCoordinator(resolveConfig('default', { staticMemberRejoinStored }));
  a.elect();
  let requestId = 500;
  const join = (memberId: string) =>
    a.send(
      { type: 'JoinGroup', actor: 'group-g0', requestId: requestId++, groupId: 'g0', memberId, groupInstanceId: 'i0', sessionTimeoutMs: 100, rebalanceTimeoutMs: 300, protocol: 'range', subscription: { topics: ['t'], ownedPartitions: [], generation: -1 } },
      'g0-c0',
    );
  join('');
  a.advance(a.config.groupInitialRebalanceDelayMs + 1);
  const first = a.joined('g0-c0');
  a.sync('g0-c0', first, [{ memberId: first.memberId, partitions: [0, 1, 2] }]);
  a.answer(a.produced()[0]!);
  a.sent();
  join(''); // the restarted instance
  return { a, first };
}

describe('KAFKA-10284: a static member that rejoins a Stable group is stored with its new member id', () => {
  it('from 2.7 (staticMemberRejoinStored): the group is written before the JoinGroup is answered, and a new coordinator knows the new id', () => {
    const { a, first } = staticRejoin(true);
    // Only the write: no JoinGroupResponse yet (produced() takes every effect since the join).
    const [write, ...others] = a.produced();
    expect(others).toEqual([]);
    expect(a.sent()).toEqual([]);
    const newId = write!.records[0]!.value.group!.members.map((m) => m.memberId)[0]!;
    expect([newId === first.memberId, write!.records[0]!.value.group!.members[0]!.groupInstanceId]).toEqual([false, 'i0']);
    a.answer(write!);
    expect(a.sent('JoinGroupResponse').map((s) => [s.msg.error, s.msg['memberId'], s.msg['generationId']])).toEqual([[undefined, newId, 1]]);
    const b = groupCoordinator(a.config, 1_000);
    b.elect(a.log, 1);
    expect([b.state(), [...b.ctx().members.keys()], b.ctx().staticMembers.get('i0')]).toEqual(['Stable', [newId], newId]);
    b.heartbeat('g0-c0', { memberId: newId, generationId: 1 });
    expect(errors(b.sent('HeartbeatResponse'))).toEqual([undefined]);
  });

  it('from 2.7: a failed write undoes the replacement: the old member id is the instance\'s again, and the JoinGroup gets the error', () => {
    const { a, first } = staticRejoin(true);
    const [write] = a.produced();
    a.send({ type: 'ProduceResponse', actor: 'group-g0', requestId: write!.requestId, baseOffset: -1, error: 'NOT_LEADER_OR_FOLLOWER' }, 'b1');
    expect(a.sent('JoinGroupResponse').map((s) => [s.msg.error, s.msg['memberId']])).toEqual([['NOT_COORDINATOR', '']]);
    expect([[...a.ctx().members.keys()], a.ctx().staticMembers.get('i0'), a.ctx().leader]).toEqual([[first.memberId], first.memberId, first.memberId]);
  });

  it('before 2.7: the replacement is not stored, so a coordinator failover restores the old member id and fences the instance (FENCED_INSTANCE_ID)', () => {
    const { a } = staticRejoin(false);
    const answered = a.sent();
    // Answered at once, and nothing written.
    expect(answered.map((s) => s.msg.type)).toEqual(['JoinGroupResponse']);
    expect(a.ctx().pending.size).toBe(0);
    const newId = (answered[0]!.msg as unknown as Joined).memberId;
    expect(a.ctx().staticMembers.get('i0')).toBe(newId);
    const b = groupCoordinator(a.config, 1_000);
    b.elect(a.log, 1);
    expect(b.ctx().staticMembers.get('i0')).not.toBe(newId);
    b.send({ type: 'Heartbeat', actor: 'group-g0', requestId: 1, groupId: 'g0', memberId: newId, groupInstanceId: 'i0', generationId: 1 }, 'g0-c0');
    expect(errors(b.sent('HeartbeatResponse'))).toEqual(['FENCED_INSTANCE_ID']);
  });
});
