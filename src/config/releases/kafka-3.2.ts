import { kafka_3_1 } from './kafka-3.1.js';
import { change, nextRelease } from './release.js';

/** Kafka 3.2 (May 2022): the controller marks an uncleanly elected leader as recovering. */
export const kafka_3_2 = nextRelease(kafka_3_1, '3.2', {
  changes: [
    change('leaderRecoveryState', true, 'KIP-704', 'an unclean election leaves the partition RECOVERING with the new leader as its whole ISR, until the leader\'s AlterPartition says RECOVERED (the leader recovers at once, as Kafka\'s Partition.makeLeader does)'),
  ],
});
