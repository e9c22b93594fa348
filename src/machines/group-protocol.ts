/**
 * The classic consumer-group protocol's messages (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch), named after Kafka's RPCs, and the error codes the coordinator
 * answers with. Group requests name the group's coordinator actor in `actor`.
 */

export type GroupErrorCode =
  /** The broker does not coordinate this group (any more): find the coordinator again. */
  | 'NOT_COORDINATOR'
  /** The group's coordinator is unloading it, or its offsets write could not be replicated. */
  | 'COORDINATOR_NOT_AVAILABLE'
  /** The coordinator is still reading `__consumer_offsets` after becoming leader of it. */
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  /** The member's generation is not the group's (a zombie from an older generation). */
  | 'ILLEGAL_GENERATION'
  /** The coordinator does not know this member id (it timed out, left, or the coordinator moved). */
  | 'UNKNOWN_MEMBER_ID'
  /** The group is rebalancing: rejoin. */
  | 'REBALANCE_IN_PROGRESS'
  /** KIP-345: another member took over this group.instance.id. */
  | 'FENCED_INSTANCE_ID'
  /**
   * KIP-447 (require_stable): OffsetFetch for a partition with a transactional offset commit
   * that is not decided yet (no COMMIT/ABORT marker): retry, so that a new owner never starts
   * from an offset the pending transaction is about to move.
   */
  | 'UNSTABLE_OFFSET_COMMIT'
  /** KIP-848: a ConsumerGroupHeartbeat whose member epoch the coordinator does not accept: give up the partitions, rejoin with epoch 0. */
  | 'FENCED_MEMBER_EPOCH'
  /** KIP-848: an OffsetCommit whose member epoch is not the member's current one (the commit fails; the membership stands). */
  | 'STALE_MEMBER_EPOCH'
  | 'REQUEST_TIMED_OUT';

/** The actor that coordinates group `g` on every broker node. */
export const groupActor = (groupId: string) => `group-${groupId}`;

/** What a member tells the coordinator in JoinGroup (ConsumerProtocolSubscription). */
export interface Subscription {
  readonly topics: readonly string[];
  /** KIP-429: the partitions the member owns now (cooperative); always [] for eager members. */
  readonly ownedPartitions: readonly number[];
  /** The generation `ownedPartitions` was assigned in (KIP-341 / KIP-429), -1 if none. */
  readonly generation: number;
}

interface GroupRequest {
  readonly actor: string;
  readonly requestId: number;
  readonly groupId: string;
}

export interface JoinGroup extends GroupRequest {
  type: 'JoinGroup';
  /** '' for a new member (the coordinator assigns one). */
  memberId: string;
  /** KIP-345 static membership: group.instance.id. */
  groupInstanceId?: string;
  sessionTimeoutMs: number;
  /** KIP-62: how long the coordinator waits for members to rejoin (max.poll.interval.ms). */
  rebalanceTimeoutMs: number;
  /** The assignor: `range` (eager) or `cooperative-sticky` (KIP-429). */
  protocol: string;
  subscription: Subscription;
}
export interface JoinGroupResponse {
  type: 'JoinGroupResponse';
  requestId: number;
  error?: GroupErrorCode;
  generationId: number;
  memberId: string;
  leader: string;
  protocol: string;
  /** Only for the leader: every member's subscription, for the assignor. */
  members: readonly { memberId: string; groupInstanceId?: string; subscription: Subscription }[];
}
export interface SyncGroup extends GroupRequest {
  type: 'SyncGroup';
  memberId: string;
  groupInstanceId?: string;
  generationId: number;
  /** Only from the leader. */
  assignments: readonly { memberId: string; partitions: readonly number[] }[];
}
export interface SyncGroupResponse { type: 'SyncGroupResponse'; requestId: number; error?: GroupErrorCode; assignment: readonly number[] }
export interface Heartbeat extends GroupRequest { type: 'Heartbeat'; memberId: string; groupInstanceId?: string; generationId: number }
export interface HeartbeatResponse { type: 'HeartbeatResponse'; requestId: number; error?: GroupErrorCode }
export interface LeaveGroup extends GroupRequest { type: 'LeaveGroup'; memberId: string }
export interface LeaveGroupResponse { type: 'LeaveGroupResponse'; requestId: number; error?: GroupErrorCode }
export interface OffsetCommit extends GroupRequest {
  type: 'OffsetCommit';
  /** '' and generation -1: a commit outside group management (manual assignment). */
  memberId: string;
  groupInstanceId?: string;
  generationId: number;
  offsets: readonly { partition: number; offset: number }[];
}
export interface OffsetCommitResponse { type: 'OffsetCommitResponse'; requestId: number; error?: GroupErrorCode }
export interface OffsetFetch extends GroupRequest { type: 'OffsetFetch'; partitions: readonly number[] }
export interface OffsetFetchResponse {
  type: 'OffsetFetchResponse';
  requestId: number;
  error?: GroupErrorCode;
  /** -1: no committed offset. */
  offsets: readonly { partition: number; offset: number }[];
}

export type GroupRequestEvent = JoinGroup | SyncGroup | Heartbeat | LeaveGroup | OffsetCommit | OffsetFetch;
export type GroupResponseEvent =
  | JoinGroupResponse
  | SyncGroupResponse
  | HeartbeatResponse
  | LeaveGroupResponse
  | OffsetCommitResponse
  | OffsetFetchResponse;

/**
 * The group metadata record's value (Kafka's GroupMetadataValue, written by
 * GroupMetadataManager.storeGroup; core/src/main/scala/kafka/coordinator/group/GroupMetadataManager.scala,
 * groupMetadataValue / readGroupMessageValue, since 0.9): the generation, the selected protocol, the
 * leader and every member with its subscription and assignment, so that a coordinator that loads
 * the partition restores the group Stable with its members (Empty when it has none). Kafka's
 * clientId and clientHost are the model's `client` (the consumer's node, which answers go to).
 */
export interface GroupMetadataValue {
  readonly generation: number;
  readonly protocol: string | undefined;
  readonly leader: string | undefined;
  readonly members: readonly GroupMemberValue[];
}
export interface GroupMemberValue {
  readonly memberId: string;
  /** KIP-345 (GroupMetadataValue v3, 2.3): group.instance.id. */
  readonly groupInstanceId?: string;
  readonly client: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocol: string;
  readonly subscription: Subscription;
  readonly assignment: readonly number[];
}

/** `__consumer_offsets` record keys: an offset commit (OffsetCommitKey) and group metadata (GroupMetadataKey). */
export const offsetKey = (groupId: string, partition: number) => `offset/${groupId}/${partition}`;
export const groupKey = (groupId: string) => `group/${groupId}`;
/**
 * The key of the transaction markers (control records, KIP-98) a group's coordinator writes to
 * `__consumer_offsets` when a transaction with offsets for the group ends. In Kafka a control
 * record's key is the marker type; the model names the group so that the log reads plainly.
 */
export const txnMarkerKey = (groupId: string) => `txn-marker/${groupId}`;

/** An offset commit the coordinator wrote (for the `stale-commit-fenced` invariant). */
export interface AcceptedCommit {
  readonly time: number;
  readonly memberId: string;
  readonly generation: number;
  /** The group's generation when the commit was validated. */
  readonly groupGeneration: number;
  readonly groupState: string;
  readonly knownMember: boolean;
  readonly offsets: readonly { partition: number; offset: number }[];
  /** The offsets the group had before, per partition (-1: none). */
  readonly previous: readonly number[];
  /**
   * Set for a TxnOffsetCommit (KIP-98, KIP-447): validated (the fields above) and replicated,
   * but pending: its offsets become the group's only with its producer's COMMIT marker
   * ({@link TxnDecision}), so the invariant judges it then.
   */
  readonly txn?: { readonly producerId: number; readonly producerEpoch: number };
  /**
   * KIP-848: written by the consumer protocol's coordinator, whose commits carry member epochs:
   * `generation` is the commit's epoch and `groupGeneration` the member's epoch (the group
   * epoch for an unknown member).
   */
  readonly memberEpochs?: true;
}

