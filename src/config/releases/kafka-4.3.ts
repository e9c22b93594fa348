import { kafka_4_2 } from './kafka-4.2.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 4.3, the newest release Kafka's own documentation describes: nothing the model sees changed since 4.2. */
export const kafka_4_3 = nextRelease(kafka_4_2, '4.3', {
  unmodelled: [
    unmodelled('KIP-1263', 'group coordinator assignment intervals default to 1 s (the KIP-848 coordinator of the model computes a new target assignment at the first heartbeat after the group epoch moves)'),
  ],
});
