/**
 * The transactional side of a consume-transform-produce consumer (commit policy
 * `transactional`): the consumer is also a transactional producer (Kafka's TransactionManager
 * + Sender for a KafkaProducer with transactional.id), and each polled batch is processed inside
 * one transaction (KIP-98), its input offsets committed by the transaction
 * (sendOffsetsToTransaction) with the group's member id and generation (KIP-447):
 *
 *   InitProducerId (once, and after every abort)
 *   per batch: AddPartitionsToTxn(out partitions) -> Produce each output (acks=all, idempotent
 *   sequences) -> AddOffsetsToTxn(group) -> TxnOffsetCommit -> EndTxn(commit)
 *
 * KIP-890 part 2: EndTxn's answer carries the epoch of the next transaction; sequences restart
 * at 0 when the epoch changes. On a fatal or abortable error, or when the transaction outlives
 * delivery.timeout.ms: EndTxn(abort) unless fenced, then InitProducerId again, and the positions
 * are rewound to the group's committed offsets (OffsetFetch; KIP-447's UNSTABLE_OFFSET_COMMIT
 * is retried by the poll loop).
 *
 * The handlers here are the consumer machine's actions for those states (consumer.ts wires
 * them); they read and patch the consumer's context.
 */
import { partitionForKey } from '../client/partitioner.js';
import type { ConsumerContext, ConsumerOptions, PolledRecord } from './consumer.js';
import { coordinatorNode, groupError, nextId, requestMetadata } from './consumer.js';
import { usesConsumerProtocol } from './consumer-kip848.js';
import type { Message } from '../sim/world.js';
import { react, type Outbox } from './effects.js';
import { groupActor, type GroupErrorCode } from './group-protocol.js';
import { brokerNode, partitionName, type ErrorCode, type From, type Produce, type ProduceResponse, type ProducedValue } from './protocol.js';
import {
  OUTPUT_TOPIC,
  txnActor,
  type AddOffsetsToTxn,
  type AddOffsetsToTxnResponse,
  type AddPartitionsToTxn,
  type AddPartitionsToTxnResponse,
  type EndTxn,
  type EndTxnResponse,
  type InitProducerId,
  type InitProducerIdResponse,
  type TxnErrorCode,
  type TxnOffsetCommit,
  type TxnOffsetCommitResponse,
} from './txn-protocol.js';

/** A transaction this consumer ended, for the properties. */
export interface EndedTxn {
  /** The client's transaction number (ProducedValue.txnSeq of its outputs). */
  readonly txnSeq: number;
  readonly producerId: number;
  /** The epoch the transaction's records were written with. */
  readonly producerEpoch: number;
  /** EndTxn(commit) was acknowledged. */
  readonly committed: boolean;
  /** Not committed, but EndTxn(commit) was sent and never answered: it may have committed. */
  readonly ambiguous?: true;
  /** How many output records it had. */
  readonly outputs: number;
  readonly time: number;
}

/** One output record of the open transaction. */
export interface OutputRecord {
  /** The `out` partition. */
  readonly partition: number;
  readonly value: ProducedValue;
  readonly acked: boolean;
  /** The Produce in flight for it. */
  readonly inFlight: { readonly requestId: number; readonly broker: number; readonly sentAt: number } | undefined;
  /** retry.backoff.ms: not resent before. */
  readonly notBefore: number;
}

export interface OpenTxn {
  readonly txnSeq: number;
  readonly producerEpoch: number;
  /** delivery.timeout.ms from the transaction's start: past it, the transaction is aborted. */
  readonly deadline: number;
  readonly outputs: readonly OutputRecord[];
  /** The batch's end positions: the offsets TxnOffsetCommit commits. */
  readonly offsets: readonly { partition: number; offset: number }[];
  /** AddPartitionsToTxn was sent: the coordinator may hold the transaction open, so an abort sends EndTxn. */
  readonly started: boolean;
  /** EndTxn(commit) was sent. */
  readonly endSent: boolean;
}

/** What the last transaction RPC's answer (or its absence) means. */
export type TxnStep = 'ok' | 'retry' | 'abort' | undefined;

export interface TxnClient {
  readonly transactionalId: string;
  readonly producerId: number;
  /** -1 until InitProducerId answers (and again after an abort, until it answers again). */
  readonly producerEpoch: number;
  /** Next sequence per `out` partition in this producer epoch (KIP-98 idempotence). */
  readonly sequences: ReadonlyMap<number, number>;
  readonly nextTxnSeq: number;
  readonly open: OpenTxn | undefined;
  /** The transaction RPC in flight (InitProducerId, AddPartitionsToTxn, ..., EndTxn, TxnOffsetCommit). */
  readonly request: { readonly id: number; readonly broker: number } | undefined;
  readonly step: TxnStep;
  /** PRODUCER_FENCED / INVALID_PRODUCER_EPOCH: no EndTxn(abort); InitProducerId takes over. */
  readonly fenced: boolean;
  readonly abortReason: string | undefined;
}

export type TxnEvent =
  | (InitProducerIdResponse & From)
  | (AddPartitionsToTxnResponse & From)
  | (AddOffsetsToTxnResponse & From)
  | (EndTxnResponse & From)
  | (TxnOffsetCommitResponse & From)
  | (ProduceResponse & From);

export function newTxnClient(options: ConsumerOptions): TxnClient {
  return {
    transactionalId: options.transactionalId ?? '',
    producerId: options.producerId ?? -1,
    producerEpoch: -1,
    sequences: new Map(),
    nextTxnSeq: 0,
    open: undefined,
    request: undefined,
    step: undefined,
    fenced: false,
    abortReason: undefined,
  };
}

const encoder = new TextEncoder();
type Patch = Partial<ConsumerContext>;
const txnOf = (c: ConsumerContext): TxnClient => c.txn!;
const withTxn = (c: ConsumerContext, p: Partial<TxnClient>): Patch => ({ txn: { ...txnOf(c), ...p } });
const withOpen = (c: ConsumerContext, p: Partial<OpenTxn>): Patch => withTxn(c, { open: { ...txnOf(c).open!, ...p } });

/** Errors after which the same request is sent again (TransactionManager's retriable handling). */
const retriableTxnErrors: ReadonlySet<string> = new Set<TxnErrorCode | GroupErrorCode>([
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'CONCURRENT_TRANSACTIONS',
  'REQUEST_TIMED_OUT',
]);
/** The producer is fenced (a newer epoch exists or its transaction is over, KIP-890): no EndTxn(abort). */
const fencingErrors: ReadonlySet<string> = new Set<TxnErrorCode | ErrorCode>(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']);
/** Produce errors retried with the same sequence (the batch may or may not be written: idempotence dedupes it). */
const retriableProduceErrors: ReadonlySet<ErrorCode> = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NETWORK_EXCEPTION',
]);
const leaderErrors: ReadonlySet<ErrorCode> = new Set(['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

const paused = (c: ConsumerContext) => c.now() < c.pausedUntil;

// ---------------------------------------------------------------------------------------
// Sending transaction RPCs (FindCoordinator(TRANSACTION): the leader of the transactional.id's `__transaction_state` partition)

/** Send a request to the transaction coordinator, or, while it is unknown (or the app stalls), retry later. */
function sendToTxnCoordinator(c: ConsumerContext, out: Outbox, build: (requestId: number) => Message): Patch {
  if (paused(c)) return withTxn(c, { step: 'retry', request: undefined });
  if (c.txnCoordinator < 0) return { ...requestMetadata(c, undefined, out), ...withTxn(c, { step: 'retry', request: undefined }) };
  const [requestId, patch] = nextId(c);
  out.send(brokerNode(c.txnCoordinator), build(requestId));
  return { ...patch, ...withTxn(c, { step: undefined, request: { id: requestId, broker: c.txnCoordinator } }) };
}

const base = (c: ConsumerContext, requestId: number) => ({ actor: txnActor(txnOf(c).transactionalId), requestId, transactionalId: txnOf(c).transactionalId });
const producer = (c: ConsumerContext) => ({ producerId: txnOf(c).producerId, producerEpoch: txnOf(c).producerEpoch });

/** initTransactions(): get the producer epoch; fences older producers with this transactional.id (KIP-98). */
function sendInitProducerId(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  return sendToTxnCoordinator(c, out, (requestId) => ({ type: 'InitProducerId', ...base(c, requestId), transactionTimeoutMs: c.config.transactionTimeoutMs }) satisfies InitProducerId);
}

function sendAddPartitions(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  const open = txnOf(c).open!;
  const partitions = [...new Set(open.outputs.map((o) => o.partition))].sort((a, b) => a - b).map((partition) => ({ topic: OUTPUT_TOPIC, partition }));
  const patch = sendToTxnCoordinator(c, out, (requestId) => ({ type: 'AddPartitionsToTxn', ...base(c, requestId), ...producer(c), partitions }) satisfies AddPartitionsToTxn);
  return patch.txn?.request ? { ...patch, txn: { ...patch.txn, open: { ...open, started: true } } } : patch;
}

/** sendOffsetsToTransaction, step 1: `__consumer_offsets` joins the transaction. */
function sendAddOffsets(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  return sendToTxnCoordinator(c, out, (requestId) => ({ type: 'AddOffsetsToTxn', ...base(c, requestId), ...producer(c), groupId: c.options.groupId }) satisfies AddOffsetsToTxn);
}

/**
 * sendOffsetsToTransaction, step 2 (KIP-447): to the group coordinator, with the member's
 * generation. Under KIP-848 the consumer's ConsumerGroupMetadata carries its member epoch as the
 * generation id (AsyncKafkaConsumer.updateGroupMetadata, on every epoch the heartbeat brings).
 */
function sendTxnOffsetCommit(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  // The partitions were lost (onPartitionsLost): their offsets must not be committed. Under
  // KIP-848 a fenced member is back at epoch 0 (joining) with its partitions lost, and may even
  // have rejoined in a new epoch: the Java member rejoins only once the application's poll ran
  // onPartitionsLost (AbstractMembershipManager.transitionToFenced), and no poll runs during a
  // transaction, so a member that no longer owns its batch's partitions commits nothing.
  const lost = usesConsumerProtocol(c) ? c.generation <= 0 || txnOf(c).open!.offsets.some((o) => !c.owned.includes(o.partition)) : c.generation < 0;
  if (lost || c.memberId === '') return abortWith(c, out, 'group membership lost');
  if (paused(c) || c.coordinator < 0) return withTxn(c, { step: 'retry', request: undefined });
  const [requestId, patch] = nextId(c);
  const t = txnOf(c);
  out.send(coordinatorNode(c), {
    type: 'TxnOffsetCommit',
    actor: groupActor(c.options.groupId),
    requestId,
    groupId: c.options.groupId,
    transactionalId: t.transactionalId,
    ...producer(c),
    memberId: c.memberId,
    generationId: c.generation,
    offsets: t.open!.offsets,
  } satisfies TxnOffsetCommit);
  return { ...patch, ...withTxn(c, { step: undefined, request: { id: requestId, broker: c.coordinator } }) };
}

function sendEndTxn(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  const patch = sendToTxnCoordinator(c, out, (requestId) => ({ type: 'EndTxn', ...base(c, requestId), ...producer(c), committed: true }) satisfies EndTxn);
  return patch.txn?.request ? { ...patch, txn: { ...patch.txn, open: { ...patch.txn.open!, endSent: true } } } : patch;
}

// ---------------------------------------------------------------------------------------
// Answers

function abortWith(c: ConsumerContext, out: Outbox, reason: string, fenced = false): Patch {
  out.note(`${c.name} transaction ${txnOf(c).open?.txnSeq ?? '-'} must abort: ${reason}`);
  return withTxn(c, { step: 'abort', request: undefined, abortReason: reason, fenced: txnOf(c).fenced || fenced });
}

/** A transaction coordinator's error: retry (finding the coordinator again if it moved), or abort. */
function txnError(c: ConsumerContext, error: string, out: Outbox, what: string): Patch {
  if (retriableTxnErrors.has(error)) {
    const moved = error === 'NOT_COORDINATOR' || error === 'COORDINATOR_NOT_AVAILABLE';
    return { ...(moved ? { ...requestMetadata(c, undefined, out), txnCoordinator: -1 } : {}), ...withTxn(c, { step: 'retry', request: undefined }) };
  }
  return abortWith(c, out, `${error} on ${what}`, fencingErrors.has(error));
}

const answers = (c: ConsumerContext, e: { requestId: number }) => c.txn?.request !== undefined && c.txn.request.id === e.requestId;

function onInitProducerIdResponse(c: ConsumerContext, e: InitProducerIdResponse, out: Outbox): Patch {
  if (!answers(c, e)) return {};
  if (e.error) {
    // initTransactions() is retried whatever the error: nothing is open yet.
    const moved = e.error === 'NOT_COORDINATOR' || e.error === 'COORDINATOR_NOT_AVAILABLE';
    return { ...(moved ? { ...requestMetadata(c, undefined, out), txnCoordinator: -1 } : {}), ...withTxn(c, { step: 'retry', request: undefined }) };
  }
  out.note(`${c.name} InitProducerId: producer id ${e.producerId}, epoch ${e.producerEpoch}`, { consumer: c.name, producerId: e.producerId, producerEpoch: e.producerEpoch });
  return withTxn(c, { producerId: e.producerId, producerEpoch: e.producerEpoch, sequences: new Map(), fenced: false, abortReason: undefined, request: undefined, step: 'ok' });
}

/** AddPartitionsToTxn / AddOffsetsToTxn answers. */
function onAddResponse(c: ConsumerContext, e: (AddPartitionsToTxnResponse | AddOffsetsToTxnResponse) & From, out: Outbox): Patch {
  if (!answers(c, e)) return {};
  if (e.error) return txnError(c, e.error, out, e.type === 'AddPartitionsToTxnResponse' ? 'AddPartitionsToTxn' : 'AddOffsetsToTxn');
  return withTxn(c, { step: 'ok', request: undefined });
}

/**
 * TxnOffsetCommit's answer (TransactionManager.TxnOffsetCommitHandler): coordinator errors are
 * retried; ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID (a zombie, KIP-447) and every other error abort
 * the transaction, and membership errors also act on the group as for OffsetCommit.
 */
function onTxnOffsetCommitResponse(c: ConsumerContext, e: TxnOffsetCommitResponse, out: Outbox): Patch {
  if (!answers(c, e)) return {};
  if (!e.error) return withTxn(c, { step: 'ok', request: undefined });
  if (retriableTxnErrors.has(e.error)) {
    const moved = e.error === 'NOT_COORDINATOR' || e.error === 'COORDINATOR_NOT_AVAILABLE';
    return { ...(moved ? { coordinatorLost: true } : {}), ...withTxn(c, { step: 'retry', request: undefined }) };
  }
  // Under KIP-848 the membership is the heartbeat's business (the producer's error does not reach
  // the consumer: the application aborts, and the next heartbeat learns of any fencing).
  const membership = !usesConsumerProtocol(c) && ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS'].includes(e.error);
  const group = membership ? groupError(c, e.error as GroupErrorCode, out, 'TxnOffsetCommit') : {};
  return { ...group, ...abortWith({ ...c, ...group }, out, `${e.error} on TxnOffsetCommit`, fencingErrors.has(e.error)) };
}

/** EndTxn(commit) answered: the transaction is committed; KIP-890 part 2 gives the next epoch. */
function onEndTxnResponse(c: ConsumerContext, e: EndTxnResponse, out: Outbox): Patch {
  if (!answers(c, e)) return {};
  if (e.error) return txnError(c, e.error, out, 'EndTxn');
  const t = txnOf(c);
  const open = t.open!;
  c.txns.push({ txnSeq: open.txnSeq, producerId: t.producerId, producerEpoch: open.producerEpoch, committed: true, outputs: open.outputs.length, time: c.now() });
  out.note(`${c.name} committed transaction ${open.txnSeq} (epoch ${open.producerEpoch}, ${open.outputs.length} output(s))`, {
    consumer: c.name,
    group: c.options.groupId,
    txn: { txnSeq: open.txnSeq, producerEpoch: open.producerEpoch, committed: true, offsets: open.offsets },
  });
  const bumped = e.producerEpoch !== t.producerEpoch;
  return {
    ...withTxn(c, { open: undefined, request: undefined, step: 'ok', producerEpoch: e.producerEpoch, ...(bumped ? { sequences: new Map() } : {}) }),
    batch: undefined,
  };
}

/** An unanswered transaction RPC: send it again (the coordinator may have moved). */
function txnRequestTimedOut(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  return { ...requestMetadata(c, undefined, out), ...withTxn(c, { step: 'retry', request: undefined }) };
}

// ---------------------------------------------------------------------------------------
// The transaction's records

/** beginTransaction(): the batch's outputs, each numbered in its `out` partition for this epoch. */
function beginTxn(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  const t = txnOf(c);
  const b = c.batch!;
  const sequences = new Map(t.sequences);
  const outputs = b.records.map((r) => outputFor(c, r, t.nextTxnSeq, sequences));
  const open: OpenTxn = {
    txnSeq: t.nextTxnSeq,
    producerEpoch: t.producerEpoch,
    deadline: c.now() + c.config.deliveryTimeoutMs,
    outputs,
    offsets: b.ranges.map((r) => ({ partition: r.partition, offset: r.to })),
    started: false,
    endSent: false,
  };
  out.note(`${c.name} begins transaction ${open.txnSeq} (epoch ${open.producerEpoch}): ${outputs.length} output(s)`);
  return withTxn(c, { open, sequences, nextTxnSeq: t.nextTxnSeq + 1, step: undefined, abortReason: undefined });
}

/** The output of input record `r`: to partition partitionForKey(key) of `out`, with the next sequence there. */
function outputFor(c: ConsumerContext, r: PolledRecord, txnSeq: number, sequences: Map<number, number>): OutputRecord {
  const t = txnOf(c);
  const partition = partitionForKey(encoder.encode(r.key), c.config.partitions);
  const sequence = sequences.get(partition) ?? 0;
  sequences.set(partition, sequence + 1);
  const value: ProducedValue = {
    producer: r.producer,
    key: r.key,
    value: r.value,
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    sequence,
    transactional: true,
    txnSeq,
    source: { partition: r.partition, offset: r.offset },
  };
  return { partition, value, acked: false, inFlight: undefined, notBefore: 0 };
}

/**
 * The Sender's loop for the open transaction: expire unanswered Produces (request.timeout.ms),
 * give up at delivery.timeout.ms, and send each partition's next records in sequence order, up
 * to max.in.flight.requests.per.connection of them in flight (KIP-98 idempotence keeps order
 * with up to 5, KAFKA-5494).
 */
function dispatchProduces(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  const t = txnOf(c);
  if (t.step === 'abort' || !t.open) return {};
  const now = c.now();
  if (now >= t.open.deadline && t.open.outputs.some((o) => !o.acked)) return abortWith(c, out, 'delivery timeout');
  let outputs = t.open.outputs;
  const late = outputs.findIndex((o) => o.inFlight !== undefined && now - o.inFlight.sentAt >= c.config.requestTimeoutMs);
  const expired = late >= 0;
  if (expired) outputs = resendFrom(outputs, late, now);
  let next: ConsumerContext = { ...c, ...withOpen(c, { outputs }) };
  if (expired) next = { ...next, ...requestMetadata(next, undefined, out) };
  return diffFrom(c, sendDue(next, out));
}

/**
 * Record `i` is sent again, and so are the later records of its partition that are in flight:
 * they would reach the leader out of sequence. Their answers are ignored from now on (the
 * leader dedupes whatever of them it already wrote).
 */
function resendFrom(outputs: readonly OutputRecord[], i: number, notBefore: number): OutputRecord[] {
  const p = outputs[i]!.partition;
  return outputs.map((o, j) => (j >= i && o.partition === p && !o.acked && o.inFlight ? { ...o, inFlight: undefined, notBefore } : o));
}

function sendDue(c: ConsumerContext, out: Outbox): ConsumerContext {
  if (paused(c)) return c;
  const now = c.now();
  const outputs = txnOf(c).open!.outputs.slice();
  const inFlight = new Map<number, number>();
  for (const o of outputs) if (o.inFlight) inFlight.set(o.partition, (inFlight.get(o.partition) ?? 0) + 1);
  /** Partitions where an earlier record waits to be (re)sent: later ones wait behind it. */
  const blocked = new Set<number>();
  let nextRequestId = c.nextRequestId;
  let needMetadata = false;
  for (const [i, o] of outputs.entries()) {
    if (o.acked || o.inFlight || blocked.has(o.partition)) continue;
    blocked.add(o.partition);
    const leader = c.outMetadata[o.partition]?.leader ?? -1;
    if (leader < 0) needMetadata = true;
    if (leader < 0 || now < o.notBefore || (inFlight.get(o.partition) ?? 0) >= c.config.maxInFlightRequestsPerConnection) continue;
    blocked.delete(o.partition);
    inFlight.set(o.partition, (inFlight.get(o.partition) ?? 0) + 1);
    const requestId = nextRequestId++;
    out.send(brokerNode(leader), {
      type: 'Produce',
      actor: partitionName(o.partition, OUTPUT_TOPIC),
      requestId,
      acks: 'all',
      timeoutMs: c.config.requestTimeoutMs,
      records: [{ key: o.value.key, value: o.value }],
    } satisfies Produce);
    outputs[i] = { ...o, inFlight: { requestId, broker: leader, sentAt: now } };
  }
  const next: ConsumerContext = { ...c, nextRequestId, ...withOpen(c, { outputs }) };
  return needMetadata ? { ...next, ...requestMetadata(next, undefined, out) } : next;
}

function diffFrom(before: ConsumerContext, after: ConsumerContext): Patch {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(after) as (keyof ConsumerContext)[]) if (after[k] !== before[k]) patch[k] = after[k];
  return patch as Patch;
}

function onProduceResponse(c: ConsumerContext, e: ProduceResponse, out: Outbox): Patch {
  const open = c.txn?.open;
  const i = open?.outputs.findIndex((o) => o.inFlight?.requestId === e.requestId) ?? -1;
  if (!open || i < 0 || c.txn!.step === 'abort') return {};
  const o = open.outputs[i]!;
  const outputs = open.outputs.slice();
  if (!e.error) {
    outputs[i] = { ...o, acked: true, inFlight: undefined };
    return diffFrom(c, sendDue({ ...c, ...withOpen(c, { outputs }) }, out));
  }
  // Out of sequence behind an earlier record still unacknowledged: it is resent after that one.
  const behind = (e.error === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || e.error === 'UNKNOWN_PRODUCER_ID') && open.outputs.some((x, j) => j < i && x.partition === o.partition && !x.acked);
  if (!retriableProduceErrors.has(e.error) && !behind) return abortWith(c, out, `${e.error} on Produce to ${partitionName(o.partition, OUTPUT_TOPIC)}`, fencingErrors.has(e.error));
  // Retried with the same sequence: the leader writes it once (KIP-98 idempotence).
  let next: ConsumerContext = { ...c, ...withOpen(c, { outputs: resendFrom(open.outputs, i, c.now() + c.config.retryBackoffMs) }) };
  if (leaderErrors.has(e.error)) next = { ...next, ...requestMetadata(next, undefined, out) };
  return diffFrom(c, next);
}

/** A lost connection: Produces to that broker are retried, and so is a transaction RPC to it. */
function onDisconnected(c: ConsumerContext, e: { type: 'net.disconnected'; peer: string }, out: Outbox): Patch {
  const t = c.txn;
  if (!t) return {};
  let next: ConsumerContext = c;
  if (t.open && t.step !== 'abort') {
    const outputs = t.open.outputs.map((o) => (o.inFlight && brokerNode(o.inFlight.broker) === e.peer ? { ...o, inFlight: undefined, notBefore: c.now() + c.config.retryBackoffMs } : o));
    if (outputs.some((o, i) => o !== t.open!.outputs[i])) next = { ...next, ...withOpen(next, { outputs }) };
  }
  if (t.request && brokerNode(t.request.broker) === e.peer && t.step === undefined) {
    next = { ...next, ...requestMetadata(next, undefined, out), ...withTxn(next, { step: 'retry', request: undefined }) };
  }
  return diffFrom(c, next);
}

// ---------------------------------------------------------------------------------------
// Abort and rewind

/** abortTransaction(): EndTxn(abort), unless fenced or nothing reached the coordinator. */
function sendAbortTxn(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  const t = txnOf(c);
  if (!t.open?.started || t.fenced || t.producerEpoch < 0 || c.txnCoordinator < 0) return withTxn(c, { step: 'ok', request: undefined });
  const [requestId, patch] = nextId(c);
  out.send(brokerNode(c.txnCoordinator), { type: 'EndTxn', ...base(c, requestId), ...producer(c), committed: false } satisfies EndTxn);
  return { ...patch, ...withTxn(c, { step: undefined, request: { id: requestId, broker: c.txnCoordinator } }) };
}

/** Whatever the answer, InitProducerId comes next: it aborts what is still open (PrepareEpochFence). */
function onAbortResponse(c: ConsumerContext, e: EndTxnResponse, out: Outbox): Patch {
  if (!answers(c, e)) return {};
  if (e.error) out.note(`${c.name} EndTxn(abort) failed: ${e.error}`);
  return withTxn(c, { step: 'ok', request: undefined });
}

/**
 * The transaction is over without a commit: log it, forget the producer epoch (InitProducerId
 * follows) and rewind every position to the group's committed offsets (the next poll's
 * OffsetFetch); answers to lookups sent before are ignored.
 */
function rewindAfterAbort(c: ConsumerContext, _e: unknown, out: Outbox): Patch {
  const t = txnOf(c);
  const open = t.open;
  if (open) {
    c.txns.push({
      txnSeq: open.txnSeq,
      producerId: t.producerId,
      producerEpoch: open.producerEpoch,
      committed: false,
      ...(open.endSent ? { ambiguous: true as const } : {}),
      outputs: open.outputs.length,
      time: c.now(),
    });
  }
  out.note(`${c.name} aborted transaction ${open?.txnSeq ?? '-'} (${t.abortReason ?? 'abort'}): rewinds to the committed offsets`, {
    consumer: c.name,
    group: c.options.groupId,
    ...(open ? { txn: { txnSeq: open.txnSeq, producerEpoch: open.producerEpoch, committed: false } } : {}),
  });
  return {
    ...withTxn(c, { open: undefined, producerEpoch: -1, sequences: new Map(), request: undefined, step: undefined, fenced: false }),
    positions: new Map(),
    offsetFetchInFlight: undefined,
    listOffsetsInFlight: new Map(),
    fetched: [],
    batch: undefined,
  };
}

// ---------------------------------------------------------------------------------------
// For the machine

/*
 * consumer.ts and this module import each other: what consumer.ts uses while it is being
 * evaluated (its machine's guards and actions) is made by hoisted function declarations, so
 * either module may be imported first.
 */
type Args = { context: ConsumerContext };

export function txnGuards() {
  return {
  transactional: ({ context }: Args) => context.txn !== undefined,
  /** initTransactions() before the first poll, and after every abort. */
  needsProducerId: ({ context }: Args) =>
    context.txn !== undefined && context.txn.producerEpoch < 0 && context.fatal === undefined && context.now() >= (context.options.startAtMs ?? 0),
  txnOk: ({ context }: Args) => context.txn?.step === 'ok',
  txnRetry: ({ context }: Args) => context.txn?.step === 'retry',
  txnAbort: ({ context }: Args) => context.txn?.step === 'abort',
  txnExpired: ({ context }: Args) => context.txn?.open !== undefined && context.now() >= context.txn.open.deadline,
  outputsAcked: ({ context }: Args) => context.txn?.open?.outputs.every((o) => o.acked) === true,
  };
}

export function txnActions() {
  return {
  sendInitProducerId: react(sendInitProducerId),
  onInitProducerIdResponse: react(onInitProducerIdResponse),
  beginTxn: react(beginTxn),
  sendAddPartitions: react(sendAddPartitions),
  sendAddOffsets: react(sendAddOffsets),
  onAddResponse: react(onAddResponse),
  dispatchProduces: react(dispatchProduces),
  onTxnProduceResponse: react(onProduceResponse),
  onTxnDisconnected: react(onDisconnected),
  sendTxnOffsetCommit: react(sendTxnOffsetCommit),
  onTxnOffsetCommitResponse: react(onTxnOffsetCommitResponse),
  sendEndTxn: react(sendEndTxn),
  onEndTxnResponse: react(onEndTxnResponse),
  txnRequestTimedOut: react(txnRequestTimedOut),
  abortExpiredTxn: react<ConsumerContext, { type: string }>((c, _e, out) => abortWith(c, out, 'delivery timeout')),
  sendAbortTxn: react(sendAbortTxn),
  onAbortResponse: react(onAbortResponse),
  rewindAfterAbort: react(rewindAfterAbort),
  };
}
