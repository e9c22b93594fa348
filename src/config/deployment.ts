import type { ClusterConfig } from './schema.js';

/**
 * The deployment the model checks on every Kafka release: the durability settings that the
 * claims are about, chosen by the operator rather than by the release. Kafka's own defaults
 * differ on some releases (acks=1 before 3.0, unclean.leader.election.enable=true before 0.11);
 * each release's module says so, and a preset or an override can set them as that release had them.
 */
export const durableDeployment = {
  brokers: 3,
  partitions: 1,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  // controller.quorum.voters: three controllers, the smallest quorum that survives one fault.
  controllerQuorumVoters: 3,
  // Kafka's default; the transaction log keeps it when a preset lowers min.insync.replicas.
  transactionStateLogMinIsr: 2,
  // offsets.topic.num.partitions and transaction.state.log.num.partitions: Kafka's 50 each (the
  // release's setting) would run 50 replicas per broker per internal topic for the few groups and
  // transactional.ids a run has. One partition keeps runs as fast, and every coordinator on the
  // same broker, as before these settings; a scenario's overrides set more, to spread the
  // coordinators over brokers as Kafka does (spec/consumer-groups.md, spec/transactions.md).
  offsetsTopicNumPartitions: 1,
  transactionStateLogNumPartitions: 1,
  acks: 'all',
  uncleanLeaderElection: false,
  // cleanup.policy=delete, Kafka's default for a topic; a scenario may compact the data topics.
  cleanupPolicy: 'delete',
  // log.flush.interval.messages = Long.MAX_VALUE: Kafka relies on replication, not fsync.
  fsync: 'never',
  timings: 'scaled',
  // Kafka's consumer default is read_uncommitted; every exactly-once application sets
  // read_committed (Kafka Streams' exactly_once_v2 does), and so does the model.
  isolationLevel: 'read_committed',
  // The range assignor with eager rebalancing, Kafka's default on every release.
  rebalanceProtocol: 'eager',
  // group.protocol: classic, the Java consumer's default on every release, 4.x included
  // (ConsumerConfig.DEFAULT_GROUP_PROTOCOL = GroupProtocol.CLASSIC; KIP-848 made `consumer`
  // generally available in 4.0 without making it the default). The `consumer-protocol` preset runs KIP-848.
  groupProtocol: 'classic',
} as const satisfies Partial<ClusterConfig>;
