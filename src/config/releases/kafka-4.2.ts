import { kafka_4_1 } from './kafka-4.1.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 4.2: nothing the model sees changed since 4.1. */
export const kafka_4_2 = nextRelease(kafka_4_1, '4.2', {
  unmodelled: [
    unmodelled('KIP-932', 'share groups are production-ready (queues; the model has consumer groups only)'),
    unmodelled('KIP-1071', 'the Streams rebalance protocol is generally available'),
  ],
});
