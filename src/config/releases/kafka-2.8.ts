import { kafka_2_7 } from './kafka-2.7.js';
import { nextRelease, unmodelled } from './release.js';

/** Kafka 2.8 (April 2021): KRaft in early access. */
export const kafka_2_8 = nextRelease(kafka_2_7, '2.8', {
  introduces: ['kraft'],
  unmodelled: [
    unmodelled('KIP-500', 'KRaft mode in early access: the model runs it when asked (controlPlane: kraft, a Raft quorum of controllers, KIP-595), with this release\'s ZooKeeper-era session times; ZooKeeper stays the default until 3.3'),
  ],
});
