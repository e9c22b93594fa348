/**
 * Kafka's client-side partition assignors, as pure functions of the members' subscriptions
 * and the partition counts. See spec/assignors.md for the rules and what is not modelled.
 */

import { range } from './range.js';
import { roundRobin } from './roundRobin.js';
import { cooperativeSticky, sticky } from './stickyAssignors.js';

export type { Assignment, Assignor, MemberSubscription, PartitionsPerTopic, TopicPartition } from './types.js';
export { range, roundRobin, sticky, cooperativeSticky };

export const assignors = { range, roundRobin, sticky, cooperativeSticky };

/** The assignors by the name Kafka registers them under (`partition.assignment.strategy`). */
export const assignorsByKafkaName = {
  range,
  roundrobin: roundRobin,
  sticky,
  'cooperative-sticky': cooperativeSticky,
} as const;
