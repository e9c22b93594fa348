import { kafka_3_3 } from './kafka-3.3.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 3.6 (October 2023): the last release before the strict min-ISR high watermark. */
export const kafka_3_6 = nextRelease(kafka_3_3, '3.6', {
  unmodelled: [
    unmodelled('KIP-903', 'AlterPartition carries each new ISR member\'s broker epoch, so a replica that restarted is not let back in on its old fetch state (3.5; the model\'s brokerEpochFencing, on since 2.2)'),
    unmodelled('KAFKA-15021', 'the KRaft controller no longer bumps the leader epoch when the ISR shrinks (the model\'s controller bumps it only on a leader change, on every release)'),
    unmodelled('KIP-890', 'part 1: a partition leader verifies that a transactional write belongs to an ongoing transaction (transaction.partition.verification.enable); not modelled'),
  ],
});
