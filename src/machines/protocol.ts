/**
 * The messages the model's nodes exchange, named after Kafka's RPCs. Each is an XState event;
 * the World adds `from`. Replica-addressed messages name the replica actor in `actor`
 * (the partition's name, e.g. `t-0`).
 */
import type { LogRecord } from '../log/index.js';

export type BrokerId = number;

export const CONTROLLER = 'controller';
export const brokerNode = (id: BrokerId) => `b${id}`;
export const brokerIdOf = (node: string): BrokerId => Number(node.slice(1));
export const partitionName = (p: number) => `t-${p}`;

/** A partition as the controller's metadata records it (KRaft's PartitionRecord). */
export interface PartitionState {
  readonly partition: number;
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  /** -1: no leader (OfflinePartition). */
  readonly leader: BrokerId;
  readonly leaderEpoch: number;
  /** Bumped on every change to the partition (KIP-497 partition epoch). */
  readonly partitionEpoch: number;
}

/** What a record's value is in the model: who produced it, and a value unique per producer. */
export interface ProducedValue {
  readonly producer: string;
  readonly key: string;
  readonly value: number;
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
  | 'NETWORK_EXCEPTION';

// Broker <-> controller (KRaft: KIP-500, KIP-631)
export interface BrokerRegistration { type: 'BrokerRegistration'; brokerId: BrokerId; incarnation: number }
export interface BrokerRegistrationResponse { type: 'BrokerRegistrationResponse'; brokerEpoch: number }
export interface BrokerHeartbeat { type: 'BrokerHeartbeat'; brokerId: BrokerId; brokerEpoch: number }
export interface BrokerHeartbeatResponse { type: 'BrokerHeartbeatResponse'; fenced: boolean; error?: ErrorCode; partitions: readonly PartitionState[] }
/** The controller pushes every metadata change (in KRaft, brokers fetch the metadata log). */
export interface MetadataUpdate { type: 'MetadataUpdate'; partitions: readonly PartitionState[] }
export interface AlterPartition {
  type: 'AlterPartition';
  actor?: undefined;
  partition: number;
  leaderId: BrokerId;
  brokerEpoch: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** KIP-903: each member with the broker epoch the leader saw in its fetches. */
  newIsr: readonly { brokerId: BrokerId; brokerEpoch: number }[];
}
export interface AlterPartitionResponse { type: 'AlterPartitionResponse'; actor: string; partition: number; error?: ErrorCode; state?: PartitionState }

// Broker -> its own replicas (local)
export interface BecomeReplica { type: 'PartitionChange'; actor: string; state: PartitionState; brokerEpoch: number }

// Replica <-> replica
export interface Fetch {
  type: 'Fetch';
  actor: string;
  replicaId: BrokerId;
  brokerEpoch: number;
  fetchOffset: number;
  /** KIP-320: the follower's current leader epoch; -1 when the follower does not send it. */
  currentLeaderEpoch: number;
}
export interface FetchResponse {
  type: 'FetchResponse';
  actor: string;
  error?: ErrorCode;
  records: readonly Record[];
  highWatermark: number;
  leaderEndOffset: number;
  leaderEpoch: number;
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
}
export interface ProduceResponse { type: 'ProduceResponse'; requestId: number; error?: ErrorCode; baseOffset: number }

export interface Disconnected { type: 'net.disconnected'; peer: string }
