import { kafka_2_2 } from './kafka-2.2.js';
import { change, nextRelease } from './release.js';

/** Kafka 2.3 (June 2019): consumers validate their position against the leader epoch. */
export const kafka_2_3 = nextRelease(kafka_2_2, '2.3', {
  changes: [
    change('consumerEpochValidation', true, 'KAFKA-7747', 'KIP-320, consumer side: Fetch and ListOffsets carry the consumer\'s current leader epoch, and after a leader change the consumer checks its position with OffsetsForLeaderEpoch and resets to where the log diverged (Fetcher.validateOffsetsIfNeeded, SubscriptionState.maybeCompleteValidation)'),
  ],
});
