import { kafka_2_5 } from './kafka-2.5.js';
import { change, nextRelease } from './release.js';

/** Kafka 2.7 (December 2020): followers truncate from the fetch response; a static member's new id is stored before it is answered. */
export const kafka_2_7 = nextRelease(kafka_2_5, '2.7', {
  changes: [
    change('alterIsr', true, 'KIP-497', 'leaders send AlterIsr to the controller, which writes the ISR to ZooKeeper, instead of writing it there themselves by zkVersion (AlterIsrManager)'),
    change('truncateOnFetch', true, 'KAFKA-10554', 'a follower\'s fetch carries its last fetched epoch and the leader answers a divergence with the diverging epoch and its end offset, so the follower truncates from the fetch response, round after round, without an OffsetsForLeaderEpoch round (KIP-595\'s Fetch v12, inter.broker.protocol.version 2.7)'),
    change('staticMemberRejoinStored', true, 'KAFKA-10284', 'a static member that rejoins a Stable group with a new member id has the group stored before it is answered, so a coordinator failover keeps the new id instead of fencing the member (also in 2.6.1)'),
  ],
});
