/**
 * What every assignor does before its own rule, as Kafka's `AbstractPartitionAssignor`
 * does it on the group leader: index the subscriptions by member id in a Java HashMap,
 * and keep only the subscribed topics that exist and have partitions.
 *
 * User-provided strings (member ids, topic names) are only ever used as Map keys, never as
 * plain-object keys, so ids such as `__proto__` are ordinary ids here.
 */

import { JavaHashOrder, compareJavaStrings } from './javaOrder.js';
import type { Assignment, MemberSubscription, PartitionsPerTopic, TopicPartition } from './types.js';

export interface NormalizedMember {
  memberId: string;
  groupInstanceId: string | undefined;
  /** Subscribed topics, deduplicated (a consumer's subscription is a set). */
  topics: string[];
  topicSet: ReadonlySet<string>;
  /** Owned partitions in the order given, minus partitions that cannot exist (see spec). */
  ownedPartitions: TopicPartition[];
  generation: number | undefined;
}

export interface GroupInput {
  /** Members in Java HashMap iteration order of their member ids (Kafka's `subscriptions.entrySet()`). */
  members: NormalizedMember[];
  byId: Map<string, NormalizedMember>;
  /** Subscribed topics with at least one partition, in Java HashMap iteration order. */
  topics: string[];
  partitionCount: Map<string, number>;
  /** Member ids in the caller's order, for building the result. */
  inputOrder: string[];
}

export function normalize(members: MemberSubscription[], partitionsPerTopic: PartitionsPerTopic): GroupInput {
  const metadata = new Map<string, number>();
  for (const [topic, count] of Object.entries(partitionsPerTopic)) {
    if (Number.isInteger(count) && count > 0) metadata.set(topic, count);
  }

  const byId = new Map<string, NormalizedMember>();
  const memberOrder = JavaHashOrder.ofStrings();
  for (const m of members) {
    if (byId.has(m.memberId)) throw new Error(`duplicate member id ${JSON.stringify(m.memberId)}`);
    const topics = [...new Set(m.topics)];
    const owned = (m.ownedPartitions ?? []).filter((tp) => {
      const count = metadata.get(tp.topic);
      // Partitions of unknown topics are kept: Kafka itself filters them by topic.
      return count === undefined || (Number.isInteger(tp.partition) && tp.partition >= 0 && tp.partition < count);
    });
    byId.set(m.memberId, {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      topics,
      topicSet: new Set(topics),
      ownedPartitions: owned.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      generation: m.generation,
    });
    memberOrder.add(m.memberId);
  }
  const ordered = memberOrder.keys().map((id) => byId.get(id) as NormalizedMember);

  // AbstractPartitionAssignor.assign(Cluster, GroupSubscription): a HashSet of all subscribed
  // topics, then a HashMap of those that have metadata with partitions.
  const subscribed = JavaHashOrder.ofStrings();
  for (const m of ordered) for (const t of m.topics) subscribed.add(t);
  const topicOrder = JavaHashOrder.ofStrings(subscribed.keys().filter((t) => metadata.has(t)));
  const partitionCount = new Map<string, number>();
  const topics = topicOrder.keys();
  for (const t of topics) partitionCount.set(t, metadata.get(t) as number);

  return { members: ordered, byId, topics, partitionCount, inputOrder: members.map((m) => m.memberId) };
}

/**
 * Kafka's `AbstractPartitionAssignor.MemberInfo.compareTo`: static members (with a
 * group.instance.id) first, ordered by instance id; then dynamic members by member id.
 */
export function compareMemberInfo(a: NormalizedMember, b: NormalizedMember): number {
  if (a.groupInstanceId !== undefined && b.groupInstanceId !== undefined) {
    return compareJavaStrings(a.groupInstanceId, b.groupInstanceId);
  }
  if (a.groupInstanceId !== undefined) return -1;
  if (b.groupInstanceId !== undefined) return 1;
  return compareJavaStrings(a.memberId, b.memberId);
}

export function toAssignment(input: GroupInput, lists: Map<string, TopicPartition[]>): Assignment {
  return Object.fromEntries(input.inputOrder.map((id) => [id, (lists.get(id) ?? []).map((tp) => ({ ...tp }))]));
}

export function emptyLists(input: GroupInput): Map<string, TopicPartition[]> {
  const lists = new Map<string, TopicPartition[]>();
  for (const m of input.members) lists.set(m.memberId, []);
  return lists;
}
