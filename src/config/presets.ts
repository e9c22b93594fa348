import type { ClusterConfig } from './schema.js';

/**
 * A named deviation from a Kafka release: the settings it changes, and the release it is about
 * when none is named (`release`; absent: the newest). A preset never forks a machine: it only
 * sets switches that the release modules set too.
 */
export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly release?: string;
  readonly overrides: Partial<ClusterConfig>;
}

export const presets: readonly Preset[] = [
  { name: 'default', description: 'the release as it ships, in the durable deployment: acks=all, RF=3, min.insync.replicas=2, no unclean election, no fsync', overrides: {} },
  // enable.idempotence requires acks=all: with acks=1 Kafka turns it off (KAFKA-13598).
  { name: 'acks1', description: 'acks=1: the leader acknowledges before any follower has the record', overrides: { acks: 1, enableIdempotence: false } },
  { name: 'min-isr-1', description: 'min.insync.replicas=1: acks=all is satisfied by the leader alone once the ISR shrinks', overrides: { minInsyncReplicas: 1 } },
  { name: 'unclean', description: 'unclean.leader.election.enable=true: an out-of-sync replica may become leader', overrides: { uncleanLeaderElection: true } },
  // KIP-101's own setup (its scenarios have a leader and one follower): both replicas can fail.
  { name: 'two-replicas', description: '2 brokers, replication factor 2, min.insync.replicas=1: a leader and one follower, as in KIP-101\'s scenarios', overrides: { brokers: 2, replicationFactor: 2, minInsyncReplicas: 1 } },
  // The historical presets name their release and set only what the release does not: the
  // truncation rule is the release's (so `--kafka 0.11` runs the same preset with KIP-101's fix).
  // The two replication ones fsync every append, so that the truncation rule is the only way
  // data can be lost: the bugs they reproduce did not need a power loss.
  {
    name: 'hw-truncation',
    description: 'Kafka 0.10.2, before KIP-101: a follower truncates to its high watermark when it restarts or follows a new leader; fsync every append',
    release: '0.10.2',
    overrides: { fsync: 'always' },
  },
  {
    // As KIP-279's own acceptance test (two brokers, fast leader changes with unclean election
    // and min.insync.replicas=1), so that leadership can move back to a replica whose log the
    // previous leader never saw.
    name: 'kip101-only',
    description: 'Kafka 1.1, KIP-101 without KIP-279, 2 brokers, unclean election, min.insync.replicas=1, fsync every append: fast consecutive leader changes make logs diverge (KAFKA-6361)',
    release: '1.1',
    overrides: { fsync: 'always', uncleanLeaderElection: true, brokers: 2, replicationFactor: 2, minInsyncReplicas: 1 },
  },
  // The registration refusal and the fencing of an expired session take a restarted broker out
  // of every ISR on any release; what broker epochs still add is the check on AlterPartition.
  { name: 'no-broker-epoch-fencing', description: 'before KIP-380/841/903: an ISR change is not checked against the broker epoch a follower fetched with, so a leader may add a restarted follower on the strength of its previous incarnation\'s fetches', overrides: { brokerEpochFencing: false } },
  { name: 'fsync-always', description: 'default, plus an fsync after every append (flush.messages=1)', overrides: { fsync: 'always' } },
  { name: 'eager', description: 'default, stated: consumer groups rebalance eagerly (range assignor; every member revokes everything before joining)', overrides: { rebalanceProtocol: 'eager' } },
  { name: 'cooperative', description: 'consumer groups rebalance incrementally (KIP-429, cooperative-sticky): only the moved partitions stop', overrides: { rebalanceProtocol: 'cooperative' } },
  // KIP-848 (Kafka 4.0+): the consumer group protocol, and the same without its member-epoch fence.
  { name: 'consumer-protocol', description: 'group.protocol=consumer (KIP-848): ConsumerGroupHeartbeat, the coordinator assigns (uniform) and members reconcile incrementally, fenced by member epochs', overrides: { groupProtocol: 'consumer' } },
  {
    name: 'no-member-epoch-fencing',
    description: 'group.protocol=consumer without member-epoch fencing: the coordinator accepts OffsetCommit, TxnOffsetCommit and ConsumerGroupHeartbeat whatever member epoch they carry, so a fenced consumer commits over the new owner',
    overrides: { groupProtocol: 'consumer', generationFencing: false },
  },
  // Transactions and idempotence (spec/transactions.md): each preset removes one guard.
  { name: 'no-idempotence', description: 'enable.idempotence=false (the default before Kafka 3.0): a retried send can be written twice', overrides: { enableIdempotence: false } },
  { name: 'read-uncommitted', description: 'isolation.level=read_uncommitted: consumers read open and aborted transactions', overrides: { isolationLevel: 'read_uncommitted' } },
  {
    name: 'no-fencing',
    description: 'no zombie fencing: producer epochs unchecked and TxnOffsetCommit accepted from any generation (KIP-98/KIP-447 guards removed)',
    overrides: { producerFencing: false },
  },
  {
    name: 'late-endtxn',
    description: 'Kafka 3.9: producer epochs bumped only at InitProducerId, as before KIP-890 part 2: a late write of a finished transaction joins the next one (KAFKA-17754)',
    release: '3.9',
    overrides: {},
  },
  // A compacted topic (spec/log.md, "Compaction in cluster runs"): small segments and a frequent
  // cleaner, so that runs of a second or two clean. Verdicts under it hold the latest value of
  // each key to account, not every record (no-acked-loss counts a record replaced by a later
  // committed one of its key as kept).
  {
    name: 'compacted',
    description: 'cleanup.policy=compact on the data topic, with 4-record segments and the cleaner every 50 ms: each replica\'s cleaner keeps the latest record of each key',
    overrides: { cleanupPolicy: 'compact', segmentBytes: 4, retentionCheckIntervalMs: 50 },
  },
  {
    name: 'no-generation-fencing',
    description: 'the group coordinator accepts OffsetCommit from any member of any generation: a zombie consumer commits over the new owner',
    overrides: { generationFencing: false },
  },
];

export function presetNames(): string[] {
  return presets.map((p) => p.name);
}
