/**
 * The consumer's transactional side, machine by machine (no cluster): a consume-transform-produce
 * consumer driven by scripted broker answers, on a mocked clock. What it sends for one
 * transaction (KIP-98 + KIP-447), its abort and rewind on ILLEGAL_GENERATION (with KIP-447's
 * UNSTABLE_OFFSET_COMMIT retried), sequence numbers across a KIP-890 epoch bump, and what
 * read_committed and read_uncommitted fetches hand to the application.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { visibleRecords } from '../../src/client/read-committed.js';
import { resolveConfig, type ClusterConfig } from '../../src/config/index.js';
import { consumerMachine, type ConsumerContext, type ConsumerOptions } from '../../src/machines/consumer.js';
import type { AbortedTxn, ProducedValue, Record } from '../../src/machines/protocol.js';

interface Sent {
  readonly to: string;
  readonly msg: { type: string; requestId?: number; [k: string]: unknown };
}

/** A consumer actor on a virtual clock; what it emits is collected, answers are scripted. */
function harness(options: Partial<ConsumerOptions> = {}, overrides: Partial<ClusterConfig> = {}) {
  const config = { ...resolveConfig('default'), partitions: 1, ...overrides };
  let now = 0;
  let seq = 0;
  const timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  const clock = {
    setTimeout: (fn: () => void, ms: number) => {
      const t = { at: now + Math.max(0, Math.ceil(ms)), seq: seq++, fn, cancelled: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (h: unknown) => {
      (h as { cancelled: boolean }).cancelled = true;
    },
  };
  const opts: ConsumerOptions = {
    groupId: 'g0',
    commit: 'transactional',
    reset: 'earliest',
    processingMs: 5,
    pollIntervalMs: 10,
    transactionalId: 'g0-c0',
    producerId: 1000,
    readCommitted: true,
    ...options,
  };
  const actor = createActor(consumerMachine, { input: { config, now: () => now, name: 'g0-c0', options: opts, index: 0 }, clock: clock as never });
  const sent: Sent[] = [];
  const history: unknown[] = [];
  actor.on('*', (e: { type: string; to?: string; msg?: Sent['msg']; op?: unknown }) => {
    if (e.type === 'net.send') sent.push({ to: e.to!, msg: e.msg! });
    if (e.type === 'history') history.push(e.op);
  });
  actor.start();

  const h = {
    actor,
    sent,
    history,
    get now() {
      return now;
    },
    ctx: () => actor.getSnapshot().context as ConsumerContext,
    state: () => JSON.stringify(actor.getSnapshot().value),
    /** Run the clock forward, firing due timers in order. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        due.cancelled = true;
        now = due.at;
        due.fn();
      }
      now = until;
    },
    last(type: string): Sent | undefined {
      return [...sent].reverse().find((s) => s.msg.type === type);
    },
    /** Answer the last request of `type` (same request id), from broker `from`. */
    reply(type: string, response: object, from = 'b1') {
      const req = h.last(type);
      if (!req) throw new Error(`no ${type} sent; sent: ${sent.map((s) => s.msg.type).join(', ')}`);
      actor.send({ ...response, requestId: req.msg.requestId, from } as never);
      return req;
    },
    types: (from = 0) => sent.slice(from).map((s) => s.msg.type),
    /** The requests of `type` sent since `from` (an index into `sent`). */
    since: (type: string, from: number) => sent.slice(from).filter((s) => s.msg.type === type),
    /** Answer one request. */
    answer(req: Sent, response: object, from = 'b1') {
      actor.send({ ...response, requestId: req.msg.requestId, from } as never);
    },
  };
  return h;
}

const partitions = [
  { partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 },
  { topic: '__consumer_offsets', partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 },
  { topic: '__transaction_state', partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 2, leaderEpoch: 0, partitionEpoch: 0 },
  { topic: 'out', partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 3, leaderEpoch: 0, partitionEpoch: 0 },
];

function rec(offset: number, value: number, extra: Partial<ProducedValue> = {}): Record {
  return { offset, leaderEpoch: 0, timestamp: 0, key: 'k1', size: 1, value: { producer: 'producer0', key: 'k1', value, ...extra } };
}

type H = ReturnType<typeof harness>;

/** initTransactions(): the metadata names the transaction coordinator (b2); InitProducerId answers epoch `epoch`. */
function initProducer(h: H, epoch = 0) {
  h.reply('Metadata', { type: 'MetadataResponse', partitions });
  h.advance(h.ctx().config.retryBackoffMs);
  const init = h.reply('InitProducerId', { type: 'InitProducerIdResponse', producerId: 1000, producerEpoch: epoch }, 'b2');
  expect(init.to).toBe('b2');
  expect(init.msg.actor).toBe('txn-g0-c0');
}

/** Join generation `generation` alone, owning t-0, and find the position `offset` (OffsetFetch). */
function join(h: H, generation = 1, offset = 0) {
  joinUntilOffsetFetch(h, generation);
  h.reply('OffsetFetch', { type: 'OffsetFetchResponse', offsets: [{ partition: 0, offset }] });
}

/** Join generation `generation` alone, owning t-0, up to the OffsetFetch the assignment sends (unanswered). */
function joinUntilOffsetFetch(h: H, generation: number, metadata = partitions) {
  h.advance(10); // poll: (re)join
  h.reply('Metadata', { type: 'MetadataResponse', partitions: metadata });
  h.reply('JoinGroup', {
    type: 'JoinGroupResponse',
    generationId: generation,
    memberId: 'm1',
    leader: 'm1',
    protocol: 'range',
    members: [{ memberId: 'm1', subscription: { topics: ['t'], ownedPartitions: [], generation: -1 } }],
  });
  h.reply('SyncGroup', { type: 'SyncGroupResponse', assignment: [0] });
  h.advance(10); // poll: assignment applied, OffsetFetch
}

/** Poll `records` from t-0 and process them; the consumer then starts the transaction. */
function pollAndProcess(h: H, records: Record[], extra: object = {}) {
  h.advance(10); // poll: Fetch
  h.reply('Fetch', { type: 'FetchResponse', partition: 0, records, highWatermark: 100, leaderEndOffset: 100, leaderEpoch: 0, ...extra });
  h.advance(h.ctx().options.processingMs);
}

/** Answer every step of the open transaction successfully; EndTxn gives epoch `nextEpoch`. */
function commitTxn(h: H, nextEpoch: number) {
  const from = h.sent.length;
  h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
  h.since('Produce', from).forEach((p, i) => h.answer(p, { type: 'ProduceResponse', baseOffset: i }, 'b3'));
  h.reply('AddOffsetsToTxn', { type: 'AddOffsetsToTxnResponse' }, 'b2');
  h.reply('TxnOffsetCommit', { type: 'TxnOffsetCommitResponse' });
  h.reply('EndTxn', { type: 'EndTxnResponse', producerId: 1000, producerEpoch: nextEpoch }, 'b2');
}

const txnTypes = new Set(['InitProducerId', 'AddPartitionsToTxn', 'Produce', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'EndTxn', 'OffsetFetch']);

describe('consume-transform-produce (commit transactional)', () => {
  it('initialises, then runs each batch in one transaction: AddPartitionsToTxn, Produce (acks=all, sequences), AddOffsetsToTxn, TxnOffsetCommit, EndTxn', () => {
    const h = harness();
    expect(h.state()).toContain('InitializingProducer');
    initProducer(h, 0);
    expect(h.state()).toContain('Idle');
    join(h);
    const from = h.sent.length;
    pollAndProcess(h, [rec(0, 10), rec(1, 11), rec(2, 12)]);
    expect(h.ctx().processed.map((p) => p.offset)).toEqual([0, 1, 2]);
    expect(h.state()).toContain('AddingPartitions');
    const add = h.last('AddPartitionsToTxn')!;
    expect(add.msg).toMatchObject({ actor: 'txn-g0-c0', transactionalId: 'g0-c0', producerId: 1000, producerEpoch: 0, partitions: [{ topic: 'out', partition: 0 }] });
    const beforeProduce = h.sent.length;
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    // Pipelined in sequence order (max.in.flight.requests.per.connection = 5).
    const produces = h.since('Produce', beforeProduce);
    expect(produces).toHaveLength(3);
    for (const [i, p] of produces.entries()) {
      expect(p.to).toBe('b3');
      expect(p.msg).toMatchObject({ actor: 'out-0', acks: 'all' });
      expect((p.msg.records as { value: ProducedValue }[])[0]!.value).toEqual({
        producer: 'producer0',
        key: 'k1',
        value: 10 + i,
        producerId: 1000,
        producerEpoch: 0,
        sequence: i,
        transactional: true,
        txnSeq: 0,
        source: { partition: 0, offset: i },
      });
    }
    // Acknowledged out of order: the transaction goes on once all are.
    h.answer(produces[2]!, { type: 'ProduceResponse', baseOffset: 2 }, 'b3');
    h.answer(produces[0]!, { type: 'ProduceResponse', baseOffset: 0 }, 'b3');
    expect(h.state()).toContain('Producing');
    h.answer(produces[1]!, { type: 'ProduceResponse', baseOffset: 1 }, 'b3');
    h.reply('AddOffsetsToTxn', { type: 'AddOffsetsToTxnResponse' }, 'b2');
    expect(h.last('AddOffsetsToTxn')!.msg).toMatchObject({ groupId: 'g0', producerId: 1000, producerEpoch: 0 });
    const commit = h.reply('TxnOffsetCommit', { type: 'TxnOffsetCommitResponse' });
    expect(commit.to).toBe('b1');
    expect(commit.msg).toMatchObject({ actor: 'group-g0', groupId: 'g0', transactionalId: 'g0-c0', producerId: 1000, producerEpoch: 0, memberId: 'm1', generationId: 1, offsets: [{ partition: 0, offset: 3 }] });
    const end = h.reply('EndTxn', { type: 'EndTxnResponse', producerId: 1000, producerEpoch: 1 }, 'b2');
    expect(end.msg).toMatchObject({ committed: true, producerEpoch: 0 });
    expect(h.types(from).filter((t) => txnTypes.has(t))).toEqual(['AddPartitionsToTxn', 'Produce', 'Produce', 'Produce', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'EndTxn']);
    // No plain OffsetCommit ever: the offsets go with the transaction.
    expect(h.types()).not.toContain('OffsetCommit');
    expect(h.state()).toContain('Idle');
    expect(h.ctx().txns).toEqual([{ txnSeq: 0, producerId: 1000, producerEpoch: 0, committed: true, outputs: 3, time: h.now }]);
    expect(h.ctx().txn!.producerEpoch).toBe(1);
    expect(h.ctx().positions.get(0)).toBe(3);
  });

  it('retries a Produce on NOT_LEADER_OR_FOLLOWER with the same sequence, and an AddPartitionsToTxn on CONCURRENT_TRANSACTIONS', () => {
    const h = harness();
    initProducer(h);
    join(h);
    pollAndProcess(h, [rec(0, 10)]);
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse', error: 'CONCURRENT_TRANSACTIONS' }, 'b2');
    expect(h.state()).toContain('Backoff');
    h.advance(h.ctx().config.retryBackoffMs);
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    const first = h.reply('Produce', { type: 'ProduceResponse', error: 'NOT_LEADER_OR_FOLLOWER', baseOffset: -1 }, 'b3');
    h.reply('Metadata', { type: 'MetadataResponse', partitions });
    h.advance(h.ctx().config.retryBackoffMs);
    const second = h.last('Produce')!;
    expect(second.msg.requestId).not.toBe(first.msg.requestId);
    const seqOf = (s: Sent) => (s.msg.records as { value: ProducedValue }[])[0]!.value.sequence;
    expect(seqOf(second)).toBe(seqOf(first));
    h.reply('Produce', { type: 'ProduceResponse', baseOffset: 0 }, 'b3');
    expect(h.state()).toContain('AddingOffsets');
  });

  it('a failed Produce is resent with the later ones of its partition, in sequence order; OUT_OF_ORDER_SEQUENCE_NUMBER behind it is not fatal', () => {
    const h = harness();
    initProducer(h);
    join(h);
    pollAndProcess(h, [rec(0, 10), rec(1, 11), rec(2, 12)]);
    let from = h.sent.length;
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    const [p0, p1, p2] = h.since('Produce', from);
    const seq = (s: Sent) => (s.msg.records as { value: ProducedValue }[])[0]!.value.sequence;
    h.answer(p0!, { type: 'ProduceResponse', baseOffset: 0 }, 'b3');
    h.answer(p1!, { type: 'ProduceResponse', error: 'NOT_ENOUGH_REPLICAS', baseOffset: -1 }, 'b3');
    h.answer(p2!, { type: 'ProduceResponse', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', baseOffset: -1 }, 'b3');
    expect(h.state()).toContain('Producing');
    from = h.sent.length;
    h.advance(h.ctx().config.retryBackoffMs);
    const resent = h.since('Produce', from);
    expect(resent.map(seq)).toEqual([1, 2]);
    resent.forEach((p, i) => h.answer(p, { type: 'ProduceResponse', baseOffset: 1 + i }, 'b3'));
    expect(h.state()).toContain('AddingOffsets');
  });

  it('ILLEGAL_GENERATION on TxnOffsetCommit: EndTxn(abort), InitProducerId, rejoin, and a rewind to the committed offsets (retrying UNSTABLE_OFFSET_COMMIT)', () => {
    const h = harness();
    initProducer(h);
    join(h, 1, 0);
    pollAndProcess(h, [rec(0, 10), rec(1, 11)]);
    const beforeProduce = h.sent.length;
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    h.since('Produce', beforeProduce).forEach((p, i) => h.answer(p, { type: 'ProduceResponse', baseOffset: i }, 'b3'));
    h.reply('AddOffsetsToTxn', { type: 'AddOffsetsToTxnResponse' }, 'b2');
    const from = h.sent.length;
    h.reply('TxnOffsetCommit', { type: 'TxnOffsetCommitResponse', error: 'ILLEGAL_GENERATION' });
    // The partitions are lost (KIP-447: a zombie's offsets are not committed) and the transaction aborted.
    expect(h.ctx().owned).toEqual([]);
    const abort = h.reply('EndTxn', { type: 'EndTxnResponse', producerId: 1000, producerEpoch: 1 }, 'b2');
    expect(abort.msg).toMatchObject({ committed: false, producerEpoch: 0 });
    expect(h.ctx().txns).toEqual([{ txnSeq: 0, producerId: 1000, producerEpoch: 0, committed: false, outputs: 2, time: h.now }]);
    expect(h.ctx().positions.size).toBe(0);
    h.reply('InitProducerId', { type: 'InitProducerIdResponse', producerId: 1000, producerEpoch: 2 }, 'b2');
    expect(h.types(from).filter((t) => txnTypes.has(t))).toEqual(['EndTxn', 'InitProducerId']);
    // Rejoin in generation 2; the group's committed offset is still 0, and while the aborted
    // transaction's offsets are pending the coordinator answers UNSTABLE_OFFSET_COMMIT.
    joinUntilOffsetFetch(h, 2);
    const unstable = h.reply('OffsetFetch', { type: 'OffsetFetchResponse', error: 'UNSTABLE_OFFSET_COMMIT', offsets: [] });
    h.advance(10);
    const again = h.reply('OffsetFetch', { type: 'OffsetFetchResponse', offsets: [{ partition: 0, offset: 0 }] });
    expect(again.msg.requestId).not.toBe(unstable.msg.requestId);
    expect(h.ctx().positions.get(0)).toBe(0);
    // The batch is read and processed again, in a new transaction of the new epoch, from sequence 0.
    pollAndProcess(h, [rec(0, 10), rec(1, 11)]);
    expect(h.ctx().processed.map((p) => p.offset)).toEqual([0, 1, 0, 1]);
    const again2 = h.sent.length;
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    const values = h.since('Produce', again2).map((p) => (p.msg.records as { value: ProducedValue }[])[0]!.value);
    expect(values).toMatchObject([
      { producerEpoch: 2, sequence: 0, txnSeq: 1, source: { partition: 0, offset: 0 } },
      { producerEpoch: 2, sequence: 1, txnSeq: 1, source: { partition: 0, offset: 1 } },
    ]);
  });

  it('a rebalance waits for the open transaction: no revocation and no JoinGroup until EndTxn is answered, and no plain OffsetCommit on revocation', () => {
    const h = harness();
    initProducer(h);
    join(h);
    pollAndProcess(h, [rec(0, 10)]);
    const from = h.sent.length;
    h.advance(h.ctx().config.heartbeatIntervalMs);
    h.reply('Heartbeat', { type: 'HeartbeatResponse', error: 'REBALANCE_IN_PROGRESS' });
    expect(h.ctx().rejoinNeeded).toBe(true);
    h.advance(10);
    expect(h.types(from)).not.toContain('JoinGroup');
    expect(h.ctx().owned).toEqual([0]);
    commitTxn(h, 1);
    expect(h.types(from)).not.toContain('JoinGroup');
    h.advance(10); // the next poll: eager revocation, then JoinGroup
    expect(h.ctx().owned).toEqual([]);
    expect(h.types(from)).toContain('JoinGroup');
    expect(h.types(from)).not.toContain('OffsetCommit');
  });

  it('PRODUCER_FENCED on Produce: no EndTxn(abort), InitProducerId at once', () => {
    const h = harness();
    initProducer(h);
    join(h);
    pollAndProcess(h, [rec(0, 10)]);
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    const from = h.sent.length;
    h.reply('Produce', { type: 'ProduceResponse', error: 'PRODUCER_FENCED', baseOffset: -1 }, 'b3');
    expect(h.types(from).filter((t) => txnTypes.has(t))).toEqual(['InitProducerId']);
    expect(h.ctx().txns[0]).toMatchObject({ committed: false, outputs: 1 });
  });

  it('sequences restart at 0 when EndTxn bumps the epoch (KIP-890 part 2), and continue when it does not (init-only)', () => {
    for (const [bump, expected] of [
      [true, { producerEpoch: 1, sequences: [0, 1] }],
      [false, { producerEpoch: 0, sequences: [2, 3] }],
    ] as const) {
      const h = harness({}, { txnEpochBump: bump ? 'per-transaction' : 'init-only' });
      initProducer(h, 0);
      join(h);
      pollAndProcess(h, [rec(0, 10), rec(1, 11)]);
      commitTxn(h, bump ? 1 : 0);
      pollAndProcess(h, [rec(2, 12), rec(3, 13)]);
      const from = h.sent.length;
      h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
      const seqs: number[] = [];
      for (const [i, p] of h.since('Produce', from).entries()) {
        const v = (p.msg.records as { value: ProducedValue }[])[0]!.value;
        expect(v.producerEpoch).toBe(expected.producerEpoch);
        expect(v.txnSeq).toBe(1);
        seqs.push(v.sequence!);
        h.answer(p, { type: 'ProduceResponse', baseOffset: 10 + i }, 'b3');
      }
      expect(seqs).toEqual(expected.sequences);
      expect(h.last('AddOffsetsToTxn')!.msg.producerEpoch).toBe(expected.producerEpoch);
    }
  });

  it('aborts a transaction that outlives delivery.timeout.ms', () => {
    const h = harness();
    initProducer(h);
    join(h);
    pollAndProcess(h, [rec(0, 10)]);
    h.reply('AddPartitionsToTxn', { type: 'AddPartitionsToTxnResponse' }, 'b2');
    // The out-0 leader never answers.
    h.advance(h.ctx().config.deliveryTimeoutMs);
    expect(h.last('EndTxn')?.msg).toMatchObject({ committed: false });
    expect(h.state()).toContain('Aborting');
  });
});

describe('read_committed and read_uncommitted fetches (KIP-98)', () => {
  const aborted: AbortedTxn[] = [{ producerId: 7, firstOffset: 0, lastOffset: 1 }];
  const records = [
    rec(0, 100, { producerId: 7, producerEpoch: 0, sequence: 0, transactional: true }),
    rec(1, -1, { producerId: 7, producerEpoch: 0, control: 'ABORT' }),
    rec(2, 102),
    rec(3, 103, { producerId: 8, producerEpoch: 0, sequence: 0, transactional: true }),
    rec(4, -1, { producerId: 8, producerEpoch: 0, control: 'COMMIT' }),
  ];

  it('drops control records always, and the aborted transactions\u2019 records under read_committed only', () => {
    expect(visibleRecords(records, true, aborted).map((r) => r.offset)).toEqual([2, 3]);
    expect(visibleRecords(records, false, aborted).map((r) => r.offset)).toEqual([0, 2, 3]);
    // Another producer's records in the same offsets are not aborted.
    expect(visibleRecords([rec(0, 1, { producerId: 9, transactional: true })], true, aborted)).toHaveLength(1);
  });

  for (const level of ['read_committed', 'read_uncommitted'] as const) {
    it(`a consumer with ${level} fetches ${level === 'read_committed' ? 'with' : 'without'} isolation READ_COMMITTED, hands over what it may see, and moves its position past the rest`, () => {
      const h = harness({ commit: 'after-process', transactionalId: undefined, producerId: undefined }, { isolationLevel: level });
      join(h);
      h.advance(10);
      const fetch = h.reply('Fetch', {
        type: 'FetchResponse',
        partition: 0,
        records,
        highWatermark: 5,
        leaderEndOffset: 5,
        leaderEpoch: 0,
        lastStableOffset: 5,
        abortedTransactions: aborted,
      });
      expect(fetch.msg.isolation).toBe(level === 'read_committed' ? 'READ_COMMITTED' : undefined);
      expect('isolation' in fetch.msg).toBe(level === 'read_committed');
      const expected = level === 'read_committed' ? [2, 3] : [0, 2, 3];
      const ok = h.history.at(-1) as { type: string; value: [string, { [p: string]: [number, number][] }][] };
      expect(ok.type).toBe('ok');
      expect(ok.value[0]![1]['0']!.map(([o]) => o)).toEqual(expected);
      expect(h.ctx().positions.get(0)).toBe(5);
    });
  }

  it('a fetch of nothing but aborted and control records moves the position without a poll op', () => {
    const h = harness({ commit: 'after-process', transactionalId: undefined, producerId: undefined });
    join(h);
    h.advance(10);
    h.reply('Fetch', { type: 'FetchResponse', partition: 0, records: records.slice(0, 2), highWatermark: 2, leaderEndOffset: 2, leaderEpoch: 0, abortedTransactions: aborted });
    expect(h.history).toEqual([]);
    expect(h.ctx().positions.get(0)).toBe(2);
    h.advance(10);
    expect(h.last('Fetch')!.msg.fetchOffset).toBe(2);
  });

  it('auto.offset.reset=latest asks for the last stable offset under read_committed; runs without transactions send no isolation', () => {
    for (const readCommitted of [true, undefined]) {
      const h = harness({ commit: 'after-process', reset: 'latest', transactionalId: undefined, producerId: undefined, readCommitted });
      joinUntilOffsetFetch(h, 1, partitions.slice(0, 2));
      h.reply('OffsetFetch', { type: 'OffsetFetchResponse', offsets: [{ partition: 0, offset: -1 }] });
      const list = h.last('ListOffsets')!;
      expect('isolation' in list.msg).toBe(readCommitted === true);
      if (readCommitted) expect(list.msg.isolation).toBe('READ_COMMITTED');
      h.reply('ListOffsets', { type: 'ListOffsetsResponse', partition: 0, offset: 4 });
      h.advance(10);
      const fetch = h.last('Fetch')!;
      expect(fetch.msg.fetchOffset).toBe(4);
      expect('isolation' in fetch.msg).toBe(readCommitted === true);
    }
  });
});

describe('consume-transform-produce end to end (runScenario)', () => {
  /** The committed view of the `out` topic: for each output, its input (partition:offset), per COMMIT marker. */
  function committedSources(world: import('../../src/sim/world.js').World, partitions: number): Map<string, number> {
    const seen = new Map<string, number>();
    for (let p = 0; p < partitions; p++) {
      type Snap = { context: { log: { highWatermark: number; read(from: number, max: number, isolation: string): Record[] } } };
      const replicas = ['b1', 'b2', 'b3'].map((b) => world.actor(b, `out-${p}`)?.getSnapshot() as Snap | undefined).filter((s): s is Snap => s !== undefined);
      const leader = replicas.sort((a, b) => b.context.log.highWatermark - a.context.log.highWatermark)[0]!;
      const pending = new Map<number, ProducedValue[]>();
      for (const r of leader.context.log.read(0, leader.context.log.highWatermark, 'LOG_END')) {
        const v = r.value;
        if (v.control === undefined) {
          pending.set(v.producerId!, [...(pending.get(v.producerId!) ?? []), v]);
          continue;
        }
        if (v.control === 'COMMIT') for (const x of pending.get(v.producerId!) ?? []) seen.set(`${x.source!.partition}:${x.source!.offset}`, (seen.get(`${x.source!.partition}:${x.source!.offset}`) ?? 0) + 1);
        pending.delete(v.producerId!);
      }
    }
    return seen;
  }

  for (const [name, faults] of [
    ['no faults', []],
    ['a consumer crashing mid-transaction', [{ at: 200, type: 'crash', node: 'g0-c0' }, { at: 260, type: 'restart', node: 'g0-c0' }]],
  ] as const) {
    it(`every input is in exactly one committed transaction's output (${name})`, async () => {
      const { runScenario } = await import('../../src/cluster/run.js');
      const { parseScenario } = await import('../../src/cluster/scenario.js');
      const { world } = runScenario(
        parseScenario({
          seed: 2,
          durationMs: 3000,
          config: { preset: 'default', overrides: { partitions: 2 } },
          workload: { kind: 'produce', records: 40, intervalMs: 5, keys: 6, groups: [{ consumers: 2, commit: 'transactional' }] },
          faults: faults as never,
          // Processing is at-least-once (an aborted batch is processed again); the output is exactly-once.
          properties: ['group-exclusive-ownership'],
        } as never),
        'full',
      );
      const seen = committedSources(world, 2);
      expect(seen.size).toBe(40);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const txns = ['g0-c0', 'g0-c1'].flatMap((n) => (world.actor(n)?.getSnapshot() as { context: ConsumerContext }).context.txns);
      // The consumers' own logs (this incarnation's transactions) agree: a crashed incarnation's are gone.
      const committedOutputs = txns.filter((t) => t.committed).reduce((n, t) => n + t.outputs, 0);
      if (faults.length === 0) expect(committedOutputs).toBe(40);
      else expect(committedOutputs).toBeLessThanOrEqual(40);
    });
  }
});
