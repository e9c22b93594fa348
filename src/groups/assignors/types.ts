/** A topic partition, as Kafka's `TopicPartition`. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * One group member's subscription, as the group leader sees it in the JoinGroup response.
 *
 * `ownedPartitions` and `generation` are what the sticky assignors read from the member's
 * subscription: for `cooperative-sticky` they are `Subscription.ownedPartitions` and
 * `Subscription.generationId`; for `sticky` they stand for the previous assignment and
 * generation the member encodes in its subscription userData. Absent means "no owned
 * partitions" and "no generation" (Kafka's `Optional.empty()`, treated as generation -1).
 */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId?: string;
  topics: string[];
  ownedPartitions?: TopicPartition[];
  generation?: number;
}

/** Partition count per topic: the metadata the leader holds for the subscribed topics. */
export type PartitionsPerTopic = Record<string, number>;

/** Member id -> partitions assigned to it. Every member of the input appears, possibly with []. */
export type Assignment = Record<string, TopicPartition[]>;

export type Assignor = (members: MemberSubscription[], partitionsPerTopic: PartitionsPerTopic) => Assignment;
