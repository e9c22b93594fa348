import { kafka_2_5 } from './kafka-2.5.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 2.7 (December 2020): leaders ask the controller to change the ISR; followers truncate from the fetch response. */
export const kafka_2_7 = nextRelease(kafka_2_5, '2.7', {
  changes: [
    change('truncateOnFetch', true, 'KAFKA-10554', 'a follower\'s fetch carries its last fetched epoch and the leader answers a divergence with the diverging epoch and its end offset, so the follower truncates from the fetch response, round after round, without an OffsetsForLeaderEpoch round (KIP-595\'s Fetch v12, inter.broker.protocol.version 2.7)'),
  ],
  unmodelled: [
    unmodelled('KIP-497', 'leaders send AlterIsr to the controller instead of writing the ISR to ZooKeeper by zkVersion; the model\'s leaders send AlterPartition on every release'),
  ],
});
