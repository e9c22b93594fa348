/**
 * The group coordinator's transactional offset commits (KIP-98, KIP-447), driven at machine
 * level: TxnOffsetCommit written as transactional records and pending until the producer's
 * COMMIT marker (WriteTxnMarkers), dropped on ABORT; OffsetFetch answered UNSTABLE_OFFSET_COMMIT
 * while pending (require_stable); a zombie generation fenced; loading after failover replays
 * pending, committed and aborted transactional offsets; stale-commit-fenced judges a
 * transactional commit when its COMMIT marker lands.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { resolveConfig, type ClusterConfig } from '../../src/config/index.js';
import { deliverable, groupInvariants } from '../../src/check/groups.js';
import { groupCoordinatorMachine, type CoordinatorContext } from '../../src/machines/group-coordinator.js';
import { OFFSETS_TOPIC, type ProducedValue, type Record } from '../../src/machines/protocol.js';
import type { TxnResult } from '../../src/machines/txn-protocol.js';
import type { Effect, World } from '../../src/sim/world.js';

const ACTOR = 'group-g0';
const BROKER = 'b1';
const TXN_NODE = 'b2';
const TXN_ACTOR = 'txn-g0-c0';
const PID = 1000;

type Sent = { to: string; msg: { type: string; [k: string]: unknown } };
type Produce = { requestId: number; acks: unknown; records: { key: string; value: ProducedValue }[] };

/** XState timers that never fire: the tests move time and send Tick themselves. */
const stoppedClock = { setTimeout: () => ({}), clearTimeout: () => undefined };

/**
 * One coordinator on broker 1 with a stand-in for its `__consumer_offsets-0` replica: Produce
 * requests are appended to `log` when answered, with the offsets the leader would give.
 */
function coordinator(config: ClusterConfig = resolveConfig('default')) {
  let now = 0;
  const effects: Effect[] = [];
  const actor = createActor(groupCoordinatorMachine, { input: { config, now: () => now, groupId: 'g0', brokerId: 1, name: ACTOR }, clock: stoppedClock });
  actor.on('*', (e) => void effects.push(e as Effect));
  actor.start();
  const log: Record[] = [];
  const h = {
    actor,
    log,
    effects,
    ctx: () => actor.getSnapshot().context as CoordinatorContext,
    state: () => String(actor.getSnapshot().value),
    advance: (ms: number) => {
      now += ms;
      actor.send({ type: 'Tick' });
    },
    send: (e: object, from = 'g0-c0') => actor.send({ ...e, from } as never),
    /** Messages sent over the network since the last call. */
    sent: (): Sent[] => effects.splice(0).flatMap((e) => (e.type === 'net.send' ? [{ to: e.to, msg: e.msg as Sent['msg'] }] : [])),
    /** The Produce requests to the local offsets replica since the last call (other effects are dropped). */
    produced: (): Produce[] => effects.splice(0).flatMap((e) => (e.type === 'local.send' && e.msg.type === 'Produce' ? [e.msg as unknown as Produce] : [])),
    /** The leader appends and replicates the request's records, and answers. */
    answer: (p: Produce, error?: string) => {
      const baseOffset = log.length;
      if (!error) for (const r of p.records) log.push({ offset: log.length, leaderEpoch: 0, timestamp: now, key: r.key, value: r.value, size: 1 });
      h.send({ type: 'ProduceResponse', actor: ACTOR, requestId: p.requestId, baseOffset: error ? -1 : baseOffset, ...(error ? { error } : {}) }, BROKER);
    },
    /** Leader of `__consumer_offsets-0` in `epoch`: the coordinator loads `records` (in fetches of `batch`). */
    elect: (records: readonly Record[] = [], epoch = 0, batch = 50) => {
      h.send({ type: 'PartitionChange', actor: ACTOR, state: { topic: OFFSETS_TOPIC, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: epoch, partitionEpoch: epoch }, brokerEpoch: 1 }, BROKER);
      for (let guard = 0; h.state() === 'Loading' && guard < 100; guard++) {
        const fetch = effects.splice(0).find((e) => e.type === 'local.send' && e.msg.type === 'Fetch');
        const { requestId, fetchOffset } = (fetch as unknown as { msg: { requestId: number; fetchOffset: number } }).msg;
        const part = records.slice(fetchOffset, fetchOffset + batch);
        h.send({ type: 'FetchResponse', requestId, records: part, highWatermark: records.length, leaderEndOffset: records.length, leaderEpoch: epoch }, BROKER);
      }
      effects.splice(0);
    },
    /** One consumer joins and leads; returns its member id and generation once the group is Stable. */
    stableWith: (client = 'g0-c0') => {
      h.send({ type: 'JoinGroup', actor: ACTOR, requestId: 1, groupId: 'g0', memberId: '', sessionTimeoutMs: 100, rebalanceTimeoutMs: 300, protocol: 'range', subscription: { topics: ['t'], ownedPartitions: [], generation: -1 } }, client);
      h.advance(config.groupInitialRebalanceDelayMs + 1);
      const join = h.sent().find((s) => s.msg.type === 'JoinGroupResponse')!.msg as unknown as { memberId: string; generationId: number };
      h.send({ type: 'SyncGroup', actor: ACTOR, requestId: 2, groupId: 'g0', memberId: join.memberId, generationId: join.generationId, assignments: [{ memberId: join.memberId, partitions: [0, 1, 2] }] }, client);
      h.answer(h.produced()[0]!);
      h.sent();
      expect(h.state()).toBe('Stable');
      return { memberId: join.memberId, generationId: join.generationId };
    },
    txnCommit: (member: { memberId: string; generationId: number }, offsets: { partition: number; offset: number }[], producerId = PID, requestId = 10, from = 'g0-c0') =>
      h.send({ type: 'TxnOffsetCommit', actor: ACTOR, requestId, groupId: 'g0', transactionalId: from, producerId, producerEpoch: 0, ...member, offsets }, from),
    marker: (result: TxnResult, producerId = PID, requestId = 20) =>
      h.send({ type: 'WriteTxnMarkers', actor: ACTOR, requestId, replyTo: TXN_ACTOR, topic: OFFSETS_TOPIC, partition: 0, groupId: 'g0', producerId, producerEpoch: 0, coordinatorEpoch: 0, result }, TXN_NODE),
    /** OffsetFetch's answer for `partitions`. */
    fetch: (partitions: number[]) => {
      h.send({ type: 'OffsetFetch', actor: ACTOR, requestId: 30, groupId: 'g0', partitions }, 'g0-c1');
      return h.sent().find((s) => s.msg.type === 'OffsetFetchResponse')!.msg as unknown as { error?: string; offsets: { partition: number; offset: number }[] };
    },
  };
  return h;
}

type Harness = ReturnType<typeof coordinator>;

/** A committed transaction: TxnOffsetCommit written, then its COMMIT marker. */
function commitTxn(h: Harness, member: { memberId: string; generationId: number }, offsets: { partition: number; offset: number }[], producerId = PID) {
  h.txnCommit(member, offsets, producerId);
  h.answer(h.produced()[0]!);
  h.marker('COMMIT', producerId);
  h.answer(h.produced()[0]!);
  h.sent();
}

const rec = (offset: number, value: Omit<ProducedValue, 'producer'>): Record => ({ offset, leaderEpoch: 0, timestamp: 0, key: value.key, value: { producer: ACTOR, ...value }, size: 1 });
const txnOffset = (offset: number, partition: number, value: number, producerId: number): Record =>
  rec(offset, { key: `offset/g0/${partition}`, value, producerId, producerEpoch: 0, transactional: true });
const markerRec = (offset: number, producerId: number, control: TxnResult, group = 'g0'): Record => rec(offset, { key: `txn-marker/${group}`, value: -1, producerId, producerEpoch: 0, control });

describe('group coordinator: transactional offset commits (KIP-98, KIP-447)', () => {
  it('TxnOffsetCommit is written as transactional records, answered once replicated, and becomes the group offset only with the COMMIT marker', () => {
    const h = coordinator();
    h.elect();
    const m = h.stableWith();
    h.txnCommit(m, [{ partition: 0, offset: 5 }, { partition: 2, offset: 8 }]);
    const [write] = h.produced();
    expect(write!.acks).toBe('all');
    expect(write!.records.map((r) => r.value)).toEqual([
      { producer: ACTOR, key: 'offset/g0/0', value: 5, producerId: PID, producerEpoch: 0, transactional: true },
      { producer: ACTOR, key: 'offset/g0/2', value: 8, producerId: PID, producerEpoch: 0, transactional: true },
    ]);
    // Pending from the moment it is being written.
    expect(h.fetch([0]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    h.answer(write!);
    expect(h.sent()).toEqual([{ to: 'g0-c0', msg: { type: 'TxnOffsetCommitResponse', requestId: 10 } }]);
    expect(h.ctx().offsets.size).toBe(0);
    expect(h.fetch([0, 1]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    expect(h.fetch([1])).toEqual({ type: 'OffsetFetchResponse', requestId: 30, offsets: [{ partition: 1, offset: -1 }] });

    h.marker('COMMIT');
    const [marker] = h.produced();
    expect(marker!.acks).toBe('all');
    expect(marker!.records.map((r) => r.value)).toEqual([{ producer: ACTOR, key: 'txn-marker/g0', value: -1, producerId: PID, producerEpoch: 0, control: 'COMMIT' }]);
    // Not committed before the marker is replicated.
    expect(h.fetch([2]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    h.answer(marker!);
    expect(h.sent()).toEqual([{ to: TXN_NODE, msg: { type: 'WriteTxnMarkersResponse', actor: TXN_ACTOR, requestId: 20, topic: OFFSETS_TOPIC, partition: 0 } }]);
    expect(h.fetch([0, 1, 2]).offsets).toEqual([
      { partition: 0, offset: 5 },
      { partition: 1, offset: -1 },
      { partition: 2, offset: 8 },
    ]);
    expect(h.ctx().txnOffsets.size).toBe(0);
  });

  it('an ABORT marker drops the pending offsets; the committed offset stays', () => {
    const h = coordinator();
    h.elect();
    const m = h.stableWith();
    commitTxn(h, m, [{ partition: 0, offset: 3 }]);
    h.txnCommit(m, [{ partition: 0, offset: 9 }]);
    h.answer(h.produced()[0]!);
    h.sent();
    expect(h.fetch([0]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    h.marker('ABORT');
    const [marker] = h.produced();
    expect(marker!.records[0]!.value.control).toBe('ABORT');
    h.answer(marker!);
    expect(h.sent()[0]!.msg).toMatchObject({ type: 'WriteTxnMarkersResponse', actor: TXN_ACTOR });
    expect(h.fetch([0]).offsets).toEqual([{ partition: 0, offset: 3 }]);
  });

  it('a marker for a producer with nothing pending is written and acknowledged (a retried marker); a failed marker write keeps the offsets pending', () => {
    const h = coordinator();
    h.elect();
    const m = h.stableWith();
    commitTxn(h, m, [{ partition: 1, offset: 4 }]);
    h.marker('COMMIT', PID, 21);
    const [again] = h.produced();
    expect(again!.records[0]!.value).toMatchObject({ control: 'COMMIT', producerId: PID });
    h.answer(again!);
    expect(h.sent()).toEqual([{ to: TXN_NODE, msg: { type: 'WriteTxnMarkersResponse', actor: TXN_ACTOR, requestId: 21, topic: OFFSETS_TOPIC, partition: 0 } }]);
    expect(h.fetch([1]).offsets).toEqual([{ partition: 1, offset: 4 }]);

    h.txnCommit(m, [{ partition: 1, offset: 6 }]);
    h.answer(h.produced()[0]!);
    h.sent();
    h.marker('COMMIT', PID, 22);
    h.answer(h.produced()[0]!, 'NOT_ENOUGH_REPLICAS');
    expect(h.sent()[0]!.msg).toMatchObject({ type: 'WriteTxnMarkersResponse', requestId: 22, error: 'NOT_ENOUGH_REPLICAS' });
    expect(h.fetch([1]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    h.marker('COMMIT', PID, 23);
    h.answer(h.produced()[0]!);
    h.sent();
    expect(h.fetch([1]).offsets).toEqual([{ partition: 1, offset: 6 }]);
  });

  it('KIP-447: a zombie TxnOffsetCommit from an older generation or an unknown member is fenced; with producerFencing off it is written', () => {
    const h = coordinator();
    h.elect();
    const m = h.stableWith();
    h.txnCommit({ memberId: m.memberId, generationId: m.generationId - 1 }, [{ partition: 0, offset: 7 }]);
    h.txnCommit({ memberId: 'g0-c9-gone', generationId: m.generationId }, [{ partition: 0, offset: 7 }], PID, 11);
    expect(h.effects.some((e) => e.type === 'local.send' && e.msg.type === 'Produce')).toBe(false);
    expect(h.sent().map((s) => s.msg)).toEqual([
      { type: 'TxnOffsetCommitResponse', requestId: 10, error: 'ILLEGAL_GENERATION' },
      { type: 'TxnOffsetCommitResponse', requestId: 11, error: 'UNKNOWN_MEMBER_ID' },
    ]);
    expect(h.fetch([0]).offsets).toEqual([{ partition: 0, offset: -1 }]);

    const open = coordinator(resolveConfig('default', { producerFencing: false }));
    open.elect();
    const m2 = open.stableWith();
    open.txnCommit({ memberId: m2.memberId, generationId: m2.generationId - 1 }, [{ partition: 0, offset: 7 }]);
    const [write] = open.produced();
    expect(write!.records[0]!.value).toMatchObject({ key: 'offset/g0/0', value: 7, transactional: true });
    open.answer(write!);
    expect(open.sent()).toEqual([{ to: 'g0-c0', msg: { type: 'TxnOffsetCommitResponse', requestId: 10 } }]);
  });

  it('before loading and while loading, WriteTxnMarkers and TxnOffsetCommit are answered NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS', () => {
    const h = coordinator();
    const m = { memberId: 'x', generationId: 1 };
    h.marker('COMMIT');
    h.txnCommit(m, [{ partition: 0, offset: 1 }]);
    expect(h.sent().map((s) => [s.to, s.msg])).toEqual([
      [TXN_NODE, { type: 'WriteTxnMarkersResponse', actor: TXN_ACTOR, requestId: 20, topic: OFFSETS_TOPIC, partition: 0, error: 'NOT_COORDINATOR' }],
      ['g0-c0', { type: 'TxnOffsetCommitResponse', requestId: 10, error: 'NOT_COORDINATOR' }],
    ]);
    h.send({ type: 'PartitionChange', actor: ACTOR, state: { topic: OFFSETS_TOPIC, partition: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }, brokerEpoch: 1 }, BROKER);
    expect(h.state()).toBe('Loading');
    h.marker('ABORT');
    expect(h.sent().map((s) => s.msg.error)).toEqual(['COORDINATOR_LOAD_IN_PROGRESS']);
  });

  it('loading replays transactional offsets: committed ones applied, aborted ones dropped, undecided ones pending for their producer id', () => {
    const log = [
      rec(0, { key: 'group/g0', value: 1 }),
      rec(1, { key: 'offset/g0/0', value: 3 }),
      txnOffset(2, 0, 7, 1000),
      txnOffset(3, 1, 4, 1001),
      markerRec(4, 1000, 'COMMIT'),
      txnOffset(5, 1, 9, 1002),
      txnOffset(6, 2, 2, 1003),
      rec(7, { key: 'offset/g1/0', value: 50 }),
      // Kafka completes a producer's offsets on its control record whichever group wrote it.
      markerRec(8, 1003, 'ABORT', 'g1'),
    ];
    const h = coordinator();
    h.elect(log, 0, 3);
    expect(h.state()).toBe('Empty');
    expect([...h.ctx().offsets]).toEqual([[0, 7]]);
    expect([...h.ctx().txnOffsets.keys()]).toEqual([1001, 1002]);
    expect(h.fetch([0, 2]).offsets).toEqual([
      { partition: 0, offset: 7 },
      { partition: 2, offset: -1 },
    ]);
    expect(h.fetch([1]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    // The transaction coordinator completes the open transactions with this coordinator.
    h.marker('COMMIT', 1001);
    h.answer(h.produced()[0]!);
    expect(h.fetch([1]).error).toBe('UNSTABLE_OFFSET_COMMIT'); // 1002's offset is still pending
    h.marker('COMMIT', 1002, 21);
    h.answer(h.produced()[0]!);
    expect(h.fetch([0, 1]).offsets).toEqual([
      { partition: 0, offset: 7 },
      { partition: 1, offset: 9 },
    ]);
  });

  it('a failover reloads what the old coordinator wrote: the same committed offsets, the same pending ones', () => {
    const a = coordinator();
    a.elect();
    const m = a.stableWith();
    commitTxn(a, m, [{ partition: 0, offset: 5 }]);
    commitTxn(a, m, [{ partition: 1, offset: 2 }], 1001);
    a.txnCommit(m, [{ partition: 0, offset: 6 }], 1002);
    a.answer(a.produced()[0]!);
    a.marker('ABORT', 1001); // a retried marker after its COMMIT: written, changes nothing
    a.answer(a.produced()[0]!);
    const b = coordinator();
    b.elect(a.log, 1, 2);
    expect([...b.ctx().offsets]).toEqual([...a.ctx().offsets]);
    expect([...b.ctx().txnOffsets]).toEqual([...a.ctx().txnOffsets]);
    expect(b.fetch([0]).error).toBe('UNSTABLE_OFFSET_COMMIT');
    expect(b.fetch([1]).offsets).toEqual([{ partition: 1, offset: 2 }]);
  });

  it("a plain OffsetCommit written after a transaction's offsets keeps its offset when the transaction commits (Kafka's olderThan), live and on reload", () => {
    const h = coordinator();
    h.elect();
    const m = h.stableWith();
    h.txnCommit(m, [{ partition: 0, offset: 5 }]);
    h.answer(h.produced()[0]!);
    h.send({ type: 'OffsetCommit', actor: ACTOR, requestId: 12, groupId: 'g0', ...m, offsets: [{ partition: 0, offset: 8 }] });
    h.answer(h.produced()[0]!);
    h.marker('COMMIT');
    h.answer(h.produced()[0]!);
    h.sent();
    expect(h.ctx().offsets.get(0)).toBe(8);
    const b = coordinator();
    b.elect(h.log, 1);
    expect(b.ctx().offsets.get(0)).toBe(8);
  });
});

describe('stale-commit-fenced with transactional commits', () => {
  /** The invariant over one coordinator actor on b1 (no consumers). */
  function staleCheck(h: Harness) {
    const config = resolveConfig('default');
    const [stale] = groupInvariants(config, { kind: 'produce', records: 0, intervalMs: 1, keys: 1, groups: [{ consumers: 0 }] } as never).filter((i) => i.id === 'stale-commit-fenced');
    let events = 0;
    return () => {
      const world = { actor: (node: string, name?: string) => (node === BROKER && name === ACTOR ? h.actor : undefined), history: [], eventsProcessed: ++events, now: events } as unknown as World;
      return stale!.check(world);
    };
  }

  it('a zombie TxnOffsetCommit written without fencing is judged when its COMMIT marker lands, not when it is aborted', () => {
    const h = coordinator(resolveConfig('default', { producerFencing: false }));
    const check = staleCheck(h);
    h.elect();
    const m = h.stableWith();
    const zombie = { memberId: m.memberId, generationId: m.generationId - 1 };
    h.txnCommit(zombie, [{ partition: 0, offset: 7 }]);
    h.answer(h.produced()[0]!);
    expect(check()).toBeUndefined();
    h.marker('ABORT');
    h.answer(h.produced()[0]!);
    expect(check()).toBeUndefined();
    commitTxn(h, m, [{ partition: 0, offset: 4 }]);
    expect(check()).toBeUndefined();
    h.txnCommit(zombie, [{ partition: 0, offset: 2 }]);
    h.answer(h.produced()[0]!);
    expect(check()).toBeUndefined();
    h.marker('COMMIT');
    h.answer(h.produced()[0]!);
    expect(check()).toMatch(/transactional commit \(producer id 1000.*in generation 0 was accepted while the group was in generation 1 .*t-0 4 -> 2 \(backwards\)/);
  });
});

describe('what a consumer is owed of a data partition with transactions (KIP-98)', () => {
  const v = (producer: string, extra: Partial<ProducedValue> = {}): ProducedValue => ({ producer, key: 'k', value: 0, ...extra });
  const log: ProducedValue[] = [
    v('p0'), // 0 plain
    v('t1', { producerId: 1, producerEpoch: 0, transactional: true }), // 1 committed below
    v('t2', { producerId: 2, producerEpoch: 0, transactional: true }), // 2 aborted below
    v('t1', { producerId: 1, producerEpoch: 0, control: 'COMMIT' }), // 3 marker
    v('t2', { producerId: 2, producerEpoch: 0, control: 'ABORT' }), // 4 marker
    v('t1', { producerId: 1, producerEpoch: 1, transactional: true }), // 5 open: the LSO
    v('p0'), // 6 plain, above the LSO
  ];
  const retained = { hw: log.length, logStart: 0, value: (o: number) => log[o] };

  it('never control records; with read_committed not aborted records, and nothing from the last stable offset on', () => {
    const rc = deliverable(retained, true);
    expect(rc.limit).toBe(5);
    expect([...rc.skip].sort()).toEqual([2, 3, 4]);
    const ru = deliverable(retained, false);
    expect(ru.limit).toBe(7);
    expect([...ru.skip].sort()).toEqual([3, 4]);
    const plain = deliverable({ hw: 2, logStart: 0, value: () => v('p0') }, true);
    expect(plain).toEqual({ limit: 2, skip: new Set() });
  });
});
