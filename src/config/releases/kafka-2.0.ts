import { kafka_1_1 } from './kafka-1.1.js';
import { change, nextRelease } from './release.js';

/** Kafka 2.0 (July 2018): KIP-279 closes the divergence after fast leader changes. */
export const kafka_2_0 = nextRelease(kafka_1_1, '2.0', {
  changes: [
    change('truncation', 'leader-epoch-kip279', 'KIP-279', 'when the leader answers OffsetsForLeaderEpoch for an older epoch than asked, the follower truncates to its own end offset of that epoch as well (fixes KAFKA-6361)'),
  ],
});
