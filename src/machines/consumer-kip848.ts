/**
 * The consumer's membership under KIP-848 (group.protocol=consumer): the Java client's
 * ConsumerMembershipManager / AbstractMembershipManager (clients/.../consumer/internals), as
 * actions and guards of the consumer machine's `Heartbeating` state (consumer.ts wires them).
 *
 * The member heartbeats the coordinator every heartbeat interval (ConsumerGroupHeartbeat) with
 * its member epoch (0 to join) and the partitions it owns. An answer carries its epoch and
 * assignment; the assignment is applied at the application's next poll (the rebalance callbacks
 * run in the application thread, as AsyncKafkaConsumer runs them), revoked partitions committed
 * first (synchronously), and the member then acknowledges by heartbeating at once with what it
 * owns now (MemberState RECONCILING -> ACKNOWLEDGING). While the revocation commit is in flight
 * it still reports the revoked partitions as owned: the coordinator gives them to another member
 * only after the acknowledgement.
 *
 * FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID: the member gives its partitions up without
 * committing (onPartitionsLost) and rejoins with epoch 0, keeping its member id
 * (AbstractMembershipManager.transitionToFenced). UNRELEASED_INSTANCE_ID is fatal
 * (ConsumerHeartbeatRequestManager.handleSpecificError -> handleFatalFailure). A commit answered
 * STALE_MEMBER_EPOCH fails (CommitRequestManager completes it exceptionally).
 * KIP-848: https://cwiki.apache.org/confluence/display/KAFKA/KIP-848%3A+The+Next+Generation+of+the+Consumer+Rebalance+Protocol
 */
import type { ConsumerContext } from './consumer.js';
import { coordinatorNode, nextId } from './consumer.js';
import {
  JOIN_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  type ConsumerGroupHeartbeat,
  type ConsumerGroupHeartbeatResponse,
} from './consumer-group-protocol.js';
import { react, type Outbox } from './effects.js';
import { groupActor, type GroupErrorCode } from './group-protocol.js';
import { DATA_TOPIC } from './protocol.js';

type Args = { context: ConsumerContext };

const coordinatorErrors: ReadonlySet<string> = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'REQUEST_TIMED_OUT']);

export const usesConsumerProtocol = (c: ConsumerContext) => c.config.groupProtocol === 'consumer';

/** The client generates its member id (KIP-1082, Kafka 4.0): one per incarnation, kept across fencing. */
const memberIdOf = (c: ConsumerContext) => (c.memberId !== '' ? c.memberId : `${c.name}@${c.now()}`);

function sendHeartbeat(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  if (c.now() < c.pausedUntil) return {};
  // No answer for a whole session: the coordinator is taken to be gone, as the classic member does.
  if (c.now() - c.lastHeartbeatAck > c.config.sessionTimeoutMs) return { coordinatorLost: true };
  const [requestId, patch] = nextId(c);
  const memberId = memberIdOf(c);
  out.send(coordinatorNode(c), {
    type: 'ConsumerGroupHeartbeat',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    memberId,
    memberEpoch: c.generation < 0 ? JOIN_GROUP_MEMBER_EPOCH : c.generation,
    ...(c.options.groupInstanceId === undefined ? {} : { instanceId: c.options.groupInstanceId }),
    rebalanceTimeoutMs: c.config.rebalanceTimeoutMs,
    subscribedTopicNames: [DATA_TOPIC],
    // Partitions whose revocation commit is still in flight are still owned (not acknowledged yet).
    ownedPartitions: [...c.owned, ...c.revoking].sort((a, b) => a - b),
  } satisfies ConsumerGroupHeartbeat);
  return { ...patch, memberId, heartbeatRequest: requestId, ackNeeded: false };
}

const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((p) => b.includes(p));

function onHeartbeatResponse(c: ConsumerContext, e: ConsumerGroupHeartbeatResponse, out: Outbox): Partial<ConsumerContext> {
  if (e.requestId !== c.heartbeatRequest) return {};
  const patch = { heartbeatRequest: undefined, lastHeartbeatAck: c.now() };
  if (e.error) return { ...patch, ...heartbeatError(c, e.error, out) };
  const epoch = e.memberEpoch;
  const pending = c.pendingAssignment;
  const partitions = e.assignment ?? pending?.partitions ?? c.owned;
  const news = pending ? pending.generation !== epoch || !sameSet(pending.partitions, partitions) : c.ownedGeneration !== epoch || !sameSet(c.owned, partitions);
  if (!news) return { ...patch, generation: epoch };
  out.note(`${c.name} heartbeat: epoch ${epoch}, assignment [${partitions.join(',')}]`);
  return { ...patch, generation: epoch, pendingAssignment: { generation: epoch, partitions } };
}

function heartbeatError(c: ConsumerContext, error: GroupErrorCode | 'UNRELEASED_INSTANCE_ID', out: Outbox): Partial<ConsumerContext> {
  if (coordinatorErrors.has(error)) return { coordinatorLost: true };
  if (error === 'UNRELEASED_INSTANCE_ID') {
    out.note(`${c.name} fatal: UNRELEASED_INSTANCE_ID`);
    return { fatal: error };
  }
  // FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID: onPartitionsLost, then rejoin with epoch 0.
  if (c.owned.length > 0) out.note(`${c.name} lost [${c.owned.join(',')}] (${error} on ConsumerGroupHeartbeat)`, { consumer: c.name, group: c.options.groupId, revoked: c.owned });
  else out.note(`${c.name} ${error} on ConsumerGroupHeartbeat: rejoins with epoch 0`);
  return { owned: [], ownedGeneration: -1, positions: new Map(), pendingAssignment: undefined, revoking: [], generation: JOIN_GROUP_MEMBER_EPOCH, ackNeeded: true };
}

/** close(): leave with epoch -1, or -2 for a static member (it keeps its assignment until its session expires). */
function sendLeave(c: ConsumerContext, _e: unknown, out: Outbox): Partial<ConsumerContext> {
  if (c.memberId === '' || c.coordinator < 0) return { owned: [], positions: new Map() };
  const [requestId, patch] = nextId(c);
  const epoch = c.options.groupInstanceId === undefined ? LEAVE_GROUP_MEMBER_EPOCH : LEAVE_GROUP_STATIC_MEMBER_EPOCH;
  out.send(coordinatorNode(c), {
    type: 'ConsumerGroupHeartbeat',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    memberId: c.memberId,
    memberEpoch: epoch,
    ...(c.options.groupInstanceId === undefined ? {} : { instanceId: c.options.groupInstanceId }),
    rebalanceTimeoutMs: c.config.rebalanceTimeoutMs,
    subscribedTopicNames: [DATA_TOPIC],
    ownedPartitions: [],
  } satisfies ConsumerGroupHeartbeat);
  out.note(`${c.name} leaves ${c.options.groupId} (epoch ${epoch})`, { consumer: c.name, group: c.options.groupId, revoked: c.owned });
  return { ...patch, owned: [], positions: new Map() };
}

export function kip848Guards() {
  return {
    consumerProtocol: ({ context }: Args) => usesConsumerProtocol(context),
    /** ACKNOWLEDGING: the member applied an assignment (and its revocation commit is done): heartbeat now. */
    ackDue: ({ context }: Args) => context.ackNeeded && context.heartbeatRequest === undefined && context.revocationCommit === undefined,
  };
}

export function kip848Actions() {
  return {
    sendConsumerGroupHeartbeat: react(sendHeartbeat),
    onConsumerGroupHeartbeatResponse: react(onHeartbeatResponse),
    sendConsumerGroupLeave: react(sendLeave),
  };
}
