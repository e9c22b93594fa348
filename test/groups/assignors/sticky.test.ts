import { describe, expect, it } from 'vitest';
import { assignors, type Assignment, type MemberSubscription } from '../../../src/groups/assignors/index.js';
import { keyOf, member, parsePartitions, rejoin, sortedString, tp, validityAndBalanceProblems } from './helpers.js';

const { sticky, cooperativeSticky } = assignors;
const G = 1; // AbstractStickyAssignorTest.generationId

const asSets = (a: Assignment): Record<string, string> =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, sortedString(v)]));

/** What cooperative-sticky returns for the same input: the sticky result minus the transfers. */
function withoutTransfers(a: Assignment, transfers: Record<string, string>): Assignment {
  return Object.fromEntries(
    Object.entries(a).map(([c, list]) => [c, list.filter((x) => transfers[keyOf(x)] !== c)]),
  );
}

/**
 * Ports of AbstractStickyAssignorTest cases (no racks). Each case gives the sticky result
 * Kafka's test asserts and Kafka's `partitionsTransferringOwnership` (null for the general
 * algorithm): cooperative-sticky must return the sticky result minus those transfers.
 */
interface Case {
  name: string;
  members: MemberSubscription[];
  partitionsPerTopic: Record<string, number>;
  expected: Assignment;
  /** partition ("topic-p") -> new owner; omitted = {} */
  transfers?: Record<string, string>;
  /** compare as sets (Kafka's test compares HashSets) */
  sets?: boolean;
}

const cases: Case[] = [
  {
    name: 'testOneConsumerOneTopic',
    members: [member('consumer', ['topic'])],
    partitionsPerTopic: { topic: 3 },
    expected: { consumer: [tp('topic', 0), tp('topic', 1), tp('topic', 2)] },
  },
  {
    name: 'testOnlyAssignsPartitionsFromSubscribedTopics',
    members: [member('consumer', ['topic'], { owned: [tp('topic', 0), tp('topic', 1), tp('other', 0), tp('other', 1)], generation: G })],
    partitionsPerTopic: { topic: 2 },
    expected: { consumer: [tp('topic', 0), tp('topic', 1)] },
  },
  {
    name: 'testOneConsumerMultipleTopics',
    members: [member('consumer', ['topic1', 'topic2'])],
    partitionsPerTopic: { topic1: 1, topic2: 2 },
    expected: { consumer: [tp('topic1', 0), tp('topic2', 0), tp('topic2', 1)] },
  },
  {
    name: 'testTwoConsumersOneTopicTwoPartitions',
    members: [member('consumer1', ['topic']), member('consumer2', ['topic'])],
    partitionsPerTopic: { topic: 2 },
    expected: { consumer1: [tp('topic', 0)], consumer2: [tp('topic', 1)] },
  },
  {
    name: 'testMultipleConsumersMixedTopicSubscriptions (general algorithm)',
    members: [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])],
    partitionsPerTopic: { topic1: 3, topic2: 2 },
    expected: {
      consumer1: [tp('topic1', 0), tp('topic1', 2)],
      consumer2: [tp('topic2', 0), tp('topic2', 1)],
      consumer3: [tp('topic1', 1)],
    },
  },
  {
    name: 'testTwoConsumersTwoTopicsSixPartitions',
    members: [member('consumer1', ['topic1', 'topic2']), member('consumer2', ['topic1', 'topic2'])],
    partitionsPerTopic: { topic1: 3, topic2: 3 },
    expected: {
      consumer1: [tp('topic1', 0), tp('topic1', 2), tp('topic2', 1)],
      consumer2: [tp('topic1', 1), tp('topic2', 0), tp('topic2', 2)],
    },
  },
  {
    name: 'testConsumerOwningMinQuotaExpectedMaxQuota',
    members: [
      member('consumer1', ['topic1', 'topic2'], { owned: [tp('topic1', 0), tp('topic2', 1)], generation: G }),
      member('consumer2', ['topic1', 'topic2'], { owned: [tp('topic1', 1), tp('topic2', 2)], generation: G }),
    ],
    partitionsPerTopic: { topic1: 2, topic2: 3 },
    expected: {
      consumer1: [tp('topic1', 0), tp('topic2', 1), tp('topic2', 0)],
      consumer2: [tp('topic1', 1), tp('topic2', 2)],
    },
  },
  {
    // Which of consumer1/consumer2 keeps maxQuota depends on Java's HashMap order.
    name: 'testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers',
    members: [
      member('consumer1', ['topic1', 'topic2'], { owned: [tp('topic1', 0), tp('topic2', 0)], generation: G }),
      member('consumer2', ['topic1', 'topic2'], { owned: [tp('topic1', 1), tp('topic2', 1)], generation: G }),
      member('consumer3', ['topic1', 'topic2'], { owned: [], generation: G }),
    ],
    partitionsPerTopic: { topic1: 2, topic2: 2 },
    expected: {
      consumer1: [tp('topic1', 0)],
      consumer2: [tp('topic1', 1), tp('topic2', 1)],
      consumer3: [tp('topic2', 0)],
    },
    transfers: { 'topic2-0': 'consumer3' },
  },
  {
    name: 'testAllConsumersAreUnderMinQuota',
    members: [
      member('consumer1', ['topic1', 'topic2'], { owned: [tp('topic1', 0)], generation: G }),
      member('consumer2', ['topic1', 'topic2'], { owned: [tp('topic1', 1)], generation: G }),
      member('consumer3', ['topic1', 'topic2'], { owned: [], generation: G }),
    ],
    partitionsPerTopic: { topic1: 2, topic2: 3 },
    expected: {
      consumer1: [tp('topic1', 0), tp('topic2', 1)],
      consumer2: [tp('topic1', 1), tp('topic2', 2)],
      consumer3: [tp('topic2', 0)],
    },
  },
  {
    name: 'testAllConsumersReachExpectedQuotaAndAreConsideredFilled',
    members: [
      member('consumer1', ['topic'], { owned: [tp('topic', 0), tp('topic', 1)], generation: G }),
      member('consumer2', ['topic'], { owned: [tp('topic', 2)], generation: G }),
      member('consumer3', ['topic'], { owned: [], generation: G }),
    ],
    partitionsPerTopic: { topic: 4 },
    expected: { consumer1: [tp('topic', 0), tp('topic', 1)], consumer2: [tp('topic', 2)], consumer3: [tp('topic', 3)] },
  },
  {
    name: 'testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration',
    members: [
      member('consumer1', ['topic', 'topic2'], { owned: [tp('topic', 0), tp('topic', 2), tp('topic2', 1)], generation: 10 }),
      member('consumer2', ['topic', 'topic2'], { owned: [tp('topic', 0), tp('topic', 2), tp('topic2', 1)], generation: 9 }),
    ],
    partitionsPerTopic: { topic: 3, topic2: 3 },
    expected: {
      consumer1: [tp('topic', 0), tp('topic', 2), tp('topic2', 1)],
      consumer2: [tp('topic', 1), tp('topic2', 0), tp('topic2', 2)],
    },
    sets: true,
  },
  {
    name: 'testOwnedPartitionsAreInvalidatedForConsumerWithNoGeneration',
    members: [
      member('consumer1', ['topic', 'topic2'], { owned: [tp('topic', 0), tp('topic', 2), tp('topic2', 1)], generation: 10 }),
      member('consumer2', ['topic', 'topic2'], { owned: [tp('topic', 0), tp('topic', 2), tp('topic2', 1)], generation: -1 }),
    ],
    partitionsPerTopic: { topic: 3, topic2: 3 },
    expected: {
      consumer1: [tp('topic', 0), tp('topic', 2), tp('topic2', 1)],
      consumer2: [tp('topic', 1), tp('topic2', 0), tp('topic2', 2)],
    },
    sets: true,
  },
  {
    name: 'testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration',
    members: [
      member('consumer1', ['topic'], { owned: [tp('topic', 0), tp('topic', 1)], generation: G }),
      member('consumer2', ['topic'], { owned: [tp('topic', 0), tp('topic', 2)], generation: G }),
      member('consumer3', ['topic'], { owned: [], generation: G }),
    ],
    partitionsPerTopic: { topic: 3 },
    expected: { consumer1: [tp('topic', 1)], consumer2: [tp('topic', 2)], consumer3: [tp('topic', 0)] },
    transfers: { 'topic-0': 'consumer3' },
  },
  {
    name: 'testEnsurePartitionsAssignedToHighestGeneration',
    members: [
      member('consumer1', ['topic', 'topic2', 'topic3'], { owned: [tp('topic', 0), tp('topic2', 0), tp('topic3', 0)], generation: 10 }),
      member('consumer2', ['topic', 'topic2', 'topic3'], { owned: [tp('topic', 1), tp('topic2', 1), tp('topic3', 1)], generation: 9 }),
      member('consumer3', ['topic', 'topic2', 'topic3'], { owned: [tp('topic2', 1), tp('topic3', 0), tp('topic3', 2)], generation: 8 }),
    ],
    partitionsPerTopic: { topic: 3, topic2: 3, topic3: 3 },
    expected: {
      consumer1: [tp('topic', 0), tp('topic2', 0), tp('topic3', 0)],
      consumer2: [tp('topic', 1), tp('topic2', 1), tp('topic3', 1)],
      consumer3: [tp('topic', 2), tp('topic2', 2), tp('topic3', 2)],
    },
    sets: true,
  },
  {
    name: 'testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration',
    members: [
      member('consumer1', ['topic', 'topic2'], { owned: [tp('topic', 0), tp('topic2', 1), tp('topic', 1)], generation: 10 }),
      member('consumer2', ['topic', 'topic2'], { owned: [tp('topic', 0), tp('topic2', 1), tp('topic2', 2)], generation: 8 }),
    ],
    partitionsPerTopic: { topic: 3, topic2: 3 },
    expected: {
      consumer1: [tp('topic', 0), tp('topic2', 1), tp('topic', 1)],
      consumer2: [tp('topic', 2), tp('topic2', 2), tp('topic2', 0)],
    },
    sets: true,
  },
];

describe('sticky / cooperative-sticky: AbstractStickyAssignorTest cases', () => {
  for (const c of cases) {
    it(`sticky: ${c.name}`, () => {
      const result = sticky(c.members, c.partitionsPerTopic);
      if (c.sets) expect(asSets(result)).toEqual(asSets(c.expected));
      else expect(result).toEqual(c.expected);
      expect(validityAndBalanceProblems(c.members, result)).toEqual([]);
    });
    it(`cooperative-sticky: ${c.name}`, () => {
      const expected = withoutTransfers(c.expected, c.transfers ?? {});
      const result = cooperativeSticky(c.members, c.partitionsPerTopic);
      if (c.sets) expect(asSets(result)).toEqual(asSets(expected));
      else expect(result).toEqual(expected);
    });
  }

  it('testNoReassignmentOnCurrentMembers', () => {
    const topics = ['topic', 'topic2', 'topic3', 'topic1'];
    const members = [
      member('consumer1', topics, { owned: [], generation: -1 }),
      member('consumer2', topics, { owned: [tp('topic', 0), tp('topic2', 0), tp('topic1', 0)], generation: 9 }),
      member('consumer3', topics, { owned: [tp('topic3', 2), tp('topic2', 2), tp('topic1', 1)], generation: 8 }),
      member('consumer4', topics, { owned: [tp('topic3', 1), tp('topic', 1), tp('topic', 2)], generation: 7 }),
    ];
    const ppt = { topic: 3, topic1: 3, topic2: 3, topic3: 3 };
    for (const assign of [sticky, cooperativeSticky]) {
      const result = assign(members, ppt);
      expect(sortedString(result.consumer1 ?? [])).toBe('topic1-2, topic2-1, topic3-0');
      expect(validityAndBalanceProblems(members, result)).toEqual([]);
    }
  });

  it('testAddRemoveConsumerOneTopic', () => {
    const ppt = { topic: 3 };
    let members = [member('consumer1', ['topic'])];
    let a = sticky(members, ppt);
    expect(a).toEqual({ consumer1: [tp('topic', 0), tp('topic', 1), tp('topic', 2)] });

    members = [...rejoin(members, a, G), member('consumer2', ['topic'], { owned: [], generation: G })];
    a = sticky(members, ppt);
    expect(a).toEqual({ consumer1: [tp('topic', 0), tp('topic', 1)], consumer2: [tp('topic', 2)] });
    // cooperative: topic-2 moves, so it is first only revoked
    expect(cooperativeSticky(members, ppt)).toEqual({ consumer1: [tp('topic', 0), tp('topic', 1)], consumer2: [] });

    members = rejoin([member('consumer2', ['topic'])], a, G);
    expect(sortedString(sticky(members, ppt).consumer2 ?? [])).toBe('topic-0, topic-1, topic-2');
  });

  it('testAddRemoveTwoConsumersTwoTopics', () => {
    const all = ['topic1', 'topic2'];
    const ppt = { topic1: 3, topic2: 4 };
    let members = [member('consumer1', all), member('consumer2', all)];
    let a = sticky(members, ppt);
    expect(a).toEqual({
      consumer1: [tp('topic1', 0), tp('topic1', 2), tp('topic2', 1), tp('topic2', 3)],
      consumer2: [tp('topic1', 1), tp('topic2', 0), tp('topic2', 2)],
    });

    members = [...rejoin(members, a, G), member('consumer3', all, { owned: [], generation: G }), member('consumer4', all, { owned: [], generation: G })];
    a = sticky(members, ppt);
    expect(a).toEqual({
      consumer1: [tp('topic1', 0), tp('topic2', 1)],
      consumer2: [tp('topic2', 0), tp('topic1', 1)],
      consumer3: [tp('topic1', 2), tp('topic2', 3)],
      consumer4: [tp('topic2', 2)],
    });
    // partitionsTransferringOwnership = {topic1-2: consumer3, topic2-3: consumer3, topic2-2: consumer4}
    expect(cooperativeSticky(members, ppt)).toEqual({
      consumer1: [tp('topic1', 0), tp('topic2', 1)],
      consumer2: [tp('topic2', 0), tp('topic1', 1)],
      consumer3: [],
      consumer4: [],
    });

    members = rejoin([member('consumer3', all), member('consumer4', all)], a, G);
    expect(sticky(members, ppt)).toEqual({
      consumer3: [tp('topic1', 2), tp('topic2', 3), tp('topic1', 0), tp('topic2', 1)],
      consumer4: [tp('topic2', 2), tp('topic1', 1), tp('topic2', 0)],
    });
  });

  it('testTopicBalanceAfterReassignment', () => {
    const all = ['topic1', 'topic2'];
    const ppt = { topic1: 12, topic2: 12 };
    const perTopic = (a: Assignment, n: number) => {
      for (const list of Object.values(a)) {
        expect(list.filter((x) => x.topic === 'topic1')).toHaveLength(n);
        expect(list.filter((x) => x.topic === 'topic2')).toHaveLength(n);
      }
    };
    let members = [member('consumer1', all)];
    let a = sticky(members, ppt);
    perTopic(a, 12);
    members = [...rejoin(members, a, G), member('consumer2', all, { owned: [], generation: G })];
    a = sticky(members, ppt);
    perTopic(a, 6);
    members = [...rejoin(members, a, G), member('consumer3', all, { owned: [], generation: G }), member('consumer4', all, { owned: [], generation: G })];
    a = sticky(members, ppt);
    perTopic(a, 3);
    members = rejoin(members.filter((m) => m.memberId === 'consumer3' || m.memberId === 'consumer4'), a, G);
    a = sticky(members, ppt);
    perTopic(a, 6);
  });

  it('testReassignmentAfterOneConsumerLeaves (general algorithm, 19 topics)', () => {
    const name = (p: string, i: number, max: number) => p + String(i).padStart(String(max).length, '0');
    const ppt: Record<string, number> = {};
    for (let i = 1; i < 20; i++) ppt[name('t', i, 20)] = i;
    let members: MemberSubscription[] = [];
    for (let i = 1; i < 20; i++) {
      const topics = Array.from({ length: i }, (_, j) => name('t', j + 1, 20));
      members.push(member(name('c', i, 20), topics));
    }
    let a = sticky(members, ppt);
    expect(validityAndBalanceProblems(members, a)).toEqual([]);
    members = rejoin(members, a, G).filter((m) => m.memberId !== 'c10');
    const before = a;
    a = sticky(members, ppt);
    expect(validityAndBalanceProblems(members, a)).toEqual([]);
    // a survivor loses a partition only to rebalance towards fewer-loaded members
    let kept = 0;
    for (const m of members) {
      const now = new Set((a[m.memberId] ?? []).map(keyOf));
      kept += (before[m.memberId] ?? []).filter((x) => now.has(keyOf(x))).length;
    }
    expect(kept).toBeGreaterThan(0);
  });
});

// AbstractStickyAssignorTest.testRackAwareAssignmentWith{Uniform,NonEqual}Subscription, in
// the configurations where rack awareness is off (null racks): consumers consumer0..2,
// expected assignments as Kafka's sorted "topic-partition" strings.
describe('rack-less expectations from the rack-aware tests', () => {
  const ppt = { t1: 6, t2: 7, t3: 2 };
  const all = ['t1', 't2', 't3'];
  const build = (topics: string[][], owned?: string[]) =>
    topics.map((ts, i) => member(`consumer${i}`, ts, owned ? { owned: parsePartitions(owned[i] ?? ''), generation: -1 } : {}));
  const strings = (a: Assignment) => [0, 1, 2].map((i) => sortedString(a[`consumer${i}`] ?? []));

  const uniform = ['t1-0, t1-3, t2-0, t2-3, t2-6', 't1-1, t1-4, t2-1, t2-4, t3-0', 't1-2, t1-5, t2-2, t2-5, t3-1'];
  const nonEqual = ['t1-5, t2-0, t2-2, t2-4, t2-6', 't1-3, t2-1, t2-3, t2-5, t3-0', 't1-0, t1-1, t1-2, t1-4, t3-1'];

  it('uniform subscription: fresh and with the same owned partitions', () => {
    for (const assign of [sticky, cooperativeSticky]) {
      expect(strings(assign(build([all, all, all]), ppt))).toEqual(uniform);
      expect(strings(assign(build([all, all, all], uniform), ppt))).toEqual(uniform);
    }
  });

  it('non-equal subscription (general algorithm): fresh and with the same owned partitions', () => {
    const topics = [all, all, ['t1', 't3']];
    for (const assign of [sticky, cooperativeSticky]) {
      expect(strings(assign(build(topics), ppt))).toEqual(nonEqual);
      expect(strings(assign(build(topics, nonEqual), ppt))).toEqual(nonEqual);
    }
  });

  it('cooperative-sticky revokes first, then assigns in the follow-up rebalance', () => {
    const topics = [all, all, ['t1', 't3']];
    const owned = ['t1-0, t1-1, t1-2, t1-3, t1-4', 't1-5, t2-0, t2-1, t2-2, t2-3', 't2-4, t2-5, t2-6, t3-0, t3-1'];
    const intermediate = ['t1-2, t1-3, t1-4', 't2-0, t2-1, t2-2, t2-3', 't3-0, t3-1'];
    const final = ['t1-2, t1-3, t1-4, t2-4, t2-5', 't2-0, t2-1, t2-2, t2-3, t2-6', 't1-0, t1-1, t1-5, t3-0, t3-1'];
    expect(strings(cooperativeSticky(build(topics, owned), ppt))).toEqual(intermediate);
    expect(strings(cooperativeSticky(build(topics, intermediate), ppt))).toEqual(final);
  });
});

describe('StickyAssignor javadoc', () => {
  it('example 1: four topics, three consumers', () => {
    const topics = ['t0', 't1', 't2', 't3'];
    expect(sticky([member('C0', topics), member('C1', topics), member('C2', topics)], { t0: 2, t1: 2, t2: 2, t3: 2 })).toEqual({
      C0: [tp('t0', 0), tp('t1', 1), tp('t3', 0)],
      C1: [tp('t0', 1), tp('t2', 0), tp('t3', 1)],
      C2: [tp('t1', 0), tp('t2', 1)],
    });
  });

  it('example 2: nested subscriptions balance better than round robin', () => {
    const members = [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])];
    expect(asSets(sticky(members, { t0: 1, t1: 2, t2: 3 }))).toEqual({ C0: 't0-0', C1: 't1-0, t1-1', C2: 't2-0, t2-1, t2-2' });
  });
});

describe('reproduced Kafka quirks (spec/assignors.md)', () => {
  it('a member with an empty subscription seen first keeps subscriptions "equal", so it gets partitions', () => {
    // 'a' comes before 'b' in Java HashMap order; Kafka seeds the comparison set from it.
    expect(sticky([member('a', []), member('b', ['t'])], { t: 2 })).toEqual({ a: [tp('t', 0)], b: [tp('t', 1)] });
  });
});
