/**
 * The transaction coordinator machine, driven in a small World: brokers b1..b3 each host the
 * coordinator of transactional.id `p0` and fakes of what it talks to: `__transaction_state-0`
 * (one log shared by the brokers, as if replicated: it answers the coordinator's local Produce
 * and Fetch), the data partitions `t-0`, `t-1` and the group coordinator `group-g0` (they answer
 * WriteTxnMarkers). A `client` node sends the transactional requests. The broker's
 * PartitionChange and MetadataUpdate are fed to the coordinators directly.
 */
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { resolveConfig, type ClusterConfig } from '../../src/config/index.js';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { react } from '../../src/machines/effects.js';
import { groupActor } from '../../src/machines/group-protocol.js';
import { DATA_TOPIC, OFFSETS_TOPIC, partitionName, type ErrorCode, type Fetch, type PartitionState, type Produce, type Record } from '../../src/machines/protocol.js';
import { txnCoordinatorMachine, type TxnCoordinatorContext } from '../../src/machines/txn-coordinator.js';
import { TXN_TOPIC, txnActor, type TxnLogEntry, type TxnPartition, type WriteTxnMarkers } from '../../src/machines/txn-protocol.js';
import { World } from '../../src/sim/world.js';

const TID = 'p0';
const PID = 1000;
const NAME = txnActor(TID);
const TXN_PARTITION = partitionName(0, TXN_TOPIC);
const BROKERS = ['b1', 'b2', 'b3'];
const T0: TxnPartition = { topic: DATA_TOPIC, partition: 0 };
const T1: TxnPartition = { topic: DATA_TOPIC, partition: 1 };

/** What the fakes share with the test: the replicated log, scripted failures, and what they were sent. */
interface Script {
  readonly records: Record[];
  /** Errors for the next Produce requests to `__transaction_state-0`, in order. */
  produceErrors: ErrorCode[];
  /** Answer the next N markers with NOT_LEADER_OR_FOLLOWER / leave the next N unanswered. */
  markerErrors: number;
  markerDrops: number;
  /** Leave Fetch requests unanswered (the coordinator stays Loading and retries). */
  holdFetch: boolean;
  readonly markers: { node: string; msg: WriteTxnMarkers }[];
}

type Any = { type: string; from: string; [k: string]: unknown };

/** `__transaction_state-0`: appends and answers at once (acks=all as if every follower were in sync). */
const fakeTxnLog = setup({ types: {} as { context: { script: Script; now: () => number }; input: { script: Script; now: () => number } } }).createMachine({
  context: ({ input }) => input,
  on: {
    '*': {
      actions: react<{ script: Script; now: () => number }, Any>((c, e, out) => {
        const s = c.script;
        if (e.type === 'Produce') {
          const p = e as unknown as Produce & { from: string };
          const error = s.produceErrors.shift();
          if (!error) for (const r of p.records) s.records.push({ offset: s.records.length, leaderEpoch: 0, timestamp: c.now(), key: r.key, value: r.value, size: 1 });
          out.local(p.replyTo!, { type: 'ProduceResponse', actor: p.replyTo, requestId: p.requestId, ...(error ? { error } : {}), baseOffset: error ? -1 : s.records.length - 1 });
        } else if (e.type === 'Fetch' && !s.holdFetch) {
          const f = e as unknown as Fetch & { requestId: number };
          const end = s.records.length;
          out.local(f.replyTo!, { type: 'FetchResponse', actor: f.replyTo, requestId: f.requestId, records: s.records.slice(f.fetchOffset, f.fetchOffset + 2), highWatermark: end, leaderEndOffset: end, leaderEpoch: 0 });
        }
      }),
    },
  },
});

/** A partition leader (or the group coordinator) answering WriteTxnMarkers. */
const fakeMarkerTarget = setup({ types: {} as { context: { script: Script; node: string }; input: { script: Script; node: string } } }).createMachine({
  context: ({ input }) => input,
  on: {
    '*': {
      actions: react<{ script: Script; node: string }, Any>((c, e, out) => {
        if (e.type !== 'WriteTxnMarkers') return;
        const m = e as unknown as WriteTxnMarkers & { from: string };
        const s = c.script;
        s.markers.push({ node: c.node, msg: m });
        if (s.markerDrops > 0) return void s.markerDrops--;
        const error = s.markerErrors > 0 ? (s.markerErrors--, { error: 'NOT_LEADER_OR_FOLLOWER' as const }) : {};
        out.send(m.from, { type: 'WriteTxnMarkersResponse', actor: m.replyTo, requestId: m.requestId, topic: m.topic, partition: m.partition, ...error });
      }),
    },
  },
});

const recorder = setup({ types: {} as { context: { inbox: Any[] }; input: { inbox: Any[] } } }).createMachine({
  context: ({ input }) => input,
  on: { '*': { actions: ({ context, event }) => void context.inbox.push(event as Any) } },
});

class Harness {
  readonly world = new World({ seed: 7 });
  readonly script: Script = { records: [], produceErrors: [], markerErrors: 0, markerDrops: 0, holdFetch: false, markers: [] };
  readonly inbox: Any[] = [];
  private requestId = 0;
  /** The broker the client sends to (the coordinator it found). */
  coordinator = 'b1';

  constructor(readonly config: ClusterConfig) {
    const now = () => this.world.now;
    for (const [i, node] of BROKERS.entries()) {
      this.world.addNode({
        id: node,
        boot: () => [
          { name: NAME, logic: txnCoordinatorMachine, input: { config, now, transactionalId: TID, producerId: PID, brokerId: i + 1, name: NAME } },
          { name: TXN_PARTITION, logic: fakeTxnLog, input: { script: this.script, now } },
          ...['t-0', 't-1', groupActor('g0')].map((name) => ({ name, logic: fakeMarkerTarget, input: { script: this.script, node } })),
        ],
      });
    }
    this.world.addNode({ id: 'client', boot: () => ({ logic: recorder, input: { inbox: this.inbox } }) });
    this.world.start();
  }

  /** The broker tells its coordinator about `__transaction_state-0` (BecomeReplica), on every broker. */
  elect(leader: number, leaderEpoch: number): void {
    const state: PartitionState = { topic: TXN_TOPIC, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader, leaderEpoch, partitionEpoch: leaderEpoch };
    for (const b of BROKERS) this.world.actor(b, NAME)!.send({ type: 'PartitionChange', actor: NAME, state, brokerEpoch: 1, from: b });
    this.coordinator = `b${leader}`;
    this.settle(5);
  }

  /** The whole metadata cache: leaders of t-0, t-1 and __consumer_offsets-0. */
  metadata(leaders: { t0: number; t1: number; offsets: number }): void {
    const p = (topic: string, partition: number, leader: number): PartitionState => ({ ...(topic === DATA_TOPIC ? {} : { topic }), partition, replicas: [1, 2, 3], isr: [1, 2, 3], leader, leaderEpoch: 0, partitionEpoch: 0 });
    const partitions = [p(DATA_TOPIC, 0, leaders.t0), p(DATA_TOPIC, 1, leaders.t1), p(OFFSETS_TOPIC, 0, leaders.offsets)];
    for (const b of BROKERS) this.world.actor(b, NAME)!.send({ type: 'MetadataUpdate', actor: NAME, partitions, from: b });
  }

  /** Send a request and run until it is answered. */
  call(type: string, body: object = {}): Any {
    const requestId = ++this.requestId;
    this.world.send('client', this.coordinator, { type, actor: NAME, requestId, transactionalId: TID, ...body });
    const limit = this.world.now + 2000;
    const answered = () => this.inbox.find((r) => r.requestId === requestId && r.type === `${type}Response`);
    while (!answered() && this.world.now < limit) this.world.run({ maxEvents: 1 });
    const r = answered();
    expect(r, `${type} answered`).toBeDefined();
    return r!;
  }

  init(): Any {
    return this.call('InitProducerId', { transactionTimeoutMs: this.config.transactionTimeoutMs });
  }
  add(epoch: number, partitions: TxnPartition[] = [T0, T1]): Any {
    return this.call('AddPartitionsToTxn', { producerId: PID, producerEpoch: epoch, partitions });
  }
  addOffsets(epoch: number): Any {
    return this.call('AddOffsetsToTxn', { producerId: PID, producerEpoch: epoch, groupId: 'g0' });
  }
  end(epoch: number, committed: boolean): Any {
    return this.call('EndTxn', { producerId: PID, producerEpoch: epoch, committed });
  }

  settle(ms: number): void {
    this.world.run({ until: this.world.now + ms });
  }

  snapshot(node = this.coordinator): { value: string; context: TxnCoordinatorContext } {
    return this.world.actor(node, NAME)!.getSnapshot() as { value: string; context: TxnCoordinatorContext };
  }

  /** The coordinator's state changes, in order (from the trace). */
  states(node = this.coordinator): { from: string | null; to: string }[] {
    return this.world.trace.events().flatMap((e) => (e.e === 'state' && e.node === node ? [{ from: e.from as string | null, to: e.to as string }] : []));
  }

  /** The entries written to `__transaction_state-0`. */
  entries(): TxnLogEntry[] {
    return this.script.records.map((r) => r.value.txn!);
  }
}

const config = (over: Partial<ClusterConfig> = {}) => resolveConfig('default', over);

/** A harness with b1 coordinating, loaded, and the data partitions led by b2, the group coordinator by b3. */
function started(over: Partial<ClusterConfig> = {}): Harness {
  const h = new Harness(config(over));
  h.metadata({ t0: 2, t1: 3, offsets: 3 });
  h.elect(1, 0);
  expect(h.snapshot().value).toBe('Empty');
  return h;
}

/** TransactionMetadata.validPreviousStates, plus the coordinator's own Unloaded and Loading. */
const legal: { [to: string]: readonly (string | null)[] } = {
  Unloaded: [null],
  Loading: ['Unloaded', 'Dead', 'Loading', 'Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence'],
  Empty: ['Loading', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Loading', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Loading', 'Ongoing'],
  PrepareAbort: ['Loading', 'Ongoing', 'PrepareEpochFence'],
  PrepareEpochFence: ['Ongoing'],
  CompleteCommit: ['Loading', 'PrepareCommit'],
  CompleteAbort: ['Loading', 'PrepareAbort'],
  Dead: ['Loading', 'Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence'],
};

describe('transaction coordinator', () => {
  it('InitProducerId: epoch 0 first, then each call bumps the epoch and fences the older producer (KIP-98)', () => {
    const h = started();
    expect(h.init()).toMatchObject({ producerId: PID, producerEpoch: 0 });
    expect(h.add(0).error).toBeUndefined();
    expect(h.end(0, true).error).toBeUndefined();
    h.settle(50);
    expect(h.init()).toMatchObject({ producerId: PID, producerEpoch: 2 }); // per-transaction: the commit bumped to 1
    expect(h.add(1).error).toBe('PRODUCER_FENCED');
    expect(h.add(0).error).toBe('PRODUCER_FENCED');
    expect(h.add(3).error).toBe('INVALID_PRODUCER_EPOCH');
    expect(h.call('AddPartitionsToTxn', { producerId: 7, producerEpoch: 2, partitions: [T0] }).error).toBe('INVALID_PRODUCER_ID_MAPPING');
    expect(h.add(2).error).toBeUndefined();
    expect(h.snapshot().value).toBe('Ongoing');
  });

  it('commit: Prepare written, client answered, a marker to each partition (the group coordinator for offsets), then Complete', () => {
    const h = started();
    h.init();
    expect(h.add(0).error).toBeUndefined();
    expect(h.addOffsets(0).error).toBeUndefined();
    expect(h.snapshot().context.txn?.partitions).toEqual([T0, T1, { topic: OFFSETS_TOPIC, partition: 0, groupId: 'g0' }]);
    // Adding what is already in the transaction is answered without a write.
    expect(h.addOffsets(0).error).toBeUndefined();
    expect(h.add(0, [T1]).error).toBeUndefined();
    expect(h.entries()).toHaveLength(3);
    const end = h.end(0, true);
    // Answered once PrepareCommit is replicated, with the bumped epoch (KIP-890), before any marker is acknowledged.
    expect(end).toMatchObject({ producerId: PID, producerEpoch: 1 });
    expect(h.entries().at(-1)).toMatchObject({ state: 'PrepareCommit', producerEpoch: 1 });
    h.settle(50);
    const sent = h.script.markers.map((m) => [m.node, m.msg.actor, m.msg.result, m.msg.producerEpoch, m.msg.coordinatorEpoch]).sort();
    expect(sent).toEqual([
      ['b2', 't-0', 'COMMIT', 1, 0],
      ['b3', 'group-g0', 'COMMIT', 1, 0],
      ['b3', 't-1', 'COMMIT', 1, 0],
    ]);
    expect(h.script.markers.find((m) => m.msg.actor === 'group-g0')!.msg).toMatchObject({ topic: OFFSETS_TOPIC, partition: 0, groupId: 'g0' });
    expect(h.entries().map((e) => e.state)).toEqual(['Empty', 'Ongoing', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
    expect(h.entries().at(-1)).toMatchObject({ partitions: [], producerEpoch: 1 });
    expect(h.snapshot().value).toBe('CompleteCommit');
    // The next transaction uses the new epoch.
    expect(h.add(1, [T0]).error).toBeUndefined();
  });

  it('abort: PrepareAbort, ABORT markers, CompleteAbort; requests while a transaction completes get CONCURRENT_TRANSACTIONS', () => {
    const h = started();
    h.init();
    h.add(0, [T0]);
    h.script.markerDrops = 1; // the marker is resent after request.timeout.ms
    expect(h.end(0, false).error).toBeUndefined();
    expect(h.snapshot().value).toBe('PrepareAbort');
    expect(h.add(1, [T1]).error).toBe('CONCURRENT_TRANSACTIONS');
    expect(h.init().error).toBe('CONCURRENT_TRANSACTIONS');
    h.settle(h.config.requestTimeoutMs + 50);
    expect(h.script.markers.map((m) => m.msg.result)).toEqual(['ABORT', 'ABORT']);
    expect(h.snapshot().value).toBe('CompleteAbort');
    expect(h.entries().map((e) => e.state)).toEqual(['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort']);
  });

  it("KIP-890 part 2 (per-transaction): a retried EndTxn of the finished transaction is answered with the new epoch; older epochs are fenced", () => {
    const h = started();
    h.init();
    h.add(0);
    expect(h.end(0, true)).toMatchObject({ producerEpoch: 1 });
    // Retried while PrepareCommit: CONCURRENT_TRANSACTIONS (the client retries); after
    // CompleteCommit: success, current epoch (TransactionCoordinator.endTransaction).
    expect(h.end(0, true).error).toBe('CONCURRENT_TRANSACTIONS');
    h.settle(50);
    expect(h.snapshot().value).toBe('CompleteCommit');
    expect(h.end(0, true)).toMatchObject({ producerEpoch: 1 });
    expect(h.end(0, true).error).toBeUndefined();
    expect(h.end(0, false).error).toBe('INVALID_TXN_STATE');
    // The current epoch with no transaction open; the new transaction with the old epoch (a late write, KAFKA-17754).
    expect(h.end(1, true).error).toBe('INVALID_TXN_STATE');
    expect(h.add(0).error).toBe('PRODUCER_FENCED');
    h.add(1);
    h.end(1, false);
    h.settle(50);
    expect(h.snapshot().context.txn?.producerEpoch).toBe(2);
    expect(h.end(0, true).error).toBe('PRODUCER_FENCED'); // two transactions ago
    expect(h.end(1, false)).toMatchObject({ producerEpoch: 2 });
  });

  it('init-only (before KIP-890): the epoch stays; a retried EndTxn with the same outcome is CONCURRENT_TRANSACTIONS while the markers are written and succeeds once complete; the other outcome or no transaction is INVALID_TXN_STATE', () => {
    const h = started({ txnEpochBump: 'init-only' });
    h.init();
    expect(h.end(0, true).error).toBe('INVALID_TXN_STATE'); // Empty
    h.add(0);
    h.script.markerDrops = 2; // PrepareCommit lasts until the markers are resent after request.timeout.ms
    expect(h.end(0, true)).toMatchObject({ producerEpoch: 0 });
    expect(h.end(0, true).error).toBe('CONCURRENT_TRANSACTIONS'); // retried in PrepareCommit
    expect(h.end(0, false).error).toBe('INVALID_TXN_STATE');
    expect(h.snapshot().value).toBe('PrepareCommit');
    h.settle(h.config.requestTimeoutMs + 50);
    expect(h.snapshot().value).toBe('CompleteCommit');
    expect(h.script.markers.every((m) => m.msg.producerEpoch === 0)).toBe(true);
    expect(h.end(0, true)).toMatchObject({ producerEpoch: 0 }); // retried in CompleteCommit
    expect(h.end(0, false).error).toBe('INVALID_TXN_STATE');
    // The same epoch joins the next transaction: nothing tells a late request from a new one (KAFKA-17754).
    expect(h.add(0).error).toBeUndefined();
    expect(h.snapshot().value).toBe('Ongoing');
  });

  it('transaction timeout: the coordinator bumps the epoch and aborts (PrepareEpochFence -> PrepareAbort -> CompleteAbort)', () => {
    const h = started();
    h.init();
    h.add(0);
    const started_ = h.world.now;
    h.settle(h.config.transactionTimeoutMs - 20);
    expect(h.snapshot().value).toBe('Ongoing');
    h.settle(100);
    expect(h.snapshot().value).toBe('CompleteAbort');
    expect(h.states().map((s) => s.to)).toEqual(['Unloaded', 'Loading', 'Empty', 'Ongoing', 'PrepareEpochFence', 'PrepareAbort', 'CompleteAbort']);
    const abort = h.entries().find((e) => e.state === 'PrepareAbort')!;
    expect(abort.producerEpoch).toBe(1);
    expect(abort.startMs).toBeLessThanOrEqual(started_);
    expect(h.script.markers.map((m) => [m.msg.result, m.msg.producerEpoch])).toEqual([
      ['ABORT', 1],
      ['ABORT', 1],
    ]);
    // The producer that left it open is fenced from it: it cannot add to it or commit it. KIP-890
    // (Kafka's retryOnEpochBump): its EndTxn(abort) is taken for a retry of the abort and gets the new epoch.
    expect(h.add(0).error).toBe('PRODUCER_FENCED');
    expect(h.end(0, true).error).toBe('INVALID_TXN_STATE');
    expect(h.end(0, false)).toMatchObject({ producerEpoch: 1 });
  });

  it('transaction timeout, init-only: the epoch is bumped too, so the producer is fenced from the aborted transaction', () => {
    const h = started({ txnEpochBump: 'init-only' });
    h.init();
    h.add(0);
    h.settle(h.config.transactionTimeoutMs + 50);
    expect(h.snapshot().value).toBe('CompleteAbort');
    expect(h.end(0, true).error).toBe('PRODUCER_FENCED');
    expect(h.end(0, false).error).toBe('PRODUCER_FENCED');
    expect(h.add(0).error).toBe('PRODUCER_FENCED');
  });

  it('InitProducerId with a transaction open aborts it first with a bumped epoch, answering CONCURRENT_TRANSACTIONS until it is complete', () => {
    const h = started();
    h.init();
    h.add(0);
    h.script.markerErrors = 2; // each marker fails once and is retried
    expect(h.init().error).toBe('CONCURRENT_TRANSACTIONS');
    expect(['PrepareAbort', 'CompleteAbort']).toContain(h.snapshot().value);
    h.settle(50);
    expect(h.snapshot().value).toBe('CompleteAbort');
    expect(h.script.markers.map((m) => m.msg.actor).sort()).toEqual(['t-0', 't-0', 't-1', 't-1']);
    // The retry gets the epoch after the fence's.
    expect(h.init()).toMatchObject({ producerId: PID, producerEpoch: 2 });
    expect(h.entries().map((e) => [e.state, e.producerEpoch])).toEqual([
      ['Empty', 0],
      ['Ongoing', 0],
      ['PrepareAbort', 1],
      ['CompleteAbort', 1],
      ['Empty', 2],
    ]);
    expect(h.add(0).error).toBe('PRODUCER_FENCED');
  });

  it('a log write that fails is answered COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR and changes nothing; a failed fence is retried', () => {
    const h = started();
    h.script.produceErrors = ['NOT_ENOUGH_REPLICAS'];
    expect(h.init().error).toBe('COORDINATOR_NOT_AVAILABLE');
    h.init();
    h.script.produceErrors = ['NOT_LEADER_OR_FOLLOWER'];
    expect(h.add(0).error).toBe('NOT_COORDINATOR');
    expect(h.snapshot().value).toBe('Empty');
    h.add(0);
    h.script.produceErrors = ['NOT_ENOUGH_REPLICAS'];
    expect(h.init().error).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(h.snapshot().value).toBe('PrepareEpochFence');
    h.settle(50);
    expect(h.snapshot().value).toBe('CompleteAbort');
    expect(h.entries().find((e) => e.state === 'PrepareAbort')!.producerEpoch).toBe(1);
  });

  it('a new coordinator loads the log and resumes the markers of a PrepareCommit (leadership of __transaction_state-0 moved)', () => {
    const h = started();
    h.init();
    h.add(0);
    h.addOffsets(0);
    h.script.markerDrops = 3; // b1 never hears back
    h.end(0, true);
    h.settle(5);
    expect(h.snapshot('b1').value).toBe('PrepareCommit');
    h.elect(2, 1);
    expect(h.snapshot('b1').value).toBe('Dead');
    h.settle(50);
    const b2 = h.snapshot('b2');
    expect(b2.value).toBe('CompleteCommit');
    expect(b2.context.coordinatorEpoch).toBe(1);
    const resent = h.script.markers.slice(3).map((m) => [m.msg.actor, m.msg.result, m.msg.producerEpoch, m.msg.coordinatorEpoch]).sort();
    expect(resent).toEqual([
      ['group-g0', 'COMMIT', 1, 1],
      ['t-0', 'COMMIT', 1, 1],
      ['t-1', 'COMMIT', 1, 1],
    ]);
    expect(h.states('b2').map((s) => s.to)).toEqual(expect.arrayContaining(['Loading', 'PrepareCommit', 'CompleteCommit']));
    // b1 no longer coordinates.
    h.coordinator = 'b1';
    expect(h.init().error).toBe('NOT_COORDINATOR');
  });

  it('markers follow their partition to a new leader, and are resent when the connection to a broker breaks', () => {
    const h = started();
    h.init();
    h.add(0, [T0]);
    h.script.markerDrops = 1;
    h.end(0, true);
    h.settle(2);
    expect(h.script.markers.map((m) => m.node)).toEqual(['b2']);
    h.metadata({ t0: 3, t1: 3, offsets: 3 });
    h.settle(20);
    expect(h.script.markers.map((m) => m.node)).toEqual(['b2', 'b3']);
    expect(h.snapshot().value).toBe('CompleteCommit');

    h.add(1, [T0]);
    h.script.markerDrops = 1;
    h.end(1, true);
    h.settle(2);
    h.world.scheduleFaults([{ at: h.world.now, type: 'disconnect', a: 'b1', b: 'b3' }]);
    h.settle(20);
    expect(h.script.markers.slice(2).map((m) => m.node)).toEqual(['b3', 'b3']);
    expect(h.snapshot().value).toBe('CompleteCommit');
  });

  it('producerFencing=false: requests with an old epoch are accepted (a zombie joins the current transaction)', () => {
    const h = started({ producerFencing: false });
    h.init();
    expect(h.init().producerEpoch).toBe(1);
    expect(h.add(0).error).toBeUndefined();
    expect(h.end(0, true)).toMatchObject({ producerEpoch: 2 });
    h.settle(50);
    expect(h.snapshot().value).toBe('CompleteCommit');
  });

  it('Unloaded answers NOT_COORDINATOR, Loading COORDINATOR_LOAD_IN_PROGRESS', () => {
    const h = new Harness(config());
    expect(h.init().error).toBe('NOT_COORDINATOR');
    h.script.holdFetch = true;
    h.script.records.push(...Array.from({ length: 6 }, (_, i) => ({ offset: i, leaderEpoch: 0, timestamp: 0, key: 'other', value: { producer: 'txn-other', key: 'other', value: i }, size: 1 })));
    for (const b of BROKERS) h.world.actor(b, NAME)!.send({ type: 'PartitionChange', actor: NAME, state: { topic: TXN_TOPIC, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }, brokerEpoch: 1, from: b });
    h.script.holdFetch = true;
    expect(h.init().error).toBe('COORDINATOR_LOAD_IN_PROGRESS');
    expect(h.snapshot('b1').value).toBe('Loading');
    h.script.holdFetch = false;
    h.settle(h.config.requestTimeoutMs);
    expect(h.snapshot('b1').value).toBe('Empty');
    expect(h.snapshot('b1').context.nextValue).toBe(0);
  });

  it('takes only the legal transitions of TransactionMetadata.validPreviousStates, and its state matches the last replicated entry', () => {
    const seen = new Set<string>();
    const check = (h: Harness) => {
      for (const node of BROKERS) {
        for (const s of h.states(node)) {
          expect(legal[s.to]!.includes(s.from), `${node} ${s.from} -> ${s.to}`).toBe(true);
          seen.add(`${s.from}->${s.to}`);
        }
        const snap = h.snapshot(node);
        if (!['Unloaded', 'Loading', 'Dead', 'PrepareEpochFence'].includes(snap.value)) expect(snap.context.txn?.state ?? 'Empty').toBe(snap.value);
      }
    };
    for (const bump of ['per-transaction', 'init-only'] as const) {
      const h = started({ txnEpochBump: bump });
      let epoch = h.init().producerEpoch as number;
      for (let i = 0; i < 4; i++) {
        h.add(epoch);
        if (i === 1) h.addOffsets(epoch);
        const r = h.end(epoch, i % 2 === 0);
        epoch = r.producerEpoch as number;
        h.settle(30);
      }
      h.add(epoch);
      epoch = h.init().producerEpoch as number; // fence
      h.settle(30);
      epoch = h.init().producerEpoch as number;
      h.add(epoch);
      h.settle(h.config.transactionTimeoutMs + 50); // timeout
      h.elect(2, 1);
      h.settle(30);
      check(h);
    }
    for (const to of ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence', 'Dead']) expect([...seen].some((x) => x.endsWith(`->${to}`)), to).toBe(true);
  });
});

describe('transaction coordinator end to end (transactional producer, runScenario)', () => {
  const scenario = (faults: unknown[]) =>
    runScenario(
      parseScenario({
        seed: 3,
        durationMs: 2500,
        config: { preset: 'default', overrides: { partitions: 2 } },
        workload: { kind: 'produce', records: 30, intervalMs: 10, keys: 8, transactional: { recordsPerTxn: 3, abortEvery: 2 } },
        faults: faults as never,
      }),
      'full',
    );

  /** The coordinators' Prepare* -> Complete* moves: each a transaction ended (once, whichever broker ended it). */
  const ended = (world: World) =>
    world.trace.events().flatMap((e) => (e.e === 'state' && /\/txn-producer0$/.test(e.node) && String(e.from).startsWith('Prepare') ? [String(e.to)] : []));

  /** The outcomes of the producer's EndTxn requests that were answered without error, in order. */
  function answeredEnds(world: World): string[] {
    const asked = new Map<number, boolean>();
    const outcomes: string[] = [];
    for (const e of world.trace.events()) {
      if (e.e !== 'deliver') continue;
      const m = e.msg as { type: string; requestId: number; committed?: boolean; error?: string };
      if (m.type === 'EndTxn' && e.from === 'producer0') asked.set(m.requestId, m.committed!);
      if (m.type === 'EndTxnResponse' && e.to === 'producer0' && !m.error) outcomes.push(asked.get(m.requestId) ? 'CompleteCommit' : 'CompleteAbort');
    }
    return outcomes;
  }

  it('ten transactions of three records, every second aborted: each ends as the producer was told, also when the coordinator moves with a crash', () => {
    // b3 is the preferred replica of __transaction_state-0 (with two data partitions), so it coordinates first.
    for (const faults of [[], [{ at: 300, type: 'crash', node: 'b3' }, { at: 600, type: 'restart', node: 'b3' }]]) {
      const { world, summary } = scenario(faults);
      expect(summary.violation).toBeUndefined();
      const moves = world.trace.events().flatMap((e) => (e.e === 'state' && /\/txn-producer0$/.test(e.node) ? [{ node: e.node, from: e.from as string | null, to: e.to as string }] : []));
      for (const m of moves) expect(legal[m.to]!.includes(m.from), `${m.node} ${m.from} -> ${m.to}`).toBe(true);
      const done = ended(world);
      expect(done).toEqual(answeredEnds(world));
      if (faults.length === 0) expect(done).toEqual(Array.from({ length: 10 }, (_, k) => (k % 2 === 0 ? 'CompleteCommit' : 'CompleteAbort')));
      // b3 coordinated first; after its crash another broker's coordinator loaded the log and went on.
      else expect(new Set(moves.filter((m) => m.to === 'Ongoing').map((m) => m.node.split('/')[0])).size).toBe(2);
    }
  });
});
