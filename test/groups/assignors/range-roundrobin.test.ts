import { describe, expect, it } from 'vitest';
import { assignors } from '../../../src/groups/assignors/index.js';
import { member, tp } from './helpers.js';

const { range, roundRobin } = assignors;

// Cases ported from Kafka's RangeAssignorTest.
describe('range (RangeAssignorTest)', () => {
  it('one consumer, no topic', () => {
    expect(range([member('consumer1', [])], {})).toEqual({ consumer1: [] });
  });

  it('one consumer, nonexistent topic', () => {
    expect(range([member('consumer1', ['topic1'])], {})).toEqual({ consumer1: [] });
  });

  it('one consumer, one topic', () => {
    expect(range([member('consumer1', ['topic1'])], { topic1: 3 })).toEqual({
      consumer1: [tp('topic1', 0), tp('topic1', 1), tp('topic1', 2)],
    });
  });

  it('only assigns partitions from subscribed topics', () => {
    expect(range([member('consumer1', ['topic1'])], { topic1: 3, other: 3 })).toEqual({
      consumer1: [tp('topic1', 0), tp('topic1', 1), tp('topic1', 2)],
    });
  });

  it('one consumer, multiple topics', () => {
    expect(range([member('consumer1', ['topic1', 'topic2'])], { topic1: 1, topic2: 2 })).toEqual({
      consumer1: [tp('topic1', 0), tp('topic2', 0), tp('topic2', 1)],
    });
  });

  it('two consumers, one topic, one partition', () => {
    expect(range([member('consumer1', ['topic1']), member('consumer2', ['topic1'])], { topic1: 1 })).toEqual({
      consumer1: [tp('topic1', 0)],
      consumer2: [],
    });
  });

  it('two consumers, one topic, two partitions', () => {
    expect(range([member('consumer1', ['topic1']), member('consumer2', ['topic1'])], { topic1: 2 })).toEqual({
      consumer1: [tp('topic1', 0)],
      consumer2: [tp('topic1', 1)],
    });
  });

  it('multiple consumers, mixed topics', () => {
    const members = [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])];
    expect(range(members, { topic1: 3, topic2: 2 })).toEqual({
      consumer1: [tp('topic1', 0)],
      consumer2: [tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)],
      consumer3: [tp('topic1', 2)],
    });
  });

  it('two consumers, two topics, six partitions', () => {
    const members = [member('consumer1', ['topic1', 'topic2']), member('consumer2', ['topic1', 'topic2'])];
    expect(range(members, { topic1: 3, topic2: 3 })).toEqual({
      consumer1: [tp('topic1', 0), tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)],
      consumer2: [tp('topic1', 2), tp('topic2', 2)],
    });
  });

  it('two static consumers are ordered by instance id, not member id', () => {
    const members = [
      member('consumer-b', ['topic1', 'topic2'], { instance: 'instance1' }),
      member('consumer-a', ['topic1', 'topic2'], { instance: 'instance2' }),
    ];
    expect(range(members, { topic1: 3, topic2: 3 })).toEqual({
      'consumer-b': [tp('topic1', 0), tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)],
      'consumer-a': [tp('topic1', 2), tp('topic2', 2)],
    });
  });

  it('a static consumer comes before a dynamic one', () => {
    const members = [member('consumer-b', ['topic1', 'topic2'], { instance: 'instance1' }), member('consumer-a', ['topic1', 'topic2'])];
    expect(range(members, { topic1: 3, topic2: 3 })).toEqual({
      'consumer-b': [tp('topic1', 0), tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)],
      'consumer-a': [tp('topic1', 2), tp('topic2', 2)],
    });
  });

  it('static member assignment persists when a dynamic member is replaced', () => {
    const statics = [
      member('consumer1', ['topic1', 'topic2'], { instance: 'instance1' }),
      member('consumer2', ['topic1', 'topic2'], { instance: 'instance2' }),
      member('consumer3', ['topic1', 'topic2'], { instance: 'instance3' }),
    ];
    const expected = {
      consumer1: [tp('topic1', 0), tp('topic1', 1), tp('topic2', 0)],
      consumer2: [tp('topic1', 2), tp('topic2', 1)],
      consumer3: [tp('topic1', 3), tp('topic2', 2)],
    };
    expect(range([...statics, member('consumer4', ['topic1', 'topic2'])], { topic1: 5, topic2: 4 })).toEqual({
      ...expected,
      consumer4: [tp('topic1', 4), tp('topic2', 3)],
    });
    expect(range([...statics, member('consumer5', ['topic1', 'topic2'])], { topic1: 5, topic2: 4 })).toEqual({
      ...expected,
      consumer5: [tp('topic1', 4), tp('topic2', 3)],
    });
  });

  it('static member assignment persists after member ids change', () => {
    const byInstance = (members: ReturnType<typeof member>[]) => {
      const result = range(members, { topic1: 5, topic2: 5 });
      return Object.fromEntries(members.map((m) => [m.groupInstanceId, result[m.memberId]]));
    };
    const before = byInstance([
      member('consumer1', ['topic1', 'topic2'], { instance: 'instance1' }),
      member('consumer2', ['topic1', 'topic2'], { instance: 'instance2' }),
      member('consumer3', ['topic1', 'topic2'], { instance: 'instance3' }),
    ]);
    expect(before).toEqual({
      instance1: [tp('topic1', 0), tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)],
      instance2: [tp('topic1', 2), tp('topic1', 3), tp('topic2', 2), tp('topic2', 3)],
      instance3: [tp('topic1', 4), tp('topic2', 4)],
    });
    const after = byInstance([
      member('consumer1', ['topic1', 'topic2'], { instance: 'instance1' }),
      member('consumer5', ['topic1', 'topic2'], { instance: 'instance2' }),
      member('consumer4', ['topic1', 'topic2'], { instance: 'instance3' }),
    ]);
    expect(after).toEqual(before);
  });

  it('the RangeAssignor javadoc example', () => {
    const members = [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])];
    expect(range(members, { t0: 3, t1: 3 })).toEqual({
      C0: [tp('t0', 0), tp('t0', 1), tp('t1', 0), tp('t1', 1)],
      C1: [tp('t0', 2), tp('t1', 2)],
    });
  });
});

// Cases ported from Kafka's RoundRobinAssignorTest and the RoundRobinAssignor javadoc.
describe('roundRobin (RoundRobinAssignorTest)', () => {
  it('one consumer, no topic / nonexistent topic', () => {
    expect(roundRobin([member('consumer', [])], {})).toEqual({ consumer: [] });
    expect(roundRobin([member('consumer', ['topic'])], {})).toEqual({ consumer: [] });
  });

  it('one consumer, one topic; only subscribed topics', () => {
    const expected = { consumer: [tp('topic', 0), tp('topic', 1), tp('topic', 2)] };
    expect(roundRobin([member('consumer', ['topic'])], { topic: 3 })).toEqual(expected);
    expect(roundRobin([member('consumer', ['topic'])], { topic: 3, other: 3 })).toEqual(expected);
  });

  it('one consumer, multiple topics', () => {
    expect(roundRobin([member('consumer', ['topic1', 'topic2'])], { topic1: 1, topic2: 2 })).toEqual({
      consumer: [tp('topic1', 0), tp('topic2', 0), tp('topic2', 1)],
    });
  });

  it('two consumers, one topic, one or two partitions', () => {
    const members = [member('consumer1', ['topic']), member('consumer2', ['topic'])];
    expect(roundRobin(members, { topic: 1 })).toEqual({ consumer1: [tp('topic', 0)], consumer2: [] });
    expect(roundRobin(members, { topic: 2 })).toEqual({ consumer1: [tp('topic', 0)], consumer2: [tp('topic', 1)] });
  });

  it('multiple consumers, mixed topics', () => {
    const members = [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])];
    expect(roundRobin(members, { topic1: 3, topic2: 2 })).toEqual({
      consumer1: [tp('topic1', 0)],
      consumer2: [tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)],
      consumer3: [tp('topic1', 2)],
    });
  });

  it('two consumers, two topics, six partitions', () => {
    const members = [member('consumer1', ['topic1', 'topic2']), member('consumer2', ['topic1', 'topic2'])];
    expect(roundRobin(members, { topic1: 3, topic2: 3 })).toEqual({
      consumer1: [tp('topic1', 0), tp('topic1', 2), tp('topic2', 1)],
      consumer2: [tp('topic1', 1), tp('topic2', 0), tp('topic2', 2)],
    });
  });

  it('javadoc: unequal subscriptions skip non-subscribers', () => {
    const members = [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])];
    expect(roundRobin(members, { t0: 1, t1: 2, t2: 3 })).toEqual({
      C0: [tp('t0', 0)],
      C1: [tp('t1', 0)],
      C2: [tp('t1', 1), tp('t2', 0), tp('t2', 1), tp('t2', 2)],
    });
  });

  it('static members are dealt in instance-id order, so new member ids change nothing', () => {
    const topics = ['t0', 't1'];
    const first = roundRobin(
      [member('C0', topics, { instance: 'I0' }), member('C1', topics, { instance: 'I1' }), member('C2', topics, { instance: 'I2' })],
      { t0: 3, t1: 3 },
    );
    expect(first).toEqual({ C0: [tp('t0', 0), tp('t1', 0)], C1: [tp('t0', 1), tp('t1', 1)], C2: [tp('t0', 2), tp('t1', 2)] });
    const afterBounce = roundRobin(
      [member('C5', topics, { instance: 'I0' }), member('C3', topics, { instance: 'I1' }), member('C4', topics, { instance: 'I2' })],
      { t0: 3, t1: 3 },
    );
    expect(afterBounce).toEqual({ C5: first.C0, C3: first.C1, C4: first.C2 });
  });

  it('dynamic members are dealt in member-id order (javadoc rolling-bounce shuffle)', () => {
    const topics = ['t0', 't1'];
    expect(roundRobin([member('C5', topics), member('C3', topics), member('C4', topics)], { t0: 3, t1: 3 })).toEqual({
      C3: [tp('t0', 0), tp('t1', 0)],
      C4: [tp('t0', 1), tp('t1', 1)],
      C5: [tp('t0', 2), tp('t1', 2)],
    });
  });
});

describe('member ids are Map keys, not object keys', () => {
  it('a member called __proto__ is an ordinary member', () => {
    const result = range([member('__proto__', ['t']), member('constructor', ['t'])], { t: 2 });
    expect(Object.keys(result).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual([tp('t', 0)]);
    expect(result.constructor).toEqual([tp('t', 1)]);
  });

  it('a topic called __proto__ is an ordinary topic', () => {
    const ppt = JSON.parse('{"__proto__": 2}') as Record<string, number>;
    expect(roundRobin([member('m', ['__proto__'])], ppt)).toEqual({ m: [tp('__proto__', 0), tp('__proto__', 1)] });
  });
});
