import { kafka_3_6 } from './kafka-3.6.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 3.7 (February 2024): no high watermark advance below min ISR. */
export const kafka_3_7 = nextRelease(kafka_3_6, '3.7', {
  changes: [
    change('strictMinIsr', true, 'KAFKA-15583', 'the leader does not advance the high watermark while the ISR is below min.insync.replicas'),
  ],
  unmodelled: [
    unmodelled('KAFKA-15489', 'KRaft check-quorum: a leader that cannot reach a majority resigns (the model\'s controller is one node)'),
    unmodelled('KIP-848', 'the new consumer group protocol, in early access'),
  ],
});
