import { firstRelease, unmodelled } from './release.js';

/**
 * Kafka 0.10.2 (February 2017), the oldest release the model runs: every setting is stated here,
 * and each later release lists only what it changed. Times are Kafka's own defaults, in ms.
 */
export const kafka_0_10_2 = firstRelease(
  '0.10.2',
  {
    // ReplicaFetcherThread.handleOffsetOutOfRange / makeFollower: a follower that (re)starts
    // fetching truncates its log to its own high watermark first (what KIP-101 replaced).
    truncation: 'high-watermark',
    // AbstractFetcherThread: truncation is its own step before fetching until KAFKA-10554 (2.7).
    truncateOnFetch: false,
    fetchEpochFencing: false,
    consumerEpochValidation: false,
    // A broker that bounces inside its ZooKeeper session is not told apart from its old self
    // (no broker epoch before KIP-380): it keeps its place in the ISR.
    brokerEpochFencing: false,
    // Partition.maybeExpandIsr: a follower caught up to the leader's HW joins the ISR.
    isrJoinNeedsEpochStart: false,
    strictMinIsr: false,
    eligibleLeaderReplicas: false,
    leaderRecoveryState: false,
    // ZooKeeper holds the metadata until KRaft (KIP-500); the Raft settings below are stated for
    // every release and read only in KRaft mode.
    controlPlane: 'zookeeper',
    // Leaders write the ISR to ZooKeeper themselves until KIP-497 (2.7).
    alterIsr: false,
    checkQuorum: false,
    preVote: false,
    // No idempotent producer before KIP-98 (0.11).
    enableIdempotence: false,
    // retries = 0 before KIP-91 (2.1): a send that fails is not retried.
    retries: 0,
    maxInFlightRequestsPerConnection: 5,
    generationFencing: true,
    // No static membership before KIP-345 (2.3); when it came, a static member's rejoin was not stored (KAFKA-10284).
    staticMemberRejoinStored: false,
    producerFencing: true,
    txnEpochBump: 'init-only',
    replicaLagTimeMaxMs: 10_000,
    quorumElectionTimeoutMs: 1_000,
    quorumFetchTimeoutMs: 2_000,
    quorumElectionBackoffMaxMs: 1_000,
    // ZooKeeper mode: the model's broker session stands for the broker's ZooKeeper session
    // (zookeeper.session.timeout.ms = 6000; the client pings every third of it).
    brokerHeartbeatIntervalMs: 2_000,
    brokerSessionTimeoutMs: 6_000,
    replicaFetchBackoffMs: 1_000,
    replicaFetchWaitMaxMs: 500,
    hwCheckpointIntervalMs: 5_000,
    // LogConfig / TopicConfig defaults: 7 days, no size limit, 1 GiB segments, a check every 5 minutes.
    retentionMs: 604_800_000,
    retentionBytes: -1,
    segmentBytes: 1_073_741_824,
    retentionCheckIntervalMs: 300_000,
    // offsets.topic.segment.bytes (and, from 0.11, transaction.state.log.segment.bytes): 100 MiB.
    offsetsTopicSegmentBytes: 104_857_600,
    transactionStateLogSegmentBytes: 104_857_600,
    // LogCleanerManager.cleanableOffsets bounded by the first unstable offset only (KAFKA-13194, 3.1).
    cleanerBoundedByHighWatermark: false,
    requestTimeoutMs: 30_000,
    // metadata.max.age.ms (CommonClientConfigs): 5 minutes.
    metadataMaxAgeMs: 300_000,
    retryBackoffMs: 100,
    // No delivery.timeout.ms before KIP-91 (2.1); with retries = 0 a send ends after one request timeout.
    deliveryTimeoutMs: 120_000,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 3_000,
    // max.poll.interval.ms (KIP-62, 0.10.1) is the JoinGroup rebalance timeout.
    rebalanceTimeoutMs: 300_000,
    // No group.initial.rebalance.delay.ms before KIP-134 (0.11): the first rebalance starts at once.
    groupInitialRebalanceDelayMs: 0,
    autoCommitIntervalMs: 5_000,
    transactionTimeoutMs: 60_000,
    // offsets.topic.num.partitions (KafkaConfig, since Kafka-based offset storage, 0.8.2) and
    // transaction.state.log.num.partitions (from 0.11, KIP-98; stated here as transactionTimeoutMs
    // is): 50 each. The model's deployment runs 1 (deployment.ts).
    offsetsTopicNumPartitions: 50,
    transactionStateLogNumPartitions: 50,
  },
  [
    unmodelled('ZooKeeper', 'ZooKeeper is one always-available service (sessions, ephemeral znodes, zkVersion, watches), not a ZAB ensemble (spec/controller.md)'),
    unmodelled('KIP-106', 'unclean.leader.election.enable defaults to true until 0.11; the model\'s deployment sets it false on every release'),
    unmodelled('acks', 'the producer\'s acks defaults to 1 until 3.0 (KIP-679); the model\'s deployment sets acks=all on every release'),
  ],
);
