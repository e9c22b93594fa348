import { z } from 'zod';

/**
 * How the follower finds where its log diverges from the leader's when it (re)starts fetching:
 * - `high-watermark`: truncate to its own high watermark (Kafka before 0.11, pre-KIP-101);
 * - `leader-epoch`: ask the leader for the end offset of its latest epoch (KIP-101) and
 *   truncate there, without KIP-279's fix (it trusts the answer even when the leader answered
 *   for an older epoch; KAFKA-6361);
 * - `leader-epoch-kip279`: KIP-101 with KIP-279: when the leader answers for an older epoch,
 *   truncate to the follower's own end offset of that epoch too.
 */
export type TruncationRule = 'high-watermark' | 'leader-epoch' | 'leader-epoch-kip279';

/** The settings of a cluster, with the type each must have. */
export const configSchema = z.strictObject({
  brokers: z.number().int().min(1).max(9),
  partitions: z.number().int().min(1).max(16),
  /**
   * The partition count the control plane's per-partition work is charged for, in virtual time,
   * when it is larger than the partitions the model runs (the ZooKeeper-vs-KRaft measurements,
   * spec/controller.md): a ZooKeeper-mode controller reads this many partition states on failover
   * and writes a broker's share of them when it fails. The other partitions exist only as that
   * cost; no replica of theirs is run. Absent: the partitions run.
   */
  controlPlanePartitions: z.number().int().min(1).max(100_000).optional(),
  replicationFactor: z.number().int().min(1).max(9),
  minInsyncReplicas: z.number().int().min(1).max(9),
  /**
   * transaction.state.log.min.isr: the transaction log's own min ISR (Kafka's default 2, since
   * 0.11), whatever min.insync.replicas the data topics have. `__consumer_offsets` has no setting
   * of its own and takes min.insync.replicas like any topic.
   */
  transactionStateLogMinIsr: z.number().int().min(1).max(9),
  /**
   * offsets.topic.num.partitions: how many partitions `__consumer_offsets` has. A group lives on
   * partition Utils.abs(groupId.hashCode()) % this, and is coordinated by that partition's leader
   * (coordinator-partition.ts). Kafka's default is 50 on every release; the model's deployment
   * runs 1 (deployment.ts, spec/consumer-groups.md "Which broker coordinates").
   */
  offsetsTopicNumPartitions: z.number().int().min(1).max(50),
  /**
   * transaction.state.log.num.partitions: how many partitions `__transaction_state` has, chosen
   * among as for groups (TransactionStateManager.partitionFor). Kafka's default is 50 (since 0.11,
   * KIP-98); the model's deployment runs 1 (spec/transactions.md).
   */
  transactionStateLogNumPartitions: z.number().int().min(1).max(50),
  /** Producer acks: 0, 1 or all (-1). */
  acks: z.union([z.literal(0), z.literal(1), z.literal('all')]),
  uncleanLeaderElection: z.boolean(),
  truncation: z.enum(['high-watermark', 'leader-epoch', 'leader-epoch-kip279']),
  /**
   * KAFKA-10554 (Kafka 2.7, with KIP-595's Fetch v12): a follower's fetch names the epoch of the
   * last record it holds (lastFetchedEpoch); a leader whose log diverges there answers with the
   * diverging epoch and its end offset instead of records, and the follower truncates and fetches
   * again, round after round until the logs match. A follower that knows an epoch goes straight to
   * fetching: no OffsetsForLeaderEpoch round. Off: that round before every fetch session.
   */
  truncateOnFetch: z.boolean(),
  /** KIP-320: fetches carry the follower's current leader epoch; a mismatch is fenced. */
  fetchEpochFencing: z.boolean(),
  /**
   * KIP-320's consumer side (KAFKA-7747, Kafka 2.3): the consumer's Fetch and ListOffsets carry
   * the leader epoch it learned from metadata (the leader answers FENCED_LEADER_EPOCH or
   * UNKNOWN_LEADER_EPOCH), and after a leader change it validates its position with
   * OffsetsForLeaderEpoch (the epoch of the last record it consumed): a position past the end
   * of that epoch on the new leader was truncated away, and it resets to that end offset. Off:
   * the consumer sends no epoch and fetches on from its position.
   */
  consumerEpochValidation: z.boolean(),
  /**
   * KIP-380 (ZooKeeper, 2.2), KIP-841/KIP-903 (KRaft): a broker that re-registers with a new epoch is removed from every ISR
   * and may only rejoin one with its current epoch. Off: it keeps its place in the ISR.
   */
  brokerEpochFencing: z.boolean(),
  /**
   * KAFKA-7128 (Kafka 2.0.1, 2.1): a follower joins the ISR only once its log end reaches the
   * start offset of the leader's current epoch as well as the HW (Partition.isFollowerAtHighwatermark
   * with leaderEpochStartOffsetOpt). A new leader's HW can lag what the old leader committed;
   * before the fix a follower caught up to that lagging HW joined the ISR without the records
   * above it. Off: the HW alone decides.
   */
  isrJoinNeedsEpochStart: z.boolean(),
  /**
   * KAFKA-15583 (Kafka 3.7): the leader does not advance the high watermark while the ISR is
   * smaller than min.insync.replicas, so nothing is committed that fewer replicas than promised
   * hold (Partition.maybeIncrementLeaderHW; KIP-966's ELR relies on it). Off: the HW follows
   * the ISR down to the leader alone, and only acks=all produces are refused.
   */
  strictMinIsr: z.boolean(),
  /**
   * KIP-966 Eligible Leader Replicas (Kafka 4.1, new clusters): a replica removed from an ISR
   * that is below min.insync.replicas keeps the right to be elected (it holds everything below
   * the HW, which strictMinIsr froze), the ISR may become empty, and a broker that restarts
   * after an unclean shutdown leaves every ISR and ELR (ReplicationControlManager,
   * PartitionChangeBuilder). A partition with neither waits offline. Needs strictMinIsr.
   */
  eligibleLeaderReplicas: z.boolean(),
  /**
   * KIP-704 (Kafka 3.2): a leader elected uncleanly is RECOVERING, with itself as the whole ISR,
   * until an AlterPartition from it says RECOVERED; the controller refuses an AlterPartition that
   * keeps RECOVERING with more than one ISR member or goes back from RECOVERED to RECOVERING
   * (ReplicationControlManager.validateAlterPartitionData). As Kafka's Partition.makeLeader does,
   * the leader's recovery itself is immediate: its next ISR change reports RECOVERED.
   */
  leaderRecoveryState: z.boolean(),
  /**
   * Who holds the cluster's metadata. `kraft` (KIP-500; the model's default from Kafka 3.3, when
   * KIP-833 made it production-ready): a Raft quorum of `controllerQuorumVoters` controller nodes
   * (KIP-595), whose leader is the active controller (src/machines/quorum-controller.ts).
   * `zookeeper`: a ZooKeeper service and a controller elected among the brokers through the
   * `/controller` znode (src/machines/zookeeper.ts, zk-controller.ts; spec/controller.md).
   */
  controlPlane: z.enum(['zookeeper', 'kraft']),
  /**
   * KIP-497 (Kafka 2.7), ZooKeeper mode: a leader sends its ISR changes to the controller
   * (AlterIsr), which writes them to ZooKeeper. Off: the leader writes the ISR to ZooKeeper
   * itself, conditionally on the partition state's zkVersion (Partition.updateIsr). KRaft always
   * sends AlterPartition.
   */
  alterIsr: z.boolean(),
  /** controller.quorum.voters: how many controller nodes vote in KRaft mode (a quorum of 2f+1 tolerates f faults). */
  controllerQuorumVoters: z.number().int().min(1).max(5),
  /**
   * KAFKA-15489 (Kafka 3.7): check-quorum. A Raft leader that has not been fetched from by a
   * majority of the voters within 1.5 fetch timeouts resigns (LeaderState.timeUntilCheckQuorumExpires),
   * so a leader cut off from the quorum stops acting as the active controller.
   */
  checkQuorum: z.boolean(),
  /**
   * KIP-996 (Kafka 4.0): Pre-Vote. A voter that lost its leader first asks whether it could win
   * (a Vote request with PreVote set, in its current epoch) and only then bumps the epoch, and a
   * voter that has heard from its leader within the fetch timeout refuses; a voter cut off and
   * back does not force an election.
   */
  preVote: z.boolean(),
  /** `never`: Kafka's default (log.flush.interval.messages = Long.MAX); `always`: fsync every append. */
  fsync: z.enum(['never', 'always']),
  /**
   * How the release's times are run (`scaledTime`): `scaled`, Kafka's divided by 100 so
   * that a search covers many failovers in a short run, their ratios kept; or `kafka`, Kafka's
   * own. A time given in the overrides wins over either.
   */
  timings: z.enum(['scaled', 'kafka']),
  replicaLagTimeMaxMs: z.number().int().min(1),
  /** controller.quorum.election.timeout.ms: a candidate's election times out after between this and twice this. */
  quorumElectionTimeoutMs: z.number().int().min(1),
  /** controller.quorum.fetch.timeout.ms: a follower that has not fetched from its leader for this long starts an election. */
  quorumFetchTimeoutMs: z.number().int().min(1),
  /** controller.quorum.election.backoff.max.ms: the most a candidate that lost waits before trying again. */
  quorumElectionBackoffMaxMs: z.number().int().min(1),
  brokerHeartbeatIntervalMs: z.number().int().min(1),
  brokerSessionTimeoutMs: z.number().int().min(1),
  replicaFetchBackoffMs: z.number().int().min(1),
  /** How long a leader holds a follower's fetch that found nothing new (DelayedFetch). */
  replicaFetchWaitMaxMs: z.number().int().min(1),
  hwCheckpointIntervalMs: z.number().int().min(1),
  // Retention of the data topic (cleanup.policy=delete; the internal topics are compacted and
  // keep everything here). spec/log.md, "Retention in cluster runs".
  /** retention.ms: segments whose newest record is older are deleted; -1: kept forever. */
  retentionMs: z.number().int().min(-1),
  /** retention.bytes: oldest segments are deleted while the partition stays above it; -1: no limit. */
  retentionBytes: z.number().int().min(-1),
  /** segment.bytes: a segment rolls past it; retention deletes whole closed segments only. A record is 1 byte in the model. */
  segmentBytes: z.number().int().min(1),
  /** log.retention.check.interval.ms: how often each broker's LogManager runs the retention task. */
  retentionCheckIntervalMs: z.number().int().min(1),
  /**
   * cleanup.policy of the data topics: `delete` (Kafka's default) runs retention; `compact` runs
   * the log cleaner, which keeps the latest record of each key; `compact,delete` runs both
   * (spec/log.md, "Compaction in cluster runs").
   */
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']),
  /**
   * offsets.topic.segment.bytes and transaction.state.log.segment.bytes: the internal topics are
   * compacted, and the cleaner only reaches closed segments. Kafka's 100 MiB (a record is 1 byte
   * in the model) means they never roll in a run; a scenario sets them small to run the cleaner.
   */
  offsetsTopicSegmentBytes: z.number().int().min(1),
  transactionStateLogSegmentBytes: z.number().int().min(1),
  /**
   * KAFKA-13194 (3.1): the log cleaner stops at the last stable offset, which is never past the
   * high watermark. Before, it stopped at the first unstable offset only, so with no open
   * transaction it could remove a committed record because a later record of its key, not yet
   * committed, sat in a closed segment; a leader change that truncated the later record then
   * left neither.
   */
  cleanerBoundedByHighWatermark: z.boolean(),
  requestTimeoutMs: z.number().int().min(1),
  /** metadata.max.age.ms: clients refresh their metadata at least this often, and so learn of new partitions. */
  metadataMaxAgeMs: z.number().int().min(1),
  retryBackoffMs: z.number().int().min(1),
  deliveryTimeoutMs: z.number().int().min(1),
  maxInFlightRequestsPerConnection: z.number().int().min(1).max(5),
  retries: z.number().int().min(0),
  // Consumer groups (spec/consumer-groups.md).
  /**
   * The coordinator rejects OffsetCommit/Heartbeat/SyncGroup from an unknown member or an older
   * generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID). Off: every commit is
   * written, whoever sends it (the guard removed, to show what it protects).
   */
  generationFencing: z.boolean(),
  /**
   * KAFKA-10284 (Kafka 2.6.1, 2.7): a static member (KIP-345) that rejoins a Stable group with a
   * new member id has the group stored before it is answered (GroupCoordinator
   * updateStaticMemberAndRebalance -> storeGroup; the replacement is undone if the write fails).
   * Off (2.3 to 2.6.0): the replacement lives in the coordinator's memory only, so a coordinator
   * that loads the group later restores the old member id and fences the static member
   * (FENCED_INSTANCE_ID) when it heartbeats with its new one.
   */
  staticMemberRejoinStored: z.boolean(),
  /** `eager`: range assignor, revoke everything before joining; `cooperative`: cooperative-sticky (KIP-429). */
  rebalanceProtocol: z.enum(['eager', 'cooperative']),
  /**
   * The consumers' group.protocol (KIP-848). `classic`: JoinGroup/SyncGroup, the assignment
   * computed by the group leader (`rebalanceProtocol` says eager or cooperative). `consumer`: the
   * ConsumerGroupHeartbeat protocol, the assignment computed by the coordinator (server-side
   * `uniform` assignor) and reconciled incrementally, member epochs instead of generations
   * (src/machines/consumer-group-coordinator.ts). Kafka's Java consumer defaults to `classic` on
   * every release (ConsumerConfig.DEFAULT_GROUP_PROTOCOL, 4.0 to 4.3).
   */
  groupProtocol: z.enum(['classic', 'consumer']),
  sessionTimeoutMs: z.number().int().min(1),
  heartbeatIntervalMs: z.number().int().min(1),
  /** The JoinGroup rebalance timeout: the consumer's max.poll.interval.ms (KIP-62). */
  rebalanceTimeoutMs: z.number().int().min(1),
  groupInitialRebalanceDelayMs: z.number().int().min(0),
  autoCommitIntervalMs: z.number().int().min(1),
  // Idempotence and transactions (spec/transactions.md).
  /**
   * enable.idempotence (KIP-98; on by default since Kafka 3.0, KIP-679): producer id, epoch and
   * per-partition sequence numbers, so a retried batch is written once. Kafka turns it off when
   * acks is not all (KAFKA-13598); so does the model.
   */
  enableIdempotence: z.boolean(),
  /**
   * The consumers' isolation.level. Kafka's consumer default is read_uncommitted; the model's
   * default is read_committed because every exactly-once application sets it (Kafka Streams'
   * exactly_once_v2 does). read_uncommitted reads to the HW, open and aborted transactions included.
   */
  isolationLevel: z.enum(['read_committed', 'read_uncommitted']),
  /** transaction.timeout.ms: the coordinator aborts a transaction open this long. */
  transactionTimeoutMs: z.number().int().min(1),
  /**
   * Zombie fencing: producer epochs are checked by the transaction coordinator and partition
   * leaders (a re-initialised transactional.id fences its older producer, KIP-98), and a
   * TxnOffsetCommit must come from the group's current generation (KIP-447). Off: neither.
   */
  producerFencing: z.boolean(),
  /**
   * When the transaction coordinator bumps the producer epoch: on every transaction's end
   * (KIP-890 part 2, Kafka 4.0), so a late request of a finished transaction is fenced; or only
   * at InitProducerId, as before KIP-890 (a late write joins the next transaction: KAFKA-17754).
   */
  txnEpochBump: z.enum(['per-transaction', 'init-only']),
});

export type ClusterConfig = z.infer<typeof configSchema>;

/** The transaction coordinator's log (Kafka's `__transaction_state`); it has a min ISR of its own. */
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/**
 * A topic's min.insync.replicas: the transaction log's own, or the cluster's. The model's internal
 * topics have the data topic's replication factor, and the transaction log's min ISR is held to
 * it (as a cluster with fewer brokers configures transaction.state.log.min.isr down with it).
 */
export function minIsrOf(config: ClusterConfig, topic: string | undefined): number {
  return topic === TRANSACTION_STATE_TOPIC ? Math.min(config.transactionStateLogMinIsr, config.replicationFactor) : config.minInsyncReplicas;
}

/**
 * The min ISR a partition of `topic` with `replicas` replicas is held to: its min.insync.replicas,
 * at most the replica count (Kafka's Partition.effectiveMinIsr, and the controller's ELR rule).
 */
export function effectiveMinIsr(config: ClusterConfig, replicas: number, topic?: string): number {
  return Math.min(minIsrOf(config, topic), replicas);
}

export type TimeSetting =
  | 'replicaLagTimeMaxMs'
  | 'quorumElectionTimeoutMs'
  | 'quorumFetchTimeoutMs'
  | 'quorumElectionBackoffMaxMs'
  | 'brokerHeartbeatIntervalMs'
  | 'brokerSessionTimeoutMs'
  | 'replicaFetchBackoffMs'
  | 'replicaFetchWaitMaxMs'
  | 'hwCheckpointIntervalMs'
  | 'retentionMs'
  | 'retentionCheckIntervalMs'
  | 'requestTimeoutMs'
  | 'metadataMaxAgeMs'
  | 'retryBackoffMs'
  | 'deliveryTimeoutMs'
  | 'sessionTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'rebalanceTimeoutMs'
  | 'groupInitialRebalanceDelayMs'
  | 'autoCommitIntervalMs'
  | 'transactionTimeoutMs';

/**
 * How the model scales a Kafka time for the search (`timings: scaled`): divided by 100 unless
 * said, so that a run covers many failovers in little model time with the ratios kept.
 */
const timeDivisor: Partial<Record<TimeSetting, number>> = {
  // retry.backoff.ms: 100 ms would be 1 ms, below the network's latency: 10 ms.
  retryBackoffMs: 10,
  // max.poll.interval.ms: 5 minutes, divided by 1000 so that runs stay short.
  rebalanceTimeoutMs: 1000,
};

/** A Kafka time as the model runs it under `timings`. */
export function scaledTime(setting: TimeSetting, kafkaMs: number, timings: 'scaled' | 'kafka'): number {
  // 0 and -1 (retention.ms: forever) are not durations to scale.
  if (timings === 'kafka' || kafkaMs <= 0) return kafkaMs;
  return Math.max(1, Math.floor(kafkaMs / (timeDivisor[setting] ?? 100)));
}

export const timeSettings: readonly TimeSetting[] = [
  'replicaLagTimeMaxMs',
  'quorumElectionTimeoutMs',
  'quorumFetchTimeoutMs',
  'quorumElectionBackoffMaxMs',
  'brokerHeartbeatIntervalMs',
  'brokerSessionTimeoutMs',
  'replicaFetchBackoffMs',
  'replicaFetchWaitMaxMs',
  'hwCheckpointIntervalMs',
  'retentionMs',
  'retentionCheckIntervalMs',
  'requestTimeoutMs',
  'metadataMaxAgeMs',
  'retryBackoffMs',
  'deliveryTimeoutMs',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'rebalanceTimeoutMs',
  'groupInitialRebalanceDelayMs',
  'autoCommitIntervalMs',
  'transactionTimeoutMs',
];
