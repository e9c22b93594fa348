import { kafka_2_0 } from './kafka-2.0.js';
import { change, nextRelease } from './release.js';

/** Kafka 2.1 (November 2018): fetches are fenced by leader epoch; producers retry by default. */
export const kafka_2_1 = nextRelease(kafka_2_0, '2.1', {
  changes: [
    change('fetchEpochFencing', true, 'KIP-320', 'Fetch and OffsetsForLeaderEpoch carry the sender\'s current leader epoch; a leader answers an older one FENCED_LEADER_EPOCH (fixes KAFKA-6880)'),
    change('isrJoinNeedsEpochStart', true, 'KAFKA-7128', 'a follower joins the ISR only once it has reached the start of the leader\'s current epoch too, not only its (possibly lagging) HW (also in 2.0.1)'),
    change('retries', 2_147_483_647, 'KIP-91', 'retries defaults to Integer.MAX_VALUE, bounded by delivery.timeout.ms (120 s)'),
  ],
});
