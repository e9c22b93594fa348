/**
 * Kafka's `RangeAssignor` (non-rack-aware path, Kafka 3.x): per topic, the subscribers in
 * `MemberInfo` order each take a contiguous range of partitions; the first
 * `numPartitions % numConsumers` of them take one extra.
 */

import { compareMemberInfo, emptyLists, normalize, toAssignment, type NormalizedMember } from './common.js';
import type { Assignment, MemberSubscription, PartitionsPerTopic, TopicPartition } from './types.js';

export function range(members: MemberSubscription[], partitionsPerTopic: PartitionsPerTopic): Assignment {
  const input = normalize(members, partitionsPerTopic);
  const lists = emptyLists(input);

  // consumersPerTopic: built by walking the subscriptions HashMap, then sorted per topic
  // (a stable sort, so members comparing equal keep HashMap order).
  const consumersPerTopic = new Map<string, NormalizedMember[]>();
  for (const m of input.members) {
    for (const t of m.topics) {
      const list = consumersPerTopic.get(t) ?? [];
      list.push(m);
      consumersPerTopic.set(t, list);
    }
  }

  // Topics are visited in the partitionsPerTopic HashMap's order; that order is visible
  // only as the order of partitions within a member's list.
  for (const topic of input.topics) {
    const numPartitions = input.partitionCount.get(topic) as number;
    const consumers = [...(consumersPerTopic.get(topic) ?? [])].sort(compareMemberInfo);
    if (consumers.length === 0) continue;
    const perConsumer = Math.floor(numPartitions / consumers.length);
    const withExtra = numPartitions % consumers.length;
    consumers.forEach((c, i) => {
      const start = perConsumer * i + Math.min(i, withExtra);
      const length = perConsumer + (i < withExtra ? 1 : 0);
      const target = lists.get(c.memberId) as TopicPartition[];
      for (let p = start; p < start + length; p++) target.push({ topic, partition: p });
    });
  }
  return toAssignment(input, lists);
}
