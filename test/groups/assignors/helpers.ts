import type { Assignment, MemberSubscription, TopicPartition } from '../../../src/groups/assignors/index.js';

export const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

export function member(
  memberId: string,
  topics: string[],
  extra: { owned?: TopicPartition[]; generation?: number; instance?: string } = {},
): MemberSubscription {
  const m: MemberSubscription = { memberId, topics };
  if (extra.owned !== undefined) m.ownedPartitions = extra.owned;
  if (extra.generation !== undefined) m.generation = extra.generation;
  if (extra.instance !== undefined) m.groupInstanceId = extra.instance;
  return m;
}

/** Kafka tests' `toSortedString`: "t1-0, t1-3, ..." with TopicPartition.toString sorted as strings. */
export function sortedString(tps: TopicPartition[]): string {
  return tps
    .map((x) => `${x.topic}-${x.partition}`)
    .sort()
    .join(', ');
}

export function parsePartitions(s: string): TopicPartition[] {
  if (s.trim() === '') return [];
  return s.split(', ').map((x) => {
    const i = x.lastIndexOf('-');
    return tp(x.slice(0, i), Number(x.slice(i + 1)));
  });
}

export const keyOf = (x: TopicPartition): string => `${x.topic}-${x.partition}`;

/**
 * Port of Kafka's AbstractStickyAssignorTest.verifyValidityAndBalance: every assigned
 * partition is of a subscribed topic, no partition is assigned twice, and two members whose
 * counts differ by 2+ share no topic (otherwise a partition could have moved).
 */
export function validityAndBalanceProblems(members: MemberSubscription[], assignment: Assignment): string[] {
  const problems: string[] = [];
  const ids = members.map((m) => m.memberId).sort();
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const lists = new Map(Object.entries(assignment));
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i] as string;
    const mine = lists.get(a) ?? [];
    for (const x of mine) {
      if (!byId.get(a)?.topics.includes(x.topic)) problems.push(`${keyOf(x)} assigned to ${a}, not subscribed`);
    }
    for (let j = i + 1; j < ids.length; j++) {
      const b = ids[j] as string;
      const theirs = lists.get(b) ?? [];
      const theirKeys = new Set(theirs.map(keyOf));
      for (const x of mine) if (theirKeys.has(keyOf(x))) problems.push(`${keyOf(x)} assigned to ${a} and ${b}`);
      if (Math.abs(mine.length - theirs.length) <= 1) continue;
      const myTopics = new Set(mine.map((x) => x.topic));
      for (const x of theirs) {
        if (myTopics.has(x.topic)) {
          problems.push(`unbalanced: ${a} has ${mine.length}, ${b} has ${theirs.length}, both hold ${x.topic}`);
          break;
        }
      }
    }
  }
  return problems;
}

/** Members re-joining with what they were just assigned as their owned partitions. */
export function rejoin(members: MemberSubscription[], assignment: Assignment, generation?: number): MemberSubscription[] {
  return members.map((m) => {
    const next: MemberSubscription = { ...m, ownedPartitions: assignment[m.memberId] ?? [] };
    if (generation !== undefined) next.generation = generation;
    return next;
  });
}
