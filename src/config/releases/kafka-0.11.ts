import { kafka_0_10_2 } from './kafka-0.10.2.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 0.11 (June 2017): leader epochs, and the idempotent and transactional producer. */
export const kafka_0_11 = nextRelease(kafka_0_10_2, '0.11', {
  changes: [
    change('truncation', 'leader-epoch', 'KIP-101', 'a follower asks the leader for the end offset of its latest leader epoch (OffsetsForLeaderEpoch) and truncates there, not to its own HW'),
    change('groupInitialRebalanceDelayMs', 3_000, 'KIP-134', 'the first rebalance of a new group waits group.initial.rebalance.delay.ms for more members'),
  ],
  introduces: ['idempotence', 'transactions'],
  unmodelled: [
    unmodelled('KIP-98', 'idempotent and transactional producers (enable.idempotence stays false by default until 3.0)'),
    unmodelled('KIP-106', 'unclean.leader.election.enable defaults to false (the model\'s deployment already sets it false)'),
  ],
});
