import { kafka_2_7 } from './kafka-2.7.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 2.8 (April 2021): KRaft in early access; truncation from the fetch response. */
export const kafka_2_8 = nextRelease(kafka_2_7, '2.8', {
  unmodelled: [
    unmodelled('KAFKA-10554', 'a fetch response names the diverging epoch, so a follower truncates without an OffsetsForLeaderEpoch round; the model keeps that round on every release (the same truncation point, one round trip later)'),
    unmodelled('KIP-500', 'KRaft mode in early access (broker.session.timeout.ms 9 s); ZooKeeper stays the default, and the model\'s control plane reads as ZooKeeper until 3.3'),
  ],
});
