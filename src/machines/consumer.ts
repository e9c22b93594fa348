import { and, not, setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { metadataExpired, seenPartitionCount } from './client-metadata.js';
import { assignorsByKafkaName, type MemberSubscription } from '../groups/assignors/index.js';
import { visibleRecords } from '../client/read-committed.js';
import { groupMetadataPartitionFor, transactionStatePartitionFor } from './coordinator-partition.js';
import { react, type Outbox } from './effects.js';
import { newTxnClient, txnActions, txnGuards, type EndedTxn, type TxnClient, type TxnEvent } from './consumer-txn.js';
import { kip848Actions, kip848Guards, usesConsumerProtocol } from './consumer-kip848.js';
import type { ConsumerGroupHeartbeatResponse } from './consumer-group-protocol.js';
import {
  groupActor,
  type GroupErrorCode,
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
  type SyncGroup,
  type SyncGroupResponse,
} from './group-protocol.js';
import {
  DATA_TOPIC,
  OFFSETS_TOPIC,
  brokerNode,
  partitionName,
  topicOf,
  type Fetch,
  type FetchResponse,
  type ListOffsets,
  type ListOffsetsResponse,
  type MetadataRequest,
  type MetadataResponse,
  type OffsetsForLeaderEpoch,
  type OffsetsForLeaderEpochResponse,
  type PartitionState,
  type From,
} from './protocol.js';
import { OUTPUT_TOPIC, TXN_TOPIC } from './txn-protocol.js';

/**
 * A consumer in a group (Kafka's KafkaConsumer + ConsumerCoordinator + AbstractCoordinator +
 * Fetcher), subscribed to the data topic, as two parallel regions:
 *
 * - `membership` (AbstractCoordinator.MemberState): find the coordinator (the leader of
 *   the group's `__consumer_offsets` partition), JoinGroup (PreparingRebalance), SyncGroup (CompletingRebalance),
 *   then Stable with a heartbeat every heartbeat.interval.ms, as the Java client's heartbeat
 *   thread does, independently of processing.
 * - `app`: the application's poll loop. A poll applies a new assignment and starts a rejoin
 *   (rebalance callbacks run inside poll(), so never during processing), auto-commits, fetches
 *   from each owned partition's leader (records below the HW only), hands the records over
 *   (a Jepsen `poll` op), processes them (an explicit, timed step, logged in `processed`), and
 *   commits by the policy: `auto` (the positions of earlier polls, every auto.commit.interval),
 *   `after-process` (at-least-once) or `before-process` (at-most-once).
 *
 * Eager rebalancing (range assignor) revokes every partition before JoinGroup; cooperative
 * (KIP-429, cooperative-sticky) keeps processing owned partitions through the rebalance,
 * revokes only what moved, and rejoins at once when it revoked anything.
 */
export type CommitPolicy = 'auto' | 'after-process' | 'before-process' | 'transactional';
export type OffsetReset = 'earliest' | 'latest';

export interface ConsumerOptions {
  readonly groupId: string;
  readonly commit: CommitPolicy;
  readonly reset: OffsetReset;
  /** Virtual ms the application takes to process one poll's records. */
  readonly processingMs: number;
  readonly pollIntervalMs: number;
  /** KIP-345: group.instance.id (static membership). */
  readonly groupInstanceId?: string | undefined;
  /** eager (range) or cooperative (cooperative-sticky, KIP-429); the cluster's setting by default. */
  readonly protocol?: 'eager' | 'cooperative' | undefined;
  /** The application subscribes and polls from this time on (a member that joins later). */
  readonly startAtMs?: number | undefined;
  /** commit 'transactional': this consumer's transactional.id (its node name) and producer id. */
  readonly transactionalId?: string | undefined;
  readonly producerId?: number | undefined;
  /**
   * The cluster has transactions: fetch and ListOffsets carry isolation READ_COMMITTED when
   * config.isolationLevel is read_committed. Absent in runs without transactions, whose
   * requests stay as they were (and so their traces).
   */
  readonly readCommitted?: boolean | undefined;
}

/** A record processed by the application (the model's processing marker). */
export interface ProcessedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: number;
  readonly generation: number;
  readonly time: number;
}

/** A record handed to the application; `producer` and `key` are what a transform needs. */
export interface PolledRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: number;
  readonly producer: string;
  readonly key: string;
}

export interface Batch {
  readonly records: readonly PolledRecord[];
  /** Per partition, the position before and after the batch. */
  readonly ranges: readonly { partition: number; from: number; to: number }[];
}

/**
 * KIP-320 (consumerEpochValidation): a position as the Java client's FetchPosition knows it once a
 * fetch moved it there: the leader epoch of the last record consumed (offsetEpoch) and the leader
 * epoch it was fetched under (currentLeader.epoch).
 */
export interface FetchPosition {
  readonly offset: number;
  readonly offsetEpoch: number;
  readonly leaderEpoch: number;
}

export interface ConsumerContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly name: string;
  readonly options: ConsumerOptions;
  readonly metadata: readonly (PartitionState | undefined)[];
  /** Broker id of the coordinator; -1 unknown. */
  readonly coordinator: number;
  readonly metadataBroker: number;
  readonly memberId: string;
  readonly generation: number;
  readonly leader: string;
  /** The partitions the application owns now, and the generation they were assigned in. */
  readonly owned: readonly number[];
  readonly ownedGeneration: number;
  /** From SyncGroup; applied at the next poll (onPartitionsAssigned/Revoked run inside poll()). */
  readonly pendingAssignment: { readonly generation: number; readonly partitions: readonly number[] } | undefined;
  readonly rejoinNeeded: boolean;
  /** Set by a poll (onJoinPrepare done): the membership region starts the join. */
  readonly joinRequested: boolean;
  /** From the start of a join until Stable: a poll does not start another. */
  readonly joinInProgress: boolean;
  readonly coordinatorLost: boolean;
  readonly fatal: string | undefined;
  /** Next offset to fetch per owned partition; absent until fetched from the committed offsets. */
  readonly positions: ReadonlyMap<number, number>;
  readonly offsetFetchInFlight: number | undefined;
  readonly listOffsetsInFlight: ReadonlyMap<number, number>;
  /** When the last OffsetFetch / ListOffsets was sent: unanswered lookups expire after a request timeout. */
  readonly lookupAt: number;
  /** Fetches in flight: request id -> the partition and the offset it asked from. */
  readonly fetches: ReadonlyMap<number, { readonly partition: number; readonly offset: number }>;
  /**
   * KIP-320: per partition, the FetchPosition of its position, while `offset` still is the
   * position; a position set otherwise (committed offset, reset, seek back) has no epoch and is
   * not validated, as a Java client position without an offsetEpoch.
   */
  readonly fetchPositions: ReadonlyMap<number, FetchPosition>;
  /** KIP-320: the OffsetsForLeaderEpoch in flight per partition (position validation), and what it validates. */
  readonly validations: ReadonlyMap<number, { readonly requestId: number; readonly at: number; readonly position: FetchPosition; readonly leaderEpoch: number }>;
  /**
   * Fetch answers not yet handed over: the records the application may see, and the offsets
   * the answer covered (`first`, `end`), dropped control and aborted records included.
   */
  readonly fetched: readonly { partition: number; first: number; end: number; records: readonly PolledRecord[]; offsetEpoch: number; leaderEpoch: number }[];
  readonly batch: Batch | undefined;
  /** The batch being processed, and until when (model time). */
  readonly processing: (Batch & { readonly generation: number; readonly until: number }) | undefined;
  readonly commitRequest: number | undefined;
  /**
   * The OffsetCommits in flight that were sent in `generation` (KAFKA-9823): an
   * ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID answer to any other commit (one of an older
   * generation than the member's current one) is no reason to reset the membership. Started
   * afresh at the first commit of each generation, so an answer that never came is forgotten.
   */
  readonly commitsInGeneration: { readonly generation: number; readonly requestIds: ReadonlySet<number> };
  /** The synchronous commit of revoked partitions in flight (the rejoin waits for it). */
  readonly revocationCommit: { readonly requestId: number; readonly at: number } | undefined;
  /** KIP-848: the partitions whose revocation commit is in flight (still reported as owned). */
  readonly revoking: readonly number[];
  /** KIP-848: an assignment was applied; the member acknowledges it by heartbeating at once. */
  readonly ackNeeded: boolean;
  readonly commitResult: 'ok' | 'failed' | undefined;
  readonly heartbeatRequest: number | undefined;
  readonly lastHeartbeatAck: number;
  readonly lastAutoCommit: number;
  /** When metadata was last asked for or arrived: it is refreshed once it is metadata.max.age.ms old. */
  readonly metadataAt: number;
  /**
   * The leader's: the data topic's partition count its last assignment covered
   * (ConsumerCoordinator's assignmentSnapshot). Metadata with more partitions makes it rejoin.
   */
  readonly assignedPartitionCount: number | undefined;
  readonly pausedUntil: number;
  readonly nextRequestId: number;
  readonly joinRequest: number;
  /** Grows in place: every record this incarnation processed (read by invariants). */
  readonly processed: ProcessedRecord[];
  /** Grows in place: every position reset by auto.offset.reset (no committed offset). */
  readonly resets: { partition: number; offset: number; time: number }[];
  /** commit 'transactional': the transaction coordinator's broker (leader of its `__transaction_state` partition); -1 unknown. */
  readonly txnCoordinator: number;
  /** commit 'transactional': the leaders of the `out` topic's partitions. */
  readonly outMetadata: readonly (PartitionState | undefined)[];
  /** commit 'transactional': the producer side (KIP-98, KIP-447); undefined for other policies. */
  readonly txn: TxnClient | undefined;
  /** Grows in place: every transaction this incarnation ended (committed or aborted), for the properties. */
  readonly txns: EndedTxn[];
}

export type ConsumerEvent =
  | (MetadataResponse & From)
  | (JoinGroupResponse & From)
  | (SyncGroupResponse & From)
  | (HeartbeatResponse & From)
  | (ConsumerGroupHeartbeatResponse & From)
  | (LeaveGroupResponse & From)
  | (OffsetCommitResponse & From)
  | (OffsetFetchResponse & From)
  | (ListOffsetsResponse & From)
  | (OffsetsForLeaderEpochResponse & From & { requestId?: number })
  | (FetchResponse & From & { requestId?: number })
  | TxnEvent
  /** A stop-the-world pause (a GC pause, a stalled host): nothing runs for durationMs. */
  | { type: 'Stall'; durationMs: number }
  /** KafkaConsumer.close(): leave the group (dynamic members send LeaveGroup). */
  | { type: 'Close' }
  | { type: 'net.disconnected'; peer: string };

const coordinatorErrors: ReadonlySet<GroupErrorCode> = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'REQUEST_TIMED_OUT']);
const protocolOf = (c: ConsumerContext) => c.options.protocol ?? c.config.rebalanceProtocol;
const paused = (c: ConsumerContext) => c.now() < c.pausedUntil;
export const coordinatorNode = (c: ConsumerContext) => brokerNode(c.coordinator);
/** isolation.level=read_committed, in a cluster with transactions (KIP-98). */
const readCommitted = (c: ConsumerContext) => c.options.readCommitted === true && c.config.isolationLevel === 'read_committed';

export function nextId(c: ConsumerContext): [number, Partial<ConsumerContext>] {
  return [c.nextRequestId, { nextRequestId: c.nextRequestId + 1 }];
}

// ---------------------------------------------------------------------------------------
// Metadata and the coordinator (FindCoordinator: the leader of the group's offsets partition)

export function requestMetadata(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  const [requestId, patch] = nextId(c);
  const broker = (c.metadataBroker % c.config.brokers) + 1;
  out.send(brokerNode(broker), { type: 'Metadata', requestId } satisfies MetadataRequest);
  return { ...patch, metadataBroker: c.metadataBroker + 1 };
}

/**
 * The data topic's leaders, the group coordinator (leader of the group's `__consumer_offsets`
 * partition), and for a transactional consumer the transaction coordinator (leader of its
 * transactional.id's `__transaction_state` partition) and the `out` topic's leaders. The
 * partitions are the ones the brokers' partitionFor picks (coordinator-partition.ts): what
 * FindCoordinator answers.
 */
function onMetadata(c: ConsumerContext, e: MetadataResponse): Partial<ConsumerContext> {
  const metadata = c.metadata.slice();
  const outMetadata = c.outMetadata.slice();
  let coordinator = c.coordinator;
  let txnCoordinator = c.txnCoordinator;
  for (const p of e.partitions) {
    const topic = topicOf(p);
    if (topic === OFFSETS_TOPIC) {
      if (p.partition === groupMetadataPartitionFor(c.config, c.options.groupId)) coordinator = p.leader;
    } else if (topic === TXN_TOPIC) {
      if (c.options.transactionalId !== undefined && p.partition === transactionStatePartitionFor(c.config, c.options.transactionalId)) txnCoordinator = p.leader;
    } else if (topic === DATA_TOPIC || topic === OUTPUT_TOPIC) {
      const into = topic === DATA_TOPIC ? metadata : outMetadata;
      const old = into[p.partition];
      if (!old || p.leaderEpoch >= old.leaderEpoch) into[p.partition] = p;
    }
  }
  // ConsumerCoordinator.rejoinNeededOrPending: the leader whose assignment covered fewer
  // partitions than the metadata now has (CreatePartitions) asks for a new rebalance.
  const grown = c.assignedPartitionCount !== undefined && c.generation >= 0 && metadata.length > c.assignedPartitionCount;
  return { metadata, coordinator, metadataAt: c.now(), ...(c.txn ? { outMetadata, txnCoordinator } : {}), ...(grown ? { rejoinNeeded: true, assignedPartitionCount: undefined } : {}) };
}

/** The data topic's partition count as the consumer's metadata has it (the configured count until metadata names more). */
const partitionCount = (c: ConsumerContext) => seenPartitionCount(c.config, c.metadata);

// ---------------------------------------------------------------------------------------
// Membership

function sendJoin(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  const [requestId, patch] = nextId(c);
  const cooperative = protocolOf(c) === 'cooperative';
  out.send(coordinatorNode(c), {
    type: 'JoinGroup',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    memberId: c.memberId,
    ...(c.options.groupInstanceId === undefined ? {} : { groupInstanceId: c.options.groupInstanceId }),
    sessionTimeoutMs: c.config.sessionTimeoutMs,
    rebalanceTimeoutMs: c.config.rebalanceTimeoutMs,
    protocol: cooperative ? 'cooperative-sticky' : 'range',
    // KIP-429: cooperative members report what they own; eager members own nothing by now.
    subscription: { topics: [DATA_TOPIC], ownedPartitions: cooperative ? c.owned : [], generation: cooperative ? c.ownedGeneration : -1 },
  } satisfies JoinGroup);
  return { ...patch, joinRequest: requestId };
}

/** The leader runs the assignor over every member's subscription (ConsumerCoordinator.onLeaderElected). */
function assign(c: ConsumerContext, e: JoinGroupResponse): { memberId: string; partitions: number[] }[] {
  const members: MemberSubscription[] = e.members.map((m) => ({
    memberId: m.memberId,
    ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
    topics: [...m.subscription.topics],
    ownedPartitions: m.subscription.ownedPartitions.map((p) => ({ topic: DATA_TOPIC, partition: p })),
    generation: m.subscription.generation,
  }));
  const assignor = e.protocol === 'cooperative-sticky' ? assignorsByKafkaName['cooperative-sticky'] : assignorsByKafkaName.range;
  const result = assignor(members, { [DATA_TOPIC]: partitionCount(c) });
  return e.members.map((m) => ({ memberId: m.memberId, partitions: (result[m.memberId] ?? []).map((tp) => tp.partition) }));
}

function onJoinResponse(c: ConsumerContext, e: JoinGroupResponse, out: Outbox): Partial<ConsumerContext> {
  if (e.error) return groupError(c, e.error, out, 'JoinGroup');
  const [requestId, patch] = nextId(c);
  const assignments = e.leader === e.memberId ? assign(c, e) : [];
  out.send(coordinatorNode(c), {
    type: 'SyncGroup',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    memberId: e.memberId,
    ...(c.options.groupInstanceId === undefined ? {} : { groupInstanceId: c.options.groupInstanceId }),
    generationId: e.generationId,
    assignments,
  } satisfies SyncGroup);
  return { ...patch, joinRequest: requestId, memberId: e.memberId, generation: e.generationId, leader: e.leader, assignedPartitionCount: e.leader === e.memberId ? partitionCount(c) : undefined };
}

function onSyncResponse(c: ConsumerContext, e: SyncGroupResponse, out: Outbox): Partial<ConsumerContext> {
  if (e.error) return groupError(c, e.error, out, 'SyncGroup');
  out.note(`${c.name} joined generation ${c.generation} of ${c.options.groupId}: [${e.assignment.join(',')}]`);
  return { pendingAssignment: { generation: c.generation, partitions: e.assignment }, lastHeartbeatAck: c.now() };
}

/**
 * What a coordinator error means to the member (AbstractCoordinator's response handlers):
 * coordinator errors -> find it again; REBALANCE_IN_PROGRESS -> rejoin; ILLEGAL_GENERATION /
 * UNKNOWN_MEMBER_ID -> the partitions are lost (onPartitionsLost, no commit) and it rejoins,
 * as a new member for UNKNOWN_MEMBER_ID; FENCED_INSTANCE_ID (KIP-345) is fatal.
 */
export function groupError(c: ConsumerContext, error: GroupErrorCode, out: Outbox, what: string): Partial<ConsumerContext> {
  if (coordinatorErrors.has(error)) return { coordinatorLost: true };
  if (error === 'REBALANCE_IN_PROGRESS') return { rejoinNeeded: true };
  if (error === 'FENCED_INSTANCE_ID') {
    out.note(`${c.name} fenced: FENCED_INSTANCE_ID on ${what}`);
    return { ...losePartitions(c, out, error), fatal: error };
  }
  return { ...losePartitions(c, out, `${error} on ${what}`), rejoinNeeded: true, generation: -1, ...(error === 'UNKNOWN_MEMBER_ID' ? { memberId: '' } : {}) };
}

function losePartitions(c: ConsumerContext, out: Outbox, why: string): Partial<ConsumerContext> {
  if (c.owned.length > 0) out.note(`${c.name} lost [${c.owned.join(',')}] (${why})`, { consumer: c.name, group: c.options.groupId, revoked: c.owned });
  return { owned: [], ownedGeneration: -1, positions: new Map(), pendingAssignment: undefined };
}

function sendHeartbeat(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  if (paused(c)) return {};
  // No answer for a whole session: the coordinator is taken to be gone (markCoordinatorUnknown).
  if (c.now() - c.lastHeartbeatAck > c.config.sessionTimeoutMs) return { coordinatorLost: true };
  const [requestId, patch] = nextId(c);
  out.send(coordinatorNode(c), {
    type: 'Heartbeat',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    memberId: c.memberId,
    ...(c.options.groupInstanceId === undefined ? {} : { groupInstanceId: c.options.groupInstanceId }),
    generationId: c.generation,
  } satisfies Heartbeat);
  return { ...patch, heartbeatRequest: requestId };
}

function onHeartbeatResponse(c: ConsumerContext, e: HeartbeatResponse, out: Outbox): Partial<ConsumerContext> {
  if (e.requestId !== c.heartbeatRequest) return {};
  const patch = { heartbeatRequest: undefined, lastHeartbeatAck: c.now() };
  return e.error ? { ...patch, ...groupError(c, e.error, out, 'Heartbeat') } : patch;
}

// ---------------------------------------------------------------------------------------
// The poll loop

/**
 * poll(): apply a new assignment (cooperative: revoke what moved and rejoin if anything did),
 * start a rejoin if one is needed (eager: revoke everything first, onJoinPrepare), auto-commit,
 * find positions, and fetch.
 */
function poll(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  if (paused(c) || c.fatal || c.now() < (c.options.startAtMs ?? 0)) return {};
  let next: ConsumerContext = c;
  const set = (p: Partial<ConsumerContext>) => (next = { ...next, ...p });
  // A revocation commit is synchronous (commitSync in onPartitionsRevoked): wait for it, or time it out.
  if (next.revocationCommit !== undefined && next.now() - next.revocationCommit.at > next.config.requestTimeoutMs / 6) set({ revocationCommit: undefined, revoking: [] });
  if (next.pendingAssignment && next.revocationCommit === undefined) set(applyAssignment(next, out));
  // KIP-848: the member joins once (subscribe); after that the heartbeat alone keeps it in the group.
  const joinDue = usesConsumerProtocol(next) ? next.rejoinNeeded : next.rejoinNeeded || next.generation < 0;
  if (joinDue && !next.joinInProgress && !next.joinRequested && next.revocationCommit === undefined) {
    set(prepareJoin(next, out));
  } else if (next.options.commit === 'auto' && next.now() - next.lastAutoCommit >= next.config.autoCommitIntervalMs) {
    set(autoCommit(next, out));
  }
  // Stale metadata is refreshed at each poll: it is how members learn of new partitions.
  if (metadataExpired(next.config, next.metadataAt, next.now())) set({ ...requestMetadata(next, undefined, out), metadataAt: next.now() });
  set(findPositions(next, out));
  set(sendFetches(next, out));
  return diff(c, next);
}

function diff(before: ConsumerContext, after: ConsumerContext): Partial<ConsumerContext> {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(after) as (keyof ConsumerContext)[]) if (after[k] !== before[k]) patch[k] = after[k];
  return patch as Partial<ConsumerContext>;
}

/**
 * onPartitionsRevoked: commit the positions of the partitions given up (everything handed to the
 * application was processed by now, as revocation runs inside poll()); before-process already
 * committed them. The commit is synchronous: the consumer rejoins only once it is answered.
 */
function commitRevoked(c: ConsumerContext, revoked: readonly number[], out: Outbox): Partial<ConsumerContext> {
  // transactional: offsets are committed only inside transactions (KIP-98 sendOffsetsToTransaction).
  if (c.options.commit === 'before-process' || c.options.commit === 'transactional' || c.coordinator < 0 || c.generation < 0) return {};
  const offsets = revoked.filter((p) => c.positions.has(p)).map((p) => ({ partition: p, offset: c.positions.get(p)! }));
  if (offsets.length === 0) return {};
  const [requestId, patch] = sendOffsetCommit(c, offsets, out);
  return { ...patch, revocationCommit: { requestId, at: c.now() } };
}

function applyAssignment(c: ConsumerContext, out: Outbox): Partial<ConsumerContext> {
  const a = c.pendingAssignment!;
  const revoked = c.owned.filter((p) => !a.partitions.includes(p));
  const added = a.partitions.filter((p) => !c.owned.includes(p));
  const commit = revoked.length > 0 ? commitRevoked(c, revoked, out) : {};
  const positions = new Map(c.positions);
  for (const p of revoked) positions.delete(p);
  if (revoked.length > 0) out.note(`${c.name} revoked [${revoked.join(',')}]`, { consumer: c.name, group: c.options.groupId, revoked });
  out.note(`${c.name} assigned [${a.partitions.join(',')}] in generation ${a.generation}`, {
    consumer: c.name,
    group: c.options.groupId,
    generation: a.generation,
    assigned: a.partitions,
    added,
  });
  if (usesConsumerProtocol(c)) {
    // KIP-848: acknowledge with the next heartbeat, once the revoked partitions' commit is answered.
    const revoking = (commit as Partial<ConsumerContext>).revocationCommit !== undefined ? revoked : [];
    return { ...commit, owned: a.partitions, ownedGeneration: a.generation, positions, pendingAssignment: undefined, revoking, ackNeeded: true };
  }
  // KIP-429: a member that gave partitions up rejoins at once, so they can be handed out.
  const rejoin = protocolOf(c) === 'cooperative' && revoked.length > 0;
  return { ...commit, owned: a.partitions, ownedGeneration: a.generation, positions, pendingAssignment: undefined, ...(rejoin ? { rejoinNeeded: true } : {}) };
}

/** onJoinPrepare: auto-commit (the Java client's is synchronous; here it is sent first), eager revocation. */
function prepareJoin(c: ConsumerContext, out: Outbox): Partial<ConsumerContext> {
  let next: ConsumerContext = c;
  if (protocolOf(c) === 'eager' && c.owned.length > 0) {
    // onJoinPrepare: commit what was processed (the auto-commit, or the application's
    // onPartitionsRevoked commit for after-process), and wait for it before rejoining.
    const commit = commitRevoked(c, c.owned, out);
    out.note(`${c.name} revoked [${c.owned.join(',')}] (eager rebalance)`, { consumer: c.name, group: c.options.groupId, revoked: c.owned });
    next = { ...next, ...commit, owned: [], ownedGeneration: -1, positions: new Map() };
    if (next.revocationCommit !== undefined) return diff(c, next);
  } else if (c.options.commit === 'auto' && c.generation >= 0) {
    next = { ...next, ...autoCommit(next, out) };
  }
  out.note(`${c.name} (re)joins ${c.options.groupId}`);
  // The membership region takes it from here.
  return { ...diff(c, next), rejoinNeeded: false, joinRequested: true };
}

/** Send an OffsetCommit in the member's current generation, and remember it was sent in it. */
function sendOffsetCommit(c: ConsumerContext, offsets: { partition: number; offset: number }[], out: Outbox): [number, Partial<ConsumerContext>] {
  const [requestId, patch] = nextId(c);
  out.send(coordinatorNode(c), commitMessage(c, requestId, offsets));
  const sameGeneration = c.commitsInGeneration.generation === c.generation;
  const requestIds = new Set(sameGeneration ? c.commitsInGeneration.requestIds : []).add(requestId);
  return [requestId, { ...patch, commitsInGeneration: { generation: c.generation, requestIds } }];
}

function commitMessage(c: ConsumerContext, requestId: number, offsets: { partition: number; offset: number }[]): OffsetCommit {
  return {
    type: 'OffsetCommit',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    memberId: c.memberId,
    ...(c.options.groupInstanceId === undefined ? {} : { groupInstanceId: c.options.groupInstanceId }),
    generationId: c.generation,
    offsets,
  };
}

/** enable.auto.commit: the positions of records returned by earlier polls, asynchronously. */
function autoCommit(c: ConsumerContext, out: Outbox): Partial<ConsumerContext> {
  const offsets = c.owned.filter((p) => c.positions.has(p)).map((p) => ({ partition: p, offset: c.positions.get(p)! }));
  if (offsets.length === 0 || c.coordinator < 0 || c.generation < 0) return { lastAutoCommit: c.now() };
  const [, patch] = sendOffsetCommit(c, offsets, out);
  return { ...patch, lastAutoCommit: c.now() };
}

function findPositions(c: ConsumerContext, out: Outbox): Partial<ConsumerContext> {
  // A lookup sent to a broker that crashed or moved is never answered: forget it and ask again.
  const expired = c.now() - c.lookupAt > c.config.requestTimeoutMs / 6;
  const listOffsetsInFlight = expired ? new Map<number, number>() : c.listOffsetsInFlight;
  const offsetFetchInFlight = expired ? undefined : c.offsetFetchInFlight;
  const base = expired ? { listOffsetsInFlight, offsetFetchInFlight } : {};
  const unknown = c.owned.filter((p) => !c.positions.has(p) && !listOffsetsInFlight.has(p));
  if (unknown.length === 0 || offsetFetchInFlight !== undefined || c.coordinator < 0) return base;
  const [requestId, patch] = nextId(c);
  out.send(coordinatorNode(c), { type: 'OffsetFetch', actor: groupActor(c.options.groupId), requestId, groupId: c.options.groupId, partitions: unknown } satisfies OffsetFetch);
  return { ...base, ...patch, offsetFetchInFlight: requestId, lookupAt: c.now() };
}

/** Committed offsets, or auto.offset.reset where there is none. */
function onOffsetFetchResponse(c: ConsumerContext, e: OffsetFetchResponse, out: Outbox): Partial<ConsumerContext> {
  if (e.requestId !== c.offsetFetchInFlight) return {};
  // Any error is retried by the next poll; KIP-447's UNSTABLE_OFFSET_COMMIT (a transaction with
  // offsets for the partition is not decided yet) too, so no position is taken from before it ends.
  if (e.error) return { offsetFetchInFlight: undefined, ...(coordinatorErrors.has(e.error) ? { coordinatorLost: true } : {}) };
  const positions = new Map(c.positions);
  let next: ConsumerContext = { ...c, offsetFetchInFlight: undefined };
  for (const o of e.offsets) {
    if (!next.owned.includes(o.partition) || positions.has(o.partition)) continue;
    if (o.offset >= 0) positions.set(o.partition, o.offset);
    else next = { ...next, ...resetPosition({ ...next, positions }, o.partition, out) };
  }
  return diff(c, { ...next, positions: new Map([...next.positions, ...positions]) });
}

/**
 * auto.offset.reset: earliest is the log start; latest asks the leader for its HW.
 *
 * Kafka's consumer looks the log start up with ListOffsets(EARLIEST). The model's takes the log
 * start it knows without a request: 0 until a fetch answer said otherwise, and the log start a
 * leader names in an OFFSET_OUT_OF_RANGE answer (KIP-107's log_start_offset) once retention has
 * deleted past the position. The position it lands on is the same (spec/consumer-groups.md).
 */
function resetPosition(c: ConsumerContext, p: number, out: Outbox, logStart = 0): Partial<ConsumerContext> {
  if (c.options.reset === 'earliest') {
    c.resets.push({ partition: p, offset: logStart, time: c.now() });
    const positions = new Map(c.positions);
    positions.set(p, logStart);
    return { positions };
  }
  const leader = c.metadata[p]?.leader ?? -1;
  if (leader < 0) return {};
  const [requestId, patch] = nextId(c);
  // KIP-98: under read_committed, latest is the last stable offset. KIP-320 (KAFKA-7747): with the consumer's leader epoch.
  out.send(brokerNode(leader), {
    type: 'ListOffsets',
    actor: partitionName(p),
    requestId,
    ...(readCommitted(c) ? { isolation: 'READ_COMMITTED' } : {}),
    ...(c.config.consumerEpochValidation ? { currentLeaderEpoch: c.metadata[p]!.leaderEpoch } : {}),
  } satisfies ListOffsets);
  const inFlight = new Map(c.listOffsetsInFlight);
  inFlight.set(p, requestId);
  return { ...patch, listOffsetsInFlight: inFlight, lookupAt: c.now() };
}

function onListOffsetsResponse(c: ConsumerContext, e: ListOffsetsResponse, out: Outbox): Partial<ConsumerContext> {
  if (c.listOffsetsInFlight.get(e.partition) !== e.requestId) return {};
  const inFlight = new Map(c.listOffsetsInFlight);
  inFlight.delete(e.partition);
  if (e.error || !c.owned.includes(e.partition) || c.positions.has(e.partition)) {
    return { listOffsetsInFlight: inFlight, ...(e.error ? requestMetadata(c, e, out) : {}) };
  }
  c.resets.push({ partition: e.partition, offset: e.offset, time: c.now() });
  const positions = new Map(c.positions);
  positions.set(e.partition, e.offset);
  return { listOffsetsInFlight: inFlight, positions };
}

/**
 * KIP-320 (KAFKA-7747, Fetcher.validateOffsetsIfNeeded / SubscriptionState.maybeValidatePositionForCurrentLeader):
 * the partition's leader epoch moved past the one its position was fetched under, and the
 * position has an offsetEpoch: it must be validated before the consumer fetches from it.
 */
function needsValidation(c: ConsumerContext, p: number, pos: number): FetchPosition | undefined {
  if (!c.config.consumerEpochValidation) return undefined;
  const f = c.fetchPositions.get(p);
  return f !== undefined && f.offset === pos && c.metadata[p]!.leaderEpoch > f.leaderEpoch ? f : undefined;
}

/**
 * OffsetsForLeaderEpoch for the epoch of the last consumed record, to the partition's leader,
 * with the consumer's current leader epoch (OffsetsForLeaderEpochClient); one at a time per
 * partition, forgotten after a request timeout (a crashed leader never answers).
 */
function validatePosition(c: ConsumerContext, p: number, f: FetchPosition, out: Outbox): Partial<ConsumerContext> {
  const inFlight = c.validations.get(p);
  if (inFlight !== undefined && c.now() - inFlight.at <= c.config.requestTimeoutMs / 6) return {};
  const [requestId, patch] = nextId(c);
  const leaderEpoch = c.metadata[p]!.leaderEpoch;
  out.send(brokerNode(c.metadata[p]!.leader), {
    type: 'OffsetsForLeaderEpoch',
    actor: partitionName(p),
    requestId,
    replicaId: -1,
    leaderEpoch: f.offsetEpoch,
    currentLeaderEpoch: leaderEpoch,
  } satisfies OffsetsForLeaderEpoch & { requestId: number });
  const validations = new Map(c.validations);
  validations.set(p, { requestId, at: c.now(), position: f, leaderEpoch });
  return { ...patch, validations };
}

/**
 * The leader's end offset for the epoch of the last consumed record (SubscriptionState.maybeCompleteValidation):
 * below the position, the records from there on were truncated away (they are not the new
 * leader's): the position goes back to that end offset; no such epoch (UNDEFINED_EPOCH_OFFSET)
 * resets by auto.offset.reset (KAFKA-10113, 2.6; 2.3-2.5 seeked to -1, which a fetch then found
 * out of range: reset the same way). Otherwise the position is good under the new leader.
 * Errors retry, with fresh metadata (Fetcher.validateOffsetsAsync: partitionsToRetry -> metadata.requestUpdate).
 */
function onValidation(c: ConsumerContext, e: OffsetsForLeaderEpochResponse & { requestId?: number }, out: Outbox): Partial<ConsumerContext> {
  const p = [...c.validations].find(([, v]) => v.requestId === e.requestId)?.[0];
  if (p === undefined) return {};
  const v = c.validations.get(p)!;
  const validations = new Map(c.validations);
  validations.delete(p);
  if (e.error) return { validations, ...requestMetadata(c, e, out) };
  const pos = c.positions.get(p);
  if (!c.owned.includes(p) || pos !== v.position.offset) return { validations };
  const fetchPositions = new Map(c.fetchPositions);
  if (e.endOffset >= 0 && e.endOffset >= pos) {
    fetchPositions.set(p, { ...v.position, leaderEpoch: v.leaderEpoch });
    return { validations, fetchPositions };
  }
  const positions = new Map(c.positions);
  if (e.endOffset < 0) {
    fetchPositions.delete(p);
    positions.delete(p);
    out.note(`${c.name} ${partitionName(p)} truncation detected at offset ${pos} (no epoch ${v.position.offsetEpoch} on the leader): auto.offset.reset=${c.options.reset}`);
    return { validations, fetchPositions, positions, ...resetPosition({ ...c, positions }, p, out) };
  }
  positions.set(p, e.endOffset);
  fetchPositions.set(p, { offset: e.endOffset, offsetEpoch: e.leaderEpoch, leaderEpoch: v.leaderEpoch });
  out.note(`${c.name} ${partitionName(p)} truncation detected at offset ${pos}: resets to ${e.endOffset}, where epoch ${e.leaderEpoch} ends on the leader`);
  return { validations, fetchPositions, positions };
}

function sendFetches(c: ConsumerContext, out: Outbox): Partial<ConsumerContext> {
  const fetches = new Map<number, { partition: number; offset: number }>();
  let next: ConsumerContext = c;
  let needMetadata = false;
  for (const p of c.owned) {
    const pos = c.positions.get(p);
    const leader = c.metadata[p]?.leader ?? -1;
    if (pos === undefined) continue;
    if (leader < 0) {
      needMetadata = true;
      continue;
    }
    const unvalidated = needsValidation(next, p, pos);
    if (unvalidated) {
      next = { ...next, ...validatePosition(next, p, unvalidated, out) };
      continue;
    }
    const requestId = next.nextRequestId;
    next = { ...next, nextRequestId: requestId + 1 };
    out.send(brokerNode(leader), {
      type: 'Fetch',
      actor: partitionName(p),
      requestId,
      replicaId: -1,
      ...(readCommitted(c) ? { isolation: 'READ_COMMITTED' } : {}),
      brokerEpoch: -1,
      fetchOffset: pos,
      // KIP-320 (KAFKA-7747, 2.3): the leader epoch the consumer knows from metadata; -1 before.
      currentLeaderEpoch: c.config.consumerEpochValidation ? c.metadata[p]!.leaderEpoch : -1,
    } satisfies Fetch & { requestId: number });
    fetches.set(requestId, { partition: p, offset: pos });
  }
  if (needMetadata) next = { ...next, ...requestMetadata(next, undefined, out) };
  return { ...diff(c, next), fetches, fetched: [] };
}

function onFetchResponse(c: ConsumerContext, e: FetchResponse & { requestId?: number }, out: Outbox): Partial<ConsumerContext> {
  const asked = e.requestId === undefined ? undefined : c.fetches.get(e.requestId);
  if (asked === undefined) return {};
  const p = asked.partition;
  const fetches = new Map(c.fetches);
  fetches.delete(e.requestId!);
  if (e.error === 'OFFSET_OUT_OF_RANGE') {
    const positions = new Map(c.positions);
    positions.delete(p);
    out.note(`${c.name} ${partitionName(p)} position out of range: auto.offset.reset=${c.options.reset}`);
    return { fetches, positions, ...resetPosition({ ...c, positions }, p, out, e.logStartOffset ?? 0) };
  }
  // KIP-320: UNKNOWN_LEADER_EPOCH (the consumer's metadata is ahead of the broker) is retried
  // as it is (Fetcher.initializeCompletedFetch); every other error refreshes the metadata first.
  if (e.error === 'UNKNOWN_LEADER_EPOCH') return { fetches };
  if (e.error) return { fetches, ...requestMetadata(c, e, out) };
  if (e.records.length === 0) return { fetches };
  // Control records never reach the application; under read_committed neither do aborted ones (KIP-98).
  const records = visibleRecords(e.records, readCommitted(c), e.abortedTransactions).map((r) => ({
    partition: p,
    offset: r.offset,
    value: r.value.value,
    producer: r.value.producer,
    key: r.value.key,
  }));
  // The answer covers the offsets from the one asked for (Kafka's CompletedFetch.nextFetchOffset):
  // a compacted leader answers from the next record it kept when that one is gone.
  const first = Math.min(asked.offset, e.records[0]!.offset);
  const last = e.records[e.records.length - 1]!;
  return { fetches, fetched: [...c.fetched, { partition: p, first, end: last.offset + 1, records, offsetEpoch: last.leaderEpoch, leaderEpoch: e.leaderEpoch }] };
}

/** The poll returns its records to the application: the Jepsen `poll` op; positions move past them. */
function handOver(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  const positions = new Map(c.positions);
  const fetchPositions = new Map(c.fetchPositions);
  const ranges: { partition: number; from: number; to: number }[] = [];
  const records: PolledRecord[] = [];
  const value: Record<string, [number, number][]> = {};
  for (const f of c.fetched) {
    const pos = positions.get(f.partition);
    // Only owned partitions, and only answers that cover the position (a late answer is dropped).
    if (!c.owned.includes(f.partition) || pos === undefined || pos < f.first || pos >= f.end) continue;
    // The position moves past the answer, records the application does not see included.
    positions.set(f.partition, f.end);
    fetchPositions.set(f.partition, { offset: f.end, offsetEpoch: f.offsetEpoch, leaderEpoch: f.leaderEpoch });
    const fresh = f.records.filter((r) => r.offset >= pos);
    if (fresh.length === 0) continue;
    ranges.push({ partition: f.partition, from: pos, to: f.end });
    records.push(...fresh);
    value[String(f.partition)] = fresh.map((r) => [r.offset, r.value]);
  }
  const epochs = c.config.consumerEpochValidation ? { fetchPositions } : {};
  if (records.length === 0) return { fetched: [], positions, ...epochs, batch: undefined };
  out.history({ time: 0, process: c.name, type: 'invoke', f: 'poll', value: [['poll']] });
  out.history({ time: 0, process: c.name, type: 'ok', f: 'poll', value: [['poll', value]] });
  return { fetched: [], positions, ...epochs, batch: { records, ranges } };
}

function sendCommit(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  const b = c.batch ?? c.processing;
  if (!b || c.coordinator < 0 || c.generation < 0) return { commitRequest: undefined, commitResult: 'failed' };
  const [requestId, patch] = sendOffsetCommit(c, b.ranges.map((r) => ({ partition: r.partition, offset: r.to })), out);
  return { ...patch, commitRequest: requestId, commitResult: undefined };
}

/**
 * What an OffsetCommit error means to the membership. KAFKA-9823: ILLEGAL_GENERATION or
 * UNKNOWN_MEMBER_ID for a commit sent in an older generation than the member's current one
 * (it joined a new generation while the commit was in flight) only fails the commit; the
 * generation is reset, and the partitions lost, only if it is still the one the commit carried.
 */
function commitError(c: ConsumerContext, sentInThisGeneration: boolean, error: OffsetCommitResponse['error'] & {}, out: Outbox): Partial<ConsumerContext> {
  // KIP-848: a failed commit (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID) leaves the membership to the heartbeat.
  if (usesConsumerProtocol(c)) return coordinatorErrors.has(error) ? { coordinatorLost: true } : {};
  const membership = error === 'ILLEGAL_GENERATION' || error === 'UNKNOWN_MEMBER_ID';
  if (membership && !sentInThisGeneration) return {};
  return groupError(c, error, out, 'OffsetCommit');
}

function onCommitResponse(c: ConsumerContext, e: OffsetCommitResponse, out: Outbox): Partial<ConsumerContext> {
  const mine = c.commitsInGeneration;
  const sentInThisGeneration = mine.generation === c.generation && mine.requestIds.has(e.requestId);
  const requestIds = new Set(mine.requestIds);
  requestIds.delete(e.requestId);
  const commitsInGeneration = { generation: mine.generation, requestIds };
  if (e.requestId === c.revocationCommit?.requestId) {
    if (e.error) out.note(`${c.name} commit of revoked partitions failed: ${e.error}`);
    return { commitsInGeneration, revocationCommit: undefined, revoking: [] };
  }
  if (e.requestId !== c.commitRequest) {
    // An auto-commit's answer: only membership errors matter.
    return { commitsInGeneration, ...(e.error && !coordinatorErrors.has(e.error) && e.error !== 'REBALANCE_IN_PROGRESS' ? commitError(c, sentInThisGeneration, e.error, out) : {}) };
  }
  if (!e.error) return { commitsInGeneration, commitRequest: undefined, commitResult: 'ok' };
  out.note(`${c.name} commit failed: ${e.error}`);
  return { commitsInGeneration, commitRequest: undefined, commitResult: 'failed', ...commitError(c, sentInThisGeneration, e.error, out) };
}

/** before-process and the commit failed: seek back to the batch's start; nothing is processed. */
function rewind(c: ConsumerContext): Partial<ConsumerContext> {
  const positions = new Map(c.positions);
  for (const r of c.batch?.ranges ?? []) if (positions.has(r.partition)) positions.set(r.partition, r.from);
  return { positions, batch: undefined };
}

function startProcessing(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  const b = c.batch!;
  out.note(`${c.name} processing ${b.ranges.map((r) => `${partitionName(r.partition)}[${r.from},${r.to})`).join(' ')}`, {
    consumer: c.name,
    group: c.options.groupId,
    process: 'start',
    ranges: b.ranges,
  });
  return { processing: { ...b, generation: c.ownedGeneration, until: c.now() + c.options.processingMs }, batch: undefined };
}

function finishProcessing(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  const b = c.processing!;
  const now = c.now();
  for (const r of b.records) c.processed.push({ partition: r.partition, offset: r.offset, value: r.value, generation: b.generation, time: now });
  out.note(`${c.name} processed ${b.records.length} record(s)`, { consumer: c.name, group: c.options.groupId, process: 'done', ranges: b.ranges });
  const keep = c.options.commit === 'after-process' || c.options.commit === 'transactional';
  return { processing: undefined, batch: keep ? { records: b.records, ranges: b.ranges } : undefined };
}

// ---------------------------------------------------------------------------------------
// The machine

export const consumerMachine = setup({
  types: {} as {
    context: ConsumerContext;
    input: { config: ClusterConfig; now: () => number; name: string; options: ConsumerOptions; index: number };
    events: ConsumerEvent;
  },
  delays: {
    retry: ({ context }) => Math.max(1, Math.floor(context.config.requestTimeoutMs / 10)),
    heartbeatInterval: ({ context }) => context.config.heartbeatIntervalMs,
    joinTimeout: ({ context }) => context.config.rebalanceTimeoutMs + Math.floor(context.config.requestTimeoutMs / 6),
    requestTimeout: ({ context }) => Math.floor(context.config.requestTimeoutMs / 6),
    syncTimeout: ({ context }) => context.config.requestTimeoutMs,
    pollInterval: ({ context }) => context.options.pollIntervalMs,
    fetchTimeout: ({ context }) => Math.floor(context.config.requestTimeoutMs / 6),
    processingLeft: ({ context }) => Math.max(0, Math.max(context.processing?.until ?? 0, context.pausedUntil) - context.now()),
    /** Transaction RPCs (the model's choice: a third of request.timeout.ms, as they wait for a replicated write). */
    txnRequestTimeout: ({ context }) => Math.floor(context.config.requestTimeoutMs / 3),
    retryBackoff: ({ context }) => context.config.retryBackoffMs,
  },
  guards: {
    coordinatorKnown: ({ context }) => context.coordinator >= 0,
    coordinatorLost: ({ context }) => context.coordinatorLost,
    brokerDisconnected: ({ event }) => event.type === 'net.disconnected' && /^b\d+$/.test(event.peer),
    coordinatorDisconnected: ({ context, event }) => event.type === 'net.disconnected' && context.coordinator >= 0 && event.peer === coordinatorNode(context),
    fatal: ({ context }) => context.fatal !== undefined,
    // A join or sync that did not finish (timeout, coordinator error) leaves a generation without
    // an assignment: the member rejoins (AbstractCoordinator's rejoinNeeded after a failed sync).
    needsJoin: ({ context }) =>
      context.memberId === '' ||
      context.generation < 0 ||
      context.joinRequested ||
      (context.ownedGeneration !== context.generation && context.pendingAssignment?.generation !== context.generation),
    joinRequested: ({ context }) => context.joinRequested,
    answersJoin: ({ context, event }) => 'requestId' in event && event.requestId === context.joinRequest,
    joinFailed: ({ event }) => 'error' in event && event.error !== undefined,
    synced: ({ context }) => context.pendingAssignment !== undefined,
    fetchesDone: ({ context }) => context.fetches.size === 0,
    haveFetches: ({ context }) => context.fetches.size > 0,
    haveBatch: ({ context }) => context.batch !== undefined,
    beforeProcess: ({ context }) => context.options.commit === 'before-process',
    afterProcess: ({ context }) => context.options.commit === 'after-process',
    commitOk: ({ context }) => context.commitResult === 'ok',
    commitFailed: ({ context }) => context.commitResult === 'failed',
    stillPaused: ({ context }) => context.now() < context.pausedUntil,
    processingOver: ({ context }) => context.processing !== undefined && context.now() >= Math.max(context.processing.until, context.pausedUntil),
    isStatic: ({ context }) => context.options.groupInstanceId !== undefined,
    ...txnGuards(),
    ...kip848Guards(),
  },
  actions: {
    requestMetadata: react(requestMetadata),
    onMetadata: react<ConsumerContext, MetadataResponse>((c, e) => onMetadata(c, e)),
    clearCoordinatorLost: react<ConsumerContext, ConsumerEvent>(() => ({ coordinatorLost: false })),
    forgetCoordinator: react<ConsumerContext, ConsumerEvent>((c, _e, out) => {
      out.note(`${c.name} lost its coordinator (broker ${c.coordinator})`);
      return { coordinator: -1, coordinatorLost: false, heartbeatRequest: undefined };
    }),
    sendJoin: react<ConsumerContext, ConsumerEvent>((c, e, out) => ({ ...sendJoin(c, e, out), joinRequested: false, joinInProgress: true, rejoinNeeded: false })),
    joinDone: react<ConsumerContext, ConsumerEvent>(() => ({ joinInProgress: false })),
    clearCommitResult: react<ConsumerContext, ConsumerEvent>(() => ({ commitResult: undefined })),
    onJoinResponse: react(onJoinResponse),
    onSyncResponse: react(onSyncResponse),
    sendHeartbeat: react(sendHeartbeat),
    onHeartbeatResponse: react(onHeartbeatResponse),
    ackHeartbeatNow: react<ConsumerContext, ConsumerEvent>((c) => ({ lastHeartbeatAck: c.now() })),
    sendLeave: react<ConsumerContext, ConsumerEvent>((c, _e, out) => {
      // KIP-345: a static member does not send LeaveGroup on close; its session expires instead.
      if (c.memberId === '' || c.coordinator < 0 || c.options.groupInstanceId !== undefined) return { owned: [], positions: new Map() };
      const [requestId, patch] = nextId(c);
      out.send(coordinatorNode(c), { type: 'LeaveGroup', actor: groupActor(c.options.groupId), requestId, groupId: c.options.groupId, memberId: c.memberId } satisfies LeaveGroup);
      out.note(`${c.name} leaves ${c.options.groupId}`, { consumer: c.name, group: c.options.groupId, revoked: c.owned });
      return { ...patch, owned: [], positions: new Map() };
    }),
    poll: react(poll),
    onOffsetFetchResponse: react(onOffsetFetchResponse),
    onListOffsetsResponse: react(onListOffsetsResponse),
    onValidation: react(onValidation),
    onFetchResponse: react(onFetchResponse),
    // NetworkClient.handleTimedOutRequests: a request that timed out closes its connection and asks for fresh metadata.
    abandonFetches: react<ConsumerContext, ConsumerEvent>((c, e, out) => ({ fetches: new Map(), ...requestMetadata(c, e, out) })),
    // NetworkClient.handleDisconnections: a dropped connection to a broker asks for fresh metadata (is that broker dead?).
    refreshMetadata: react<ConsumerContext, ConsumerEvent>((c, e, out) => requestMetadata(c, e, out)),
    handOver: react(handOver),
    sendCommit: react(sendCommit),
    onCommitResponse: react(onCommitResponse),
    commitTimedOut: react<ConsumerContext, ConsumerEvent>(() => ({ commitRequest: undefined, commitResult: 'failed' })),
    rewind: react<ConsumerContext, ConsumerEvent>((c) => rewind(c)),
    clearBatch: react<ConsumerContext, ConsumerEvent>(() => ({ batch: undefined, commitResult: undefined })),
    startProcessing: react(startProcessing),
    finishProcessing: react(finishProcessing),
    stall: react<ConsumerContext, { type: 'Stall'; durationMs: number }>((c, e, out) => {
      out.note(`${c.name} stalls for ${e.durationMs} ms`);
      return { pausedUntil: Math.max(c.pausedUntil, c.now() + e.durationMs) };
    }),
    ...txnActions(),
    ...kip848Actions(),
    joined: react<ConsumerContext, ConsumerEvent>(() => ({ joinInProgress: false, joinRequested: false })),
  },
}).createMachine({
  id: 'consumer',
  type: 'parallel',
  context: ({ input }) => ({
    config: input.config,
    now: input.now,
    name: input.name,
    options: input.options,
    metadata: [],
    coordinator: -1,
    metadataBroker: input.index,
    memberId: '',
    generation: -1,
    leader: '',
    owned: [],
    ownedGeneration: -1,
    pendingAssignment: undefined,
    rejoinNeeded: true,
    joinRequested: false,
    joinInProgress: false,
    coordinatorLost: false,
    fatal: undefined,
    positions: new Map(),
    offsetFetchInFlight: undefined,
    listOffsetsInFlight: new Map(),
    lookupAt: 0,
    fetches: new Map(),
    fetchPositions: new Map(),
    validations: new Map(),
    fetched: [],
    batch: undefined,
    processing: undefined,
    commitRequest: undefined,
    commitsInGeneration: { generation: -1, requestIds: new Set() },
    revocationCommit: undefined,
    revoking: [],
    ackNeeded: false,
    commitResult: undefined,
    heartbeatRequest: undefined,
    lastHeartbeatAck: 0,
    lastAutoCommit: 0,
    metadataAt: input.now(),
    assignedPartitionCount: undefined,
    pausedUntil: 0,
    nextRequestId: 1,
    joinRequest: -1,
    processed: [],
    resets: [],
    txnCoordinator: -1,
    outMetadata: [],
    txn: input.options.commit === 'transactional' ? newTxnClient(input.options) : undefined,
    txns: [],
  }),
  on: {
    Stall: { actions: 'stall' },
    MetadataResponse: { actions: 'onMetadata' },
  },
  states: {
    membership: {
      initial: 'Unjoined',
      states: {
        /** Not in the group: the next poll starts a join. */
        Unjoined: {
          always: { guard: 'joinRequested', target: 'FindingCoordinator' },
          on: { Close: 'Left' },
        },
        /** FindCoordinator: the leader of the group's `__consumer_offsets` partition, from a broker's metadata. */
        FindingCoordinator: {
          entry: ['clearCoordinatorLost', 'requestMetadata'],
          after: { retry: { target: 'FindingCoordinator', reenter: true } },
          always: [
            { guard: and(['coordinatorKnown', 'consumerProtocol']), target: 'Heartbeating', actions: 'ackHeartbeatNow' },
            { guard: and(['coordinatorKnown', 'needsJoin']), target: 'PreparingRebalance' },
            { guard: 'coordinatorKnown', target: 'Stable', actions: 'ackHeartbeatNow' },
          ],
          on: { Close: 'Left' },
        },
        /** JoinGroup in flight (the Java client's PREPARING_REBALANCE). */
        PreparingRebalance: {
          entry: 'sendJoin',
          after: { joinTimeout: { target: 'FindingCoordinator', actions: 'forgetCoordinator' } },
          on: {
            JoinGroupResponse: [
              { guard: and(['answersJoin', not('joinFailed')]), target: 'CompletingRebalance', actions: 'onJoinResponse' },
              { guard: 'answersJoin', target: 'Rejoining', actions: 'onJoinResponse' },
            ],
            Close: { target: 'Left', actions: 'sendLeave' },
            'net.disconnected': { guard: 'coordinatorDisconnected', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
          },
        },
        /** SyncGroup in flight (COMPLETING_REBALANCE). */
        CompletingRebalance: {
          after: { syncTimeout: { target: 'FindingCoordinator', actions: 'forgetCoordinator' } },
          on: {
            SyncGroupResponse: [
              { guard: and(['answersJoin', not('joinFailed')]), target: 'Stable', actions: 'onSyncResponse' },
              { guard: 'answersJoin', target: 'Rejoining', actions: 'onSyncResponse' },
            ],
            Close: { target: 'Left', actions: 'sendLeave' },
            'net.disconnected': { guard: 'coordinatorDisconnected', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
          },
        },
        /** A join or sync failed: decide where to go from the error. */
        Rejoining: {
          always: [
            { guard: 'fatal', target: 'Fatal' },
            { guard: 'coordinatorLost', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
            { target: 'PreparingRebalance' },
          ],
        },
        /**
         * In the group: heartbeating. A needed rejoin waits for the application's next poll. The
         * coordinator is found again on NOT_COORDINATOR (or another coordinator error), on a whole
         * session without an answer, or when the connection to it drops
         * (AbstractCoordinator.CoordinatorResponseHandler.onFailure: DisconnectException ->
         * markCoordinatorUnknown); the member then heartbeats the new coordinator in the same
         * generation, which loaded the group with its members (no rejoin).
         */
        Stable: {
          entry: ['joinDone', 'sendHeartbeat'],
          after: { heartbeatInterval: { target: 'Stable', reenter: true } },
          always: [
            { guard: 'fatal', target: 'Fatal' },
            { guard: 'coordinatorLost', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
            { guard: 'joinRequested', target: 'PreparingRebalance' },
          ],
          on: {
            HeartbeatResponse: { actions: 'onHeartbeatResponse' },
            Close: { target: 'Left', actions: 'sendLeave' },
            'net.disconnected': { guard: 'coordinatorDisconnected', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
          },
        },
        /**
         * KIP-848 (group.protocol=consumer): in the group by heartbeating alone
         * (ConsumerMembershipManager: JOINING, RECONCILING, ACKNOWLEDGING and STABLE are all
         * this loop; consumer-kip848.ts). An applied assignment is acknowledged at once.
         */
        Heartbeating: {
          entry: ['joined', 'sendConsumerGroupHeartbeat'],
          after: { heartbeatInterval: { target: 'Heartbeating', reenter: true } },
          always: [
            { guard: 'fatal', target: 'Fatal' },
            { guard: 'coordinatorLost', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
            { guard: 'ackDue', target: 'Heartbeating', reenter: true },
          ],
          on: {
            ConsumerGroupHeartbeatResponse: { actions: 'onConsumerGroupHeartbeatResponse' },
            Close: { target: 'Left', actions: 'sendConsumerGroupLeave' },
            'net.disconnected': { guard: 'coordinatorDisconnected', target: 'FindingCoordinator', actions: 'forgetCoordinator' },
          },
        },
        /** FENCED_INSTANCE_ID (KIP-345): another instance took this group.instance.id over. */
        Fatal: { type: 'final' },
        /** Closed. */
        Left: { type: 'final' },
      },
    },
    app: {
      initial: 'Idle',
      on: {
        OffsetFetchResponse: { actions: 'onOffsetFetchResponse' },
        ListOffsetsResponse: { actions: 'onListOffsetsResponse' },
        OffsetsForLeaderEpochResponse: { actions: 'onValidation' },
        OffsetCommitResponse: { actions: 'onCommitResponse' },
        'net.disconnected': { guard: 'brokerDisconnected', actions: 'refreshMetadata' },
        Close: '.Closed',
      },
      states: {
        /** Between polls. */
        Idle: {
          after: { pollInterval: { target: 'Idle', reenter: true, actions: 'poll' } },
          always: [
            { guard: 'needsProducerId', target: 'InitializingProducer' },
            { guard: 'haveFetches', target: 'Fetching' },
          ],
        },
        /** Fetch requests out to the partitions' leaders. */
        Fetching: {
          after: { fetchTimeout: { target: 'Handing', actions: 'abandonFetches' } },
          on: { FetchResponse: { actions: 'onFetchResponse' } },
          always: { guard: 'fetchesDone', target: 'Handing' },
        },
        Handing: {
          entry: 'handOver',
          always: [
            { guard: and(['haveBatch', 'beforeProcess']), target: 'CommittingBeforeProcessing' },
            { guard: 'haveBatch', target: 'Processing' },
            { target: 'Idle' },
          ],
        },
        /** at-most-once: the batch's offsets are committed before it is processed. */
        CommittingBeforeProcessing: {
          entry: 'sendCommit',
          after: { requestTimeout: { target: 'Idle', actions: ['commitTimedOut', 'rewind'] } },
          always: [
            { guard: 'commitOk', target: 'Processing', actions: 'clearCommitResult' },
            { guard: 'commitFailed', target: 'Idle', actions: 'rewind' },
          ],
        },
        /** The application processes the batch (an explicit, timed step). */
        Processing: {
          entry: 'startProcessing',
          initial: 'Working',
          states: {
            /** Re-entered while a stall (a pause) holds the application up. */
            Working: {
              after: { processingLeft: [{ guard: 'processingOver', target: '#consumer.app.Processed' }, { target: 'Working', reenter: true }] },
            },
          },
        },
        Processed: {
          entry: 'finishProcessing',
          always: [{ guard: 'afterProcess', target: 'CommittingAfterProcessing' }, { guard: 'transactional', target: 'Transaction' }, { target: 'Idle' }],
        },
        /** at-least-once: the batch's offsets are committed after it was processed. */
        CommittingAfterProcessing: {
          entry: 'sendCommit',
          after: { requestTimeout: { target: 'Idle', actions: ['commitTimedOut', 'clearBatch'] } },
          always: [{ guard: 'commitOk', target: 'Idle', actions: 'clearBatch' }, { guard: 'commitFailed', target: 'Idle', actions: 'clearBatch' }],
        },
        /** commit 'transactional': initTransactions() (InitProducerId), before the first poll and after an abort. */
        InitializingProducer: {
          on: { 'net.disconnected': { actions: 'onTxnDisconnected' } },
          ...txnStep('sendInitProducerId', { InitProducerIdResponse: { actions: 'onInitProducerIdResponse' } }, '#consumer.app.Idle'),
        },
        /**
         * commit 'transactional': the processed batch's outputs and input offsets in one
         * transaction (KIP-98, KIP-447). No poll runs meanwhile, so no rebalance revokes its partitions.
         */
        Transaction: {
          entry: 'beginTxn',
          initial: 'AddingPartitions',
          on: { 'net.disconnected': { actions: 'onTxnDisconnected' } },
          states: {
            AddingPartitions: txnStep('sendAddPartitions', { AddPartitionsToTxnResponse: { actions: 'onAddResponse' } }, '#consumer.app.Transaction.Producing'),
            /** Every output sent (acks=all) and acknowledged; retried with its sequence. */
            Producing: {
              entry: 'dispatchProduces',
              after: { retryBackoff: { target: 'Producing', reenter: true } },
              on: { ProduceResponse: { actions: 'onTxnProduceResponse' } },
              always: [
                { guard: 'txnAbort', target: '#consumer.app.Aborting' },
                { guard: 'outputsAcked', target: 'AddingOffsets' },
              ],
            },
            AddingOffsets: txnStep('sendAddOffsets', { AddOffsetsToTxnResponse: { actions: 'onAddResponse' } }, '#consumer.app.Transaction.CommittingOffsets'),
            CommittingOffsets: txnStep('sendTxnOffsetCommit', { TxnOffsetCommitResponse: { actions: 'onTxnOffsetCommitResponse' } }, '#consumer.app.Transaction.Ending'),
            Ending: txnStep('sendEndTxn', { EndTxnResponse: { actions: 'onEndTxnResponse' } }, '#consumer.app.Idle'),
          },
        },
        /** abortTransaction(): EndTxn(abort) unless fenced; InitProducerId follows whatever happens. */
        Aborting: {
          entry: 'sendAbortTxn',
          after: { txnRequestTimeout: 'Rewinding' },
          on: { EndTxnResponse: { actions: 'onAbortResponse' } },
          always: { guard: 'txnOk', target: 'Rewinding' },
        },
        /** Seek back to the group's committed offsets (the next poll's OffsetFetch). */
        Rewinding: {
          entry: 'rewindAfterAbort',
          always: 'InitializingProducer',
        },
        Closed: { type: 'final' },
      },
    },
  },
});

/**
 * One transaction RPC as two states: `Sending` (the request out; the answer says go on, retry or
 * abort) and `Backoff` (retry.backoff.ms, unless the transaction outlived delivery.timeout.ms).
 */
function txnStep<const S extends string, const On extends object, const N extends string>(send: S, on: On, next: N) {
  return {
    initial: 'Sending',
    states: {
      Sending: {
        entry: send,
        after: { txnRequestTimeout: { target: 'Backoff', actions: 'txnRequestTimedOut' } },
        on,
        always: [
          { guard: 'txnOk', target: next },
          { guard: 'txnAbort', target: '#consumer.app.Aborting' },
          { guard: 'txnRetry', target: 'Backoff' },
        ],
      },
      Backoff: {
        after: { retryBackoff: [{ guard: 'txnExpired', target: '#consumer.app.Aborting', actions: 'abortExpiredTxn' }, { target: 'Sending' }] },
      },
    },
  } as const;
}
