import { kafka_0_11 } from './kafka-0.11.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 1.1 (March 2018): nothing the model's replication sees changed since 0.11; KAFKA-6361 is still open. */
export const kafka_1_1 = nextRelease(kafka_0_11, '1.1', {
  unmodelled: [
    unmodelled('KIP-227', 'incremental fetch sessions: fetch requests carry only changed partitions (the model fetches one partition per request)'),
    unmodelled('KAFKA-5642', 'the ZooKeeper-mode controller moved to an event queue; the model has no ZooKeeper controller'),
  ],
});
