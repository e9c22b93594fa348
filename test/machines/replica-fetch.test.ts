/**
 * The leader holds a follower's fetch that finds nothing new (Kafka's DelayedFetch, with
 * replica.fetch.min.bytes = 1 and replica.fetch.wait.max.ms): answered as soon as records are
 * appended, or empty once the wait is over; failed when the replica stops leading
 * (spec/replication.md, Components). Driven at machine level, with a hand-moved clock.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { resolveConfig } from '../../src/config/index.js';
import { PartitionLog } from '../../src/log/index.js';
import { replicaMachine } from '../../src/machines/replica.js';
import type { PartitionState, ProducedValue } from '../../src/machines/protocol.js';
import type { Effect } from '../../src/sim/world.js';

type Sent = { to: string; msg: { type: string; requestId?: number; error?: string; records?: unknown[]; highWatermark?: number } };

function leader() {
  const config = resolveConfig('default');
  let now = 0;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const clock = {
    setTimeout: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (t: unknown) => void ((t as { cancelled: boolean }).cancelled = true),
  };
  const effects: Effect[] = [];
  const actor = createActor(replicaMachine, { input: { config, now: () => now, brokerId: 1, partition: 0, log: new PartitionLog<ProducedValue>() }, clock });
  actor.on('*', (e) => void effects.push(e as Effect));
  actor.start();
  const state = (over: Partial<PartitionState> = {}): PartitionState => ({ partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0, ...over });
  const h = {
    config,
    /** Move the clock, firing the timers that fall due, in order. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        now = due.at;
        due.fn();
      }
      now = until;
    },
    send: (e: object, from: string) => actor.send({ ...e, from } as never),
    become: (over: Partial<PartitionState> = {}) => h.send({ type: 'PartitionChange', actor: 't-0', state: state(over), brokerEpoch: 1 }, 'b1'),
    fetch: (replicaId: number, requestId: number, fetchOffset: number) =>
      h.send({ type: 'Fetch', actor: 't-0', requestId, replicaId, brokerEpoch: 1, fetchOffset, currentLeaderEpoch: 0 }, `b${replicaId}`),
    produce: (requestId: number) =>
      h.send({ type: 'Produce', actor: 't-0', requestId, acks: 1, timeoutMs: 300, records: [{ key: 'k', value: { producer: 'p', key: 'k', value: requestId } }] }, 'producer0'),
    /** Fetch answers sent since the last call. */
    answers: (): Sent[] =>
      effects.splice(0).flatMap((e) => (e.type === 'net.send' && (e.msg as { type: string }).type === 'FetchResponse' ? [{ to: e.to, msg: e.msg as Sent['msg'] }] : [])),
  };
  h.become();
  h.answers();
  return h;
}

describe('replica: the leader holds a follower fetch that finds nothing new', () => {
  it('is answered as soon as a record is appended, before replica.fetch.wait.max.ms', () => {
    const h = leader();
    h.fetch(2, 7, 0);
    h.fetch(3, 9, 0);
    expect(h.answers()).toEqual([]);
    h.advance(1);
    h.produce(1);
    const answers = h.answers();
    expect(answers.map((a) => [a.to, a.msg.requestId, a.msg.records?.length])).toEqual([
      ['b2', 7, 1],
      ['b3', 9, 1],
    ]);
  });

  it('is answered empty once replica.fetch.wait.max.ms has passed, and not before', () => {
    const h = leader();
    h.fetch(2, 7, 0);
    h.advance(h.config.replicaFetchWaitMaxMs - 1);
    expect(h.answers()).toEqual([]);
    h.advance(1);
    expect(h.answers().map((a) => [a.to, a.msg.requestId, a.msg.records?.length, a.msg.error])).toEqual([['b2', 7, 0, undefined]]);
  });

  it('one timer serves fetches held at different times: each waits its own replica.fetch.wait.max.ms', () => {
    const h = leader();
    h.fetch(2, 7, 0);
    h.advance(2);
    h.fetch(3, 9, 0);
    h.advance(h.config.replicaFetchWaitMaxMs - 2);
    expect(h.answers().map((a) => a.to)).toEqual(['b2']);
    h.advance(1);
    expect(h.answers()).toEqual([]);
    h.advance(1);
    expect(h.answers().map((a) => a.to)).toEqual(['b3']);
  });

  it('a fetch that has records to return is answered at once', () => {
    const h = leader();
    h.produce(1);
    h.answers();
    h.fetch(2, 7, 0);
    expect(h.answers().map((a) => [a.to, a.msg.records?.length])).toEqual([['b2', 1]]);
  });

  it('still expires after the replica stopped leading and leads again, whenever the old timer fires', () => {
    for (const away of [1, 10]) {
      const h = leader();
      h.fetch(2, 7, 0);
      h.become({ leader: 2, leaderEpoch: 1, partitionEpoch: 1 });
      h.advance(away);
      h.become({ leader: 1, leaderEpoch: 2, partitionEpoch: 2 });
      h.answers();
      h.send({ type: 'Fetch', actor: 't-0', requestId: 8, replicaId: 2, brokerEpoch: 1, fetchOffset: 0, currentLeaderEpoch: 2 }, 'b2');
      h.advance(h.config.replicaFetchWaitMaxMs);
      expect(h.answers().map((a) => [a.to, a.msg.requestId, a.msg.error])).toEqual([['b2', 8, undefined]]);
    }
  });

  it('a newer fetch from the same follower replaces the held one, even when the newer one fails', () => {
    const h = leader();
    h.fetch(2, 7, 0);
    h.fetch(2, 8, 5); // beyond the log end: OFFSET_OUT_OF_RANGE
    expect(h.answers().map((a) => [a.msg.requestId, a.msg.error])).toEqual([[8, 'OFFSET_OUT_OF_RANGE']]);
    h.advance(h.config.replicaFetchWaitMaxMs);
    h.produce(1);
    expect(h.answers()).toEqual([]);
  });

  it('is failed with NOT_LEADER_OR_FOLLOWER when the replica stops leading', () => {
    const h = leader();
    h.fetch(2, 7, 0);
    h.become({ leader: 2, leaderEpoch: 1, partitionEpoch: 1 });
    expect(h.answers().map((a) => [a.to, a.msg.requestId, a.msg.error])).toEqual([['b2', 7, 'NOT_LEADER_OR_FOLLOWER']]);
  });
});

describe('config: timings', () => {
  it('scaled by default (Kafka divided by 100); kafka gives Kafka its own defaults; an explicit time wins', () => {
    expect(resolveConfig('default')).toMatchObject({ timings: 'scaled', replicaFetchWaitMaxMs: 5, brokerHeartbeatIntervalMs: 20, replicaLagTimeMaxMs: 300 });
    expect(resolveConfig('default', { timings: 'kafka' })).toMatchObject({ replicaFetchWaitMaxMs: 500, brokerHeartbeatIntervalMs: 2000, replicaLagTimeMaxMs: 30_000, requestTimeoutMs: 30_000 });
    expect(resolveConfig('default', { timings: 'kafka', requestTimeoutMs: 1000 }).requestTimeoutMs).toBe(1000);
    expect(() => resolveConfig('default', { timings: 'real' })).toThrow(/overrides\.timings/);
  });

  it('replica.fetch.wait.max.ms must end before the request timeout and the ISR lag limit, as Kafka requires', () => {
    expect(() => resolveConfig('default', { requestTimeoutMs: 5 })).toThrow(/overrides\.replicaFetchWaitMaxMs: 5 must be below requestTimeoutMs \(5\)/);
    expect(() => resolveConfig('default', { replicaLagTimeMaxMs: 4 })).toThrow(/at most replicaLagTimeMaxMs \(4\)/);
    expect(() => resolveConfig('default', { timings: 'kafka', requestTimeoutMs: 300 })).toThrow(/replicaFetchWaitMaxMs: 500/);
  });
});
