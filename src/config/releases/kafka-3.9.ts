import { kafka_3_7 } from './kafka-3.7.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 3.9 (November 2024): the last release with ZooKeeper mode, and with KAFKA-17754. */
export const kafka_3_9 = nextRelease(kafka_3_7, '3.9', {
  unmodelled: [
    unmodelled('KAFKA-12670', 'unclean leader election works in KRaft mode (the model elects uncleanly when unclean.leader.election.enable is set, on every release)'),
    unmodelled('KIP-853', 'KRaft controller quorums can change membership (the model\'s voters are fixed)'),
  ],
});
