/**
 * ZooKeeper as Kafka's ZooKeeper mode uses it: the service's messages, the znode paths Kafka
 * writes (kafka.zk.ZkData), and the control requests the controller sends brokers. The service
 * itself is src/machines/zookeeper.ts; the controller that uses it is src/machines/zk-controller.ts.
 *
 * A request carries a batch of operations, answered together: Kafka's KafkaZkClient pipelines
 * its requests (retryRequestsUntilConnected sends a Seq of async requests and waits for all), so a
 * batch costs one round trip. `atomic` makes the batch a ZooKeeper multi (all or nothing).
 */
import type { AlterPartition, BrokerId, CreatePartitions, CreateTopics, DeleteTopics, DeletedTopic, PartitionState } from './protocol.js';

/** The ZooKeeper ensemble's node (one service; ZAB is not modelled, spec/controller.md). */
export const ZOOKEEPER = 'zookeeper';
/** The actor on every broker node that owns its ZooKeeper session and runs its controller. */
export const ZK_CONTROLLER_ACTOR = 'controller';

// Znode paths (kafka.zk.ZkData).
/** ControllerZNode: ephemeral, holds the active controller's broker id. */
export const CONTROLLER_PATH = '/controller';
/** ControllerEpochZNode: the controller epoch, bumped by each new controller. */
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
/** BrokerIdsZNode: each live broker's ephemeral registration; its czxid is the broker epoch (KIP-380). */
export const BROKER_IDS_PATH = '/brokers/ids';
export const brokerIdPath = (b: BrokerId) => `${BROKER_IDS_PATH}/${b}`;
/** TopicPartitionStateZNode: the partition's leader, leader epoch, ISR and controller epoch; its version is the zkVersion. */
export const partitionStatePath = (topic: string, p: number) => `/brokers/topics/${topic}/partitions/${p}/state`;
/** TopicsZNode: one child per topic; the controller's TopicChange watch is on its children. */
export const TOPICS_PATH = '/brokers/topics';
/** TopicZNode: the topic's replica assignment; the controller's PartitionModifications watch is on its data. */
export const topicPath = (topic: string) => `${TOPICS_PATH}/${topic}`;
/** TopicPartitionsZNode and TopicPartitionZNode: the parents of the partition state znodes. */
export const topicPartitionsPath = (topic: string) => `${TOPICS_PATH}/${topic}/partitions`;
export const topicPartitionPath = (topic: string, p: number) => `${TOPICS_PATH}/${topic}/partitions/${p}`;
/** AdminZNode and DeleteTopicsZNode: a child per topic marked for deletion; the controller's TopicDeletion watch is on its children. */
export const ADMIN_PATH = '/admin';
export const DELETE_TOPICS_PATH = '/admin/delete_topics';
export const deleteTopicPath = (topic: string) => `${DELETE_TOPICS_PATH}/${topic}`;

/**
 * A topic znode's data (TopicZNode.encode): partition p's replicas at index p. Kafka writes
 * `{"version":2,"partitions":{"0":[1,2,3],...}}`, with `topic_id` from 2.8 (KIP-516). The topics the
 * cluster starts with hold null in the model (their assignment is initialReplicas); a topic created
 * at run time, or the data topic once partitions are added, holds its assignment.
 */
export interface TopicZnodeData {
  readonly partitions: readonly (readonly BrokerId[])[];
}

export type ZkOp =
  | { readonly op: 'create'; readonly path: string; readonly data: unknown; readonly ephemeral?: boolean }
  | { readonly op: 'setData'; readonly path: string; readonly data: unknown; /** -1: any version. */ readonly version: number }
  | { readonly op: 'getData'; readonly path: string; readonly watch?: boolean }
  /** exists with a watch fires on the node's creation too (ControllerChangeHandler). */
  | { readonly op: 'exists'; readonly path: string; readonly watch?: boolean }
  | { readonly op: 'getChildren'; readonly path: string; readonly watch?: boolean }
  | { readonly op: 'delete'; readonly path: string; readonly version: number };

/** A znode's Stat: the zxid that created it (czxid) and its data version (zkVersion). */
export interface ZkStat {
  readonly czxid: number;
  readonly version: number;
  /** The session of an ephemeral node's owner; 0 for a persistent one. */
  readonly ephemeralOwner: number;
}

export type ZkError = 'NODE_EXISTS' | 'NO_NODE' | 'BAD_VERSION' | 'SESSION_EXPIRED';

export interface ZkResult {
  readonly error?: ZkError;
  readonly stat?: ZkStat;
  readonly data?: unknown;
  readonly children?: readonly string[];
}

/** Opens a session (sessionId 0) or keeps one alive (a ping is a request with no ops). */
export interface ZkRequest {
  type: 'ZkRequest';
  actor?: undefined;
  /** The actor on the sender's node the answer and the watches are for. */
  replyTo: string;
  /** 0 asks for a new session. */
  sessionId: number;
  /** The client's request number, echoed in the answer. */
  xid: number;
  ops: readonly ZkOp[];
  atomic?: boolean;
  /** A new session's timeout (zookeeper.session.timeout.ms). */
  sessionTimeoutMs?: number;
  /** The client closes its session (a clean shutdown): its ephemeral nodes go at once. */
  close?: boolean;
}

export interface ZkResponse {
  type: 'ZkResponse';
  actor: string;
  xid: number;
  sessionId: number;
  /** SESSION_EXPIRED: the session is gone; every op failed. */
  error?: 'SESSION_EXPIRED';
  results: readonly ZkResult[];
}

/** A one-shot watch firing (ZooKeeper's WatchedEvent), delivered as a message. */
export interface ZkWatchEvent {
  type: 'ZkWatchEvent';
  actor: string;
  path: string;
  event: 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';
}

export type ZkMessage = ZkRequest | ZkResponse | ZkWatchEvent;

// Controller -> broker requests (ZooKeeper mode). Each carries the controller epoch, which
// brokers fence stale controllers by, and, from KIP-380 (2.2), the broker epoch of the
// registration the controller addressed.

/** LeaderAndIsrRequest: the states of partitions the receiving broker hosts (ReplicaManager.becomeLeaderOrFollower). */
export interface LeaderAndIsr {
  type: 'LeaderAndIsr';
  actor?: undefined;
  controllerId: BrokerId;
  controllerEpoch: number;
  /** The broker epoch the controller knows for the receiver (KIP-380); sent on every release, read from 2.2. */
  brokerEpoch: number;
  partitions: readonly PartitionState[];
}

/** UpdateMetadataRequest: every partition's state, for the broker's metadata cache. */
export interface UpdateMetadata {
  type: 'UpdateMetadata';
  actor?: undefined;
  controllerId: BrokerId;
  controllerEpoch: number;
  brokerEpoch: number;
  partitions: readonly PartitionState[];
  /**
   * Topics being deleted (TopicDeletionManager.onPartitionDeletion sends UpdateMetadata with their
   * partitions marked LeaderDuringDelete, so brokers drop them from their caches): the model sends
   * the tombstones KRaft's brokers get, absent while nothing was deleted.
   */
  deletedTopics?: readonly DeletedTopic[];
}

/**
 * StopReplicaRequest with deletePartition=true (TopicDeletionManager, ReplicaStateMachine's
 * ReplicaDeletionStarted): the receiver stops its replicas of the topic's partitions and deletes
 * their logs (ReplicaManager.stopReplicas), then answers.
 */
export interface StopReplica {
  type: 'StopReplica';
  actor?: undefined;
  controllerId: BrokerId;
  controllerEpoch: number;
  brokerEpoch: number;
  topic: string;
  topicId?: number;
  partitions: readonly number[];
  deletePartition: true;
}
export interface StopReplicaResponse {
  type: 'StopReplicaResponse';
  actor: string;
  topic: string;
  brokerId: BrokerId;
  error?: 'STALE_CONTROLLER_EPOCH' | 'STALE_BROKER_EPOCH';
}

export interface ControlResponse {
  type: 'ControlResponse';
  actor: string;
  request: 'LeaderAndIsr' | 'UpdateMetadata';
  error?: 'STALE_CONTROLLER_EPOCH' | 'STALE_BROKER_EPOCH';
}

/** AlterIsrRequest (KIP-497, 2.7): a leader's ISR change sent to the active controller's actor. */
export type AlterIsr = Omit<AlterPartition, 'actor'> & { actor: string };

/** ControlledShutdownRequest: move my leaderships away (KafkaController.doControlledShutdown). */
export interface ControlledShutdown {
  type: 'ControlledShutdown';
  actor: string;
  brokerId: BrokerId;
  brokerEpoch: number;
}
export interface ControlledShutdownResponse {
  type: 'ControlledShutdownResponse';
  actor?: undefined;
  /** Partitions it still leads (empty: it may exit). */
  remaining: number;
  error?: 'NOT_CONTROLLER' | 'STALE_BROKER_EPOCH';
}

/** The node's ZooKeeper client tells its broker its registration (broker epoch: the znode's czxid). */
export interface ZkRegistered {
  type: 'ZkRegistered';
  actor?: undefined;
  brokerEpoch: number;
}

/**
 * How long a new controller spends reading the cluster's state from ZooKeeper before it acts
 * (KafkaController.onControllerFailover: initializeControllerContext reads every topic's
 * partition states). Kafka pipelines the reads, so the time is the reading, not round trips:
 * about 0.1 ms a partition (KAFKA-5642's measurements after the async ZooKeeper client, Kafka
 * 1.1: ~1 s for 10,000 partitions), divided by the model's time scale under `timings: scaled`.
 */
export function failoverReadMs(partitions: number, timings: 'scaled' | 'kafka'): number {
  const kafkaMs = partitions / 10;
  return Math.ceil(timings === 'kafka' ? kafkaMs : kafkaMs / 100);
}

/**
 * An admin request (CreateTopics, CreatePartitions, DeleteTopics) a broker hands to its node's
 * AdminManager and ZooKeeper client (the `controller` actor); `client` is the node to answer.
 */
export type ZkAdminRequest = (Omit<CreatePartitions, 'actor'> | Omit<CreateTopics, 'actor'> | Omit<DeleteTopics, 'actor'>) & { actor: string; client: string };

/**
 * A leader's ISR change handed to its node's ZooKeeper client before KIP-497; for a topic created
 * at run time, with its assignment and topic id from the broker's metadata cache (the state znode
 * the model writes holds them).
 */
export type LocalIsrChange = AlterPartition & { replicas?: readonly BrokerId[]; topicId?: number };
