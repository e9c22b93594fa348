import { and, cancel, raise, setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { coordinatorDelays, coordinatorLoadGuards, sendLoadFetch as loadFetch } from './coordinator-load.js';
import { groupMetadataPartitionName } from './coordinator-partition.js';
import { react, type Outbox } from './effects.js';
import {
  groupKey,
  offsetKey,
  type GroupErrorCode,
  type GroupMetadataValue,
  type Heartbeat,
  type HeartbeatResponse,
  type JoinGroup,
  type JoinGroupResponse,
  type LeaveGroup,
  type LeaveGroupResponse,
  type OffsetCommit,
  type OffsetCommitResponse,
  type OffsetFetch,
  type OffsetFetchResponse,
  type AcceptedCommit,
  type Subscription,
  type SyncGroup,
  type SyncGroupResponse,
} from './group-protocol.js';

import {
  type BecomeReplica,
  type BrokerId,
  type ErrorCode,
  type FetchResponse,
  type From,
  type Produce,
  type ProducedValue,
  type ProduceResponse,
} from './protocol.js';
import type { TxnOffsetCommit, TxnOffsetCommitResponse, WriteTxnMarkers, WriteTxnMarkersResponse } from './txn-protocol.js';

import {
  applyWrittenMarker,
  copyOffsets,
  describePendingTxns,
  hasPendingTxnOffset as pendingTxnOffset,
  producerErrors,
  replayOffsetRecord,
  txnMarkerRecord,
  txnOffsetRecords,
  withPendingTxnOffsets,
  type PendingMarkerWrite,
  type PendingTxnOffset,
  type TxnDecision,
} from './txn-offsets.js';

export type { AcceptedCommit } from './group-protocol.js';
export type { PendingTxnOffset, TxnDecision } from './txn-offsets.js';

/**
 * The group coordinator for one consumer group on one broker (Kafka's classic GroupCoordinator
 * + GroupMetadata + GroupMetadataManager), as one machine per (broker, group).
 *
 * It coordinates while the broker's replica of the group's `__consumer_offsets` partition
 * (GroupMetadataManager.partitionFor, coordinator-partition.ts) leads: on election it
 * reads that partition to its log end (Loading: COORDINATOR_LOAD_IN_PROGRESS), on resignation
 * the group is unloaded (Dead; NOT_COORDINATOR). Offset commits and the group's generation are
 * records in that partition, written with acks=all and answered only once replicated, so they
 * survive exactly as well as replication makes them.
 *
 * Group states and their only legal transitions (GroupMetadata.validPreviousStates):
 *   Empty -> PreparingRebalance; PreparingRebalance -> CompletingRebalance | Empty;
 *   CompletingRebalance -> Stable | PreparingRebalance; Stable -> PreparingRebalance;
 *   any -> Dead (unloaded).
 * Handlers only decide (set `rebalance` / `stored`); `always` transitions move.
 *
 * Transactional offset commits (KIP-98, KIP-447): TxnOffsetCommit writes the offsets as
 * transactional records of the producer id; they stay pending for that producer (OffsetFetch of
 * their partitions answers UNSTABLE_OFFSET_COMMIT) until the transaction coordinator's
 * WriteTxnMarkers has the coordinator write the COMMIT marker (the offsets become the group's)
 * or the ABORT marker (they are dropped).
 */
export interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | undefined;
  /** The consumer's node. */
  readonly client: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly lastHeartbeat: number;
  readonly protocol: string;
  readonly subscription: Subscription;
  /** Its pending JoinGroup (awaiting the join to complete). */
  readonly joinRequest: number | undefined;
  /** Its pending SyncGroup (awaiting the leader's assignment to be stored). */
  readonly syncRequest: number | undefined;
  readonly assignment: readonly number[];
}

export type PendingWrite =
  | {
      readonly kind: 'commit';
      readonly client: string;
      readonly requestId: number;
      readonly entry: Omit<AcceptedCommit, 'previous'>;
    }
  | {
      readonly kind: 'group';
      readonly generation: number;
      /**
       * `sync`: the leader's assignment, which completes the rebalance (the members wait for it);
       * `empty`: the generation the join completed with no members (GroupCoordinator.onCompleteJoin
       * stores it, so that a coordinator that loads the group does not restore members gone since).
       */
      readonly reason: 'sync' | 'empty';
    }
  | {
      /**
       * KAFKA-10284: the group stored after a static member rejoined a Stable group with a new
       * member id; its JoinGroup is answered once written, or the replacement undone.
       */
      readonly kind: 'staticMember';
      readonly generation: number;
      readonly client: string;
      readonly requestId: number;
      readonly memberId: string;
      readonly old: Member;
      readonly leader: string | undefined;
    }
  | {
      readonly kind: 'txnCommit';
      readonly client: string;
      readonly requestId: number;
      readonly entry: Omit<AcceptedCommit, 'previous'>;
    }
  | PendingMarkerWrite;

export interface CoordinatorContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly groupId: string;
  readonly brokerId: BrokerId;
  readonly name: string;
  /** The leader epoch of the group's `__consumer_offsets` partition this coordinator is (loading / active) in. */
  readonly leaderEpoch: number;
  readonly loadOffset: number;
  /** Loading reached the partition's log end. */
  readonly loaded: boolean;
  readonly generation: number;
  readonly protocol: string | undefined;
  readonly leader: string | undefined;
  readonly members: ReadonlyMap<string, Member>;
  /** KIP-345: group.instance.id -> its current member id. */
  readonly staticMembers: ReadonlyMap<string, string>;
  /** PreparingRebalance: when the join completes at the latest. */
  readonly rebalanceDeadline: number;
  /** PreparingRebalance entered from Empty: wait group.initial.rebalance.delay.ms for more members. */
  readonly initialDelay: boolean;
  /** Set by a handler: the group must (re)balance; `always` moves it to PreparingRebalance. */
  readonly rebalance: string | undefined;
  /** Set when the group's metadata for this generation is replicated: CompletingRebalance -> Stable. */
  readonly stored: number | undefined;
  readonly offsets: ReadonlyMap<number, number>;
  /** Per partition, the offset (in the group's `__consumer_offsets` partition) of the record that set `offsets` (KIP-98's ordering of commits). */
  readonly offsetPositions: ReadonlyMap<number, number>;
  /** KIP-98/447: per producer id, its transactional offsets not decided yet, in log order. */
  readonly txnOffsets: ReadonlyMap<number, readonly PendingTxnOffset[]>;
  readonly pending: ReadonlyMap<number, PendingWrite>;
  readonly nextRequestId: number;
  readonly nextMemberSeq: number;
  /**
   * Every commit written in this incarnation, and every transaction marker that decided pending
   * transactional offsets, in order (read by invariants; grows in place).
   */
  readonly accepted: (AcceptedCommit | TxnDecision)[];
}

export type CoordinatorEvent =
  | (BecomeReplica & From)
  | (JoinGroup & From)
  | (SyncGroup & From)
  | (Heartbeat & From)
  | (LeaveGroup & From)
  | (OffsetCommit & From)
  | (OffsetFetch & From)
  | (TxnOffsetCommit & From)
  | (WriteTxnMarkers & From)
  | (FetchResponse & From & { requestId?: number })
  | (ProduceResponse & From)
  | { type: 'Tick' }
  | { type: 'net.disconnected'; peer: string };

/** The group's `__consumer_offsets` partition (GroupMetadataManager.partitionFor): it loads, writes and follows that one. */
const offsetsPartition = (c: CoordinatorContext) => groupMetadataPartitionName(c.config, c.groupId);

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

// ---------------------------------------------------------------------------------------
// Loading (GroupMetadataManager.loadGroupsAndOffsets)

function startLoad(c: CoordinatorContext, e: BecomeReplica, out: Outbox): Partial<CoordinatorContext> {
  out.note(`${c.name} loading ${offsetsPartition(c)} (leader epoch ${e.state.leaderEpoch})`);
  const fresh: Partial<CoordinatorContext> = {
    leaderEpoch: e.state.leaderEpoch,
    loadOffset: 0,
    loaded: false,
    generation: 0,
    protocol: undefined,
    leader: undefined,
    members: new Map(),
    staticMembers: new Map(),
    offsets: new Map(),
    offsetPositions: new Map(),
    txnOffsets: new Map(),
    pending: new Map(),
    rebalance: undefined,
    stored: undefined,
  };
  return { ...fresh, ...sendLoadFetch({ ...c, ...fresh } as CoordinatorContext, out) };
}

function sendLoadFetch(c: CoordinatorContext, out: Outbox): Partial<CoordinatorContext> {
  loadFetch(out, offsetsPartition(c), c.name, c.nextRequestId, c.loadOffset);
  return { nextRequestId: c.nextRequestId + 1 };
}

/**
 * Replay the partition's records of this group: the latest group metadata record and the latest
 * offset per partition win (GroupMetadataManager.loadGroupsAndOffsets). The group metadata record
 * restores the generation, protocol, leader and members with their assignments
 * (GroupMetadataManager.readGroupMessageValue, since 0.9); a record without a `group` value (a
 * hand-written log) restores the generation alone. KIP-98: transactional offset records stay
 * pending for their producer id until a control record of that producer id commits or aborts
 * them. The leader's LOG_END fetch returns control records too.
 */
function onLoadFetch(c: CoordinatorContext, e: FetchResponse, out: Outbox): Partial<CoordinatorContext> {
  if (e.error) return {}; // retried by the Loading state's timer
  const s = copyOffsets(c);
  let group: Pick<CoordinatorContext, 'generation' | 'protocol' | 'leader' | 'members'> = { generation: c.generation, protocol: c.protocol, leader: c.leader, members: c.members };
  let loadOffset = c.loadOffset;
  for (const r of e.records) {
    loadOffset = r.offset + 1;
    if (r.value.key === groupKey(c.groupId)) group = restoreGroup(r.value.value, r.value.group);
    else replayOffsetRecord(c, s, r);
  }
  const patch = { ...s, ...group, loadOffset };
  if (loadOffset < e.leaderEndOffset) return { ...patch, ...sendLoadFetch({ ...c, ...patch }, out) };
  const members = loadedMembers(c, group.members);
  const described = members.size === 0 ? '' : `, members ${JSON.stringify([...members.values()].map((m) => [m.memberId, m.assignment]))}`;
  out.note(`${c.name} loaded: generation ${group.generation}${described}, offsets ${JSON.stringify([...s.offsets])}${describePendingTxns(s.txnOffsets)}`);
  return { ...patch, members, staticMembers: staticMembersOf(members), loaded: true };
}

/** The group a metadata record describes (GroupMetadataManager.readGroupMessageValue). */
function restoreGroup(generation: number, g: GroupMetadataValue | undefined): Pick<CoordinatorContext, 'generation' | 'protocol' | 'leader' | 'members'> {
  const members = new Map<string, Member>();
  for (const m of g?.members ?? []) {
    members.set(m.memberId, {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      client: m.client,
      sessionTimeoutMs: m.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      lastHeartbeat: 0,
      protocol: m.protocol,
      subscription: m.subscription,
      joinRequest: undefined,
      syncRequest: undefined,
      assignment: m.assignment,
    });
  }
  return { generation, protocol: g?.protocol, leader: members.size === 0 ? undefined : g?.leader, members };
}

/**
 * GroupCoordinator.onGroupLoaded: every loaded member's heartbeat expiry is scheduled afresh
 * (completeAndScheduleNextHeartbeatExpiration), so that a member has a whole session to find
 * the new coordinator before it is removed.
 */
function loadedMembers(c: CoordinatorContext, members: ReadonlyMap<string, Member>): Map<string, Member> {
  const now = c.now();
  return new Map([...members].map(([id, m]) => [id, { ...m, lastHeartbeat: now }]));
}

function staticMembersOf(members: ReadonlyMap<string, Member>): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of members.values()) if (m.groupInstanceId !== undefined) out.set(m.groupInstanceId, m.memberId);
  return out;
}

/** The group as storeGroup writes it (GroupMetadataManager.groupMetadataValue), with each member's assignment. */
function groupValue(c: Pick<CoordinatorContext, 'generation' | 'protocol' | 'leader'>, members: ReadonlyMap<string, Member>): GroupMetadataValue {
  return {
    generation: c.generation,
    protocol: c.protocol,
    leader: c.leader,
    members: [...members.values()].map((m) => ({
      memberId: m.memberId,
      ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
      client: m.client,
      sessionTimeoutMs: m.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      protocol: m.protocol,
      subscription: m.subscription,
      assignment: m.assignment,
    })),
  };
}

// ---------------------------------------------------------------------------------------
// Members

/** KIP-345 / classic: which error, if any, a request naming `memberId` gets. */
function memberError(c: CoordinatorContext, memberId: string, groupInstanceId: string | undefined): GroupErrorCode | undefined {
  if (groupInstanceId !== undefined) {
    const current = c.staticMembers.get(groupInstanceId);
    if (current !== undefined && current !== memberId) return 'FENCED_INSTANCE_ID';
  }
  return c.members.has(memberId) ? undefined : 'UNKNOWN_MEMBER_ID';
}

function setMember(c: CoordinatorContext, m: Member): Map<string, Member> {
  const members = new Map(c.members);
  members.set(m.memberId, m);
  return members;
}

const sameSubscription = (a: Member, e: JoinGroup) =>
  a.protocol === e.protocol && JSON.stringify(a.subscription) === JSON.stringify(e.subscription);

function joinResponse(c: CoordinatorContext, m: Member, requestId: number, out: Outbox, leader = c.leader): void {
  const members =
    m.memberId === leader
      ? [...c.members.values()].map((x) => ({ memberId: x.memberId, ...(x.groupInstanceId === undefined ? {} : { groupInstanceId: x.groupInstanceId }), subscription: x.subscription }))
      : [];
  out.send(m.client, {
    type: 'JoinGroupResponse',
    requestId,
    generationId: c.generation,
    memberId: m.memberId,
    leader: leader ?? '',
    protocol: c.protocol ?? m.protocol,
    members,
  } satisfies JoinGroupResponse);
}

function joinError(e: JoinGroup & From, error: GroupErrorCode, out: Outbox): void {
  out.send(e.from, { type: 'JoinGroupResponse', requestId: e.requestId, error, generationId: -1, memberId: e.memberId, leader: '', protocol: e.protocol, members: [] } satisfies JoinGroupResponse);
}

/**
 * JoinGroup (GroupCoordinator.handleJoinGroup). A new member gets an id and a place in the next
 * generation; in Empty, CompletingRebalance or Stable that starts a rebalance. A known member's
 * rejoin with changed metadata, or the leader's, rebalances; otherwise it is told the current
 * generation again. KIP-345: a static member that restarts (no member id, known instance id)
 * takes over its old entry and assignment without a rebalance; the old id is fenced.
 */
function onJoin(state: GroupState) {
  return (c: CoordinatorContext, e: JoinGroup & From, out: Outbox): Partial<CoordinatorContext> | void => {
    const now = c.now();
    const base = {
      groupInstanceId: e.groupInstanceId,
      client: e.from,
      sessionTimeoutMs: e.sessionTimeoutMs,
      rebalanceTimeoutMs: e.rebalanceTimeoutMs,
      lastHeartbeat: now,
      protocol: e.protocol,
      subscription: e.subscription,
      joinRequest: e.requestId,
      syncRequest: undefined,
    };
    if (e.memberId === '') {
      const seq = c.nextMemberSeq;
      const memberId = `${e.from}-${c.brokerId}.${c.leaderEpoch}.${seq}`;
      const previous = e.groupInstanceId === undefined ? undefined : c.staticMembers.get(e.groupInstanceId);
      const old = previous === undefined ? undefined : c.members.get(previous);
      const staticMembers = new Map(c.staticMembers);
      if (e.groupInstanceId !== undefined) staticMembers.set(e.groupInstanceId, memberId);
      if (old) {
        // KIP-345 replaceStaticMember: the new id inherits the old one's place and assignment.
        const members = new Map(c.members);
        members.delete(old.memberId);
        const m: Member = { ...base, memberId, assignment: old.assignment };
        members.set(memberId, m);
        const leader = c.leader === old.memberId ? memberId : c.leader;
        out.note(`${c.name} static member ${e.groupInstanceId} rejoined as ${memberId}, fencing ${old.memberId}`);
        const next = { ...c, members, staticMembers, leader, nextMemberSeq: seq + 1 };
        if (state === 'PreparingRebalance' || state === 'Empty') return { members, staticMembers, leader, nextMemberSeq: seq + 1 };
        if (state === 'Stable' && c.config.staticMemberRejoinStored) {
          // KAFKA-10284 (GroupCoordinator.updateStaticMemberAndRebalance): store the group with the
          // new member id first, so that a coordinator that loads it later knows the new id.
          const w: PendingWrite = { kind: 'staticMember', generation: c.generation, client: e.from, requestId: e.requestId, memberId, old, leader: c.leader };
          return { members, staticMembers, leader, nextMemberSeq: seq + 1, ...write(next, [{ key: groupKey(c.groupId), value: c.generation, group: groupValue(next, members) }], w, out) };
        }
        joinResponse(next, m, e.requestId, out);
        members.set(memberId, { ...m, joinRequest: undefined });
        return { members, staticMembers, leader, nextMemberSeq: seq + 1 };
      }
      const m: Member = { ...base, memberId, assignment: [] };
      const members = setMember(c, m);
      return {
        members,
        staticMembers,
        nextMemberSeq: seq + 1,
        ...(state === 'PreparingRebalance' ? {} : { rebalance: `${memberId} joined`, initialDelay: state === 'Empty' }),
      };
    }
    const error = memberError(c, e.memberId, e.groupInstanceId);
    if (error) return void joinError(e, error, out);
    const old = c.members.get(e.memberId)!;
    const m: Member = { ...old, ...base, memberId: e.memberId, assignment: old.assignment };
    if (state === 'PreparingRebalance') return { members: setMember(c, m) };
    if (e.memberId === c.leader || !sameSubscription(old, e) || state === 'Empty') {
      return { members: setMember(c, m), rebalance: `${e.memberId} rejoined with new metadata` };
    }
    joinResponse(c, m, e.requestId, out);
    return { members: setMember(c, { ...m, joinRequest: undefined }) };
  };
}

/** Entering PreparingRebalance (GroupCoordinator.prepareRebalance). */
function prepareRebalance(c: CoordinatorContext, _e: unknown, out: Outbox): Partial<CoordinatorContext> {
  const now = c.now();
  const members = new Map(c.members);
  for (const m of members.values()) {
    // resetAndPropagateAssignmentError: members waiting in SyncGroup must rejoin.
    if (m.syncRequest !== undefined) out.send(m.client, { type: 'SyncGroupResponse', requestId: m.syncRequest, error: 'REBALANCE_IN_PROGRESS', assignment: [] } satisfies SyncGroupResponse);
    members.set(m.memberId, { ...m, syncRequest: undefined });
  }
  const timeout = Math.max(0, ...[...members.values()].map((m) => m.rebalanceTimeoutMs));
  const deadline = c.initialDelay ? now + Math.min(c.config.groupInitialRebalanceDelayMs, timeout) : now + timeout;
  out.note(`${c.name} PreparingRebalance (generation ${c.generation}): ${c.rebalance ?? ''}`);
  return { members, rebalance: undefined, stored: undefined, rebalanceDeadline: deadline };
}

/** DelayedJoin: every known member has rejoined, or the rebalance timeout passed (KIP-62). */
function joinReady(c: CoordinatorContext): boolean {
  const now = c.now();
  if (now >= c.rebalanceDeadline) return true;
  if (c.initialDelay) return false;
  return [...c.members.values()].every((m) => m.joinRequest !== undefined);
}

/**
 * GroupCoordinator.onCompleteJoin: members that did not rejoin in time are removed; the next
 * generation starts (generationId + 1), CompletingRebalance if anyone is left, else Empty.
 */
function completeJoin(c: CoordinatorContext, _e: unknown, out: Outbox): Partial<CoordinatorContext> {
  const now = c.now();
  const members = new Map<string, Member>();
  const staticMembers = new Map(c.staticMembers);
  for (const m of c.members.values()) {
    if (m.joinRequest !== undefined) members.set(m.memberId, m);
    else {
      out.note(`${c.name} removed ${m.memberId}: did not rejoin within the rebalance timeout`);
      if (m.groupInstanceId !== undefined) staticMembers.delete(m.groupInstanceId);
    }
  }
  const generation = c.generation + 1;
  const first = [...members.keys()][0];
  const leader = c.leader !== undefined && members.has(c.leader) ? c.leader : first;
  const protocol = [...members.values()][0]?.protocol;
  const next: CoordinatorContext = { ...c, members, staticMembers, generation, leader, protocol, initialDelay: false };
  for (const m of members.values()) {
    joinResponse(next, m, m.joinRequest!, out);
    members.set(m.memberId, { ...m, joinRequest: undefined, lastHeartbeat: now });
  }
  out.note(`${c.name} generation ${generation}: ${members.size} member(s), leader ${leader ?? 'none'}`);
  const patch = { members, staticMembers, generation, leader, protocol, initialDelay: false };
  if (members.size > 0) return patch;
  // The group is Empty: store it so, whether or not the write succeeds (Kafka only logs a failure).
  return { ...patch, ...write({ ...c, ...patch }, [{ key: groupKey(c.groupId), value: generation, group: groupValue(patch, members) }], { kind: 'group', generation, reason: 'empty' }, out) };
}

// ---------------------------------------------------------------------------------------
// SyncGroup, Heartbeat, LeaveGroup

function syncReply(out: Outbox, to: string, requestId: number, error: GroupErrorCode | undefined, assignment: readonly number[] = []): void {
  out.send(to, { type: 'SyncGroupResponse', requestId, ...(error ? { error } : {}), assignment } satisfies SyncGroupResponse);
}

/**
 * SyncGroup (GroupCoordinator.handleSyncGroup): in CompletingRebalance the leader's assignment
 * is stored (the group's metadata record, acks=all) and only then sent to every member, and the
 * group becomes Stable; in Stable a member gets its assignment again.
 */
function onSync(state: GroupState) {
  return (c: CoordinatorContext, e: SyncGroup & From, out: Outbox): Partial<CoordinatorContext> | void => {
    const error = state === 'Empty' ? 'UNKNOWN_MEMBER_ID' : memberError(c, e.memberId, e.groupInstanceId);
    if (error) return syncReply(out, e.from, e.requestId, error);
    if (e.generationId !== c.generation) return syncReply(out, e.from, e.requestId, 'ILLEGAL_GENERATION');
    if (state === 'PreparingRebalance') return syncReply(out, e.from, e.requestId, 'REBALANCE_IN_PROGRESS');
    const m = c.members.get(e.memberId)!;
    if (state === 'Stable') return syncReply(out, e.from, e.requestId, undefined, m.assignment);
    let members = setMember(c, { ...m, syncRequest: e.requestId, lastHeartbeat: c.now() });
    if (e.memberId !== c.leader || [...c.pending.values()].some((w) => w.kind === 'group' && w.generation === c.generation)) return { members };
    members = new Map(members);
    for (const x of members.values()) members.set(x.memberId, { ...x, assignment: e.assignments.find((a) => a.memberId === x.memberId)?.partitions ?? [] });
    // GroupCoordinator.handleSyncGroup -> GroupMetadataManager.storeGroup: the members and their assignments.
    return { members, ...write(c, [{ key: groupKey(c.groupId), value: c.generation, group: groupValue(c, members) }], { kind: 'group', generation: c.generation, reason: 'sync' }, out) };
  };
}

/** The group's metadata is replicated: send each waiting member its assignment. */
function propagateAssignment(c: CoordinatorContext, _e: unknown, out: Outbox): Partial<CoordinatorContext> {
  const members = new Map(c.members);
  for (const m of members.values()) {
    if (m.syncRequest !== undefined) syncReply(out, m.client, m.syncRequest, undefined, m.assignment);
    members.set(m.memberId, { ...m, syncRequest: undefined });
  }
  out.note(`${c.name} Stable in generation ${c.generation}: ${JSON.stringify([...members.values()].map((m) => [m.memberId, m.assignment]))}`);
  return { members, stored: undefined };
}

/** Heartbeat (GroupCoordinator.handleHeartbeat): REBALANCE_IN_PROGRESS tells a member to rejoin. */
function onHeartbeat(state: GroupState) {
  return (c: CoordinatorContext, e: Heartbeat & From, out: Outbox): Partial<CoordinatorContext> | void => {
    const reply = (error?: GroupErrorCode) => out.send(e.from, { type: 'HeartbeatResponse', requestId: e.requestId, ...(error ? { error } : {}) } satisfies HeartbeatResponse);
    const error = state === 'Empty' ? 'UNKNOWN_MEMBER_ID' : memberError(c, e.memberId, e.groupInstanceId);
    if (error) return reply(error);
    const m = c.members.get(e.memberId)!;
    const members = setMember(c, { ...m, lastHeartbeat: c.now() });
    if (e.generationId !== c.generation) reply('ILLEGAL_GENERATION');
    else reply(state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : undefined);
    return { members };
  };
}

/** LeaveGroup: the member goes at once, and the others rebalance without waiting for its session to expire. */
function onLeave(state: GroupState) {
  return (c: CoordinatorContext, e: LeaveGroup & From, out: Outbox): Partial<CoordinatorContext> | void => {
    const reply = (error?: GroupErrorCode) => out.send(e.from, { type: 'LeaveGroupResponse', requestId: e.requestId, ...(error ? { error } : {}) } satisfies LeaveGroupResponse);
    if (state === 'Empty' || !c.members.has(e.memberId)) return reply('UNKNOWN_MEMBER_ID');
    reply();
    return { ...removeMember(c, e.memberId), ...(state === 'PreparingRebalance' ? {} : { rebalance: `${e.memberId} left` }) };
  };
}

function removeMember(c: CoordinatorContext, memberId: string): Partial<CoordinatorContext> {
  const m = c.members.get(memberId)!;
  const members = new Map(c.members);
  members.delete(memberId);
  const staticMembers = new Map(c.staticMembers);
  if (m.groupInstanceId !== undefined && staticMembers.get(m.groupInstanceId) === memberId) staticMembers.delete(m.groupInstanceId);
  return { members, staticMembers };
}

/**
 * Session expiry (DelayedHeartbeat, KIP-62): a member not heard from for session.timeout.ms is
 * removed, which rebalances the group. Members waiting in JoinGroup are not expired.
 */
function expireSessions(state: GroupState) {
  return (c: CoordinatorContext, _e: unknown, out: Outbox): Partial<CoordinatorContext> | void => {
    const now = c.now();
    let next: CoordinatorContext = c;
    const gone: string[] = [];
    for (const m of c.members.values()) {
      if (m.joinRequest !== undefined || now - m.lastHeartbeat <= m.sessionTimeoutMs) continue;
      next = { ...next, ...removeMember(next, m.memberId) };
      gone.push(m.memberId);
    }
    if (gone.length === 0) return;
    out.note(`${c.name} session expired: ${gone.join(', ')}`);
    return { members: next.members, staticMembers: next.staticMembers, ...(state === 'PreparingRebalance' ? {} : { rebalance: `session expired: ${gone.join(', ')}` }) };
  };
}

// ---------------------------------------------------------------------------------------
// Offsets

/**
 * Append records to the group's `__consumer_offsets` partition (acks=all); `then` runs when the write is answered.
 * The coordinator is each record's `producer`; transactional records carry KIP-98's fields.
 */
function write(c: CoordinatorContext, records: Omit<ProducedValue, 'producer'>[], then: PendingWrite, out: Outbox): Partial<CoordinatorContext> {
  const requestId = c.nextRequestId;
  out.local(offsetsPartition(c), {
    type: 'Produce',
    actor: offsetsPartition(c),
    requestId,
    acks: 'all',
    timeoutMs: c.config.requestTimeoutMs,
    records: records.map((r) => ({ key: r.key, value: { producer: c.name, ...r } })),
    replyTo: c.name,
  } satisfies Produce);
  const pending = new Map(c.pending);
  pending.set(requestId, then);
  return { pending, nextRequestId: requestId + 1 };
}

/**
 * OffsetCommit (GroupCoordinator.handleCommitOffsets, classic). A commit with generation -1 to
 * an Empty group is a plain commit (no group management). Otherwise the member must be known
 * (UNKNOWN_MEMBER_ID; KIP-345 FENCED_INSTANCE_ID) and in the group's generation
 * (ILLEGAL_GENERATION), and the group not in CompletingRebalance (REBALANCE_IN_PROGRESS):
 * this is what fences a zombie. With `generationFencing` off every commit is written.
 */
function onCommit(state: GroupState) {
  return (c: CoordinatorContext, e: OffsetCommit & From, out: Outbox): Partial<CoordinatorContext> | void => {
    const reply = (error: GroupErrorCode) => out.send(e.from, { type: 'OffsetCommitResponse', requestId: e.requestId, error } satisfies OffsetCommitResponse);
    const simple = e.generationId < 0 && state === 'Empty';
    if (c.config.generationFencing && !simple) {
      const error =
        state === 'Empty'
          ? 'UNKNOWN_MEMBER_ID'
          : (memberError(c, e.memberId, e.groupInstanceId) ??
            (e.generationId !== c.generation ? 'ILLEGAL_GENERATION' : state === 'CompletingRebalance' ? 'REBALANCE_IN_PROGRESS' : undefined));
      if (error) return reply(error);
    }
    const entry = acceptedEntry(c, state, e);
    const m = c.members.get(e.memberId);
    const members = m ? setMember(c, { ...m, lastHeartbeat: c.now() }) : c.members;
    return {
      members,
      ...write(c, e.offsets.map((o) => ({ key: offsetKey(c.groupId, o.partition), value: o.offset })), { kind: 'commit', client: e.from, requestId: e.requestId, entry }, out),
    };
  };
}

/** What the invariants are told of a commit this coordinator writes (OffsetCommit or TxnOffsetCommit), as the group is now. */
function acceptedEntry(c: CoordinatorContext, state: GroupState, e: OffsetCommit | TxnOffsetCommit): Omit<AcceptedCommit, 'previous'> {
  return {
    time: c.now(),
    memberId: e.memberId,
    generation: e.generationId,
    groupGeneration: c.generation,
    groupState: state,
    knownMember: c.members.has(e.memberId),
    offsets: e.offsets,
  };
}

/**
 * TxnOffsetCommit (GroupCoordinator.handleTxnCommitOffsets, KIP-98 and KIP-447). Validated as
 * Kafka's validateOffsetCommit(isTransactional = true): with a member id or a generation, the
 * member must be known (UNKNOWN_MEMBER_ID) and in the group's generation (ILLEGAL_GENERATION):
 * KIP-447's zombie fence; without either (the pre-KIP-447 API) it is not checked; unlike
 * OffsetCommit, never REBALANCE_IN_PROGRESS. Checked only with both `generationFencing` and
 * `producerFencing` (the `no-fencing` preset writes every one). Written as transactional records
 * of the producer id; pending until its marker.
 */
function onTxnCommit(state: GroupState) {
  return (c: CoordinatorContext, e: TxnOffsetCommit & From, out: Outbox): Partial<CoordinatorContext> | void => {
    const error = c.config.generationFencing && c.config.producerFencing ? txnCommitError(c, state, e) : undefined;
    if (error) return void out.send(e.from, { type: 'TxnOffsetCommitResponse', requestId: e.requestId, error } satisfies TxnOffsetCommitResponse);
    const entry = { ...acceptedEntry(c, state, e), txn: { producerId: e.producerId, producerEpoch: e.producerEpoch } };
    return write(c, txnOffsetRecords(c.groupId, e), { kind: 'txnCommit', client: e.from, requestId: e.requestId, entry }, out);
  };
}

function txnCommitError(c: CoordinatorContext, state: GroupState, e: TxnOffsetCommit): GroupErrorCode | undefined {
  if (e.generationId < 0 && e.memberId === '') return undefined;
  if (state === 'Empty') return 'UNKNOWN_MEMBER_ID';
  return memberError(c, e.memberId, undefined) ?? (e.generationId !== c.generation ? 'ILLEGAL_GENERATION' : undefined);
}

/**
 * WriteTxnMarkers for the group's `__consumer_offsets` partition (KIP-98): the transaction coordinator ends a
 * transaction that committed offsets for this group. The coordinator appends the control record
 * (acks=all); once it is replicated the producer's pending offsets are committed or dropped and
 * the transaction coordinator is answered. A marker for a producer with nothing pending is
 * written and answered all the same (a retried marker).
 */
function onTxnMarker(c: CoordinatorContext, e: WriteTxnMarkers & From, out: Outbox): Partial<CoordinatorContext> {
  return write(
    c,
    [txnMarkerRecord(c.groupId, e)],
    {
      kind: 'marker',
      client: e.from,
      replyTo: e.replyTo,
      requestId: e.requestId,
      topic: e.topic,
      partition: e.partition,
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      result: e.result,
    },
    out,
  );
}

/** Kafka maps the append's errors for the client: NOT_LEADER_OR_FOLLOWER -> NOT_COORDINATOR, ... */
function appendError(error: ErrorCode | undefined): GroupErrorCode | undefined {
  if (!error) return undefined;
  if (error === 'NOT_LEADER_OR_FOLLOWER' || error === 'FENCED_LEADER_EPOCH') return 'NOT_COORDINATOR';
  return error === 'REQUEST_TIMED_OUT' ? 'REQUEST_TIMED_OUT' : 'COORDINATOR_NOT_AVAILABLE';
}

/** The offsets partition answered a write: apply it (commit, transactional commit, marker or group metadata) and answer. */
function onWritten(c: CoordinatorContext, e: ProduceResponse, out: Outbox): Partial<CoordinatorContext> | void {
  const w = c.pending.get(e.requestId);
  if (!w) return;
  const pending = new Map(c.pending);
  pending.delete(e.requestId);
  const cc = { ...c, pending };
  if (w.kind === 'group') return groupWritten(cc, w, e, out);
  if (w.kind === 'staticMember') return staticMemberWritten(cc, w, e, out);
  if (w.kind === 'commit') return commitWritten(cc, w, e, out);
  if (w.kind === 'txnCommit') return txnCommitWritten(cc, w, e, out);
  return markerWritten(cc, w, e, out);
}

type Written<K extends PendingWrite['kind']> = (c: CoordinatorContext, w: Extract<PendingWrite, { kind: K }>, e: ProduceResponse, out: Outbox) => Partial<CoordinatorContext>;

const groupWritten: Written<'group'> = (c, w, e, out) => {
  const error = appendError(e.error);
  if (w.reason === 'empty') {
    if (error) out.note(`${c.name} storing the empty generation ${w.generation} failed: ${e.error}`);
    return { pending: c.pending };
  }
  if (error) {
    out.note(`${c.name} storing generation ${w.generation} failed: ${e.error}`);
    const members = new Map(c.members);
    for (const m of members.values()) {
      if (m.syncRequest !== undefined) syncReply(out, m.client, m.syncRequest, error);
      members.set(m.memberId, { ...m, syncRequest: undefined });
    }
    return { pending: c.pending, members, ...(w.generation === c.generation ? { rebalance: `storing generation ${w.generation} failed` } : {}) };
  }
  return { pending: c.pending, ...(w.generation === c.generation ? { stored: w.generation } : {}) };
};

/**
 * KAFKA-10284: the group with a static member's new id is stored: answer its JoinGroup (unless a
 * rebalance answered it meanwhile). A failed write undoes the replacement (the old member id is
 * the instance's again) and answers the error.
 */
const staticMemberWritten: Written<'staticMember'> = (c, w, e, out) => {
  const error = appendError(e.error);
  const m = c.members.get(w.memberId);
  const waiting = m !== undefined && m.joinRequest === w.requestId;
  if (!error) {
    if (!waiting) return { pending: c.pending };
    joinResponse(c, m, w.requestId, out);
    return { pending: c.pending, members: setMember(c, { ...m, joinRequest: undefined }) };
  }
  out.note(`${c.name} storing static member ${w.memberId} failed: ${e.error}; ${w.old.memberId} is ${w.old.groupInstanceId} again`);
  if (waiting) out.send(w.client, { type: 'JoinGroupResponse', requestId: w.requestId, error, generationId: -1, memberId: '', leader: '', protocol: m.protocol, members: [] } satisfies JoinGroupResponse);
  if (m === undefined || c.generation !== w.generation) return { pending: c.pending };
  const members = new Map(c.members);
  members.delete(w.memberId);
  members.set(w.old.memberId, { ...w.old, lastHeartbeat: c.now() });
  const staticMembers = new Map(c.staticMembers);
  if (w.old.groupInstanceId !== undefined) staticMembers.set(w.old.groupInstanceId, w.old.memberId);
  return { pending: c.pending, members, staticMembers, leader: c.leader === w.memberId ? w.leader : c.leader };
};

const commitWritten: Written<'commit'> = (c, w, e, out) => {
  const error = appendError(e.error);
  out.send(w.client, { type: 'OffsetCommitResponse', requestId: w.requestId, ...(error ? { error } : {}) } satisfies OffsetCommitResponse);
  if (error) return { pending: c.pending };
  const offsets = new Map(c.offsets);
  const offsetPositions = new Map(c.offsetPositions);
  const previous = w.entry.offsets.map((o) => c.offsets.get(o.partition) ?? -1);
  w.entry.offsets.forEach((o, i) => {
    offsets.set(o.partition, o.offset);
    offsetPositions.set(o.partition, e.baseOffset + i);
  });
  c.accepted.push({ ...w.entry, previous });
  return { pending: c.pending, offsets, offsetPositions };
};

/** The transactional records are replicated: answer, and keep the offsets pending for their producer id. */
const txnCommitWritten: Written<'txnCommit'> = (c, w, e, out) => {
  const error = e.error && producerErrors.has(e.error) ? e.error : appendError(e.error);
  out.send(w.client, { type: 'TxnOffsetCommitResponse', requestId: w.requestId, ...(error ? { error } : {}) } satisfies TxnOffsetCommitResponse);
  if (error) return { pending: c.pending };
  const txnOffsets = withPendingTxnOffsets(c, w.entry.txn!.producerId, w.entry.offsets, e.baseOffset);
  c.accepted.push({ ...w.entry, previous: w.entry.offsets.map((o) => c.offsets.get(o.partition) ?? -1) });
  return { pending: c.pending, txnOffsets };
};

/** The marker is replicated: commit or drop the producer's pending offsets, then answer the transaction coordinator (txn-offsets.ts). */
const markerWritten: Written<'marker'> = (c, w, e, out) => ({ pending: c.pending, ...applyWrittenMarker(c, w, e, out) });

/**
 * OffsetFetch: the committed offsets (-1 when none). KIP-447 (require_stable): while a
 * transactional commit of a requested partition is pending (being written, or waiting for its
 * marker), UNSTABLE_OFFSET_COMMIT: the consumer retries.
 */
function onOffsetFetch(c: CoordinatorContext, e: OffsetFetch & From, out: Outbox): void {
  if (e.partitions.some((p) => hasPendingTxnOffset(c, p))) {
    return void out.send(e.from, { type: 'OffsetFetchResponse', requestId: e.requestId, error: 'UNSTABLE_OFFSET_COMMIT', offsets: [] } satisfies OffsetFetchResponse);
  }
  out.send(e.from, {
    type: 'OffsetFetchResponse',
    requestId: e.requestId,
    offsets: e.partitions.map((p) => ({ partition: p, offset: c.offsets.get(p) ?? -1 })),
  } satisfies OffsetFetchResponse);
}

/** GroupMetadata.hasPendingOffsetCommitsForTopicPartition, for transactional commits only. */
function hasPendingTxnOffset(c: CoordinatorContext, partition: number): boolean {
  return pendingTxnOffset(c, writingTxnOffsets(c), partition);
}

function* writingTxnOffsets(c: CoordinatorContext): Iterable<readonly { partition: number }[]> {
  for (const w of c.pending.values()) if (w.kind === 'txnCommit') yield w.entry.offsets;
}

/**
 * Any group request to a broker that is not (yet) coordinating the group; WriteTxnMarkers too,
 * so that the transaction coordinator retries (KIP-98).
 */
function reject(error: 'NOT_COORDINATOR' | 'COORDINATOR_LOAD_IN_PROGRESS') {
  return (_c: CoordinatorContext, e: CoordinatorEvent, out: Outbox): void => {
    if (e.type === 'WriteTxnMarkers') {
      const reply: WriteTxnMarkersResponse = { type: 'WriteTxnMarkersResponse', actor: e.replyTo, requestId: e.requestId, topic: e.topic, partition: e.partition, error };
      return void out.send(e.from, reply);
    }
    const ev = e as { type: string; requestId: number; from: string; memberId?: string; protocol?: string };
    const type = `${ev.type}Response`;
    const body =
      ev.type === 'JoinGroup'
        ? { generationId: -1, memberId: ev.memberId ?? '', leader: '', protocol: ev.protocol ?? '', members: [] }
        : ev.type === 'SyncGroup'
          ? { assignment: [] }
          : ev.type === 'OffsetFetch'
            ? { offsets: [] }
            : {};
    out.send(ev.from, { type, requestId: ev.requestId, error, ...body });
  };
}

// ---------------------------------------------------------------------------------------
// The machine

const requests = ['JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch', 'TxnOffsetCommit', 'WriteTxnMarkers'] as const;
const rejectAll = (action: string) => Object.fromEntries(requests.map((r) => [r, { actions: action }]));

/** While loading or coordinating: a new election here reloads; a leader elsewhere unloads (Dead). */
const leadership = {
  PartitionChange: [
    { guard: 'electedHere', target: '#groupCoordinator.Loading', actions: 'startLoad' },
    { guard: 'resignedHere', target: '#groupCoordinator.Dead', actions: 'unload' },
  ],
} as const;

// The per-state actions are registered by name below (perState); XState cannot type them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function handlers(state: GroupState): any {
  return {
    ...leadership,
    JoinGroup: { actions: `join${state}` },
    SyncGroup: { actions: `sync${state}` },
    Heartbeat: { actions: `heartbeat${state}` },
    LeaveGroup: { actions: `leave${state}` },
    OffsetCommit: { actions: `commit${state}` },
    OffsetFetch: { actions: 'offsetFetch' },
    TxnOffsetCommit: { actions: `txnCommit${state}` },
    WriteTxnMarkers: { actions: 'txnMarker' },
    Tick: { actions: ['tick', `expire${state}`] },
  } as const;
}

const perState = <E extends { type: string }>(name: string, f: (s: GroupState) => (c: CoordinatorContext, e: E, out: Outbox) => Partial<CoordinatorContext> | void) =>
  Object.fromEntries((['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable'] as const).map((s) => [`${name}${s}`, react<CoordinatorContext, E>(f(s))]));

export const groupCoordinatorMachine = setup({
  types: {} as {
    context: CoordinatorContext;
    input: { config: ClusterConfig; now: () => number; groupId: string; brokerId: BrokerId; name: string };
    events: CoordinatorEvent;
  },
  delays: coordinatorDelays,
  guards: {
    ...coordinatorLoadGuards,
    needsRebalance: ({ context }) => context.rebalance !== undefined,
    joinReady: ({ context }) => joinReady(context),
    hasMembers: ({ context }) => context.members.size > 0,
    stored: ({ context }) => context.stored === context.generation,
  },
  actions: {
    startLoad: react<CoordinatorContext, BecomeReplica>(startLoad),
    onLoadFetch: react<CoordinatorContext, FetchResponse>(onLoadFetch),
    resendLoad: react<CoordinatorContext, CoordinatorEvent>((c, _e, out) => sendLoadFetch(c, out)),
    unload: react<CoordinatorContext, BecomeReplica>((c, e, out) => {
      out.note(`${c.name} unloaded: ${offsetsPartition(c)} is led by broker ${e.state.leader} now`);
      // Pending writes are answered by the replica (NOT_LEADER_OR_FOLLOWER -> NOT_COORDINATOR).
      return { leaderEpoch: -1, members: new Map(), staticMembers: new Map() };
    }),
    notCoordinator: react(reject('NOT_COORDINATOR')),
    loading: react(reject('COORDINATOR_LOAD_IN_PROGRESS')),
    prepareRebalance: react(prepareRebalance),
    completeJoin: react(completeJoin),
    propagateAssignment: react(propagateAssignment),
    offsetFetch: react(onOffsetFetch),
    onWritten: react(onWritten),
    txnMarker: react(onTxnMarker),
    tick: raise({ type: 'Tick' }, { delay: 'tick', id: 'tick' }),
    ...perState('join', onJoin),
    ...perState('sync', onSync),
    ...perState('heartbeat', onHeartbeat),
    ...perState('leave', onLeave),
    ...perState('commit', onCommit),
    ...perState('txnCommit', onTxnCommit),
    ...perState('expire', expireSessions),
  },
}).createMachine({
  id: 'groupCoordinator',
  context: ({ input }) => ({
    config: input.config,
    now: input.now,
    groupId: input.groupId,
    brokerId: input.brokerId,
    name: input.name,
    leaderEpoch: -1,
    loadOffset: 0,
    loaded: false,
    generation: 0,
    protocol: undefined,
    leader: undefined,
    members: new Map(),
    staticMembers: new Map(),
    rebalanceDeadline: 0,
    initialDelay: false,
    rebalance: undefined,
    stored: undefined,
    offsets: new Map(),
    offsetPositions: new Map(),
    txnOffsets: new Map(),
    pending: new Map(),
    nextRequestId: 1,
    nextMemberSeq: 0,
    accepted: [],
  }),
  initial: 'Unloaded',
  on: {
    PartitionChange: { guard: 'electedHere', target: '.Loading', actions: 'startLoad' },
    ...rejectAll('notCoordinator'),
    ProduceResponse: { actions: 'onWritten' },
  },
  states: {
    /** This broker does not lead the group's `__consumer_offsets` partition: NOT_COORDINATOR. */
    Unloaded: {},
    /** Reading the group's `__consumer_offsets` partition to its end: COORDINATOR_LOAD_IN_PROGRESS. */
    Loading: {
      after: { loadRetry: { target: 'Loading', reenter: true, actions: 'resendLoad' } },
      on: {
        ...leadership,
        ...rejectAll('loading'),
        FetchResponse: { guard: 'answersLoad', actions: 'onLoadFetch' },
      },
      // readGroupMessageValue: a group stored with members is loaded Stable, without one Empty.
      always: [
        { guard: and(['loaded', 'hasMembers']), target: 'Stable' },
        { guard: 'loaded', target: 'Empty' },
      ],
    },
    Empty: {
      entry: 'tick',
      exit: cancel('tick'),
      on: handlers('Empty'),
      always: { guard: 'needsRebalance', target: 'PreparingRebalance' },
    },
    PreparingRebalance: {
      entry: ['prepareRebalance', 'tick'],
      exit: cancel('tick'),
      on: handlers('PreparingRebalance'),
      always: [
        { guard: and(['joinReady', 'hasMembers']), target: 'CompletingRebalance', actions: 'completeJoin' },
        { guard: 'joinReady', target: 'Empty', actions: 'completeJoin' },
      ],
    },
    CompletingRebalance: {
      entry: 'tick',
      exit: cancel('tick'),
      on: handlers('CompletingRebalance'),
      always: [
        { guard: 'needsRebalance', target: 'PreparingRebalance' },
        { guard: 'stored', target: 'Stable', actions: 'propagateAssignment' },
      ],
    },
    Stable: {
      entry: 'tick',
      exit: cancel('tick'),
      on: handlers('Stable'),
      always: { guard: 'needsRebalance', target: 'PreparingRebalance' },
    },
    /** Unloaded after the coordinator moved (GroupMetadataManager.removeGroupsForPartition). */
    Dead: {},
  },
});
