/**
 * Kafka's `AbstractStickyAssignor` (Kafka 3.x, without rack awareness), shared by the
 * `sticky` (eager) and `cooperative-sticky` assignors.
 *
 * Two algorithms, chosen as Kafka chooses them:
 * - every member subscribed to the same topics: the *constrained* assignment
 *   (`ConstrainedAssignmentBuilder`): keep owned partitions up to the quota, then deal the
 *   rest round-robin to the members below quota;
 * - otherwise the *general* assignment (`GeneralAssignmentBuilder`): keep valid owned
 *   partitions, give each unassigned partition to the least-loaded subscriber, then move
 *   partitions towards balance, honouring the previous generation's owner and avoiding
 *   moving a partition back and forth between two members (`PartitionMovements`).
 *
 * Java's iteration orders that leak into the result are reproduced (see javaOrder.ts).
 */

import { JavaHashOrder, compareJavaStrings, tpKey } from './javaOrder.js';
import type { GroupInput, NormalizedMember } from './common.js';
import type { TopicPartition } from './types.js';

const DEFAULT_GENERATION = -1;

export interface StickyOutcome {
  assignment: Map<string, TopicPartition[]>;
  /**
   * Kafka's `partitionsTransferringOwnership`: partitions the constrained algorithm gave to a
   * new owner while revoking them from an old one. `null` after the general algorithm, as in
   * Kafka, where the cooperative assignor then computes it from owned vs. assigned.
   */
  partitionsTransferringOwnership: Map<string, { tp: TopicPartition; consumer: string }> | null;
}

/** Java's `List.remove(Object)`: removes the first equal element, if any. */
function removeFirst(list: TopicPartition[], tp: TopicPartition): boolean {
  const i = list.findIndex((x) => x.topic === tp.topic && x.partition === tp.partition);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

function containsTp(list: TopicPartition[], tp: TopicPartition): boolean {
  return list.some((x) => x.topic === tp.topic && x.partition === tp.partition);
}

export function stickyAssign(input: GroupInput): StickyOutcome {
  const consumerToOwned = new Map<string, TopicPartition[]>();
  const multiplyClaimed = new Set<string>();
  const equal = allSubscriptionsEqual(input, consumerToOwned, multiplyClaimed);
  if (input.members.length === 0) return { assignment: new Map(), partitionsTransferringOwnership: new Map() };
  if (equal) return constrainedAssign(input, consumerToOwned, multiplyClaimed);
  return { assignment: generalAssign(input, consumerToOwned), partitionsTransferringOwnership: null };
}

/**
 * `allSubscriptionsEqual`: whether every member subscribes to the same topics, and each
 * member's still-valid owned partitions. A partition claimed by two members of the same
 * generation is taken from both; between generations, the higher one keeps it.
 */
function allSubscriptionsEqual(
  input: GroupInput,
  consumerToOwned: Map<string, TopicPartition[]>,
  multiplyClaimed: Set<string>,
): boolean {
  let isEqual = true;
  // Kafka seeds the comparison set from the first subscription while the set is still
  // empty, so a member with an empty subscription seen first does not break equality.
  const subscribedTopics = new Set<string>();
  const previousOwner = new Map<string, string>();

  for (const m of input.members) {
    if (subscribedTopics.size === 0) {
      for (const t of m.topics) subscribedTopics.add(t);
    } else if (isEqual && !(m.topics.length === subscribedTopics.size && m.topics.every((t) => subscribedTopics.has(t)))) {
      isEqual = false;
    }

    const generation = m.generation ?? DEFAULT_GENERATION;
    const owned: TopicPartition[] = [];
    consumerToOwned.set(m.memberId, owned);
    for (const tp of m.ownedPartitions) {
      if (!input.partitionCount.has(tp.topic)) continue;
      const key = tpKey(tp);
      const other = previousOwner.get(key);
      if (other === undefined) {
        owned.push(tp);
        previousOwner.set(key, m.memberId);
        continue;
      }
      const otherGeneration = (input.byId.get(other) as NormalizedMember).generation ?? DEFAULT_GENERATION;
      if (generation === otherGeneration) {
        multiplyClaimed.add(key);
        removeFirst(consumerToOwned.get(other) as TopicPartition[], tp);
        previousOwner.set(key, m.memberId);
      } else if (generation > otherGeneration) {
        owned.push(tp);
        removeFirst(consumerToOwned.get(other) as TopicPartition[], tp);
        previousOwner.set(key, m.memberId);
      }
    }
  }
  return isEqual;
}

function allPartitionsByTopicName(input: GroupInput): TopicPartition[] {
  const topics = [...input.partitionCount.keys()].sort(compareJavaStrings);
  const all: TopicPartition[] = [];
  for (const topic of topics) {
    const count = input.partitionCount.get(topic) as number;
    for (let p = 0; p < count; p++) all.push({ topic, partition: p });
  }
  return all;
}

// ---------------------------------------------------------------------------------------
// Constrained assignment: all members subscribe to the same topics.
// ---------------------------------------------------------------------------------------

function constrainedAssign(
  input: GroupInput,
  consumerToOwned: Map<string, TopicPartition[]>,
  multiplyClaimed: Set<string>,
): StickyOutcome {
  let total = 0;
  for (const c of input.partitionCount.values()) total += c;
  const n = input.members.length;
  const minQuota = Math.floor(total / n);
  const maxQuota = Math.ceil(total / n);
  const expectedOverMin = total % n;
  let currentOverMin = 0;

  const assignment = new Map<string, TopicPartition[]>();
  for (const m of input.members) assignment.set(m.memberId, []);
  const assigned = new Set<string>();
  const revoked = new Set<string>();
  const transferring = new Map<string, { tp: TopicPartition; consumer: string }>();
  // Java LinkedLists: members still under minQuota, and members at exactly minQuota that
  // may still take one more partition (while fewer than expectedOverMin members are over).
  const underMin: string[] = [];
  const exactlyMin: string[] = [];

  // Reassign previously owned partitions, walking the members in HashMap order: which
  // over-quota members keep maxQuota rather than minQuota depends on that order.
  for (const m of input.members) {
    const consumer = m.memberId;
    const owned = [...(consumerToOwned.get(consumer) as TopicPartition[])].sort(
      (a, b) => a.partition - b.partition || compareJavaStrings(a.topic, b.topic),
    );
    for (const key of multiplyClaimed) {
      const i = owned.findIndex((tp) => tpKey(tp) === key);
      if (i >= 0) owned.splice(i, 1);
    }
    const target = assignment.get(consumer) as TopicPartition[];
    const keep = (count: number): void => {
      for (const tp of owned.slice(0, count)) {
        target.push(tp);
        assigned.add(tpKey(tp));
      }
      for (const tp of owned.slice(count)) revoked.add(tpKey(tp));
    };
    if (owned.length < minQuota) {
      keep(owned.length);
      underMin.push(consumer);
    } else if (owned.length >= maxQuota && currentOverMin < expectedOverMin) {
      currentOverMin++;
      if (currentOverMin === expectedOverMin) exactlyMin.length = 0;
      keep(maxQuota);
    } else {
      keep(minQuota);
      if (currentOverMin < expectedOverMin) exactlyMin.push(consumer);
    }
  }

  const unassigned = allPartitionsByTopicName(input).filter((tp) => !assigned.has(tpKey(tp)));
  underMin.sort(compareJavaStrings);
  exactlyMin.sort(compareJavaStrings);

  const assignNew = (tp: TopicPartition, consumer: string): number => {
    const list = assignment.get(consumer) as TopicPartition[];
    list.push(tp);
    const key = tpKey(tp);
    if (revoked.has(key) || multiplyClaimed.has(key)) transferring.set(key, { tp, consumer });
    return list.length;
  };

  // Round-robin over the under-minQuota members (restarting the iterator when it runs out),
  // then over the exactly-minQuota members, each of which takes at most one more.
  let cursor = 0;
  for (const tp of unassigned) {
    let consumer: string;
    let fromUnderMin: boolean;
    if (cursor < underMin.length) {
      consumer = underMin[cursor++] as string;
      fromUnderMin = true;
    } else if (underMin.length === 0 && exactlyMin.length === 0) {
      throw new Error('No more unfilled consumers to be assigned.');
    } else if (underMin.length === 0) {
      consumer = exactlyMin.shift() as string;
      fromUnderMin = false;
    } else {
      cursor = 0;
      consumer = underMin[cursor++] as string;
      fromUnderMin = true;
    }
    const count = assignNew(tp, consumer);
    if (count === minQuota) {
      if (!fromUnderMin) throw new Error('assignor invariant: a member at minQuota gained no partition');
      underMin.splice(--cursor, 1);
      exactlyMin.push(consumer);
    } else if (count === maxQuota) {
      currentOverMin++;
    }
  }

  // verifyUnfilledMembers
  if (underMin.length > 0) {
    if (currentOverMin !== expectedOverMin) {
      throw new Error("We haven't reached the expected number of members with more than the minQuota partitions, but no more partitions to be assigned");
    }
    for (const c of underMin) {
      if ((assignment.get(c) as TopicPartition[]).length !== minQuota) {
        throw new Error(`Consumer: [${c}] doesn't reach minQuota partitions, and no more partitions to be assigned`);
      }
    }
  }

  return { assignment, partitionsTransferringOwnership: transferring };
}

// ---------------------------------------------------------------------------------------
// General assignment: members subscribe to different topics.
// ---------------------------------------------------------------------------------------

/** Kafka's `TreeSet<String>` of members ordered by current assignment size, then member id. */
class MembersByLoad {
  private members: string[] = [];
  constructor(private readonly load: (m: string) => number) {}

  private compare(a: string, b: string): number {
    return this.load(a) - this.load(b) || compareJavaStrings(a, b);
  }

  add(m: string): void {
    if (this.members.includes(m)) return;
    let i = 0;
    while (i < this.members.length && this.compare(this.members[i] as string, m) < 0) i++;
    this.members.splice(i, 0, m);
  }

  /** Must be called before the member's load changes, as with Java's TreeSet. */
  remove(m: string): void {
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
  }

  first(): string | undefined {
    return this.members[0];
  }

  last(): string | undefined {
    return this.members[this.members.length - 1];
  }

  values(): readonly string[] {
    return this.members;
  }
}

interface Movement {
  src: string;
  dst: string;
}

/**
 * Kafka's `PartitionMovements`: which partitions moved from which member to which during this
 * rebalance, so a later move between the same two members reverses an earlier one instead of
 * moving a second partition (keeping the result sticky). "The partition to move back" is
 * the first element of a `HashSet<TopicPartition>`, hence the Java hash order here.
 */
class PartitionMovements {
  private readonly byTopic = new Map<string, Map<string, JavaHashOrder<TopicPartition>>>();
  private readonly byPartition = new Map<string, Movement>();

  private static pairKey(src: string, dst: string): string {
    return JSON.stringify([src, dst]);
  }

  private removeRecord(tp: TopicPartition): Movement {
    const key = tpKey(tp);
    const pair = this.byPartition.get(key) as Movement;
    this.byPartition.delete(key);
    const forTopic = this.byTopic.get(tp.topic) as Map<string, JavaHashOrder<TopicPartition>>;
    const pk = PartitionMovements.pairKey(pair.src, pair.dst);
    const set = forTopic.get(pk) as JavaHashOrder<TopicPartition>;
    set.delete(tp);
    if (set.size === 0) forTopic.delete(pk);
    if (forTopic.size === 0) this.byTopic.delete(tp.topic);
    return pair;
  }

  private addRecord(tp: TopicPartition, pair: Movement): void {
    this.byPartition.set(tpKey(tp), pair);
    let forTopic = this.byTopic.get(tp.topic);
    if (forTopic === undefined) {
      forTopic = new Map();
      this.byTopic.set(tp.topic, forTopic);
    }
    const pk = PartitionMovements.pairKey(pair.src, pair.dst);
    let set = forTopic.get(pk);
    if (set === undefined) {
      set = JavaHashOrder.ofPartitions();
      forTopic.set(pk, set);
    }
    set.add(tp);
  }

  movePartition(tp: TopicPartition, oldConsumer: string, newConsumer: string): void {
    const existing = this.byPartition.get(tpKey(tp));
    if (existing !== undefined) {
      this.removeRecord(tp);
      if (existing.src !== newConsumer) this.addRecord(tp, { src: existing.src, dst: newConsumer });
    } else {
      this.addRecord(tp, { src: oldConsumer, dst: newConsumer });
    }
  }

  actualPartitionToMove(tp: TopicPartition, oldConsumer: string, newConsumer: string): TopicPartition {
    const forTopic = this.byTopic.get(tp.topic);
    if (forTopic === undefined) return tp;
    const moved = this.byPartition.get(tpKey(tp));
    const from = moved !== undefined ? moved.src : oldConsumer;
    const reverse = forTopic.get(PartitionMovements.pairKey(newConsumer, from));
    if (reverse === undefined) return tp;
    return reverse.first() as TopicPartition;
  }
}

function generalAssign(input: GroupInput, consumerToOwned: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  const partitionCount = input.partitionCount;
  let totalPartitions = 0;
  for (const c of partitionCount.values()) totalPartitions += c;

  const topicConsumers = new Map<string, string[]>();
  for (const t of partitionCount.keys()) topicConsumers.set(t, []);
  const consumerTopics = new Map<string, string[]>();
  for (const m of input.members) {
    const topics = m.topics.filter((t) => partitionCount.has(t));
    consumerTopics.set(m.memberId, topics);
    for (const t of topics) (topicConsumers.get(t) as string[]).push(m.memberId);
  }

  const currentAssignment = consumerToOwned;
  const currentPartitionConsumer = new Map<string, string>();
  for (const [c, tps] of currentAssignment) for (const tp of tps) currentPartitionConsumer.set(tpKey(tp), c);

  // Topics with fewer potential consumers first, then by name; partitions in number order.
  const sortedAllTopics = [...topicConsumers.keys()].sort(
    (a, b) => (topicConsumers.get(a) as string[]).length - (topicConsumers.get(b) as string[]).length || compareJavaStrings(a, b),
  );
  let sortedAllPartitions: TopicPartition[] = [];
  for (const t of sortedAllTopics) {
    const count = partitionCount.get(t) as number;
    for (let p = 0; p < count; p++) sortedAllPartitions.push({ topic: t, partition: p });
  }

  const sizeOf = (c: string): number => {
    const list = currentAssignment.get(c);
    if (list === undefined) {
      throw new Error(`Kafka's AbstractStickyAssignor would throw NullPointerException: member ${JSON.stringify(c)} is not in the current assignment`);
    }
    return list.length;
  };
  const sorted = new MembersByLoad(sizeOf);

  // prepopulateCurrentAssignments: the previous owner of each partition from an older
  // generation, so balancing can hand a partition back to it.
  let maxGeneration = DEFAULT_GENERATION;
  for (const m of input.members) maxGeneration = Math.max(maxGeneration, m.generation ?? DEFAULT_GENERATION);
  const prevAssignment = new Map<string, { consumer: string; generation: number }>();
  const updatePrev = (tps: TopicPartition[], consumer: string, generation: number): void => {
    for (const tp of tps) {
      const key = tpKey(tp);
      const prev = prevAssignment.get(key);
      if (prev === undefined || generation > prev.generation) prevAssignment.set(key, { consumer, generation });
    }
  };
  for (const m of input.members) {
    if (m.generation !== undefined && m.generation < maxGeneration) {
      updatePrev(m.ownedPartitions, m.memberId, m.generation);
    } else if (m.generation === undefined && maxGeneration > DEFAULT_GENERATION) {
      updatePrev(m.ownedPartitions, m.memberId, DEFAULT_GENERATION);
    }
  }
  const movements = new PartitionMovements();

  // assignOwnedPartitions: drop owned partitions of topics the member no longer subscribes to.
  let revocationRequired = false;
  const assignedKeys = new Set<string>();
  for (const m of input.members) {
    const list = currentAssignment.get(m.memberId) as TopicPartition[];
    const kept: TopicPartition[] = [];
    for (const tp of list) {
      if (!topicConsumers.has(tp.topic)) {
        currentPartitionConsumer.delete(tpKey(tp));
      } else if (!m.topicSet.has(tp.topic)) {
        revocationRequired = true;
      } else {
        kept.push(tp);
        assignedKeys.add(tpKey(tp));
      }
    }
    list.splice(0, list.length, ...kept);
  }
  let unassigned = sortedAllPartitions.filter((tp) => !assignedKeys.has(tpKey(tp)));

  for (const c of currentAssignment.keys()) sorted.add(c);

  const maxAssignmentSize = (topics: string[]): number =>
    topics.length === partitionCount.size ? totalPartitions : topics.reduce((s, t) => s + (partitionCount.get(t) as number), 0);

  const isBalanced = (): boolean => {
    const min = sizeOf(sorted.first() as string);
    const max = sizeOf(sorted.last() as string);
    if (min >= max - 1) return true;
    const owner = new Map<string, string>();
    for (const [c, tps] of currentAssignment) for (const tp of tps) owner.set(tpKey(tp), c);
    for (const consumer of sorted.values()) {
      const mine = currentAssignment.get(consumer) as TopicPartition[];
      const topics = consumerTopics.get(consumer) as string[];
      if (mine.length === maxAssignmentSize(topics)) continue;
      const mineKeys = new Set(mine.map(tpKey));
      for (const topic of topics) {
        const count = partitionCount.get(topic) as number;
        for (let p = 0; p < count; p++) {
          const key = tpKey({ topic, partition: p });
          if (mineKeys.has(key)) continue;
          const other = owner.get(key);
          if (other === undefined) {
            throw new Error(`Kafka's AbstractStickyAssignor would throw NullPointerException: no owner for ${key}`);
          }
          if (mine.length + 1 < sizeOf(other)) return false;
        }
      }
    }
    return true;
  };

  const balanceScore = (assignment: Map<string, TopicPartition[]>): number => {
    const sizes = [...assignment.values()].map((l) => l.length);
    let score = 0;
    for (let i = 0; i < sizes.length; i++) for (let j = i + 1; j < sizes.length; j++) score += Math.abs((sizes[i] as number) - (sizes[j] as number));
    return score;
  };

  const processPartitionMovement = (tp: TopicPartition, newConsumer: string): void => {
    const oldConsumer = currentPartitionConsumer.get(tpKey(tp)) as string;
    sorted.remove(oldConsumer);
    sorted.remove(newConsumer);
    movements.movePartition(tp, oldConsumer, newConsumer);
    removeFirst(currentAssignment.get(oldConsumer) as TopicPartition[], tp);
    (currentAssignment.get(newConsumer) as TopicPartition[]).push(tp);
    currentPartitionConsumer.set(tpKey(tp), newConsumer);
    sorted.add(newConsumer);
    sorted.add(oldConsumer);
  };

  const reassignTo = (tp: TopicPartition, newConsumer: string): void => {
    const consumer = currentPartitionConsumer.get(tpKey(tp)) as string;
    processPartitionMovement(movements.actualPartitionToMove(tp, consumer, newConsumer), newConsumer);
  };

  const reassign = (tp: TopicPartition): void => {
    const newConsumer = sorted.values().find((c) => (consumerTopics.get(c) as string[]).includes(tp.topic));
    if (newConsumer === undefined) throw new Error(`no consumer for ${tpKey(tp)}`);
    reassignTo(tp, newConsumer);
  };

  const performReassignments = (partitions: TopicPartition[]): boolean => {
    let performed = false;
    let modified: boolean;
    do {
      modified = false;
      for (const tp of partitions) {
        if (isBalanced()) break;
        const consumer = currentPartitionConsumer.get(tpKey(tp)) as string;
        const prev = prevAssignment.get(tpKey(tp));
        if (prev !== undefined && sizeOf(consumer) > sizeOf(prev.consumer) + 1) {
          reassignTo(tp, prev.consumer);
          performed = modified = true;
          continue;
        }
        for (const other of topicConsumers.get(tp.topic) as string[]) {
          if (sizeOf(consumer) > sizeOf(other) + 1) {
            reassign(tp);
            performed = modified = true;
            break;
          }
        }
      }
    } while (modified);
    return performed;
  };

  // balance()
  const initializing = sizeOf(sorted.last() as string) === 0;

  for (const tp of unassigned) {
    if ((topicConsumers.get(tp.topic) as string[]).length === 0) continue;
    const consumer = sorted.values().find((c) => (consumerTopics.get(c) as string[]).includes(tp.topic));
    if (consumer === undefined) continue;
    sorted.remove(consumer);
    (currentAssignment.get(consumer) as TopicPartition[]).push(tp);
    currentPartitionConsumer.set(tpKey(tp), consumer);
    sorted.add(consumer);
  }

  // Only partitions of topics with 2+ potential consumers, and only consumers that could
  // gain or lose a partition, take part in rebalancing.
  const fixedTopics = new Set([...topicConsumers].filter(([, cs]) => cs.length < 2).map(([t]) => t));
  sortedAllPartitions = sortedAllPartitions.filter((tp) => !fixedTopics.has(tp.topic));
  unassigned = unassigned.filter((tp) => !fixedTopics.has(tp.topic));

  const fixedAssignments = new Map<string, TopicPartition[]>();
  for (const [consumer, topics] of consumerTopics) {
    const mine = currentAssignment.get(consumer) as TopicPartition[];
    const canParticipate = mine.length < maxAssignmentSize(topics) || mine.some((tp) => (topicConsumers.get(tp.topic) as string[]).length >= 2);
    if (!canParticipate) {
      sorted.remove(consumer);
      fixedAssignments.set(consumer, mine);
      currentAssignment.delete(consumer);
    }
  }

  const preBalanceAssignment = new Map<string, TopicPartition[]>([...currentAssignment].map(([c, l]) => [c, [...l]]));
  const preBalancePartitionConsumers = new Map(currentPartitionConsumer);

  // First try moving only the newly assigned partitions, unless subscriptions changed.
  // (Kafka ignores whether this first pass moved anything when deciding to keep the result.)
  if (!revocationRequired) performReassignments(unassigned);
  const reassignmentPerformed = performReassignments(sortedAllPartitions);

  if (!initializing && reassignmentPerformed && balanceScore(currentAssignment) >= balanceScore(preBalanceAssignment)) {
    currentAssignment.clear();
    for (const [c, l] of preBalanceAssignment) currentAssignment.set(c, [...l]);
    currentPartitionConsumer.clear();
    for (const [k, v] of preBalancePartitionConsumers) currentPartitionConsumer.set(k, v);
  }

  for (const [c, l] of fixedAssignments) currentAssignment.set(c, l);
  return currentAssignment;
}
