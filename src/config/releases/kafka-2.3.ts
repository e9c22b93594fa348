import { kafka_2_2 } from './kafka-2.2.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 2.3 (June 2019): consumers validate their position against the leader epoch. */
export const kafka_2_3 = nextRelease(kafka_2_2, '2.3', {
  unmodelled: [
    unmodelled('KAFKA-7747', 'consumer fetches carry the current leader epoch and a consumer checks its position after a leader change (KIP-320, consumer side); the model\'s consumers fetch without an epoch'),
  ],
});
