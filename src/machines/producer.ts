import { raise, setup } from 'xstate';
import { partitionForKey } from '../client/partitioner.js';
import type { ClusterConfig } from '../config/schema.js';
import { metadataExpired, seenPartitionCount } from './client-metadata.js';
import type { TransactionalSpec } from '../cluster/kafka.js';
import { BATCHES_TO_RETAIN } from '../log/producer-state.js';
import { transactionStatePartitionFor } from './coordinator-partition.js';
import { react, type Outbox } from './effects.js';
import {
  DATA_TOPIC,
  brokerNode,
  partitionName,
  type ErrorCode,
  type MetadataRequest,
  type MetadataResponse,
  type PartitionState,
  type Produce,
  type ProduceResponse,
  type ProducedValue,
} from './protocol.js';
import {
  TXN_TOPIC,
  txnActor,
  type AddPartitionsToTxn,
  type AddPartitionsToTxnResponse,
  type EndTxn,
  type EndTxnResponse,
  type InitProducerId,
  type InitProducerIdResponse,
  type TxnErrorCode,
} from './txn-protocol.js';

/**
 * A producer client (Kafka's KafkaProducer + Sender): keys are mapped to partitions with Kafka's
 * murmur2 partitioner, each record is sent to the partition's leader with the configured acks,
 * retried with backoff on retriable errors and timeouts until delivery.timeout.ms, with at most
 * max.in.flight.requests.per.connection requests per broker.
 *
 * Idempotent (enable.idempotence, the default since Kafka 3.0, KIP-679; only with acks=all,
 * KAFKA-13598): every record carries the producer id, its epoch and a sequence number per
 * partition, fixed at its first send and kept through every retry, so the leader writes it once
 * (KIP-98). Records of a partition are sent in sequence order, and a retried record goes back
 * before the later ones. When the leader reports a gap that no earlier unresolved record can
 * fill, the producer bumps its epoch and gives up what was unresolved (as Kafka's
 * TransactionManager resets the producer id, KIP-360), and sequences start again at 0.
 *
 * Transactional (a `transactional.id`, KIP-98): the producer first gets its id and epoch from
 * the transaction coordinator (InitProducerId), then sends the workload in transactions of a
 * fixed number of records: AddPartitionsToTxn before its first record to a partition, the
 * records, and, once every one is answered, EndTxn: commit, or abort when one failed or the
 * application aborts this one. The history then records each send's outcome by the
 * transaction's: `ok` if committed, `fail` if aborted, `info` if the outcome is unknown (the
 * producer was fenced before it learnt it).
 *
 * Every send is recorded in the history: `invoke` when the application calls send, then `ok`
 * with the offset, `fail` when the record is known not to have been written, `info` when it
 * may or may not have been (a timeout, a lost connection, an error after append).
 */
export interface PendingRecord {
  value: ProducedValue;
  readonly partition: number;
  readonly deadline: number;
  attempts: number;
  /** Some attempt may have been written: a final failure is then `info`, not `fail`. */
  ambiguous: boolean;
  /** Not before this time (retry.backoff.ms). */
  notBefore: number;
  /** Idempotence: the sequence number, fixed at the record's first send. */
  sequence?: number;
  /** Transactional: the number of the transaction the record belongs to. */
  readonly txnSeq?: number;
}

/** A transaction's end, as the producer learnt it (read by the transaction properties). */
export interface EndedTransaction {
  readonly txnSeq: number;
  readonly result: 'COMMIT' | 'ABORT' | 'UNKNOWN';
  readonly producerEpoch: number;
}

export type CoordinatorRequest = 'InitProducerId' | 'AddPartitionsToTxn' | 'EndTxn';

/** A transactional producer's TransactionManager (Kafka's name for this part of the client). */
export interface TransactionManager {
  readonly spec: TransactionalSpec;
  readonly transactionalId: string;
  /** Broker id of the transaction coordinator (leader of its `__transaction_state` partition); -1 unknown. */
  readonly coordinator: number;
  /** `init`: needs a producer id/epoch; `open`: transaction `current` runs; `ending`: EndTxn sent; `done`. */
  readonly phase: 'init' | 'open' | 'ending' | 'done';
  readonly current: number;
  /** The transaction the application's next send joins (>= current), and how many it has. */
  readonly fill: number;
  readonly filled: number;
  /** Partitions added to the current transaction. */
  readonly added: ReadonlySet<number>;
  /** The outstanding coordinator request: what, its id, when sent, and (EndTxn) the outcome asked. */
  readonly request: { readonly type: CoordinatorRequest; readonly id: number; readonly sentAt: number; readonly partitions?: readonly number[]; readonly commit?: boolean } | undefined;
  readonly notBefore: number;
  /** After the current transaction, get a new epoch (sequences could not continue). */
  readonly reinit: boolean;
  /** `ending`: the outcome asked for (EndTxn is sent again with it after a retriable error). */
  readonly commit: boolean;
  /** Per record (its value number) of the current transaction: how it ended at the partition. Mutated in place. */
  readonly outcomes: Map<number, { readonly record: PendingRecord; readonly type: 'ok' | 'fail' | 'info'; readonly offset: number | undefined }>;
  /** Every transaction this producer ended, in order (grows in place). */
  readonly ended: EndedTransaction[];
}

export interface InFlight {
  readonly record: PendingRecord;
  readonly broker: number;
  readonly sentAt: number;
}

export interface ProducerWorkload {
  /** Records to send in all. */
  readonly records: number;
  /** One send every intervalMs. */
  readonly intervalMs: number;
  /** Keys cycle over this many distinct keys. */
  readonly keys: number;
}

export interface ProducerContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly name: string;
  readonly process: number;
  /**
   * A restarted producer sends new values: incarnation i numbers its records from i x 1,000,000,
   * so a value names one send of one incarnation (the application resends nothing).
   */
  readonly valueBase: number;
  readonly workload: ProducerWorkload;
  readonly metadata: readonly (PartitionState | undefined)[];
  readonly produced: number;
  readonly queue: readonly PendingRecord[];
  readonly inFlight: ReadonlyMap<number, InFlight>;
  readonly nextRequestId: number;
  readonly metadataBroker: number;
  /** When the metadata request in flight was sent (undefined: none is). */
  readonly metadataSentAt?: number | undefined;
  /** When metadata last arrived: it is refreshed once it is metadata.max.age.ms old. */
  readonly metadataAt: number;
  readonly resolved: number;
  /** enable.idempotence in force (it needs acks=all). */
  readonly idempotent: boolean;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Idempotence: the next sequence number per partition, in this epoch. */
  readonly nextSequence: ReadonlyMap<number, number>;
  /** Present for a transactional producer. */
  readonly txn: TransactionManager | undefined;
  /** Idempotence: acknowledged records waiting for an earlier one of their partition to complete. */
  readonly acked: readonly { readonly record: PendingRecord; readonly offset: number }[];
}

export type ProducerEvent =
  | (ProduceResponse & { from: string })
  | (MetadataResponse & { from: string })
  | (InitProducerIdResponse & { from: string })
  | (AddPartitionsToTxnResponse & { from: string })
  | (EndTxnResponse & { from: string })
  | { type: 'SendNext' }
  | { type: 'Tick' }
  | { type: 'net.disconnected'; peer: string };

const encoder = new TextEncoder();

/**
 * The partition of a key, per partition count. The workload's keys cycle over a few values, so
 * each is encoded and hashed once, not on every send (partitionForKey is a pure function).
 */
const partitionsOfKeys = new Map<number, Map<string, number>>();
function partitionOf(key: string, partitions: number): number {
  let byKey = partitionsOfKeys.get(partitions);
  if (!byKey) partitionsOfKeys.set(partitions, (byKey = new Map()));
  let p = byKey.get(key);
  if (p === undefined) byKey.set(key, (p = partitionForKey(encoder.encode(key), partitions)));
  return p;
}

/**
 * Ask a broker for metadata, unless a request went out at this very moment and is not answered
 * yet. Without that, one answer that still lacked a leader was asked again by several callers at
 * once (the dispatcher, the transaction manager, expiry), and while no leader was known the
 * requests multiplied with every round trip. (Kafka's Metadata keeps one request in flight and
 * refreshes no more often than retry.backoff.ms; the model keeps the round-trip polling it had.)
 */
function requestMetadata(c: ProducerContext, out: Outbox): Partial<ProducerContext> {
  if (c.metadataSentAt === c.now()) return {};
  const broker = (c.metadataBroker % c.config.brokers) + 1;
  out.send(brokerNode(broker), { type: 'Metadata', requestId: c.nextRequestId } satisfies MetadataRequest);
  return { metadataBroker: c.metadataBroker + 1, nextRequestId: c.nextRequestId + 1, metadataSentAt: c.now() };
}

/** The data topic's partition count as the producer's metadata has it (the configured count until metadata names more). */
const partitionCount = (c: ProducerContext) => seenPartitionCount(c.config, c.metadata);

/** The key of the workload's n-th send of this producer (value valueBase + n): keys cycle over `workload.keys`. */
export const keyOfSend = (c: Pick<ProducerContext, 'workload' | 'valueBase'>, value: number): string => `k${(value - c.valueBase) % c.workload.keys}`;

/** The application calls send(): the record joins the queue and the history. */
function sendNext(c: ProducerContext, _e: unknown, out: Outbox): Partial<ProducerContext> {
  const n = c.produced;
  const key = keyOfSend(c, c.valueBase + n);
  // DefaultPartitioner / BuiltInPartitioner: murmur2(key) modulo the topic's partition count in
  // the producer's metadata, so a key moves when partitions are added (KIP-195).
  const partition = partitionOf(key, partitionCount(c));
  const value: ProducedValue = { producer: c.name, key, value: c.valueBase + n };
  out.history({ time: 0, process: c.process, type: 'invoke', f: 'send', value: [['send', partition, c.valueBase + n]] });
  const rec: PendingRecord = {
    value,
    partition,
    deadline: c.now() + c.config.deliveryTimeoutMs,
    attempts: 0,
    ambiguous: false,
    notBefore: 0,
    ...(c.txn ? { txnSeq: c.txn.fill } : {}),
  };
  const txn = c.txn && (c.txn.filled + 1 >= c.txn.spec.recordsPerTxn ? { ...c.txn, fill: c.txn.fill + 1, filled: 0 } : { ...c.txn, filled: c.txn.filled + 1 });
  return dispatch({ ...c, produced: n + 1, queue: [...c.queue, rec], txn }, out);
}

/**
 * Send what can be sent: leader known, backoff over, in-flight limit not reached. `c` must be
 * the caller's own copy of the context (never the machine's): it is updated and returned.
 */
function dispatch(c: ProducerContext, out: Outbox): ProducerContext {
  const now = c.now();
  const inFlight = new Map(c.inFlight);
  const perBroker = new Map<number, number>();
  for (const f of inFlight.values()) perBroker.set(f.broker, (perBroker.get(f.broker) ?? 0) + 1);
  const queue: PendingRecord[] = [];
  let nextRequestId = c.nextRequestId;
  let needMetadata = false;
  // Idempotence: a partition's records go in sequence order, so one that must wait holds back the rest.
  const held = new Set<number>();
  let nextSequence = c.nextSequence;
  // Computed once, when the first record needs a sequence number.
  let lowest: Map<number, number> | undefined;
  for (const r of c.queue) {
    const leader = c.metadata[r.partition]?.leader ?? -1;
    if (leader < 0) needMetadata = true;
    if (c.txn && !sendableInTxn(c.txn, r)) {
      queue.push(r);
      continue;
    }
    if (held.has(r.partition) || leader < 0 || now < r.notBefore || (perBroker.get(leader) ?? 0) >= c.config.maxInFlightRequestsPerConnection) {
      queue.push(r);
      if (c.idempotent) held.add(r.partition);
      continue;
    }
    if (c.idempotent && r.sequence === undefined) {
      const seq = nextSequence.get(r.partition) ?? 0;
      // No more than five sequences past the oldest unanswered one: a retry of that one must stay
      // inside the five batches the leader remembers (Kafka's Sender never has more in flight).
      lowest ??= lowestUnresolvedSequence(c);
      const floor = lowest.get(r.partition);
      if (floor !== undefined && seq - floor >= BATCHES_TO_RETAIN) {
        queue.push(r);
        held.add(r.partition);
        continue;
      }
      nextSequence = new Map(nextSequence).set(r.partition, seq + 1);
      r.sequence = seq;
      // Object.assign, not a spread: V8 (Node 20) takes microseconds to add new keys to a spread
      // copy. Same keys, same order as `{ ...r.value, producerId, ..., transactional, txnSeq }`.
      const ids = { producerId: c.producerId, producerEpoch: c.producerEpoch, sequence: seq };
      r.value = r.txnSeq === undefined ? Object.assign({}, r.value, ids) : Object.assign({}, r.value, ids, { transactional: true, txnSeq: r.txnSeq });
    }
    const requestId = nextRequestId++;
    r.attempts++;
    perBroker.set(leader, (perBroker.get(leader) ?? 0) + 1);
    out.send(brokerNode(leader), {
      type: 'Produce',
      actor: partitionName(r.partition),
      requestId,
      acks: c.config.acks,
      timeoutMs: c.config.requestTimeoutMs,
      records: [{ key: r.value.key, value: r.value }],
    } satisfies Produce);
    if (c.config.acks === 0) {
      // acks=0: no answer will come; whether it was written is unknown.
      finish(c, r, out, 'info', undefined, 'acks=0');
      continue;
    }
    inFlight.set(requestId, { record: r, broker: leader, sentAt: now });
  }
  // The whole context comes back: callers pass a context they already changed, a copy of
  // their own (every call site does), so it is updated in place. Spreading the whole context
  // again here cost more than the rest of the producer together (V8, Node 20).
  const resolved = c.resolved + (c.config.acks === 0 ? c.queue.length - queue.length : 0);
  let next: ProducerContext = Object.assign(c as { -readonly [K in keyof ProducerContext]: ProducerContext[K] }, { queue, inFlight, nextRequestId, nextSequence, resolved });
  if (next.acked.length > 0) next = completeInOrder(next, out);
  if (next.txn) next = advanceTxn(next, out);
  if (!needMetadata && metadataExpired(c.config, c.metadataAt, now) && c.metadataSentAt === undefined) needMetadata = true;
  return needMetadata ? { ...next, ...requestMetadata(next, out) } : next;
}

function finish(c: ProducerContext, r: PendingRecord, out: Outbox, type: 'ok' | 'fail' | 'info', offset: number | undefined, error?: string): void {
  // A transactional send's outcome is its transaction's: recorded when the transaction ends.
  if (c.txn && r.txnSeq !== undefined) {
    c.txn.outcomes.set(r.value.value, { record: r, type, offset });
    return;
  }
  writeOutcome(c, r, out, type, offset, error);
}

function writeOutcome(c: ProducerContext, r: PendingRecord, out: Outbox, type: 'ok' | 'fail' | 'info', offset: number | undefined, error?: string): void {
  const v = offset === undefined ? r.value.value : [offset, r.value.value];
  out.history({ time: 0, process: c.process, type, f: 'send', value: [['send', r.partition, v]], ...(error ? { error } : {}) });
}

/** Errors that mean the batch was not appended: the retry cannot duplicate it. */
const notAppended: ReadonlySet<ErrorCode> = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

/**
 * Kafka runs the callbacks of a partition's records in send order (KafkaProducer.send's
 * contract): an acknowledged record completes only once every earlier one of its partition has.
 */
function completeInOrder(c: ProducerContext, out: Outbox): ProducerContext {
  if (c.acked.length === 0) return c;
  const low = lowestUnresolvedSequence(c);
  const ready = c.acked.filter((a) => a.record.sequence! < (low.get(a.record.partition) ?? Infinity)).sort((a, b) => a.record.sequence! - b.record.sequence!);
  if (ready.length === 0) return c;
  for (const a of ready) finish(c, a.record, out, 'ok', a.offset);
  return { ...c, acked: c.acked.filter((a) => !ready.includes(a)), resolved: c.resolved + ready.length };
}

/** Per partition, the lowest sequence number not yet answered (queued again or in flight). */
function lowestUnresolvedSequence(c: ProducerContext): Map<number, number> {
  const low = new Map<number, number>();
  const see = (r: PendingRecord) => {
    if (r.sequence !== undefined && r.sequence < (low.get(r.partition) ?? Infinity)) low.set(r.partition, r.sequence);
  };
  for (const r of c.queue) see(r);
  for (const f of c.inFlight.values()) see(f.record);
  return low;
}

/** Put a record back in the queue; with idempotence, before its partition's later sequences. */
function requeue(c: ProducerContext, queue: readonly PendingRecord[], r: PendingRecord): PendingRecord[] {
  if (!c.idempotent || r.sequence === undefined) return [...queue, r];
  const i = queue.findIndex((q) => q.partition === r.partition && (q.sequence === undefined || q.sequence > r.sequence!));
  return i < 0 ? [...queue, r] : [...queue.slice(0, i), r, ...queue.slice(i)];
}

/** A sequence gap is worth retrying only while an earlier record of the partition may still fill it. */
function earlierUnresolved(c: ProducerContext, r: PendingRecord): boolean {
  const earlier = (q: PendingRecord) => q.partition === r.partition && q.sequence !== undefined && q.sequence < r.sequence!;
  return c.queue.some(earlier) || [...c.inFlight.values()].some((f) => earlier(f.record));
}

/**
 * The partition cannot take the producer's next sequence: bump the epoch (KIP-360) and give up
 * every unresolved record, as Kafka fails the batches of a reset producer id. Their outcome is
 * `info` where some attempt may have been written, `fail` otherwise.
 */
function resetProducer(c: ProducerContext, out: Outbox, error: string): ProducerContext {
  let resolved = c.resolved;
  for (const r of [...c.queue, ...[...c.inFlight.values()].map((f) => f.record)]) {
    finish(c, r, out, r.ambiguous ? 'info' : 'fail', undefined, error);
    resolved++;
  }
  for (const a of [...c.acked].sort((x, y) => x.record.sequence! - y.record.sequence!)) {
    finish(c, a.record, out, 'ok', a.offset);
    resolved++;
  }
  out.note(`${c.name} bumps its producer epoch to ${c.producerEpoch + 1} after ${error}`);
  return { ...c, queue: [], inFlight: new Map(), acked: [], resolved, producerEpoch: c.producerEpoch + 1, nextSequence: new Map() };
}

/** Retry a record, or give up on it at its delivery timeout or when out of retries. */
function retryOrGiveUp(c: ProducerContext, r: PendingRecord, out: Outbox, error: string): { requeued?: PendingRecord; resolved: number } {
  const now = c.now();
  if (now >= r.deadline || r.attempts > c.config.retries) {
    finish(c, r, out, r.ambiguous ? 'info' : 'fail', undefined, error);
    return { resolved: 1 };
  }
  r.notBefore = now + c.config.retryBackoffMs;
  return { requeued: r, resolved: 0 };
}

function onProduceResponse(c: ProducerContext, e: ProduceResponse, out: Outbox): Partial<ProducerContext> {
  const f = c.inFlight.get(e.requestId);
  if (!f) return {};
  const inFlight = new Map(c.inFlight);
  inFlight.delete(e.requestId);
  const r = f.record;
  if (!e.error) {
    if (c.idempotent && r.sequence !== undefined) return dispatch(completeInOrder({ ...c, inFlight, acked: [...c.acked, { record: r, offset: e.baseOffset }] }, out), out);
    finish(c, r, out, 'ok', e.baseOffset);
    return dispatch({ ...c, inFlight, resolved: c.resolved + 1 }, out);
  }
  if (!notAppended.has(e.error)) r.ambiguous = true;
  const gap = e.error === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || e.error === 'UNKNOWN_PRODUCER_ID' || e.error === 'INVALID_PRODUCER_EPOCH' || e.error === 'PRODUCER_FENCED';
  if (gap && c.txn && (e.error === 'INVALID_PRODUCER_EPOCH' || e.error === 'PRODUCER_FENCED' || !earlierUnresolved({ ...c, inFlight }, r))) {
    // Transactional: the record cannot go in this epoch; the transaction aborts, then a new epoch.
    finish(c, r, out, r.ambiguous ? 'info' : 'fail', undefined, e.error);
    return dispatch({ ...c, inFlight, resolved: c.resolved + 1, txn: { ...c.txn, reinit: true } }, out);
  }
  if (gap && !earlierUnresolved({ ...c, inFlight }, r)) {
    return dispatch(resetProducer({ ...c, inFlight, queue: requeue(c, c.queue, r) }, out, e.error), out);
  }
  const { requeued, resolved } = retryOrGiveUp(c, r, out, e.error);
  let next: ProducerContext = { ...c, inFlight, resolved: c.resolved + resolved, queue: requeued ? requeue(c, c.queue, requeued) : c.queue };
  if (e.error === 'NOT_LEADER_OR_FOLLOWER' || e.error === 'FENCED_LEADER_EPOCH') next = { ...next, ...requestMetadata(next, out) };
  return dispatch(next, out);
}

/** Requests unanswered for request.timeout.ms, or on a lost connection: maybe written. */
function expire(c: ProducerContext, out: Outbox, lost: (f: InFlight) => boolean, why: string): Partial<ProducerContext> {
  const inFlight = new Map(c.inFlight);
  const queue = c.queue.slice();
  let resolved = c.resolved;
  let any = false;
  for (const [id, f] of c.inFlight) {
    if (!lost(f)) continue;
    any = true;
    inFlight.delete(id);
    f.record.ambiguous = true;
    if (f.record.txnSeq !== undefined && why.startsWith('REQUEST_TIMED_OUT')) {
      // A transactional send that timed out is not retried: the transaction aborts (the
      // application's abortTransaction after a TimeoutException). The request may still land
      // later: what fences it then is the epoch bump of KIP-890 (KAFKA-17754 without it).
      finish(c, f.record, out, 'info', undefined, why);
      resolved++;
      continue;
    }
    const r = retryOrGiveUp(c, f.record, out, why);
    resolved += r.resolved;
    if (r.requeued) queue.splice(0, queue.length, ...requeue(c, queue, r.requeued));
  }
  // Records still queued past their delivery timeout are given up too.
  const now = c.now();
  const kept: PendingRecord[] = [];
  for (const r of queue) {
    if (now >= r.deadline) {
      finish(c, r, out, r.ambiguous ? 'info' : 'fail', undefined, 'delivery timeout');
      resolved++;
    } else kept.push(r);
  }
  let next: ProducerContext = { ...c, inFlight, queue: kept, resolved };
  if (any) next = { ...next, ...requestMetadata(next, out) };
  return dispatch(next, out);
}

// ---------------------------------------------------------------------------------------
// Transactions (KIP-98): the producer's TransactionManager

/** A record goes out only in its own transaction, once open and its partition added. */
function sendableInTxn(t: TransactionManager, r: PendingRecord): boolean {
  return t.phase === 'open' && r.txnSeq === t.current && t.added.has(r.partition);
}

const retriableTxnErrors: ReadonlySet<TxnErrorCode> = new Set(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE', 'CONCURRENT_TRANSACTIONS', 'REQUEST_TIMED_OUT']);
/** The retriable coordinator errors after which the coordinator is looked up again. */
const lookupAgain: ReadonlySet<TxnErrorCode> = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'REQUEST_TIMED_OUT']);

function sendToCoordinator(c: ProducerContext, out: Outbox, type: CoordinatorRequest, extra: { partitions?: readonly number[]; commit?: boolean }): ProducerContext {
  const t = c.txn!;
  if (t.coordinator < 0) return { ...c, ...requestMetadata(c, out) };
  const id = c.nextRequestId;
  const base = { actor: txnActor(t.transactionalId), requestId: id, transactionalId: t.transactionalId };
  const ids = { producerId: c.producerId, producerEpoch: c.producerEpoch };
  if (type === 'InitProducerId') out.send(brokerNode(t.coordinator), { type, ...base, transactionTimeoutMs: c.config.transactionTimeoutMs } satisfies InitProducerId);
  else if (type === 'AddPartitionsToTxn') out.send(brokerNode(t.coordinator), { type, ...base, ...ids, partitions: extra.partitions!.map((partition) => ({ topic: DATA_TOPIC, partition })) } satisfies AddPartitionsToTxn);
  else out.send(brokerNode(t.coordinator), { type, ...base, ...ids, committed: extra.commit! } satisfies EndTxn);
  return { ...c, nextRequestId: id + 1, txn: { ...t, request: { type, id, sentAt: c.now(), ...extra } } };
}

/** Move the transaction on: initialise, add partitions, end it when every record is answered. */
function advanceTxn(c: ProducerContext, out: Outbox): ProducerContext {
  const t = c.txn!;
  if (t.request || c.now() < t.notBefore || t.phase === 'done') return c;
  if (t.phase === 'init') return sendToCoordinator(c, out, 'InitProducerId', {});
  if (t.phase === 'ending') return sendToCoordinator(c, out, 'EndTxn', { commit: t.commit });
  const k = t.current;
  const appDone = c.produced >= c.workload.records;
  const mine = (r: PendingRecord) => r.txnSeq === k;
  const missing = [...new Set(c.queue.filter((r) => mine(r) && !t.added.has(r.partition)).map((r) => r.partition))].sort((a, b) => a - b);
  if (missing.length > 0) return sendToCoordinator(c, out, 'AddPartitionsToTxn', { partitions: missing });
  // The transaction ends once the application has sent all of it and every record is answered.
  const full = t.fill > k || (appDone && t.filled > 0);
  if (!full) return appDone ? { ...c, txn: { ...t, phase: 'done' } } : c;
  if (c.queue.some(mine) || [...c.inFlight.values()].some((f) => mine(f.record))) return c;
  if (appDone && t.fill === k) return { ...c, txn: { ...t, fill: k + 1, filled: 0 } };
  const answered = [...t.outcomes.values()].filter((o) => mine(o.record));
  const failed = answered.some((o) => o.type !== 'ok');
  const appAborts = t.spec.abortEvery > 0 && (k + 1) % t.spec.abortEvery === 0;
  const commit = !failed && !appAborts;
  out.note(`${c.name} ends transaction ${k}: ${commit ? 'commit' : failed ? 'abort (a send failed)' : 'abort (the application aborts it)'}`);
  // Nothing reached a partition: the client aborts on its own, as the Java client does.
  if (t.added.size === 0) return endTxn(c, out, 'ABORT', c.producerEpoch);
  const sent = sendToCoordinator({ ...c, txn: { ...t, phase: 'ending', commit } }, out, 'EndTxn', { commit });
  return sent;
}

/**
 * The transaction is over (as far as the producer knows): the history records its sends by its
 * outcome, and the next transaction starts, in the epoch the coordinator returned (KIP-890).
 */
function endTxn(c: ProducerContext, out: Outbox, result: EndedTransaction['result'], epoch: number): ProducerContext {
  const t = c.txn!;
  const k = t.current;
  for (const o of [...t.outcomes.values()].filter((x) => x.record.txnSeq === k).sort((a, b) => a.record.value.value - b.record.value.value)) {
    const type = result === 'COMMIT' ? 'ok' : result === 'ABORT' ? 'fail' : 'info';
    writeOutcome(c, o.record, out, type, type === 'ok' ? o.offset : undefined, result === 'COMMIT' ? undefined : `transaction ${result === 'ABORT' ? 'aborted' : 'outcome unknown'}`);
    t.outcomes.delete(o.record.value.value);
  }
  t.ended.push({ txnSeq: k, result, producerEpoch: c.producerEpoch });
  const newEpoch = epoch !== c.producerEpoch;
  return {
    ...c,
    producerEpoch: epoch,
    nextSequence: newEpoch ? new Map() : c.nextSequence,
    txn: {
      ...t,
      phase: t.reinit || result === 'UNKNOWN' ? 'init' : 'open',
      current: k + 1,
      // A transaction ended early (fenced) takes no more records: later sends join the next one.
      ...(t.fill === k ? { fill: k + 1, filled: 0 } : {}),
      added: new Set(),
      request: undefined,
      reinit: false,
    },
  };
}

function onInitProducerId(c: ProducerContext, e: InitProducerIdResponse, out: Outbox): Partial<ProducerContext> {
  const t = c.txn;
  if (!t || t.request?.id !== e.requestId) return {};
  if (e.error) return dispatch(coordinatorError(c, e.error, out), out);
  out.note(`${c.name} has producer id ${e.producerId}, epoch ${e.producerEpoch}`);
  return dispatch({ ...c, producerId: e.producerId, producerEpoch: e.producerEpoch, nextSequence: new Map(), txn: { ...t, phase: 'open', request: undefined } }, out);
}

function onAddPartitions(c: ProducerContext, e: AddPartitionsToTxnResponse, out: Outbox): Partial<ProducerContext> {
  const t = c.txn;
  if (!t || t.request?.id !== e.requestId) return {};
  if (e.error) return dispatch(coordinatorError(c, e.error, out), out);
  const added = new Set(t.added);
  for (const p of t.request.partitions ?? []) added.add(p);
  return dispatch({ ...c, txn: { ...t, added, request: undefined } }, out);
}

function onEndTxn(c: ProducerContext, e: EndTxnResponse, out: Outbox): Partial<ProducerContext> {
  const t = c.txn;
  if (!t || t.request?.id !== e.requestId) return {};
  if (e.error) return dispatch(coordinatorError(c, e.error, out), out);
  return dispatch(endTxn(c, out, t.request.commit ? 'COMMIT' : 'ABORT', e.producerEpoch), out);
}

/**
 * A coordinator error: retriable ones are retried after retry.backoff.ms (finding the
 * coordinator again); a fenced producer learns nothing more of its transaction: its outcome is
 * unknown, and it initialises again (a new epoch; the coordinator aborts what was open).
 */
function coordinatorError(c: ProducerContext, error: TxnErrorCode, out: Outbox): ProducerContext {
  const t = c.txn!;
  const backoff = { ...t, request: undefined, notBefore: c.now() + c.config.retryBackoffMs };
  if (retriableTxnErrors.has(error)) {
    const next = { ...c, txn: backoff };
    // TransactionManager's handlers look the coordinator up again on NOT_COORDINATOR and
    // COORDINATOR_NOT_AVAILABLE; a request that timed out or lost its connection is retried by
    // the Sender, which looks the coordinator up when its node is not ready
    // (Sender.maybeSendAndPollTransactionalRequest). Retrying the same broker instead waits for
    // ever on a coordinator that crashed and stays down.
    return lookupAgain.has(error) ? { ...next, ...requestMetadata(next, out) } : next;
  }
  out.note(`${c.name} ${t.request?.type} failed: ${error}; initialising again`);
  if (t.phase === 'init') return { ...c, txn: backoff };
  // Whatever was in flight for this transaction is given up with it.
  let next: ProducerContext = { ...c, txn: backoff };
  for (const r of [...c.queue, ...[...c.inFlight.values()].map((f) => f.record)].filter((x) => x.txnSeq === t.current)) finish(next, r, out, r.ambiguous ? 'info' : 'fail', undefined, error);
  const gone = (r: PendingRecord) => r.txnSeq === t.current;
  const inFlight = new Map([...c.inFlight].filter(([, f]) => !gone(f.record)));
  next = { ...next, queue: c.queue.filter((r) => !gone(r)), inFlight, resolved: c.resolved + c.queue.filter(gone).length + (c.inFlight.size - inFlight.size) };
  // Records of this transaction not yet sent by the application are still to come: they join it.
  return endTxn(next, out, 'UNKNOWN', c.producerEpoch);
}

/** Coordinator requests unanswered for request.timeout.ms are sent again. */
function txnTick(c: ProducerContext, out: Outbox): ProducerContext {
  const t = c.txn;
  if (!t?.request || c.now() - t.request.sentAt < c.config.requestTimeoutMs) return c;
  return coordinatorError(c, 'REQUEST_TIMED_OUT', out);
}

export const producerMachine = setup({
  types: {} as {
    context: ProducerContext;
    input: { config: ClusterConfig; now: () => number; name: string; process: number; workload: ProducerWorkload; producerId?: number; transactional?: TransactionalSpec; incarnation?: number };
    events: ProducerEvent;
  },
  delays: {
    interval: ({ context }) => context.workload.intervalMs,
    tick: ({ context }) => context.config.retryBackoffMs,
  },
  guards: {
    moreToSend: ({ context }) => context.produced < context.workload.records,
    allResolved: ({ context }) =>
      context.produced >= context.workload.records && context.resolved >= context.workload.records && (!context.txn || context.txn.phase === 'done'),
  },
  actions: {
    requestMetadata: react<ProducerContext, ProducerEvent>((c, _e, out) => requestMetadata(c, out)),
    sendNext: react(sendNext),
    onProduceResponse: react(onProduceResponse),
    onInitProducerId: react(onInitProducerId),
    onAddPartitions: react(onAddPartitions),
    onEndTxn: react(onEndTxn),
    onMetadata: react<ProducerContext, MetadataResponse>((c0, e, out) => {
      const c: ProducerContext = { ...c0, metadataSentAt: undefined };
      const metadata = c.metadata.slice();
      let txn = c.txn;
      for (const p of e.partitions) {
        // FindCoordinator(TRANSACTION): the leader of the transactional.id's `__transaction_state` partition.
        if (txn && p.topic === TXN_TOPIC && p.partition === transactionStatePartitionFor(c.config, txn.transactionalId)) txn = { ...txn, coordinator: p.leader };
        if (p.topic !== undefined) continue; // the producer writes the data topic only
        const old = metadata[p.partition];
        if (!old || p.leaderEpoch >= old.leaderEpoch) metadata[p.partition] = p;
      }
      const [was, seen] = [partitionCount(c), seenPartitionCount(c.config, metadata)];
      if (seen > was) out.note(`${c.name} sees ${seen} partitions of ${DATA_TOPIC} (was ${was}): keys map to partitions anew`);
      return dispatch({ ...c, metadata, txn, metadataAt: c.now() }, out);
    }),
    tick: react<ProducerContext, ProducerEvent>((c0, _e, out) => {
      const now = c0.now();
      // A metadata request unanswered for request.timeout.ms (sent to a broker that was down) is
      // given up, as NetworkClient times it out, so that the next goes to another broker;
      // otherwise the producer would never refresh its metadata again.
      const c = c0.metadataSentAt !== undefined && now - c0.metadataSentAt >= c0.config.requestTimeoutMs ? { ...c0, metadataSentAt: undefined } : c0;
      const next = expire(c, out, (f) => now - f.sentAt >= c.config.requestTimeoutMs, 'REQUEST_TIMED_OUT (client)') as ProducerContext;
      return next.txn ? dispatch(txnTick(next, out), out) : next;
    }),
    disconnected: react<ProducerContext, { type: 'net.disconnected'; peer: string }>((c0, e, out) => {
      // The metadata request in flight went to the broker before `metadataBroker`: lost with the connection.
      const askedLast = brokerNode(((c0.metadataBroker - 1 + c0.config.brokers) % c0.config.brokers) + 1);
      const c = c0.metadataSentAt !== undefined && askedLast === e.peer ? { ...c0, metadataSentAt: undefined } : c0;
      const next = expire(c, out, (f) => brokerNode(f.broker) === e.peer, 'NETWORK_EXCEPTION (connection lost)') as ProducerContext;
      const t = next.txn;
      // A lost connection to the coordinator loses its answer: ask again.
      if (t?.request && brokerNode(t.coordinator) === e.peer) return dispatch(coordinatorError(next, 'COORDINATOR_NOT_AVAILABLE', out), out);
      return next;
    }),
  },
}).createMachine({
  id: 'producer',
  context: ({ input }) => ({
    config: input.config,
    now: input.now,
    name: input.name,
    process: input.process,
    valueBase: (input.incarnation ?? 0) * 1_000_000,
    workload: input.workload,
    metadata: [],
    metadataAt: input.now(),
    produced: 0,
    queue: [],
    inFlight: new Map(),
    nextRequestId: 1,
    metadataBroker: input.process,
    resolved: 0,
    // A transactional producer is idempotent whatever the setting (Kafka refuses the other combination).
    idempotent: input.transactional !== undefined || (input.config.enableIdempotence && input.config.acks === 'all'),
    producerId: input.producerId ?? input.process + 1,
    producerEpoch: 0,
    nextSequence: new Map(),
    acked: [],
    txn: input.transactional
      ? {
          spec: input.transactional,
          transactionalId: input.name,
          coordinator: -1,
          phase: 'init',
          current: 0,
          fill: 0,
          filled: 0,
          added: new Set(),
          request: undefined,
          notBefore: 0,
          reinit: false,
          commit: false,
          outcomes: new Map(),
          ended: [],
        }
      : undefined,
  }),
  initial: 'Producing',
  entry: ['requestMetadata', raise({ type: 'Tick' }, { delay: 'tick' })],
  on: {
    ProduceResponse: { actions: 'onProduceResponse' },
    MetadataResponse: { actions: 'onMetadata' },
    InitProducerIdResponse: { actions: 'onInitProducerId' },
    AddPartitionsToTxnResponse: { actions: 'onAddPartitions' },
    EndTxnResponse: { actions: 'onEndTxn' },
    'net.disconnected': { actions: 'disconnected' },
    Tick: [
      { guard: 'allResolved', target: '.Done' },
      { actions: ['tick', raise({ type: 'Tick' }, { delay: 'tick' })] },
    ],
  },
  states: {
    /** The application sends one record every intervalMs. */
    Producing: {
      after: {
        interval: [{ guard: 'moreToSend', target: 'Producing', reenter: true, actions: 'sendNext' }, { target: 'Draining' }],
      },
    },
    /** Everything was handed to send(); waiting for the last answers. */
    Draining: {},
    /** Every send has its final outcome. */
    Done: { type: 'final' },
  },
});
