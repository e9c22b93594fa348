import { kafka_2_3 } from './kafka-2.3.js';
import { nextRelease } from './release.js';

/** Kafka 2.4 (December 2019): incremental cooperative rebalancing can be chosen. */
export const kafka_2_4 = nextRelease(kafka_2_3, '2.4', {
  // KIP-429: the cooperative-sticky assignor; the default stays eager (range) until consumers opt in.
  introduces: ['cooperative-rebalancing'],
});
