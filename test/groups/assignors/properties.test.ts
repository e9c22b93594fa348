import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignors, type Assignment, type MemberSubscription } from '../../../src/groups/assignors/index.js';
import { keyOf, member, rejoin, tp, validityAndBalanceProblems } from './helpers.js';

const { range, roundRobin, sticky, cooperativeSticky } = assignors;
const all = { range, roundRobin, sticky, cooperativeSticky };
const RUNS = { numRuns: 300 };

const topicNames = ['a', 'b', 'c', 'topic1', 'topic2'];

/** A group: distinct member ids (some static), non-empty subscriptions, partition counts. */
const groupArb = fc
  .record({
    ids: fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,6}$/), { minLength: 1, maxLength: 7 }),
    counts: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: topicNames.length, maxLength: topicNames.length }),
    subsSeed: fc.array(fc.subarray(topicNames, { minLength: 1 }), { minLength: 7, maxLength: 7 }),
    staticMask: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
  })
  .map(({ ids, counts, subsSeed, staticMask }) => ({
    members: ids.map((id, i) =>
      member(id, subsSeed[i] ?? ['a'], staticMask[i] ? { instance: `inst-${id}` } : {}),
    ),
    partitionsPerTopic: Object.fromEntries(topicNames.map((t, i) => [t, counts[i] ?? 0])),
  }));

/** Same, but every member subscribes to the same topics. */
const uniformGroupArb = groupArb.chain((g) =>
  fc.subarray(topicNames, { minLength: 1 }).map((topics) => ({
    ...g,
    members: g.members.map((m) => ({ ...m, topics })),
  })),
);

function partitionsOf(ppt: Record<string, number>, members: MemberSubscription[]): string[] {
  const subscribed = new Set(members.flatMap((m) => m.topics));
  return Object.entries(ppt).flatMap(([t, n]) => (subscribed.has(t) ? Array.from({ length: n }, (_, p) => `${t}-${p}`) : []));
}

function holders(a: Assignment): Map<string, string[]> {
  const h = new Map<string, string[]>();
  for (const [m, list] of Object.entries(a)) for (const x of list) h.set(keyOf(x), [...(h.get(keyOf(x)) ?? []), m]);
  return h;
}

describe('assignor-complete', () => {
  for (const [name, assign] of Object.entries(all)) {
    it(`${name}: every member appears, every subscribed partition goes to exactly one subscriber`, () => {
      fc.assert(
        fc.property(groupArb, ({ members, partitionsPerTopic }) => {
          const a = assign(members, partitionsPerTopic);
          expect(Object.keys(a).sort()).toEqual(members.map((m) => m.memberId).sort());
          const h = holders(a);
          const byId = new Map(members.map((m) => [m.memberId, m]));
          for (const [p, owners] of h) {
            expect(owners).toHaveLength(1);
            expect(byId.get(owners[0] as string)?.topics).toContain(p.slice(0, p.lastIndexOf('-')));
          }
          // cooperative-sticky may hold back moving partitions, but not on a fresh group
          expect([...h.keys()].sort()).toEqual(partitionsOf(partitionsPerTopic, members).sort());
        }),
        RUNS,
      );
    });
  }
});

describe('assignor-balanced', () => {
  for (const [name, assign] of Object.entries(all)) {
    it(`${name}: counts differ by at most 1 when all subscribe to the same topics`, () => {
      fc.assert(
        fc.property(uniformGroupArb, ({ members, partitionsPerTopic }) => {
          const sizes = Object.values(assign(members, partitionsPerTopic)).map((l) => l.length);
          // range balances per topic only, so its spread is bounded by the topic count
          const bound = name === 'range' ? topicNames.length : 1;
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(bound);
        }),
        RUNS,
      );
    });
  }

  for (const [name, assign] of Object.entries({ sticky })) {
    it(`${name}: valid and balanced (Kafka's verifyValidityAndBalance) for any subscriptions, fresh and after a rebalance`, () => {
      fc.assert(
        fc.property(groupArb, fc.integer({ min: 0, max: 6 }), ({ members, partitionsPerTopic }, drop) => {
          const first = assign(members, partitionsPerTopic);
          expect(validityAndBalanceProblems(members, first)).toEqual([]);
          const survivors = rejoin(members, first, 1).filter((_, i) => i !== drop || members.length === 1);
          const second = assign(survivors, partitionsPerTopic);
          expect(validityAndBalanceProblems(survivors, second)).toEqual([]);
        }),
        RUNS,
      );
    });
  }
});

describe('assignor-sticky', () => {
  for (const [name, assign] of Object.entries({ sticky, cooperativeSticky })) {
    it(`${name}: re-running with ownedPartitions = previous result gives the same result`, () => {
      fc.assert(
        fc.property(groupArb, ({ members, partitionsPerTopic }) => {
          // settle (cooperative needs a follow-up rebalance after revocations)
          let current = members;
          let a = assign(current, partitionsPerTopic);
          for (let i = 0; i < 3; i++) {
            current = rejoin(current, a, i + 1);
            a = assign(current, partitionsPerTopic);
          }
          const again = assign(rejoin(current, a, 9), partitionsPerTopic);
          const sets = (x: Assignment) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.map(keyOf).sort()]));
          expect(sets(again)).toEqual(sets(a));
        }),
        RUNS,
      );
    });

    it(`${name}: after a member leaves a uniform group, survivors keep what they had`, () => {
      fc.assert(
        fc.property(uniformGroupArb, fc.nat(), ({ members, partitionsPerTopic }, pick) => {
          fc.pre(members.length >= 2);
          const before = sticky(members, partitionsPerTopic);
          const leaver = members[pick % members.length]?.memberId;
          const survivors = rejoin(members, before, 1).filter((m) => m.memberId !== leaver);
          const after = assign(survivors, partitionsPerTopic);
          // Survivors each keep at least min(owned, quota) of what they owned.
          const total = Object.values(before).reduce((s, l) => s + l.length, 0);
          const minQuota = Math.floor(total / survivors.length);
          for (const m of survivors) {
            const had = before[m.memberId] ?? [];
            const now = new Set((after[m.memberId] ?? []).map(keyOf));
            const kept = had.filter((x) => now.has(keyOf(x))).length;
            expect(kept).toBeGreaterThanOrEqual(Math.min(had.length, minQuota));
            if (had.length <= minQuota) expect(kept).toBe(had.length);
          }
        }),
        RUNS,
      );
    });
  }
});

describe('cooperative-revoke-first', () => {
  it('no partition is given to a new owner in the rebalance that revokes it from its old owner', () => {
    fc.assert(
      fc.property(groupArb, groupArb, ({ members, partitionsPerTopic }, other) => {
        // previous ownership from one assignment, then a changed group (subscriptions from `other`)
        const prev = sticky(members, partitionsPerTopic);
        const changed = rejoin(members, prev, 1).map((m, i) => ({ ...m, topics: other.members[i]?.topics ?? m.topics }));
        const next = cooperativeSticky(changed, partitionsPerTopic);
        const owner = new Map<string, string>();
        for (const [m, list] of Object.entries(prev)) for (const x of list) owner.set(keyOf(x), m);
        for (const [m, list] of Object.entries(next)) {
          for (const x of list) {
            const old = owner.get(keyOf(x));
            // if someone else owned it, that owner must still have it... which cannot be, so nobody did
            expect(old === undefined || old === m).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('repeating the cooperative rebalance converges to the sticky assignment within a few rounds', () => {
    fc.assert(
      fc.property(groupArb, ({ members, partitionsPerTopic }) => {
        let current = members;
        let a = cooperativeSticky(current, partitionsPerTopic);
        for (let i = 0; i < 4; i++) {
          current = rejoin(current, a, i + 1);
          a = cooperativeSticky(current, partitionsPerTopic);
        }
        expect([...holders(a).keys()].sort()).toEqual(partitionsOf(partitionsPerTopic, members).sort());
        expect(validityAndBalanceProblems(current, a)).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('determinism', () => {
  for (const [name, assign] of Object.entries(all)) {
    it(`${name}: same input twice gives the same output; member input order does not matter`, () => {
      fc.assert(
        fc.property(groupArb, fc.nat(), ({ members, partitionsPerTopic }, seed) => {
          const owned = rejoin(members, sticky(members, partitionsPerTopic), 1);
          const a = assign(owned, partitionsPerTopic);
          expect(assign(owned, partitionsPerTopic)).toEqual(a);
          // Kafka sorts members, so the member -> partitions sets cannot depend on the order
          // members joined. (List order, and for the sticky assignors which over-quota member
          // keeps more, can: through Java HashMap bucket collisions, as in Kafka; see below.)
          const sets = (x: Assignment) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.map(keyOf).sort()]));
          const shuffled = [...owned].sort((x, y) => ((x.memberId.length * 31 + seed) % 7) - ((y.memberId.length * 31 + seed) % 7));
          if (name === 'range' || name === 'roundRobin') {
            expect(sets(assign(shuffled, partitionsPerTopic))).toEqual(sets(a));
            expect(sets(assign([...owned].reverse(), partitionsPerTopic))).toEqual(sets(a));
          } else {
            // fresh sticky assignment: no owned partitions, so no over-quota choice to make
            const fresh = assign(members, partitionsPerTopic);
            expect(sets(assign([...members].reverse(), partitionsPerTopic))).toEqual(sets(fresh));
          }
        }),
        RUNS,
      );
    });
  }

  it('Java HashMap order: colliding member ids keep join order, as in Kafka', () => {
    // "Aa" and "BB" have the same Java hashCode (2112), so they share a HashMap bucket and
    // Kafka's leader walks them in JoinGroup order: the first one keeps maxQuota.
    const owned = (id: string, ps: number[]) => member(id, ['t'], { owned: ps.map((p) => tp('t', p)), generation: 1 });
    const joinAaFirst = sticky([owned('Aa', [0, 1]), owned('BB', [2, 3]), owned('c', [])], { t: 4 });
    const joinBBFirst = sticky([owned('BB', [2, 3]), owned('Aa', [0, 1]), owned('c', [])], { t: 4 });
    expect(joinAaFirst).toEqual({ Aa: [tp('t', 0), tp('t', 1)], BB: [tp('t', 2)], c: [tp('t', 3)] });
    expect(joinBBFirst).toEqual({ BB: [tp('t', 2), tp('t', 3)], Aa: [tp('t', 0)], c: [tp('t', 1)] });
  });

  it('the HashMap-order-dependent Kafka case does not depend on input order', () => {
    const G = 1;
    const members = [
      member('consumer3', ['topic1', 'topic2'], { owned: [], generation: G }),
      member('consumer2', ['topic1', 'topic2'], { owned: [tp('topic1', 1), tp('topic2', 1)], generation: G }),
      member('consumer1', ['topic1', 'topic2'], { owned: [tp('topic1', 0), tp('topic2', 0)], generation: G }),
    ];
    expect(sticky(members, { topic1: 2, topic2: 2 })).toEqual({
      consumer3: [tp('topic2', 0)],
      consumer2: [tp('topic1', 1), tp('topic2', 1)],
      consumer1: [tp('topic1', 0)],
    });
  });
});
