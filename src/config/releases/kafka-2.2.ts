import { kafka_2_1 } from './kafka-2.1.js';
import { change, nextRelease } from './release.js';

/** Kafka 2.2 (March 2019): broker epochs tell a bounced broker from its earlier self. */
export const kafka_2_2 = nextRelease(kafka_2_1, '2.2', {
  changes: [
    change('brokerEpochFencing', true, 'KIP-380', 'a broker registers with a new epoch (its ZooKeeper node\'s czxid); the controller treats a bounce as a failure, so the broker leaves the ISR and rejoins only after catching up (KAFKA-1120)'),
  ],
});
