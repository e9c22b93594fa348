import { kafka_3_6 } from './kafka-3.6.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 3.7 (February 2024): no high watermark advance below min ISR; KRaft check-quorum. */
export const kafka_3_7 = nextRelease(kafka_3_6, '3.7', {
  changes: [
    change('checkQuorum', true, 'KAFKA-15489', 'a KRaft leader not fetched from by a majority of the voters within 1.5 fetch timeouts resigns, so a leader cut off from the quorum stops serving as the active controller'),
    change('strictMinIsr', true, 'KAFKA-15583', 'the leader does not advance the high watermark while the ISR is below min.insync.replicas'),
  ],
  unmodelled: [
    unmodelled('KIP-848', 'the new consumer group protocol, in early access'),
  ],
});
