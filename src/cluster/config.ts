import { z } from 'zod';
import { InputError } from '../cli/errors.js';

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
  replicationFactor: z.number().int().min(1).max(9),
  minInsyncReplicas: z.number().int().min(1).max(9),
  /** Producer acks: 0, 1 or all (-1). */
  acks: z.union([z.literal(0), z.literal(1), z.literal('all')]),
  uncleanLeaderElection: z.boolean(),
  truncation: z.enum(['high-watermark', 'leader-epoch', 'leader-epoch-kip279']),
  /** KIP-320: fetches carry the follower's current leader epoch; a mismatch is fenced. */
  fetchEpochFencing: z.boolean(),
  /**
   * KIP-841/KIP-903: a broker that re-registers with a new epoch is removed from every ISR
   * and may only rejoin one with its current epoch. Off: it keeps its place in the ISR.
   */
  brokerEpochFencing: z.boolean(),
  /** `never`: Kafka's default (log.flush.interval.messages = Long.MAX); `always`: fsync every append. */
  fsync: z.enum(['never', 'always']),
  /**
   * Which defaults the times below take (`timeDefaults`): `scaled`, Kafka's divided by 100 so
   * that a search covers many failovers in a short run, their ratios kept; or `kafka`, Kafka's
   * own. A time given in the overrides wins over either.
   */
  timings: z.enum(['scaled', 'kafka']),
  replicaLagTimeMaxMs: z.number().int().min(1),
  brokerHeartbeatIntervalMs: z.number().int().min(1),
  brokerSessionTimeoutMs: z.number().int().min(1),
  replicaFetchBackoffMs: z.number().int().min(1),
  /** How long a leader holds a follower's fetch that found nothing new (DelayedFetch). */
  replicaFetchWaitMaxMs: z.number().int().min(1),
  hwCheckpointIntervalMs: z.number().int().min(1),
  requestTimeoutMs: z.number().int().min(1),
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
  /** `eager`: range assignor, revoke everything before joining; `cooperative`: cooperative-sticky (KIP-429). */
  rebalanceProtocol: z.enum(['eager', 'cooperative']),
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

type TimeSetting =
  | 'replicaLagTimeMaxMs'
  | 'brokerHeartbeatIntervalMs'
  | 'brokerSessionTimeoutMs'
  | 'replicaFetchBackoffMs'
  | 'replicaFetchWaitMaxMs'
  | 'hwCheckpointIntervalMs'
  | 'requestTimeoutMs'
  | 'retryBackoffMs'
  | 'deliveryTimeoutMs'
  | 'sessionTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'rebalanceTimeoutMs'
  | 'groupInitialRebalanceDelayMs'
  | 'autoCommitIntervalMs'
  | 'transactionTimeoutMs';

/** Every time setting: Kafka's default, and the model's scaled one (Kafka's divided by 100 unless said). */
export const timeDefaults: Record<TimeSetting, { readonly kafka: number; readonly scaled: number }> = {
  replicaLagTimeMaxMs: { kafka: 30_000, scaled: 300 }, // replica.lag.time.max.ms
  brokerHeartbeatIntervalMs: { kafka: 2_000, scaled: 20 }, // broker.heartbeat.interval.ms
  brokerSessionTimeoutMs: { kafka: 9_000, scaled: 90 }, // broker.session.timeout.ms
  replicaFetchBackoffMs: { kafka: 1_000, scaled: 10 }, // replica.fetch.backoff.ms
  replicaFetchWaitMaxMs: { kafka: 500, scaled: 5 }, // replica.fetch.wait.max.ms
  hwCheckpointIntervalMs: { kafka: 5_000, scaled: 50 }, // replica.high.watermark.checkpoint.interval.ms
  requestTimeoutMs: { kafka: 30_000, scaled: 300 }, // request.timeout.ms
  retryBackoffMs: { kafka: 100, scaled: 10 }, // retry.backoff.ms: not scaled below the network's latency
  deliveryTimeoutMs: { kafka: 120_000, scaled: 1_200 }, // delivery.timeout.ms
  // session.timeout.ms: the default before Kafka 3.0 (KIP-735 made it 45000), in both.
  sessionTimeoutMs: { kafka: 10_000, scaled: 100 },
  heartbeatIntervalMs: { kafka: 3_000, scaled: 30 }, // heartbeat.interval.ms
  rebalanceTimeoutMs: { kafka: 300_000, scaled: 300 }, // max.poll.interval.ms, scaled by 1/1000 so runs stay short
  groupInitialRebalanceDelayMs: { kafka: 3_000, scaled: 30 }, // group.initial.rebalance.delay.ms
  autoCommitIntervalMs: { kafka: 5_000, scaled: 50 }, // auto.commit.interval.ms
  transactionTimeoutMs: { kafka: 60_000, scaled: 600 }, // transaction.timeout.ms
};

function timesFor(timings: 'scaled' | 'kafka'): Record<TimeSetting, number> {
  return Object.fromEntries(Object.entries(timeDefaults).map(([k, v]) => [k, v[timings]])) as Record<TimeSetting, number>;
}

/** Kafka 3.x (KRaft) defaults for durability. */
const kafkaDefaults: ClusterConfig = {
  brokers: 3,
  partitions: 1,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  acks: 'all',
  uncleanLeaderElection: false,
  truncation: 'leader-epoch-kip279',
  fetchEpochFencing: true,
  brokerEpochFencing: true,
  fsync: 'never',
  timings: 'scaled',
  ...timesFor('scaled'),
  maxInFlightRequestsPerConnection: 5,
  retries: 2147483647,
  generationFencing: true,
  rebalanceProtocol: 'eager',
  enableIdempotence: true, // enable.idempotence = true (Kafka 3.0+, KIP-679)
  isolationLevel: 'read_committed',
  producerFencing: true,
  txnEpochBump: 'per-transaction', // KIP-890 part 2 (Kafka 4.0)
};

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly overrides: Partial<ClusterConfig>;
}

/** Named configurations. Each historical Kafka bug is a preset that reproduces it. */
export const presets: readonly Preset[] = [
  { name: 'default', description: 'Kafka 3.x KRaft durability defaults: acks=all, RF=3, min.insync.replicas=2, KIP-101/279/320, broker-epoch fencing, no fsync', overrides: {} },
  // enable.idempotence requires acks=all: with acks=1 Kafka turns it off (KAFKA-13598).
  { name: 'acks1', description: 'acks=1: the leader acknowledges before any follower has the record', overrides: { acks: 1, enableIdempotence: false } },
  { name: 'min-isr-1', description: 'min.insync.replicas=1: acks=all is satisfied by the leader alone once the ISR shrinks', overrides: { minInsyncReplicas: 1 } },
  { name: 'unclean', description: 'unclean.leader.election.enable=true: an out-of-sync replica may become leader', overrides: { uncleanLeaderElection: true } },
  // The two historical presets model the Kafka of their time (0.10 and 1.x: no broker epochs,
  // KIP-380/841/903, no fetch fencing, KIP-320, idempotence off by default before 3.0) and
  // fsync every append, so that the truncation rule is the only way data can be lost: the bugs
  // they reproduce did not need a power loss.
  {
    name: 'hw-truncation',
    description: 'before KIP-101 (Kafka 0.10): a follower truncates to its high watermark when it restarts or follows a new leader',
    overrides: { truncation: 'high-watermark', fetchEpochFencing: false, brokerEpochFencing: false, fsync: 'always', enableIdempotence: false },
  },
  {
    // As KIP-279's own acceptance test (two brokers, fast leader changes with unclean election
    // and min.insync.replicas=1), so that leadership can move back to a replica whose log the
    // previous leader never saw.
    name: 'kip101-only',
    description: 'KIP-101 without KIP-279 (Kafka 0.11-1.1), 2 brokers, unclean election, min.insync.replicas=1: fast consecutive leader changes make logs diverge (KAFKA-6361)',
    overrides: {
      truncation: 'leader-epoch',
      fetchEpochFencing: false,
      brokerEpochFencing: false,
      fsync: 'always',
      enableIdempotence: false,
      uncleanLeaderElection: true,
      brokers: 2,
      replicationFactor: 2,
      minInsyncReplicas: 1,
    },
  },
  { name: 'no-broker-epoch-fencing', description: 'before KIP-841/903: a broker that restarted with a shorter log keeps its place in the ISR', overrides: { brokerEpochFencing: false } },
  { name: 'fsync-always', description: 'default, plus an fsync after every append (flush.messages=1)', overrides: { fsync: 'always' } },
  { name: 'eager', description: 'default, stated: consumer groups rebalance eagerly (range assignor; every member revokes everything before joining)', overrides: { rebalanceProtocol: 'eager' } },
  { name: 'cooperative', description: 'consumer groups rebalance incrementally (KIP-429, cooperative-sticky): only the moved partitions stop', overrides: { rebalanceProtocol: 'cooperative' } },
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
    description: 'producer epochs bumped only at InitProducerId, as before KIP-890: a late write of a finished transaction joins the next one (KAFKA-17754)',
    overrides: { txnEpochBump: 'init-only' },
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

/** The configuration a preset plus overrides gives; errors name the bad field. */
export function resolveConfig(preset: string, overrides: Record<string, unknown> = {}, where = 'config'): ClusterConfig {
  const p = presets.find((x) => x.name === preset);
  if (!p) throw new InputError(`${where}.preset: unknown preset "${preset}" (expected one of ${presetNames().join(', ')})`);
  // The time defaults follow the chosen timings; a bad value is reported by the schema below.
  const timings = overrides['timings'] ?? p.overrides.timings;
  const base = timings === 'kafka' ? { ...kafkaDefaults, ...timesFor('kafka') } : kafkaDefaults;
  const r = configSchema.safeParse({ ...base, ...p.overrides, ...overrides });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new InputError(`${where}.overrides.${field}: ${issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message}`);
  }
  const c = r.data;
  // Kafka refuses to start otherwise (KafkaConfig): a held follower fetch must end before the
  // follower gives up on it, and before the follower could be dropped from the ISR for it.
  if (c.replicaFetchWaitMaxMs >= c.requestTimeoutMs || c.replicaFetchWaitMaxMs > c.replicaLagTimeMaxMs) {
    throw new InputError(
      `${where}.overrides.replicaFetchWaitMaxMs: ${c.replicaFetchWaitMaxMs} must be below requestTimeoutMs (${c.requestTimeoutMs}) and at most replicaLagTimeMaxMs (${c.replicaLagTimeMaxMs})`,
    );
  }
  if (c.replicationFactor > c.brokers) {
    throw new InputError(`${where}.overrides.replicationFactor: ${c.replicationFactor} exceeds the number of brokers (${c.brokers})`);
  }
  return c;
}

/** The default fault budget of design decision 7: RF - min.insync.replicas, at least 0. */
export function defaultBudget(c: ClusterConfig): number {
  return Math.max(0, c.replicationFactor - c.minInsyncReplicas);
}
