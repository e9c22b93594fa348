import { kafka_3_9 } from './kafka-3.9.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 4.0 (March 2025): KRaft only; every transaction ends with a new producer epoch. */
export const kafka_4_0 = nextRelease(kafka_3_9, '4.0', {
  // KIP-848: the consumer group protocol is generally available (brokers enable it by default,
  // group.coordinator.rebalance.protocols = classic,consumer), but the Java consumer's
  // group.protocol still defaults to classic (ConsumerConfig.DEFAULT_GROUP_PROTOCOL =
  // GroupProtocol.CLASSIC on 4.0 and 4.1, and after): the profile runs classic, as Kafka does out
  // of the box, and `groupProtocol: consumer` (the consumer-protocol preset) is refused before 4.0.
  introduces: ['kraft-only', 'consumer-group-protocol'],
  changes: [
    change('preVote', true, 'KIP-996', 'a KRaft voter that lost its leader asks for pre-votes before it bumps the epoch, and voters that still hear from a leader refuse: a voter back from a partition does not force an election'),
    change('txnEpochBump', 'per-transaction', 'KIP-890', 'part 2: the coordinator bumps the producer epoch at the end of every transaction, so a late write of a finished one is fenced (fixes KAFKA-17754)'),
  ],
  unmodelled: [
    unmodelled('KIP-833', 'ZooKeeper mode is removed: a configuration asking for it is refused'),
    unmodelled('KIP-848', 'mixed groups (classic and consumer members in one group, and the online upgrade between them), regular-expression subscriptions and rack-aware assignment of the new protocol'),
  ],
});
