/**
 * The messages the model's nodes exchange, named after Kafka's RPCs. Each is an XState event;
 * the World adds `from`. Replica-addressed messages name the replica actor in `actor`
 * (the partition's name, e.g. `t-0`).
 */
import type { LogRecord } from '../log/index.js';
import type { GroupMetadataValue } from './group-protocol.js';
import type { ConsumerGroupValue } from './consumer-group-protocol.js';
import type { TxnLogEntry } from './txn-protocol.js';

export type BrokerId = number;

/** Every delivered message carries its sender (the World adds it). */
export type From = { from: string };

/** ZooKeeper mode's controller node (KRaft's controller nodes are `controller1`, ...: raft-protocol.ts). */
export const CONTROLLER = 'controller';
export const brokerNode = (id: BrokerId) => `b${id}`;
/** A broker process's own actor (the node's first, which takes messages that name none). */
export const BROKER_ACTOR = 'main';
export const brokerIdOf = (node: string): BrokerId => Number(node.slice(1));
/** The topic producers write and consumers read. */
export const DATA_TOPIC = 't';
/** Kafka's internal topic for committed offsets and group metadata (Kafka-based offset storage, 0.8.2, KAFKA-1012). */
export const OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka's topic names (Topic.validate): letters, digits, '.', '_' and '-', 1 to 249 of them, and neither '.' nor '..'. */
export const TOPIC_NAME = /^(?!\.\.?$)[a-zA-Z0-9._-]{1,249}$/;
/** A partition's name, which is also the name of its replica actors: `t-0`, `__consumer_offsets-0`. */
export const partitionName = (p: number, topic: string = DATA_TOPIC) => `${topic}-${p}`;
/** The topic of a partition state: absent means the data topic, so older traces stay byte-identical. */
export const topicOf = (s: { readonly topic?: string | undefined }) => s.topic ?? DATA_TOPIC;
export const nameOf = (s: { readonly partition: number; readonly topic?: string | undefined }) => partitionName(s.partition, topicOf(s));

/** A partition as the controller's metadata records it (KRaft's PartitionRecord). */
export interface PartitionState {
  /** Absent for the data topic `t`. */
  readonly topic?: string;
  /**
   * The topic's id (KIP-516), for topics created while the run goes (CreateTopics): the model
   * numbers them 1, 2, ... in creation order, so a topic created again under a deleted one's name
   * is told from it. Absent (0) for the topics the cluster starts with.
   */
  readonly topicId?: number;
  readonly partition: number;
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  /** -1: no leader (OfflinePartition). */
  readonly leader: BrokerId;
  readonly leaderEpoch: number;
  /** Bumped on every change to the partition (KIP-497 partition epoch). */
  readonly partitionEpoch: number;
  /** KIP-704: set after an unclean election until the leader reports RECOVERED (absent: RECOVERED). */
  readonly leaderRecoveryState?: 'RECOVERING';
}

/** What a record's value is in the model: who produced it, and a value unique per producer. */
export interface ProducedValue {
  readonly producer: string;
  readonly key: string;
  readonly value: number;
  /**
   * KIP-98's batch header fields, set by an idempotent or transactional producer (absent for a
   * plain producer, so its records stay as they were): the producer id, its epoch and the
   * record's sequence number in this partition (one record per batch in the model).
   */
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly sequence?: number;
  /** The record belongs to a transaction (the batch's isTransactional flag). */
  readonly transactional?: boolean;
  /**
   * The model's tag of the transaction the record was sent in (the client's transaction
   * number); lets the properties group a transaction's records across partitions. Not in Kafka.
   */
  readonly txnSeq?: number;
  /** A control record: the transaction marker (EndTransactionMarker) for `producerId`. */
  readonly control?: 'COMMIT' | 'ABORT';
  /** The transaction coordinator's log entry (`__transaction_state` records). */
  readonly txn?: TxnLogEntry;
  /** A group's metadata record in `__consumer_offsets` (its `value` is the generation). */
  readonly group?: GroupMetadataValue;
  /** A KIP-848 consumer group's record (its `value` is the group epoch). */
  readonly consumerGroup?: ConsumerGroupValue;
  /**
   * A consume-transform-produce output record: the input record it was made from (the input's
   * producer and value are `producer` and `value`); here which partition and offset it was read at.
   */
  readonly source?: { readonly partition: number; readonly offset: number };
}

export type Record = LogRecord<ProducedValue>;

export type ErrorCode =
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'NOT_ENOUGH_REPLICAS'
  | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND'
  | 'REQUEST_TIMED_OUT'
  | 'FENCED_LEADER_EPOCH'
  | 'UNKNOWN_LEADER_EPOCH'
  | 'OFFSET_OUT_OF_RANGE'
  | 'STALE_BROKER_EPOCH'
  | 'INVALID_UPDATE_VERSION'
  | 'INELIGIBLE_REPLICA'
  /** KIP-704: an AlterPartition that would keep RECOVERING with a larger ISR, or go back to it. */
  | 'INVALID_REQUEST'
  | 'DUPLICATE_BROKER_REGISTRATION'
  /** KRaft: the node asked is not the active controller (it may name the one it knows in `leaderHint`). */
  | 'NOT_CONTROLLER'
  | 'NETWORK_EXCEPTION'
  // Idempotence and transactions (KIP-98)
  /** A sequence number that does not follow the producer's last one in this partition. */
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  /** The leader has no state for this producer id and the sequence is not 0. */
  | 'UNKNOWN_PRODUCER_ID'
  /** The request's producer epoch is older than the partition's for this producer id. */
  | 'INVALID_PRODUCER_EPOCH'
  /** A newer epoch of this transactional producer has written here (zombie fencing). */
  | 'PRODUCER_FENCED'
  /** A plain write from a producer whose transaction is open in this partition. */
  | 'INVALID_TXN_STATE'
  // Topic administration
  /** CreatePartitions: the new count is not above the current one (partitions are never removed). */
  | 'INVALID_PARTITIONS'
  /** CreatePartitions, CreateTopics: fewer unfenced brokers than the replication factor, or one below 1. */
  | 'INVALID_REPLICATION_FACTOR'
  /** CreateTopics: the name is taken. */
  | 'TOPIC_ALREADY_EXISTS'
  /** DeleteTopics: no such topic. */
  | 'UNKNOWN_TOPIC_OR_PARTITION';

// Broker <-> controller (KRaft: KIP-500, KIP-631)
export interface BrokerRegistration {
  type: 'BrokerRegistration';
  brokerId: BrokerId;
  incarnation: number;
  /**
   * KIP-966: the broker epoch of the registration that shut down cleanly just before this start
   * (read from the clean-shutdown marker); absent after an unclean shutdown (Kafka sends -1).
   */
  previousBrokerEpoch?: number;
}
export interface BrokerRegistrationResponse {
  type: 'BrokerRegistrationResponse';
  brokerEpoch: number;
  /** DUPLICATE_BROKER_REGISTRATION: the broker id's previous registration still has a valid session. */
  error?: ErrorCode;
  /** With NOT_CONTROLLER: the controller node the answering one takes for the active controller. */
  leaderHint?: string;
}
// Admin client -> controller (KRaft: CreatePartitions is forwarded to the active controller, KIP-590)
export interface CreatePartitions {
  type: 'CreatePartitions';
  requestId: number;
  /** Absent: the data topic. */
  topic?: string;
  /** The topic's new partition count (CreatePartitionsTopic.count): it only grows. */
  totalCount: number;
}
export interface CreatePartitionsResponse {
  type: 'CreatePartitionsResponse';
  requestId: number;
  error?: ErrorCode;
  /** With NOT_CONTROLLER: the controller node the answering one takes for the active controller. */
  leaderHint?: string;
}
/**
 * CreateTopics (KIP-4; ReplicationControlManager.createTopic in KRaft, forwarded to the active
 * controller by KIP-590): a topic of `partitions` partitions, each on `replicationFactor` brokers
 * (-1: the cluster's default.replication.factor, KIP-464).
 */
export interface CreateTopics {
  type: 'CreateTopics';
  requestId: number;
  topic: string;
  /** -1: Kafka's num.partitions default (1). */
  partitions: number;
  replicationFactor: number;
}
export interface CreateTopicsResponse {
  type: 'CreateTopicsResponse';
  requestId: number;
  error?: ErrorCode;
  /** On success: the partition count and replication factor used (the defaults when -1 was asked). */
  partitions?: number;
  replicationFactor?: number;
  /** With NOT_CONTROLLER: the controller node the answering one takes for the active controller. */
  leaderHint?: string;
}
/** DeleteTopics (ReplicationControlManager.deleteTopic: a RemoveTopicRecord). */
export interface DeleteTopics {
  type: 'DeleteTopics';
  requestId: number;
  topic: string;
}
export interface DeleteTopicsResponse {
  type: 'DeleteTopicsResponse';
  requestId: number;
  error?: ErrorCode;
  leaderHint?: string;
}
export interface BrokerHeartbeat {
  type: 'BrokerHeartbeat';
  brokerId: BrokerId;
  brokerEpoch: number;
  /** Controlled shutdown (BrokerHeartbeatRequest.WantShutDown): move my leaderships away. */
  wantShutDown?: boolean;
}
export interface BrokerHeartbeatResponse {
  type: 'BrokerHeartbeatResponse';
  fenced: boolean;
  error?: ErrorCode;
  partitions: readonly PartitionState[];
  /** The broker in controlled shutdown leads nothing any more: it may exit. */
  shouldShutDown?: boolean;
  /** Topics deleted (DeleteTopics), when any: see MetadataUpdate.deletedTopics. */
  deletedTopics?: readonly DeletedTopic[];
  /** With NOT_CONTROLLER: the controller node the answering one takes for the active controller. */
  leaderHint?: string;
}
/** The controller pushes every metadata change (in KRaft, brokers fetch the metadata log). */
export interface MetadataUpdate {
  type: 'MetadataUpdate';
  /** Set when a broker forwards its metadata cache to a local actor (a transaction coordinator). */
  actor?: string;
  partitions: readonly PartitionState[];
  /**
   * The topics deleted (DeleteTopics), by name and topic id, when there are any (absent
   * otherwise, so runs that delete nothing trace as before). A broker drops their partitions from
   * its cache and stops and deletes their replicas (KRaft: the RemoveTopicRecord in the metadata
   * delta, ReplicaManager.applyDelta; ZooKeeper mode: StopReplica with delete=true). Kept as a
   * list of tombstones so that a late update still naming the topic does not bring it back.
   */
  deletedTopics?: readonly DeletedTopic[];
}

/** A deleted topic: its name and id (absent: 0, a topic the cluster started with). */
export interface DeletedTopic {
  readonly topic: string;
  readonly topicId?: number;
}

/** The topic id of a partition state (0: a topic the cluster started with). */
export const topicIdOf = (s: { readonly topicId?: number | undefined }) => s.topicId ?? 0;

/** Whether a partition state belongs to a deleted topic: one of its name, of that id or older. */
export const isDeleted = (deleted: readonly DeletedTopic[], s: { readonly topic?: string | undefined; readonly topicId?: number | undefined }) =>
  deleted.some((d) => d.topic === topicOf(s) && topicIdOf(s) <= topicIdOf(d));
export interface AlterPartition {
  type: 'AlterPartition';
  actor?: undefined;
  /** Absent for the data topic. */
  topic?: string;
  partition: number;
  leaderId: BrokerId;
  brokerEpoch: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** KIP-903: each member with the broker epoch the leader saw in its fetches. */
  newIsr: readonly { brokerId: BrokerId; brokerEpoch: number }[];
  /** KIP-704: the leader's recovery state (sent from 3.2; absent before). */
  leaderRecoveryState?: 'RECOVERED' | 'RECOVERING';
}
export interface AlterPartitionResponse { type: 'AlterPartitionResponse'; actor: string; partition: number; error?: ErrorCode; state?: PartitionState }

// Broker -> its own replicas (local)
export interface BecomeReplica { type: 'PartitionChange'; actor: string; state: PartitionState; brokerEpoch: number }

// Replica <-> replica
export interface Fetch {
  type: 'Fetch';
  actor: string;
  /** A broker id for a follower; -1 for a consumer (Kafka's CONSUMER_REPLICA_ID), which reads below the HW only. */
  replicaId: BrokerId;
  /** Consumer fetches: the actor on the consumer's node the answer is for (its primary when absent). */
  replyTo?: string;
  /**
   * Consumer fetches: absent for read_uncommitted (to the HW); 'READ_COMMITTED' for
   * isolation.level=read_committed (to the last stable offset, with the aborted transactions);
   * 'LOG_END' for a coordinator loading its partition (Kafka loads to the log end).
   */
  isolation?: 'LOG_END' | 'READ_COMMITTED';
  brokerEpoch: number;
  fetchOffset: number;
  /** KIP-320: the follower's current leader epoch; -1 when the follower does not send it. */
  currentLeaderEpoch: number;
  /** KAFKA-10554: the epoch of the last record the follower holds; absent before 2.7 or with an empty log. */
  lastFetchedEpoch?: number;
}
export interface FetchResponse {
  type: 'FetchResponse';
  /** The follower's replica actor; for a consumer, its `replyTo` (absent: the node's primary). */
  actor?: string | undefined;
  /** Consumer fetches: which partition of the topic answered. */
  partition?: number;
  error?: ErrorCode;
  records: readonly Record[];
  highWatermark: number;
  leaderEndOffset: number;
  leaderEpoch: number;
  /**
   * KAFKA-10554: the follower's log diverges from the leader's at its last fetched epoch; the
   * leader's largest epoch up to it and where that epoch ends in the leader's log (no records).
   */
  divergingEpoch?: { readonly epoch: number; readonly endOffset: number };
  /**
   * KIP-107 (0.11): the leader's log start offset, which followers follow and from which a
   * consumer reset to earliest reads. The model sends it only once it is above 0 (retention
   * moved it), so the traces of runs that delete nothing stay as they were.
   */
  logStartOffset?: number;
  /** read_committed fetches: the last stable offset (KIP-98). */
  lastStableOffset?: number;
  /**
   * read_committed fetches: the aborted transactions overlapping the returned records. Kafka
   * sends each one's producer id and first offset; the model also sends the offset of its
   * ABORT marker, so the client drops exactly the records in between (spec/transactions.md).
   */
  abortedTransactions?: readonly AbortedTxn[];
}
/** An entry of the aborted-transaction index (Kafka's AbortedTxn). */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The offset of the ABORT marker. */
  readonly lastOffset: number;
}
export interface OffsetsForLeaderEpoch { type: 'OffsetsForLeaderEpoch'; actor: string; replicaId: BrokerId; leaderEpoch: number; currentLeaderEpoch: number }
export interface OffsetsForLeaderEpochResponse { type: 'OffsetsForLeaderEpochResponse'; actor: string; error?: ErrorCode; leaderEpoch: number; endOffset: number }

// Client <-> broker
export interface MetadataRequest { type: 'Metadata'; requestId: number }
export interface MetadataResponse { type: 'MetadataResponse'; requestId: number; partitions: readonly PartitionState[] }
export interface Produce {
  type: 'Produce';
  actor: string;
  requestId: number;
  acks: 0 | 1 | 'all';
  timeoutMs: number;
  records: readonly { key: string; value: ProducedValue }[];
  /** The actor on the sender's node the answer is for (its primary when absent): the group coordinator. */
  replyTo?: string;
}
export interface ProduceResponse { type: 'ProduceResponse'; actor?: string; requestId: number; error?: ErrorCode; baseOffset: number }
/**
 * ListOffsets (latest): the consumer's auto.offset.reset=latest asks the leader for its HW, or,
 * with isolation READ_COMMITTED, for its last stable offset.
 */
export interface ListOffsets {
  type: 'ListOffsets';
  actor: string;
  requestId: number;
  isolation?: 'READ_COMMITTED';
  /** KIP-320 (consumer side, KAFKA-7747, 2.3): the consumer's current leader epoch; absent before. */
  currentLeaderEpoch?: number;
}
export interface ListOffsetsResponse { type: 'ListOffsetsResponse'; requestId: number; partition: number; error?: ErrorCode; offset: number }

export interface Disconnected { type: 'net.disconnected'; peer: string }
