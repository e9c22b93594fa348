/**
 * Kafka's `RoundRobinAssignor`: all partitions of all subscribed topics, topics in name
 * order and partitions in number order, dealt in turn to the members in `MemberInfo` order,
 * skipping a member that is not subscribed to the partition's topic.
 */

import { compareJavaStrings } from './javaOrder.js';
import { compareMemberInfo, emptyLists, normalize, toAssignment } from './common.js';
import type { Assignment, MemberSubscription, PartitionsPerTopic, TopicPartition } from './types.js';

export function roundRobin(members: MemberSubscription[], partitionsPerTopic: PartitionsPerTopic): Assignment {
  const input = normalize(members, partitionsPerTopic);
  const lists = emptyLists(input);
  const ring = [...input.members].sort(compareMemberInfo);
  if (ring.length === 0) return toAssignment(input, lists);

  const topics = [...input.partitionCount.keys()].sort(compareJavaStrings);
  let next = 0;
  for (const topic of topics) {
    const count = input.partitionCount.get(topic) as number;
    for (let p = 0; p < count; p++) {
      // Some member subscribes to every topic in partitionCount, so this loop ends.
      while (!(ring[next % ring.length]?.topicSet.has(topic) ?? false)) next++;
      const member = ring[next % ring.length];
      next++;
      (lists.get(member?.memberId as string) as TopicPartition[]).push({ topic, partition: p });
    }
  }
  return toAssignment(input, lists);
}
