import { kafka_2_1 } from './kafka-2.1.js';
import { change, nextRelease } from './release.js';

/** Kafka 2.2 (March 2019): broker epochs tell a bounced broker from its earlier self. */
export const kafka_2_2 = nextRelease(kafka_2_1, '2.2', {
  changes: [
    change('brokerEpochFencing', true, 'KIP-380', 'a broker registers with a new epoch (its ZooKeeper node\'s czxid); the controller sees a bounce it would have missed (KAFKA-1120) and treats it as a failure, so the broker leaves the ISR and rejoins only after catching up; control requests carry the broker epoch and a broker refuses those addressed to an earlier registration (STALE_BROKER_EPOCH)'),
  ],
});
