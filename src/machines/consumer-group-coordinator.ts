import { cancel, raise, setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { heartbeatEpochValid, commitEpochValid, reconcile, targetAssignment, type MemberState } from '../groups/consumer-protocol/index.js';
import {
  consumerGroupKey,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  JOIN_GROUP_MEMBER_EPOCH,
  type ConsumerGroupHeartbeat,
  type ConsumerGroupHeartbeatResponse,
  type ConsumerGroupValue,
} from './consumer-group-protocol.js';
import { coordinatorDelays, coordinatorLoadGuards, sendLoadFetch as loadFetch } from './coordinator-load.js';
import { groupMetadataPartitionName } from './coordinator-partition.js';
import { react, type Outbox } from './effects.js';
import { offsetKey, type AcceptedCommit, type GroupErrorCode, type OffsetCommit, type OffsetCommitResponse, type OffsetFetch, type OffsetFetchResponse } from './group-protocol.js';
import { DATA_TOPIC, topicOf, type BecomeReplica, type BrokerId, type ErrorCode, type FetchResponse, type From, type MetadataUpdate, type Produce, type ProducedValue, type ProduceResponse } from './protocol.js';
import type { TxnOffsetCommit, TxnOffsetCommitResponse, WriteTxnMarkers, WriteTxnMarkersResponse } from './txn-protocol.js';
import {
  applyWrittenMarker,
  copyOffsets,
  describePendingTxns,
  hasPendingTxnOffset,
  producerErrors,
  replayOffsetRecord,
  txnMarkerRecord,
  txnOffsetRecords,
  withPendingTxnOffsets,
  type PendingMarkerWrite,
  type PendingTxnOffset,
  type TxnDecision,
} from './txn-offsets.js';

/**
 * The group coordinator of a KIP-848 consumer group (group.protocol=consumer) for one group on
 * one broker: Kafka's new group coordinator (group-coordinator module: GroupMetadataManager
 * consumerGroupHeartbeat, ConsumerGroup, ConsumerGroupMember, TargetAssignmentBuilder,
 * CurrentAssignmentBuilder). The classic protocol's coordinator is group-coordinator.ts; a
 * cluster runs one or the other per group (`groupProtocol`), never both in one group.
 *
 * As the classic one, it coordinates while this broker leads the group's `__consumer_offsets` partition (Loading,
 * COORDINATOR_LOAD_IN_PROGRESS; unloaded: NOT_COORDINATOR), and every change of the group is a
 * record written there with acks=all: a heartbeat that changed the group is answered only once
 * its record is replicated (Kafka's coordinator runtime answers a write once it is committed).
 *
 * The group's state is derived, as ConsumerGroup.maybeUpdateGroupState derives it: Empty (no
 * members), Assigning (the group epoch is ahead of the target assignment's), Reconciling (a
 * member is not yet in the target epoch, or holds partitions it must revoke or waits for
 * unreleased ones), Stable.
 *
 * The partitions it assigns are the data topic's as its broker's metadata image has them
 * (GroupMetadataManager.onNewMetadataImage): when CreatePartitions adds some, the next heartbeat
 * finds the group's subscription metadata changed, bumps the group epoch, and a new target
 * assignment hands the new partitions out.
 *
 * Transactional offset commits (KIP-98, KIP-447; OffsetMetadataManager.commitTransactionalOffset):
 * TxnOffsetCommit carries the member epoch as its generation id; its offsets stay pending for
 * the producer until the transaction's marker, as with the classic coordinator (txn-offsets.ts).
 */
export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly instanceId: string | undefined;
  /** The consumer's node. */
  readonly client: string;
  readonly rebalanceTimeoutMs: number;
  readonly lastHeartbeat: number;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** ConsumerGroupMember.assignedPartitions (named `assignment` as the classic Member's, for the properties). */
  readonly assignment: readonly number[];
  readonly pendingRevocation: readonly number[];
  /** Since when it has had partitions to revoke (the rebalance timeout runs from then). */
  readonly revokingSince: number | undefined;
  /** KIP-848 static membership: it left with epoch -2 and keeps its assignment until its session expires. */
  readonly away: boolean;
}

type Pending =
  | { readonly kind: 'group'; readonly replies: readonly { readonly to: string; readonly response: ConsumerGroupHeartbeatResponse }[] }
  | { readonly kind: 'commit'; readonly client: string; readonly requestId: number; readonly entry: Omit<AcceptedCommit, 'previous'> }
  | { readonly kind: 'txnCommit'; readonly client: string; readonly requestId: number; readonly entry: Omit<AcceptedCommit, 'previous'> }
  | PendingMarkerWrite;

export interface ConsumerGroupCoordinatorContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly groupId: string;
  readonly brokerId: BrokerId;
  readonly name: string;
  readonly leaderEpoch: number;
  readonly loadOffset: number;
  readonly loaded: boolean;
  /** The group epoch (named `generation` as the classic coordinator's, for the properties). */
  readonly generation: number;
  readonly targetAssignmentEpoch: number;
  /** The target assignment per member (TargetAssignmentBuilder's result). */
  readonly target: ReadonlyMap<string, readonly number[]>;
  /** The group's subscription metadata: the data topic's partition count its group epoch was computed with (stored with the group). */
  readonly subscribedPartitions: number;
  /** The data topic's partition count in this broker's metadata image (kept across loads: it is the broker's, not the group's). */
  readonly imagePartitions: number;
  readonly members: ReadonlyMap<string, ConsumerGroupMember>;
  readonly offsets: ReadonlyMap<number, number>;
  /** Per partition, the offset (in the group's `__consumer_offsets` partition) of the record that set `offsets` (KIP-98's ordering of commits). */
  readonly offsetPositions: ReadonlyMap<number, number>;
  /** KIP-98/447: per producer id, its transactional offsets not decided yet, in log order. */
  readonly txnOffsets: ReadonlyMap<number, readonly PendingTxnOffset[]>;
  readonly pending: ReadonlyMap<number, Pending>;
  /** A write of the group failed: the state in memory may be ahead of the log, so the next heartbeat writes it again. */
  readonly unwritten: boolean;
  readonly nextRequestId: number;
  /**
   * Every commit written in this incarnation, and every transaction marker that decided pending
   * transactional offsets, in order (read by the invariants; grows in place).
   */
  readonly accepted: (AcceptedCommit | TxnDecision)[];
}

export type ConsumerGroupCoordinatorEvent =
  | (BecomeReplica & From)
  | (ConsumerGroupHeartbeat & From)
  | (OffsetCommit & From)
  | (OffsetFetch & From)
  | (TxnOffsetCommit & From)
  | (WriteTxnMarkers & From)
  | (FetchResponse & From & { requestId?: number })
  | (ProduceResponse & From)
  | (MetadataUpdate & From)
  | { type: 'Tick' }
  | { type: 'net.disconnected'; peer: string };

/** The group's `__consumer_offsets` partition (GroupMetadataManager.partitionFor): it loads, writes and follows that one. */
const offsetsPartition = (c: C) => groupMetadataPartitionName(c.config, c.groupId);
type C = ConsumerGroupCoordinatorContext;
type GroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

/** ConsumerGroup.maybeUpdateGroupState. */
export function groupState(c: Pick<C, 'members' | 'generation' | 'targetAssignmentEpoch'>): GroupState {
  if (c.members.size === 0) return 'Empty';
  if (c.generation > c.targetAssignmentEpoch) return 'Assigning';
  for (const m of c.members.values()) if (m.memberEpoch !== c.targetAssignmentEpoch || m.state !== 'STABLE') return 'Reconciling';
  return 'Stable';
}

// ---------------------------------------------------------------------------------------
// Loading: the group's latest record and the latest offset per partition win.

function startLoad(c: C, e: BecomeReplica, out: Outbox): Partial<C> {
  out.note(`${c.name} loading ${offsetsPartition(c)} (leader epoch ${e.state.leaderEpoch})`);
  loadFetch(out, offsetsPartition(c), c.name, c.nextRequestId, 0);
  return {
    leaderEpoch: e.state.leaderEpoch,
    loadOffset: 0,
    loaded: false,
    generation: 0,
    targetAssignmentEpoch: 0,
    target: new Map(),
    subscribedPartitions: c.config.partitions,
    members: new Map(),
    offsets: new Map(),
    offsetPositions: new Map(),
    txnOffsets: new Map(),
    pending: new Map(),
    unwritten: false,
    nextRequestId: c.nextRequestId + 1,
  };
}

function onLoadFetch(c: C, e: FetchResponse, out: Outbox): Partial<C> {
  if (e.error) return {};
  const s = copyOffsets(c);
  let group: Pick<C, 'generation' | 'targetAssignmentEpoch' | 'target' | 'members' | 'subscribedPartitions'> = c;
  let loadOffset = c.loadOffset;
  for (const r of e.records) {
    loadOffset = r.offset + 1;
    const v = r.value;
    if (v.key === consumerGroupKey(c.groupId)) {
      if (v.consumerGroup) group = restore(v.consumerGroup, c.now(), c.config.partitions);
    } else replayOffsetRecord(c, s, r); // offsets, and KIP-98's pending transactional offsets and markers
  }
  const offsets = s.offsets;
  const patch = { ...group, ...s, loadOffset };
  if (loadOffset < e.leaderEndOffset) {
    loadFetch(out, offsetsPartition(c), c.name, c.nextRequestId, loadOffset);
    return { ...patch, nextRequestId: c.nextRequestId + 1 };
  }
  out.note(`${c.name} loaded: group epoch ${group.generation}, members ${JSON.stringify([...group.members.values()].map((m) => [m.memberId, m.memberEpoch, m.assignment]))}, offsets ${JSON.stringify([...offsets])}${describePendingTxns(s.txnOffsets)}`);
  return { ...patch, loaded: true };
}

/** The group a record describes; every member's session starts afresh at the load, as the classic coordinator's onGroupLoaded. */
function restore(v: ConsumerGroupValue, now: number, configured: number): Pick<C, 'generation' | 'targetAssignmentEpoch' | 'target' | 'members' | 'subscribedPartitions'> {
  const members = new Map<string, ConsumerGroupMember>();
  const target = new Map<string, readonly number[]>();
  for (const m of v.members) {
    members.set(m.memberId, {
      memberId: m.memberId,
      instanceId: m.instanceId,
      client: m.client,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      lastHeartbeat: now,
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assignment: m.assigned,
      pendingRevocation: m.pendingRevocation,
      revokingSince: m.state === 'UNREVOKED_PARTITIONS' ? now : undefined,
      away: m.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH,
    });
    target.set(m.memberId, m.target);
  }
  return { generation: v.groupEpoch, targetAssignmentEpoch: v.targetAssignmentEpoch, target, members, subscribedPartitions: v.partitions ?? configured };
}

function groupValue(c: Pick<C, 'config' | 'generation' | 'targetAssignmentEpoch' | 'target' | 'members' | 'subscribedPartitions'>): ConsumerGroupValue {
  return {
    ...(c.subscribedPartitions === c.config.partitions ? {} : { partitions: c.subscribedPartitions }),
    groupEpoch: c.generation,
    targetAssignmentEpoch: c.targetAssignmentEpoch,
    members: [...c.members.values()].map((m) => ({
      memberId: m.memberId,
      ...(m.instanceId === undefined ? {} : { instanceId: m.instanceId }),
      client: m.client,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      memberEpoch: m.away ? LEAVE_GROUP_STATIC_MEMBER_EPOCH : m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assigned: m.assignment,
      pendingRevocation: m.pendingRevocation,
      target: c.target.get(m.memberId) ?? [],
    })),
  };
}

// ---------------------------------------------------------------------------------------
// Writes to the group's `__consumer_offsets` partition (acks=all), answered once replicated.

function write(c: C, records: Omit<ProducedValue, 'producer'>[], then: Pending, out: Outbox): Partial<C> {
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

/** The group changed: write its record; `replies` go out once it is replicated. */
function writeGroup(c: C, replies: Extract<Pending, { kind: 'group' }>['replies'], out: Outbox): Partial<C> {
  return { unwritten: false, ...write(c, [{ key: consumerGroupKey(c.groupId), value: c.generation, consumerGroup: groupValue(c) }], { kind: 'group', replies }, out) };
}

/** As the classic coordinator: NOT_LEADER_OR_FOLLOWER -> NOT_COORDINATOR, NOT_ENOUGH_REPLICAS -> COORDINATOR_NOT_AVAILABLE. */
function appendError(error: ErrorCode | undefined): GroupErrorCode | undefined {
  if (!error) return undefined;
  if (error === 'NOT_LEADER_OR_FOLLOWER' || error === 'FENCED_LEADER_EPOCH') return 'NOT_COORDINATOR';
  return error === 'REQUEST_TIMED_OUT' ? 'REQUEST_TIMED_OUT' : 'COORDINATOR_NOT_AVAILABLE';
}

function onWritten(c: C, e: ProduceResponse, out: Outbox): Partial<C> | void {
  const w = c.pending.get(e.requestId);
  if (!w) return;
  const pending = new Map(c.pending);
  pending.delete(e.requestId);
  if (w.kind === 'txnCommit') return txnCommitWritten({ ...c, pending }, w, e, out);
  if (w.kind === 'marker') return markerWritten({ ...c, pending }, w, e, out);
  const error = appendError(e.error);
  if (w.kind === 'group') {
    for (const r of w.replies) out.send(r.to, error ? { ...r.response, error, assignment: undefined } : r.response);
    if (error) out.note(`${c.name} writing group epoch ${c.generation} failed: ${e.error}`);
    return { pending, ...(error ? { unwritten: true } : {}) };
  }
  out.send(w.client, { type: 'OffsetCommitResponse', requestId: w.requestId, ...(error ? { error } : {}) } satisfies OffsetCommitResponse);
  if (error) return { pending };
  const offsets = new Map(c.offsets);
  const offsetPositions = new Map(c.offsetPositions);
  const previous = w.entry.offsets.map((o) => c.offsets.get(o.partition) ?? -1);
  w.entry.offsets.forEach((o, i) => {
    offsets.set(o.partition, o.offset);
    offsetPositions.set(o.partition, e.baseOffset + i);
  });
  c.accepted.push({ ...w.entry, previous });
  return { pending, offsets, offsetPositions };
}

/** The transactional records are replicated: answer, and keep the offsets pending for their producer id. */
function txnCommitWritten(c: C, w: Extract<Pending, { kind: 'txnCommit' }>, e: ProduceResponse, out: Outbox): Partial<C> {
  const error = e.error && producerErrors.has(e.error) ? e.error : appendError(e.error);
  out.send(w.client, { type: 'TxnOffsetCommitResponse', requestId: w.requestId, ...(error ? { error } : {}) } satisfies TxnOffsetCommitResponse);
  if (error) return { pending: c.pending };
  const txnOffsets = withPendingTxnOffsets(c, w.entry.txn!.producerId, w.entry.offsets, e.baseOffset);
  c.accepted.push({ ...w.entry, previous: w.entry.offsets.map((o) => c.offsets.get(o.partition) ?? -1) });
  return { pending: c.pending, txnOffsets };
}

/** The marker is replicated: commit or drop the producer's pending offsets, then answer (txn-offsets.ts). */
function markerWritten(c: C, w: PendingMarkerWrite, e: ProduceResponse, out: Outbox): Partial<C> {
  return { pending: c.pending, ...applyWrittenMarker(c, w, e, out) };
}

// ---------------------------------------------------------------------------------------
// ConsumerGroupHeartbeat (GroupMetadataManager.consumerGroupHeartbeat)

function response(c: C, e: ConsumerGroupHeartbeat, m: ConsumerGroupMember | undefined, error?: ConsumerGroupHeartbeatResponse['error']): ConsumerGroupHeartbeatResponse {
  return {
    type: 'ConsumerGroupHeartbeatResponse',
    requestId: e.requestId,
    ...(error ? { error } : {}),
    memberId: e.memberId,
    memberEpoch: m?.memberEpoch ?? (error ? -1 : e.memberEpoch),
    heartbeatIntervalMs: c.config.heartbeatIntervalMs,
    assignment: m && !error ? m.assignment : undefined,
  };
}

/** Does a member other than `memberId` hold p (assigned, or not yet revoked)? Kafka's partition epochs. */
function heldByOther(members: ReadonlyMap<string, ConsumerGroupMember>, memberId: string) {
  return (p: number) => {
    for (const m of members.values()) if (m.memberId !== memberId && (m.assignment.includes(p) || m.pendingRevocation.includes(p))) return true;
    return false;
  };
}

function newMember(e: ConsumerGroupHeartbeat & From, now: number): ConsumerGroupMember {
  return {
    memberId: e.memberId,
    instanceId: e.instanceId,
    client: e.from,
    rebalanceTimeoutMs: e.rebalanceTimeoutMs,
    lastHeartbeat: now,
    memberEpoch: JOIN_GROUP_MEMBER_EPOCH,
    previousMemberEpoch: -1,
    state: 'STABLE',
    assignment: [],
    pendingRevocation: [],
    revokingSince: undefined,
    away: false,
  };
}

function onHeartbeat(c: C, e: ConsumerGroupHeartbeat & From, out: Outbox): Partial<C> | void {
  const now = c.now();
  const reply = (r: ConsumerGroupHeartbeatResponse) => void out.send(e.from, r);
  const members = new Map(c.members);
  let generation = c.generation;
  const old = members.get(e.memberId);

  if (e.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || e.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (!old) return reply(response(c, e, undefined, 'UNKNOWN_MEMBER_ID'));
    const leaving = { type: 'ConsumerGroupHeartbeatResponse', requestId: e.requestId, memberId: e.memberId, memberEpoch: e.memberEpoch, heartbeatIntervalMs: 0, assignment: undefined } as const;
    if (e.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH && old.instanceId !== undefined) {
      // A static member going away keeps its place and assignment until its session expires
      // (GroupMetadataManager.consumerGroupStaticMemberGroupLeave): no new group epoch.
      members.set(e.memberId, { ...old, away: true, lastHeartbeat: now });
      out.note(`${c.name} static member ${old.instanceId} (${e.memberId}) is away`);
      return { members, ...writeGroup({ ...c, members }, [{ to: e.from, response: leaving }], out) };
    }
    members.delete(e.memberId);
    const next = { ...c, members, generation: generation + 1, target: withoutMember(c.target, e.memberId) };
    out.note(`${c.name} ${e.memberId} left: group epoch ${next.generation}`);
    return { members, generation: next.generation, target: next.target, ...writeGroup(next, [{ to: e.from, response: leaving }], out) };
  }

  let member: ConsumerGroupMember;
  let changed = c.unwritten;
  let target = c.target;
  if (e.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
    const byInstance = e.instanceId === undefined ? undefined : [...members.values()].find((m) => m.instanceId === e.instanceId && m.memberId !== e.memberId);
    if (byInstance && !byInstance.away) return reply(response(c, e, undefined, 'UNRELEASED_INSTANCE_ID'));
    if (byInstance) {
      // KIP-848 static membership: the new instance takes the old member's epoch and assignment
      // over without a new group epoch (GroupMetadataManager.consumerGroupHeartbeat, static member replacement).
      members.delete(byInstance.memberId);
      member = { ...byInstance, memberId: e.memberId, client: e.from, lastHeartbeat: now, away: false };
      target = renameMember(target, byInstance.memberId, e.memberId);
      out.note(`${c.name} static member ${e.instanceId} rejoined as ${e.memberId}, replacing ${byInstance.memberId}`);
    } else {
      // A new member, or a known one rejoining with epoch 0 after it was fenced (it gave up its
      // partitions): it starts from nothing, and the group gets a new epoch.
      member = newMember(e, now);
      generation++;
      out.note(`${c.name} ${e.memberId} joins: group epoch ${generation}`);
    }
    changed = true;
  } else {
    if (!old) return reply(response(c, e, undefined, 'UNKNOWN_MEMBER_ID'));
    if (c.config.generationFencing && !heartbeatEpochValid({ ...old, assigned: old.assignment }, e.memberEpoch, e.ownedPartitions)) {
      out.note(`${c.name} fenced ${e.memberId}: epoch ${e.memberEpoch}, its epoch is ${old.memberEpoch}`);
      return reply(response(c, e, undefined, 'FENCED_MEMBER_EPOCH'));
    }
    member = { ...old, lastHeartbeat: now, client: e.from, away: false };
  }
  members.set(member.memberId, member);

  // The subscription metadata is recomputed from the broker's metadata image
  // (GroupMetadataManager.consumerGroupHeartbeat: `bumpGroupEpoch || group.hasMetadataExpired`,
  // computeSubscriptionMetadata); when it changed (CreatePartitions added partitions,
  // onNewMetadataImage having expired the group's refresh deadline) the group epoch is bumped,
  // once, with any bump this heartbeat made already. The model compares at every heartbeat.
  let subscribedPartitions = c.subscribedPartitions;
  if (c.imagePartitions !== subscribedPartitions) {
    subscribedPartitions = c.imagePartitions;
    if (generation === c.generation) generation++;
    changed = true;
    out.note(`${c.name} subscription metadata: ${DATA_TOPIC} has ${subscribedPartitions} partitions: group epoch ${generation}`);
  }

  // TargetAssignmentBuilder: a new target when the group epoch moved past the target's.
  let targetAssignmentEpoch = c.targetAssignmentEpoch;
  if (generation > targetAssignmentEpoch) {
    const previous = new Map([...target].filter(([id]) => members.has(id)));
    target = targetAssignment(e.serverAssignor ?? 'uniform', [...members.keys()], previous, subscribedPartitions);
    targetAssignmentEpoch = generation;
    out.note(`${c.name} target assignment of epoch ${generation}: ${JSON.stringify([...target])}`);
    changed = true;
  }

  // CurrentAssignmentBuilder: the member's next step towards its target.
  const before = { ...member, assigned: member.assignment };
  const step = reconcile(before, targetAssignmentEpoch, target.get(member.memberId) ?? [], e.ownedPartitions, heldByOther(members, member.memberId));
  if (step !== before) {
    member = {
      ...member,
      memberEpoch: step.memberEpoch,
      previousMemberEpoch: step.previousMemberEpoch,
      state: step.state,
      assignment: step.assigned,
      pendingRevocation: step.pendingRevocation,
      revokingSince: step.state === 'UNREVOKED_PARTITIONS' ? (member.revokingSince ?? now) : undefined,
    };
    members.set(member.memberId, member);
    changed = true;
    out.note(`${c.name} ${member.memberId}: epoch ${member.memberEpoch} ${member.state} [${member.assignment.join(',')}]${member.pendingRevocation.length ? ` revoking [${member.pendingRevocation.join(',')}]` : ''}`);
  }
  const patch = { members, generation, target, targetAssignmentEpoch, subscribedPartitions };
  const r = response(c, e, member);
  if (!changed) {
    // Nothing to write: answered at once, unless a write of the group is still pending; then the
    // answer waits for it (CoordinatorRuntime: a write event without records completes only once
    // the last written offset is committed), so no answer reveals a state not yet replicated.
    const last = lastGroupWrite(c);
    if (last === undefined) {
      reply(r);
      return { members };
    }
    const pending = new Map(c.pending);
    pending.set(last[0], { kind: 'group', replies: [...last[1].replies, { to: e.from, response: r }] });
    return { members, pending };
  }
  return { ...patch, ...writeGroup({ ...c, ...patch }, [{ to: e.from, response: r }], out) };
}

/**
 * The broker's metadata image has more partitions of the data topic (broker-common.ts tells only
 * then; GroupMetadataManager.onNewMetadataImage -> requestMetadataRefresh): the next heartbeat
 * refreshes the group's subscription metadata. Taken loaded or not: it is the broker's image.
 */
function onMetadata(c: C, e: MetadataUpdate, out: Outbox): Partial<C> | void {
  const count = e.partitions.filter((p) => topicOf(p) === DATA_TOPIC).length;
  if (count <= c.imagePartitions) return;
  out.note(`${c.name} metadata image: ${DATA_TOPIC} has ${count} partitions (was ${c.imagePartitions})`);
  return { imagePartitions: count };
}

/** The group write still pending that was sent last, if any. */
function lastGroupWrite(c: C): [number, Extract<Pending, { kind: 'group' }>] | undefined {
  let last: [number, Extract<Pending, { kind: 'group' }>] | undefined;
  for (const [id, w] of c.pending) if (w.kind === 'group' && (last === undefined || id > last[0])) last = [id, w];
  return last;
}

function withoutMember(target: ReadonlyMap<string, readonly number[]>, memberId: string): Map<string, readonly number[]> {
  const t = new Map(target);
  t.delete(memberId);
  return t;
}

function renameMember(target: ReadonlyMap<string, readonly number[]>, from: string, to: string): Map<string, readonly number[]> {
  const t = new Map<string, readonly number[]>();
  for (const [id, ps] of target) t.set(id === from ? to : id, ps);
  return t;
}

/**
 * The session timeout (group.consumer.session.timeout.ms) and the rebalance timeout of a member
 * that does not revoke (GroupMetadataManager scheduleConsumerGroupSessionTimeout /
 * scheduleConsumerGroupRebalanceTimeout): the member is fenced, removed from the group, and the
 * group gets a new epoch; its partitions are free at once.
 */
function expire(c: C, _e: unknown, out: Outbox): Partial<C> | void {
  const now = c.now();
  const gone: string[] = [];
  for (const m of c.members.values()) {
    const session = now - m.lastHeartbeat > c.config.sessionTimeoutMs;
    const revocation = m.revokingSince !== undefined && now - m.revokingSince > m.rebalanceTimeoutMs;
    if (session || revocation) gone.push(`${m.memberId} (${session ? 'session' : 'rebalance'} timeout)`);
  }
  if (gone.length === 0) return;
  const members = new Map(c.members);
  let target = c.target;
  for (const g of gone) {
    const id = g.slice(0, g.indexOf(' ('));
    members.delete(id);
    target = withoutMember(target, id);
  }
  const generation = c.generation + 1;
  out.note(`${c.name} fenced ${gone.join(', ')}: group epoch ${generation}`);
  const next = { ...c, members, target, generation };
  return { members, target, generation, ...writeGroup(next, [], out) };
}

// ---------------------------------------------------------------------------------------
// Offsets

/**
 * OffsetCommit (ConsumerGroup.validateOffsetCommit): a commit with epoch -1 to a group without
 * members is a plain commit; otherwise the member must be known (UNKNOWN_MEMBER_ID) and the
 * commit carry its current member epoch (STALE_MEMBER_EPOCH): a member fenced or behind cannot
 * move the group's offsets. With `generationFencing` off every commit is written.
 */
function onCommit(c: C, e: OffsetCommit & From, out: Outbox): Partial<C> | void {
  const m = c.members.get(e.memberId);
  const simple = e.generationId < 0 && c.members.size === 0;
  if (c.config.generationFencing && !simple) {
    const error: GroupErrorCode | undefined = !m ? 'UNKNOWN_MEMBER_ID' : !commitEpochValid({ ...m, assigned: m.assignment }, e.generationId) ? 'STALE_MEMBER_EPOCH' : undefined;
    if (error) return void out.send(e.from, { type: 'OffsetCommitResponse', requestId: e.requestId, error } satisfies OffsetCommitResponse);
  }
  const entry = acceptedEntry(c, e, m);
  return write(c, e.offsets.map((o) => ({ key: offsetKey(c.groupId, o.partition), value: o.offset })), { kind: 'commit', client: e.from, requestId: e.requestId, entry }, out);
}

/**
 * TxnOffsetCommit (OffsetMetadataManager.commitTransactionalOffset, Kafka 4.x). The request's
 * generation id is the member epoch (the consumer's ConsumerGroupMetadata under KIP-848), and it
 * is validated by validateTransactionalOffsetCommit -> ConsumerGroup.validateOffsetCommit(
 * isTransactional = true): epoch -1 to a group without members is accepted; otherwise the member
 * must be known (UNKNOWN_MEMBER_ID) and the epoch its current one, and the STALE_MEMBER_EPOCH
 * that check throws is answered ILLEGAL_GENERATION (TxnOffsetCommit has no STALE_MEMBER_EPOCH).
 * Checked with `generationFencing` and `producerFencing` both on, as the classic coordinator.
 */
function onTxnCommit(c: C, e: TxnOffsetCommit & From, out: Outbox): Partial<C> | void {
  const m = c.members.get(e.memberId);
  const simple = e.generationId < 0 && c.members.size === 0;
  if (c.config.generationFencing && c.config.producerFencing && !simple) {
    const error: GroupErrorCode | undefined = !m ? 'UNKNOWN_MEMBER_ID' : !commitEpochValid({ ...m, assigned: m.assignment }, e.generationId) ? 'ILLEGAL_GENERATION' : undefined;
    if (error) return void out.send(e.from, { type: 'TxnOffsetCommitResponse', requestId: e.requestId, error } satisfies TxnOffsetCommitResponse);
  }
  const entry = { ...acceptedEntry(c, e, m), txn: { producerId: e.producerId, producerEpoch: e.producerEpoch } };
  return write(c, txnOffsetRecords(c.groupId, e), { kind: 'txnCommit', client: e.from, requestId: e.requestId, entry }, out);
}

/**
 * WriteTxnMarkers for the group's `__consumer_offsets` partition (KIP-98): the control record is
 * appended (acks=all); once replicated the producer's pending offsets are committed or dropped
 * and the transaction coordinator answered. A marker for a producer with nothing pending is
 * written and answered all the same (a retried marker).
 */
function onTxnMarker(c: C, e: WriteTxnMarkers & From, out: Outbox): Partial<C> {
  return write(c, [txnMarkerRecord(c.groupId, e)], {
    kind: 'marker',
    client: e.from,
    replyTo: e.replyTo,
    requestId: e.requestId,
    topic: e.topic,
    partition: e.partition,
    producerId: e.producerId,
    producerEpoch: e.producerEpoch,
    result: e.result,
  }, out);
}

function* writingTxnOffsets(c: C): Iterable<readonly { partition: number }[]> {
  for (const w of c.pending.values()) if (w.kind === 'txnCommit') yield w.entry.offsets;
}

/**
 * OffsetFetch: the committed offsets (-1 when none). KIP-447 (require_stable): while a
 * transactional commit of a requested partition is pending (being written, or waiting for its
 * marker), UNSTABLE_OFFSET_COMMIT (OffsetMetadataManager.fetchOffsets): the consumer retries.
 */
/** What the invariants are told of a commit this coordinator writes (OffsetCommit or TxnOffsetCommit), as the group is now. */
function acceptedEntry(c: C, e: OffsetCommit | TxnOffsetCommit, m: ConsumerGroupMember | undefined): Omit<AcceptedCommit, 'previous'> {
  return {
    time: c.now(),
    memberId: e.memberId,
    generation: e.generationId,
    // What the commit is checked against: the member's epoch (the group epoch for an unknown member).
    groupGeneration: m?.memberEpoch ?? c.generation,
    groupState: groupState(c),
    knownMember: m !== undefined,
    offsets: e.offsets,
    memberEpochs: true,
  };
}

function onOffsetFetch(c: C, e: OffsetFetch & From, out: Outbox): void {
  if (e.partitions.some((p) => hasPendingTxnOffset(c, writingTxnOffsets(c), p))) {
    return void out.send(e.from, { type: 'OffsetFetchResponse', requestId: e.requestId, error: 'UNSTABLE_OFFSET_COMMIT', offsets: [] } satisfies OffsetFetchResponse);
  }
  out.send(e.from, { type: 'OffsetFetchResponse', requestId: e.requestId, offsets: e.partitions.map((p) => ({ partition: p, offset: c.offsets.get(p) ?? -1 })) } satisfies OffsetFetchResponse);
}

function reject(error: 'NOT_COORDINATOR' | 'COORDINATOR_LOAD_IN_PROGRESS') {
  return (c: C, e: ConsumerGroupCoordinatorEvent, out: Outbox): void => {
    if (e.type === 'ConsumerGroupHeartbeat') return void out.send(e.from, response(c, e, undefined, error));
    if (e.type === 'OffsetCommit') return void out.send(e.from, { type: 'OffsetCommitResponse', requestId: e.requestId, error } satisfies OffsetCommitResponse);
    if (e.type === 'OffsetFetch') return void out.send(e.from, { type: 'OffsetFetchResponse', requestId: e.requestId, error, offsets: [] } satisfies OffsetFetchResponse);
    if (e.type === 'TxnOffsetCommit') return void out.send(e.from, { type: 'TxnOffsetCommitResponse', requestId: e.requestId, error } satisfies TxnOffsetCommitResponse);
    // KIP-98: the transaction coordinator retries the marker.
    if (e.type === 'WriteTxnMarkers') out.send(e.from, { type: 'WriteTxnMarkersResponse', actor: e.replyTo, requestId: e.requestId, topic: e.topic, partition: e.partition, error } satisfies WriteTxnMarkersResponse);
  };
}

// ---------------------------------------------------------------------------------------
// The machine

const requests = ['ConsumerGroupHeartbeat', 'OffsetCommit', 'OffsetFetch', 'TxnOffsetCommit', 'WriteTxnMarkers'] as const;
const rejectAll = (action: string) => Object.fromEntries(requests.map((r) => [r, { actions: action }]));
const states: readonly GroupState[] = ['Empty', 'Assigning', 'Reconciling', 'Stable'];
/** Move to the derived state when it is another one. */
const derive = (self: GroupState) => states.filter((s) => s !== self).map((s) => ({ guard: `is${s}` as const, target: s }));

export const consumerGroupCoordinatorMachine = setup({
  types: {} as {
    context: ConsumerGroupCoordinatorContext;
    input: { config: ClusterConfig; now: () => number; groupId: string; brokerId: BrokerId; name: string };
    events: ConsumerGroupCoordinatorEvent;
  },
  delays: coordinatorDelays,
  guards: {
    ...coordinatorLoadGuards,
    isEmpty: ({ context }) => groupState(context) === 'Empty',
    isAssigning: ({ context }) => groupState(context) === 'Assigning',
    isReconciling: ({ context }) => groupState(context) === 'Reconciling',
    isStable: ({ context }) => groupState(context) === 'Stable',
  },
  actions: {
    startLoad: react<C, BecomeReplica>(startLoad),
    onLoadFetch: react<C, FetchResponse>(onLoadFetch),
    resendLoad: react<C, ConsumerGroupCoordinatorEvent>((c, _e, out) => {
      loadFetch(out, offsetsPartition(c), c.name, c.nextRequestId, c.loadOffset);
      return { nextRequestId: c.nextRequestId + 1 };
    }),
    unload: react<C, BecomeReplica>((c, e, out) => {
      out.note(`${c.name} unloaded: ${offsetsPartition(c)} is led by broker ${e.state.leader} now`);
      return { leaderEpoch: -1, members: new Map() };
    }),
    notCoordinator: react(reject('NOT_COORDINATOR')),
    loading: react(reject('COORDINATOR_LOAD_IN_PROGRESS')),
    heartbeat: react(onHeartbeat),
    commit: react(onCommit),
    txnCommit: react(onTxnCommit),
    txnMarker: react(onTxnMarker),
    metadata: react(onMetadata),
    offsetFetch: react(onOffsetFetch),
    onWritten: react(onWritten),
    expire: react(expire),
    tick: raise({ type: 'Tick' }, { delay: 'tick', id: 'tick' }),
  },
}).createMachine({
  id: 'consumerGroupCoordinator',
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
    targetAssignmentEpoch: 0,
    target: new Map(),
    subscribedPartitions: input.config.partitions,
    imagePartitions: input.config.partitions,
    members: new Map(),
    offsets: new Map(),
    offsetPositions: new Map(),
    txnOffsets: new Map(),
    pending: new Map(),
    unwritten: false,
    nextRequestId: 1,
    accepted: [],
  }),
  initial: 'Unloaded',
  on: {
    PartitionChange: { guard: 'electedHere', target: '.Loading', actions: 'startLoad' },
    ...rejectAll('notCoordinator'),
    ProduceResponse: { actions: 'onWritten' },
    MetadataUpdate: { actions: 'metadata' },
  },
  states: {
    /** This broker does not lead the group's `__consumer_offsets` partition: NOT_COORDINATOR. */
    Unloaded: {},
    /** Reading the group's `__consumer_offsets` partition to its end: COORDINATOR_LOAD_IN_PROGRESS. */
    Loading: {
      after: { loadRetry: { target: 'Loading', reenter: true, actions: 'resendLoad' } },
      on: {
        PartitionChange: [
          { guard: 'electedHere', target: 'Loading', reenter: true, actions: 'startLoad' },
          { guard: 'resignedHere', target: 'Dead', actions: 'unload' },
        ],
        ...rejectAll('loading'),
        FetchResponse: { guard: 'answersLoad', actions: 'onLoadFetch' },
      },
      always: { guard: 'loaded', target: 'Active' },
    },
    /** Coordinating: the group's state is derived from its epochs (ConsumerGroup.maybeUpdateGroupState). */
    Active: {
      initial: 'Empty',
      entry: 'tick',
      exit: cancel('tick'),
      on: {
        PartitionChange: [
          { guard: 'electedHere', target: 'Loading', actions: 'startLoad' },
          { guard: 'resignedHere', target: 'Dead', actions: 'unload' },
        ],
        ConsumerGroupHeartbeat: { actions: 'heartbeat' },
        OffsetCommit: { actions: 'commit' },
        TxnOffsetCommit: { actions: 'txnCommit' },
        WriteTxnMarkers: { actions: 'txnMarker' },
        OffsetFetch: { actions: 'offsetFetch' },
        Tick: { actions: ['tick', 'expire'] },
      },
      states: {
        /** No members. */
        Empty: { always: derive('Empty') },
        /** The group epoch is ahead of the target assignment's: the next heartbeat computes a new one. */
        Assigning: { always: derive('Assigning') },
        /** Some member is not in the target epoch yet: revoking, or waiting for partitions others have not released. */
        Reconciling: { always: derive('Reconciling') },
        /** Every member is in the target epoch with its whole target assignment. */
        Stable: { always: derive('Stable') },
      },
    },
    /** Unloaded after the coordinator moved. */
    Dead: {},
  },
});
