import { kafka_2_5 } from './kafka-2.5.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 2.7 (December 2020): leaders ask the controller to change the ISR. */
export const kafka_2_7 = nextRelease(kafka_2_5, '2.7', {
  changes: [
    change('staticMemberRejoinStored', true, 'KAFKA-10284', 'a static member that rejoins a Stable group with a new member id has the group stored before it is answered, so a coordinator failover keeps the new id instead of fencing the member (also in 2.6.1)'),
  ],
  unmodelled: [
    unmodelled('KIP-497', 'leaders send AlterIsr to the controller instead of writing the ISR to ZooKeeper by zkVersion; the model\'s leaders send AlterPartition on every release'),
  ],
});
