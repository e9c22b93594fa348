import { and, setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { sendLoadFetch as loadFetch } from './coordinator-load.js';
import { groupMetadataPartitionFor, transactionStatePartitionName } from './coordinator-partition.js';
import { react, type Outbox } from './effects.js';
import { groupActor } from './group-protocol.js';
import {
  OFFSETS_TOPIC,
  brokerNode,
  nameOf,
  partitionName,
  type BecomeReplica,
  type BrokerId,
  type ErrorCode,
  type FetchResponse,
  type MetadataUpdate,
  type Produce,
  type ProduceResponse,
  type From,
} from './protocol.js';
import {
  type AddOffsetsToTxn,
  type AddOffsetsToTxnResponse,
  type AddPartitionsToTxn,
  type AddPartitionsToTxnResponse,
  type EndTxn,
  type EndTxnResponse,
  type InitProducerId,
  type InitProducerIdResponse,
  type TxnErrorCode,
  type TxnLogEntry,
  type TxnPartition,
  type TxnResult,
  type TxnState,
  type WriteTxnMarkers,
  type WriteTxnMarkersResponse,
} from './txn-protocol.js';

/**
 * The transaction coordinator for one transactional.id on one broker (Kafka's
 * TransactionCoordinator + TransactionStateManager + TransactionMarkerChannelManager, KIP-98).
 *
 * It coordinates while the broker's replica of the transactional.id's `__transaction_state` partition
 * (TransactionStateManager.partitionFor, coordinator-partition.ts) leads: on election it
 * reads that partition to its log end (Loading: COORDINATOR_LOAD_IN_PROGRESS) and takes the last
 * entry of its transactional.id; when leadership moves it is unloaded (Dead: NOT_COORDINATOR)
 * and the new leader's coordinator resumes from the log. Every state change is an entry written
 * to its `__transaction_state` partition with acks=all first, and takes effect (and is answered) only once
 * replicated: what a client was told survives a coordinator failover exactly as well as
 * replication makes it survive (TransactionStateManager.appendTransactionToLog).
 *
 * States are Kafka's TransactionState. Handlers only decide (they set `state` once the entry
 * is replicated); `always` transitions move, and each state lists only the moves
 * TransactionMetadata.validPreviousStates allows (txn-protocol.ts), so an illegal move cannot
 * happen: the machine would stay where it is.
 */
export interface TxnCoordinatorInput {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly transactionalId: string;
  /** The producer id this transactional.id is given (the model allocates ids statically). */
  readonly producerId: number;
  readonly brokerId: BrokerId;
  /** The actor's name: txnActor(transactionalId). */
  readonly name: string;
}

/** Who waits for a log write, and what they asked. `Fence`: InitProducerId that found an open transaction. */
export interface Reply {
  readonly kind: 'InitProducerId' | 'Fence' | 'AddPartitionsToTxn' | 'AddOffsetsToTxn' | 'EndTxn';
  readonly client: string;
  readonly requestId: number;
}

/** The one `__transaction_state` write in flight (Kafka's pendingState: one transition at a time). */
export interface PendingWrite {
  readonly requestId: number;
  readonly entry: TxnLogEntry;
  readonly reply: Reply | undefined;
}

/** A transaction marker still to be written to one partition of the transaction. */
export interface Marker {
  readonly partition: TxnPartition;
  /** The WriteTxnMarkers in flight; undefined: not sent (or to be re-sent at `retryAt`). */
  readonly requestId: number | undefined;
  /** The broker node it was sent to. */
  readonly to: string | undefined;
  readonly sentAt: number;
  readonly retryAt: number;
}

export interface TxnCoordinatorContext extends TxnCoordinatorInput {
  /** The leader epoch of its `__transaction_state` partition this coordinator is loading / active in (Kafka's coordinatorEpoch); -1: none. */
  readonly coordinatorEpoch: number;
  readonly loadOffset: number;
  /** Loading reached the partition's log end. */
  readonly loaded: boolean;
  /** Where the coordinator is (or, set by a handler, must go): the machine's state follows it. */
  readonly state: TxnState;
  /** The last replicated entry of this transactional.id; undefined: no InitProducerId yet. */
  readonly txn: TxnLogEntry | undefined;
  readonly pending: PendingWrite | undefined;
  /** PrepareCommit/PrepareAbort: the markers not yet acknowledged, by partition key. */
  readonly markers: ReadonlyMap<string, Marker>;
  /** Partition name -> leader, from the broker's metadata cache. */
  readonly leaders: ReadonlyMap<string, BrokerId>;
  readonly nextRequestId: number;
  /** The `value` of the next record written: unique per coordinator name across failovers (continued from the log). */
  readonly nextValue: number;
}

type TxnRequest = (InitProducerId | AddPartitionsToTxn | AddOffsetsToTxn | EndTxn) & From;
export type TxnCoordinatorEvent =
  | (BecomeReplica & From)
  | (MetadataUpdate & From)
  | TxnRequest
  | (FetchResponse & From & { requestId?: number })
  | (ProduceResponse & From)
  | (WriteTxnMarkersResponse & From)
  | { type: 'net.disconnected'; peer: string };

/** The transactional.id's `__transaction_state` partition (TransactionStateManager.partitionFor): it loads, writes and follows that one. */
const txnPartition = (c: TxnCoordinatorContext) => transactionStatePartitionName(c.config, c.transactionalId);
const PREPARE: Readonly<Record<TxnResult, TxnState>> = { COMMIT: 'PrepareCommit', ABORT: 'PrepareAbort' };
const COMPLETE: Readonly<Record<TxnResult, TxnState>> = { COMMIT: 'CompleteCommit', ABORT: 'CompleteAbort' };
const isPrepare = (s: TxnState) => s === 'PrepareCommit' || s === 'PrepareAbort' || s === 'PrepareEpochFence';
const resultOf = (s: TxnState): TxnResult | undefined => (s === 'PrepareCommit' || s === 'CompleteCommit' ? 'COMMIT' : s === 'PrepareAbort' || s === 'CompleteAbort' ? 'ABORT' : undefined);
const markerKey = (p: TxnPartition) => (p.groupId === undefined ? partitionName(p.partition, p.topic) : `${partitionName(p.partition, p.topic)}/${p.groupId}`);
const samePartition = (a: TxnPartition, b: TxnPartition) => markerKey(a) === markerKey(b);

// ---------------------------------------------------------------------------------------
// Loading (TransactionStateManager.loadTransactionsForTxnTopicPartition)

/** A new election here: drop everything in memory and read its `__transaction_state` partition from the start. */
function startLoad(c: TxnCoordinatorContext, e: BecomeReplica, out: Outbox): Partial<TxnCoordinatorContext> {
  out.note(`${c.name} loading ${txnPartition(c)} (leader epoch ${e.state.leaderEpoch})`);
  // A write of an earlier epoch that is still pending is answered NOT_COORDINATOR, as Kafka's
  // append callback does when the coordinator epoch changed under it.
  if (c.pending?.reply) answer(out, c.pending.reply, 'NOT_COORDINATOR');
  const fresh: Partial<TxnCoordinatorContext> = { coordinatorEpoch: e.state.leaderEpoch, loadOffset: 0, loaded: false, state: 'Empty', txn: undefined, pending: undefined, markers: new Map() };
  return { ...fresh, ...sendLoadFetch({ ...c, ...fresh }, out) };
}

function sendLoadFetch(c: TxnCoordinatorContext, out: Outbox): Partial<TxnCoordinatorContext> {
  loadFetch(out, txnPartition(c), c.name, c.nextRequestId, c.loadOffset);
  return { nextRequestId: c.nextRequestId + 1 };
}

/** Replay this transactional.id's entries: the last one wins. A transaction found in Prepare* resumes its markers. */
function onLoadFetch(c: TxnCoordinatorContext, e: FetchResponse, out: Outbox): Partial<TxnCoordinatorContext> {
  if (e.error) return {}; // retried by the Loading state's timer
  let txn = c.txn;
  let nextValue = c.nextValue;
  let loadOffset = c.loadOffset;
  for (const r of e.records) {
    loadOffset = r.offset + 1;
    if (r.value.producer === c.name) nextValue = Math.max(nextValue, r.value.value + 1);
    if (r.value.key === c.transactionalId && r.value.txn) txn = r.value.txn;
  }
  const patch = { txn, nextValue, loadOffset };
  if (loadOffset < e.leaderEndOffset) return { ...patch, ...sendLoadFetch({ ...c, ...patch }, out) };
  const state = txn?.state ?? 'Empty';
  out.note(`${c.name} loaded: ${state}${txn ? ` producer ${txn.producerId} epoch ${txn.producerEpoch}, partitions ${JSON.stringify(txn.partitions.map(markerKey))}` : ''}`);
  return { ...patch, state, loaded: true, markers: resultOf(state) && isPrepare(state) ? freshMarkers(txn!.partitions) : new Map() };
}

// ---------------------------------------------------------------------------------------
// Writing the log

/**
 * Append an entry to its `__transaction_state` partition (acks=all). It takes effect in onWritten, when the
 * partition answers; until then every request is CONCURRENT_TRANSACTIONS (one pending transition).
 */
function write(c: TxnCoordinatorContext, entry: TxnLogEntry, reply: Reply | undefined, out: Outbox): Partial<TxnCoordinatorContext> {
  const requestId = c.nextRequestId;
  out.local(txnPartition(c), {
    type: 'Produce',
    actor: txnPartition(c),
    requestId,
    acks: 'all',
    timeoutMs: c.config.requestTimeoutMs,
    records: [{ key: c.transactionalId, value: { producer: c.name, key: c.transactionalId, value: c.nextValue, txn: entry } }],
    replyTo: c.name,
  } satisfies Produce);
  return { pending: { requestId, entry, reply }, nextRequestId: requestId + 1, nextValue: c.nextValue + 1 };
}

const entry = (c: TxnCoordinatorContext, over: Partial<TxnLogEntry>): TxnLogEntry => ({
  transactionalId: c.transactionalId,
  producerId: c.txn?.producerId ?? c.producerId,
  producerEpoch: c.txn?.producerEpoch ?? -1,
  state: c.state,
  partitions: c.txn?.partitions ?? [],
  timeoutMs: c.txn?.timeoutMs ?? c.config.transactionTimeoutMs,
  startMs: c.txn?.startMs ?? -1,
  ...over,
});

/**
 * Kafka maps the append's errors for the client (TransactionStateManager.appendTransactionToLog):
 * the partition is not led here any more -> NOT_COORDINATOR (find the coordinator again);
 * anything else (NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT) -> COORDINATOR_NOT_AVAILABLE (retry).
 */
const writeError = (e: ErrorCode): TxnErrorCode => (e === 'NOT_LEADER_OR_FOLLOWER' || e === 'FENCED_LEADER_EPOCH' ? 'NOT_COORDINATOR' : 'COORDINATOR_NOT_AVAILABLE');

/** The `__transaction_state` partition answered the pending write: apply it and answer, or answer the error and stay. */
function onWritten(c: TxnCoordinatorContext, e: ProduceResponse, out: Outbox): Partial<TxnCoordinatorContext> | void {
  const w = c.pending;
  if (!w || w.requestId !== e.requestId) return;
  if (e.error) {
    out.note(`${c.name} writing ${w.entry.state} failed: ${e.error}`);
    if (w.reply) answer(out, w.reply, writeError(e.error));
    return { pending: undefined };
  }
  const done = w.entry;
  if (w.reply) answer(out, w.reply, w.reply.kind === 'Fence' ? 'CONCURRENT_TRANSACTIONS' : undefined, done);
  const markers = isPrepare(done.state) ? freshMarkers(done.partitions) : new Map<string, Marker>();
  return { pending: undefined, txn: done, state: done.state, markers };
}

function answer(out: Outbox, r: Reply, error: TxnErrorCode | undefined, done?: TxnLogEntry): void {
  const err = error ? { error } : {};
  // InitProducerId and EndTxn carry the producer id and epoch (-1 with an error).
  const ids = { producerId: error || !done ? -1 : done.producerId, producerEpoch: error || !done ? -1 : done.producerEpoch };
  switch (r.kind) {
    case 'InitProducerId':
    case 'Fence':
      return out.send(r.client, { type: 'InitProducerIdResponse', requestId: r.requestId, ...err, ...ids } satisfies InitProducerIdResponse);
    case 'EndTxn':
      return out.send(r.client, { type: 'EndTxnResponse', requestId: r.requestId, ...err, ...ids } satisfies EndTxnResponse);
    case 'AddPartitionsToTxn':
      return out.send(r.client, { type: 'AddPartitionsToTxnResponse', requestId: r.requestId, ...err } satisfies AddPartitionsToTxnResponse);
    case 'AddOffsetsToTxn':
      return out.send(r.client, { type: 'AddOffsetsToTxnResponse', requestId: r.requestId, ...err } satisfies AddOffsetsToTxnResponse);
  }
}

const replyTo = (e: TxnRequest): Reply => ({ kind: e.type, client: e.from, requestId: e.requestId });

// ---------------------------------------------------------------------------------------
// InitProducerId (TransactionCoordinator.handleInitProducerId)

/**
 * KIP-98: the first InitProducerId of a transactional.id gets its producer id with epoch 0;
 * every later one bumps the epoch, which fences every older producer with this id (zombie
 * fencing: their requests now carry an older epoch). A transaction left open by the older
 * producer is aborted first (PrepareEpochFence). Kafka then answers CONCURRENT_TRANSACTIONS
 * once PrepareAbort is written (its sendRetriableErrorCallback), and the client retries until
 * the abort is complete; the model does the same.
 */
function onInitProducerId(c: TxnCoordinatorContext, e: InitProducerId & From, out: Outbox): Partial<TxnCoordinatorContext> | void {
  if (c.pending || isPrepare(c.state)) return answer(out, replyTo(e), 'CONCURRENT_TRANSACTIONS');
  if (c.state === 'Ongoing') return fence(c, { ...replyTo(e), kind: 'Fence' }, out, 'InitProducerId with a transaction open');
  const producerEpoch = c.txn ? c.txn.producerEpoch + 1 : 0;
  return write(c, entry(c, { state: 'Empty', producerEpoch, partitions: [], timeoutMs: e.transactionTimeoutMs, startMs: -1 }), replyTo(e), out);
}

/**
 * Ongoing -> PrepareEpochFence: bump the epoch and abort the open transaction
 * (TransactionMetadata.prepareFenceProducerEpoch, then endTransaction(ABORT)). PrepareEpochFence
 * is the state while PrepareAbort with the bumped epoch is being written; the ABORT markers carry
 * that epoch, so the fenced producer can no longer write to the transaction's partitions.
 */
function fence(c: TxnCoordinatorContext, reply: Reply | undefined, out: Outbox, why: string): Partial<TxnCoordinatorContext> {
  out.note(`${c.name} fencing producer ${c.txn!.producerId} epoch ${c.txn!.producerEpoch}: ${why}`);
  return { state: 'PrepareEpochFence', ...writeFence({ ...c, state: 'PrepareEpochFence' }, reply, out) };
}

/**
 * Write PrepareAbort with the bumped epoch. A failed write is retried (PrepareEpochFence's timer)
 * with the same epoch: Kafka keeps the bumped epoch in memory after a failed fence
 * (hasFailedEpochFence) and never returns it to a client, so retrying it is safe.
 */
function writeFence(c: TxnCoordinatorContext, reply: Reply | undefined, out: Outbox): Partial<TxnCoordinatorContext> {
  if (c.pending) return {};
  return write(c, entry(c, { state: 'PrepareAbort', producerEpoch: c.txn!.producerEpoch + 1 }), reply, out);
}

// ---------------------------------------------------------------------------------------
// AddPartitionsToTxn, AddOffsetsToTxn (TransactionCoordinator.handleAddPartitionsToTransaction)

/**
 * The request's producer id must be this transactional.id's (INVALID_PRODUCER_ID_MAPPING) and
 * its epoch the current one: an older epoch is a fenced zombie (PRODUCER_FENCED, KIP-98), a newer
 * one a bug (INVALID_PRODUCER_EPOCH). With producerFencing off no epoch is checked, so a zombie
 * adds to the current producer's transaction (what the check protects).
 */
function producerError(c: TxnCoordinatorContext, producerId: number, producerEpoch: number): TxnErrorCode | undefined {
  if (!c.txn || producerId !== c.txn.producerId) return 'INVALID_PRODUCER_ID_MAPPING';
  if (!c.config.producerFencing || producerEpoch === c.txn.producerEpoch) return undefined;
  return producerEpoch < c.txn.producerEpoch ? 'PRODUCER_FENCED' : 'INVALID_PRODUCER_EPOCH';
}

/** Empty/Complete* -> Ongoing (a new transaction starts now); Ongoing: add what is not in it yet. */
function addPartitions(c: TxnCoordinatorContext, e: (AddPartitionsToTxn | AddOffsetsToTxn) & From, partitions: readonly TxnPartition[], out: Outbox): Partial<TxnCoordinatorContext> | void {
  const reply = replyTo(e);
  const error = producerError(c, e.producerId, e.producerEpoch) ?? (c.pending || isPrepare(c.state) ? 'CONCURRENT_TRANSACTIONS' : undefined);
  if (error) return answer(out, reply, error);
  const ongoing = c.state === 'Ongoing';
  const current = ongoing ? c.txn!.partitions : [];
  const added = partitions.filter((p, i) => !current.some((q) => samePartition(p, q)) && partitions.findIndex((q) => samePartition(p, q)) === i);
  if (ongoing && added.length === 0) return answer(out, reply, undefined); // already in the transaction: nothing to write
  return write(c, entry(c, { state: 'Ongoing', partitions: [...current, ...added], startMs: ongoing ? c.txn!.startMs : c.now() }), reply, out);
}

const onAddPartitions = (c: TxnCoordinatorContext, e: AddPartitionsToTxn & From, out: Outbox) => addPartitions(c, e, e.partitions, out);

/**
 * KIP-98/KIP-447: sendOffsetsToTransaction adds the group's `__consumer_offsets` partition
 * (KafkaApis.handleAddOffsetsToTxnRequest: groupCoordinator.partitionFor(groupId)), whose marker
 * goes to the group's coordinator.
 */
const onAddOffsets = (c: TxnCoordinatorContext, e: AddOffsetsToTxn & From, out: Outbox) =>
  addPartitions(c, e, [{ topic: OFFSETS_TOPIC, partition: groupMetadataPartitionFor(c.config, e.groupId), groupId: e.groupId }], out);

// ---------------------------------------------------------------------------------------
// EndTxn (TransactionCoordinator.endTransaction)

type EndDecision = { error: TxnErrorCode } | { retry: true } | { prepare: TxnResult };

/**
 * How an EndTxn is answered, by config.txnEpochBump:
 *
 * 'per-transaction' (KIP-890 part 2, Kafka 4.0): ending a transaction bumps the epoch, so the
 * producer's late requests of a finished transaction carry an old epoch and are fenced instead
 * of joining the next transaction (the hole KAFKA-17754 describes). A retried EndTxn of the
 * just-finished transaction carries the epoch before the bump (Kafka's retryOnEpochBump: epoch
 * === current - 1) and is answered success with the current epoch; any other old epoch is
 * PRODUCER_FENCED.
 *
 * 'init-only' (KIP-98, before KIP-890): the epoch stays for the producer's lifetime; a retried
 * EndTxn (same epoch, same outcome as the Prepare/Complete state) is answered success; the other
 * outcome is INVALID_TXN_STATE, as is EndTxn with no transaction (Empty).
 *
 * Either way a retry of the same outcome while the markers are still being written
 * (PrepareCommit/PrepareAbort) is answered CONCURRENT_TRANSACTIONS, and the client retries until
 * the transaction is complete (TransactionCoordinator.endTransaction).
 */
function endDecision(c: TxnCoordinatorContext, e: EndTxn): EndDecision {
  const txn = c.txn;
  if (!txn || e.producerId !== txn.producerId) return { error: 'INVALID_PRODUCER_ID_MAPPING' };
  const result: TxnResult = e.committed ? 'COMMIT' : 'ABORT';
  const finished = resultOf(c.state) !== undefined; // Prepare*/Complete* of a finished transaction
  const sameOutcome = resultOf(c.state) === result;
  const fencing = c.config.producerFencing;
  const bumps = c.config.txnEpochBump === 'per-transaction';
  const retryEpoch = bumps ? txn.producerEpoch - 1 : txn.producerEpoch;
  const isRetry = finished && (!fencing || e.producerEpoch === retryEpoch);
  if (fencing && !isRetry && e.producerEpoch !== txn.producerEpoch) return { error: e.producerEpoch < txn.producerEpoch ? 'PRODUCER_FENCED' : 'INVALID_PRODUCER_EPOCH' };
  if (c.pending || c.state === 'PrepareEpochFence') return { error: 'CONCURRENT_TRANSACTIONS' };
  if (c.state === 'Ongoing') return { prepare: result };
  if (isRetry) return !sameOutcome ? { error: 'INVALID_TXN_STATE' } : isPrepare(c.state) ? { error: 'CONCURRENT_TRANSACTIONS' } : { retry: true };
  // The current epoch of a finished transaction (KIP-890): a next transaction's EndTxn while the last completes.
  if (isPrepare(c.state)) return { error: 'CONCURRENT_TRANSACTIONS' };
  return { error: 'INVALID_TXN_STATE' };
}

/** Ongoing -> PrepareCommit/PrepareAbort, answered once replicated; the markers follow. */
function onEndTxn(c: TxnCoordinatorContext, e: EndTxn & From, out: Outbox): Partial<TxnCoordinatorContext> | void {
  const d = endDecision(c, e);
  const reply = replyTo(e);
  if ('error' in d) return answer(out, reply, d.error);
  if ('retry' in d) return answer(out, reply, undefined, c.txn);
  const bump = c.config.txnEpochBump === 'per-transaction' ? 1 : 0;
  return write(c, entry(c, { state: PREPARE[d.prepare], producerEpoch: c.txn!.producerEpoch + bump }), reply, out);
}

// ---------------------------------------------------------------------------------------
// Transaction timeout (TransactionCoordinator.abortTimedOutTransactions)

/**
 * An Ongoing transaction open longer than its timeout is aborted by the coordinator. Since
 * KIP-360/KIP-588 Kafka does it through prepareFenceProducerEpoch: the epoch is bumped, so the
 * producer that left it open is fenced from it (its next request gets PRODUCER_FENCED /
 * INVALID_PRODUCER_EPOCH) instead of silently writing into an aborted transaction.
 */
function onTimeout(c: TxnCoordinatorContext, _e: unknown, out: Outbox): Partial<TxnCoordinatorContext> {
  return fence(c, undefined, out, `transaction open since ${c.txn!.startMs} timed out after ${c.txn!.timeoutMs} ms`);
}

/** How long until the open transaction times out; when overdue behind a pending write, check again after a backoff. */
function timeoutDelay(c: TxnCoordinatorContext): number {
  const left = (c.txn?.startMs ?? 0) + (c.txn?.timeoutMs ?? c.config.transactionTimeoutMs) - c.now();
  return left > 0 ? left : c.pending ? c.config.retryBackoffMs : 0;
}

// ---------------------------------------------------------------------------------------
// Markers (TransactionMarkerChannelManager)

function freshMarkers(partitions: readonly TxnPartition[]): Map<string, Marker> {
  return new Map(partitions.map((p) => [markerKey(p), { partition: p, requestId: undefined, to: undefined, sentAt: -1, retryAt: 0 }]));
}

/** The leader of a marker's partition: the group's `__consumer_offsets` partition's for a group's offsets. */
const leaderOf = (c: TxnCoordinatorContext, p: TxnPartition) => c.leaders.get(partitionName(p.partition, p.topic));

/**
 * Send each marker that is due: not sent yet, failed and past its backoff, or unanswered for
 * request.timeout.ms. A partition with no leader waits for metadata. Markers carry the epoch of
 * the Prepare entry (KIP-890: the bumped one) and this coordinator's epoch, so partition leaders
 * can fence markers of a stale coordinator.
 */
function sendMarkers(c: TxnCoordinatorContext, _e: unknown, out: Outbox): Partial<TxnCoordinatorContext> {
  const now = c.now();
  const result = resultOf(c.state);
  if (!result || !c.txn) return {};
  let nextRequestId = c.nextRequestId;
  const markers = new Map(c.markers);
  for (const [key, m] of c.markers) {
    const due = m.requestId === undefined ? now >= m.retryAt : now - m.sentAt >= c.config.requestTimeoutMs;
    const leader = leaderOf(c, m.partition);
    if (!due || leader === undefined || leader < 0) continue;
    const requestId = nextRequestId++;
    const p = m.partition;
    const to = brokerNode(leader);
    out.send(to, {
      type: 'WriteTxnMarkers',
      actor: p.groupId === undefined ? partitionName(p.partition, p.topic) : groupActor(p.groupId),
      requestId,
      replyTo: c.name,
      topic: p.topic,
      partition: p.partition,
      ...(p.groupId === undefined ? {} : { groupId: p.groupId }),
      producerId: c.txn.producerId,
      producerEpoch: c.txn.producerEpoch,
      coordinatorEpoch: c.coordinatorEpoch,
      result,
    } satisfies WriteTxnMarkers);
    markers.set(key, { ...m, requestId, to, sentAt: now });
  }
  return { markers, nextRequestId, ...completeIfDone({ ...c, markers, nextRequestId }, out) };
}

/** Every marker written: PrepareCommit -> CompleteCommit / PrepareAbort -> CompleteAbort (retried by the tick if the write fails). */
function completeIfDone(c: TxnCoordinatorContext, out: Outbox): Partial<TxnCoordinatorContext> {
  const result = resultOf(c.state);
  if (c.markers.size > 0 || c.pending || !result || !isPrepare(c.state)) return {};
  return write(c, entry(c, { state: COMPLETE[result], partitions: [], startMs: -1 }), undefined, out);
}

/** A partition answered: done, or retried after retry.backoff.ms (any error: Kafka retries until the coordinator is unloaded). */
function onMarkerResponse(c: TxnCoordinatorContext, e: WriteTxnMarkersResponse, out: Outbox): Partial<TxnCoordinatorContext> | void {
  const found = [...c.markers].find(([, m]) => m.requestId === e.requestId);
  if (!found) return;
  const [key, m] = found;
  const markers = new Map(c.markers);
  if (e.error) markers.set(key, { ...m, requestId: undefined, retryAt: c.now() + c.config.retryBackoffMs });
  else markers.delete(key);
  return { markers, ...completeIfDone({ ...c, markers }, out) };
}

/** Markers in flight to a broker that is no longer their partition's leader, or whose connection broke, are sent again now. */
function resendWhere(c: TxnCoordinatorContext, stale: (m: Marker) => boolean, out: Outbox): Partial<TxnCoordinatorContext> {
  const markers = new Map(c.markers);
  let any = false;
  for (const [key, m] of c.markers) {
    if (m.requestId === undefined || !stale(m)) continue;
    markers.set(key, { ...m, requestId: undefined, retryAt: 0 });
    any = true;
  }
  const hasUnsent = [...markers.values()].some((m) => m.requestId === undefined);
  return any || hasUnsent ? { markers, ...sendMarkers({ ...c, markers }, undefined, out) } : {};
}

function onMetadata(c: TxnCoordinatorContext, e: MetadataUpdate, out: Outbox): Partial<TxnCoordinatorContext> {
  const leaders = new Map(e.partitions.map((p) => [nameOf(p), p.leader]));
  const next = { ...c, leaders };
  const moved = (m: Marker) => {
    const l = leaderOf(next, m.partition);
    return l !== undefined && l >= 0 && brokerNode(l) !== m.to;
  };
  return { leaders, ...resendWhere(next, moved, out) };
}

function onDisconnected(c: TxnCoordinatorContext, e: { type: 'net.disconnected'; peer: string }, out: Outbox): Partial<TxnCoordinatorContext> {
  return resendWhere(c, (m) => m.to === e.peer, out);
}

// ---------------------------------------------------------------------------------------
// Not coordinating

/** Any transactional request to a broker that is not (yet) this transactional.id's coordinator. */
function reject(error: TxnErrorCode) {
  return (_c: TxnCoordinatorContext, e: TxnRequest, out: Outbox): void => answer(out, replyTo(e), error);
}

function unload(c: TxnCoordinatorContext, e: BecomeReplica, out: Outbox): Partial<TxnCoordinatorContext> {
  out.note(`${c.name} unloaded: ${txnPartition(c)} is led by broker ${e.state.leader} now`);
  // Pending work is dropped: the new coordinator resumes from the log (markers of a Prepare* entry included).
  if (c.pending?.reply) answer(out, c.pending.reply, 'NOT_COORDINATOR');
  return { coordinatorEpoch: -1, loaded: false, state: 'Dead', txn: undefined, pending: undefined, markers: new Map() };
}

// ---------------------------------------------------------------------------------------
// The machine

const REQUESTS = ['InitProducerId', 'AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn'] as const;
const rejectAll = (action: string) => Object.fromEntries(REQUESTS.map((r) => [r, { actions: action }]));

/** While loading or coordinating: a new election here reloads; a leader elsewhere unloads (Dead). */
const leadership = {
  PartitionChange: [
    { guard: 'electedHere', target: '#txnCoordinator.Loading', actions: 'startLoad' },
    { guard: 'resignedHere', target: '#txnCoordinator.Dead', actions: 'unload' },
  ],
} as const;

const serving = {
  ...leadership,
  InitProducerId: { actions: 'initProducerId' },
  AddPartitionsToTxn: { actions: 'addPartitions' },
  AddOffsetsToTxn: { actions: 'addOffsets' },
  EndTxn: { actions: 'endTxn' },
} as const;

/** The moves a state may take (TransactionMetadata.validPreviousStates), each once `state` says so. */
type StateGuard = `is${TxnState}`;
const moves = (...targets: TxnState[]) => targets.map((t) => ({ guard: `is${t}` as StateGuard, target: t }));

const TXN_STATES: readonly TxnState[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence', 'Dead'];
/** `isOngoing`, ...: the coordinator decided (the entry is replicated, or a fence began) to be in that state. */
const stateGuards = Object.fromEntries(TXN_STATES.map((s) => [`is${s}`, ({ context }: { context: TxnCoordinatorContext }) => context.state === s])) as Record<
  StateGuard,
  (args: { context: TxnCoordinatorContext }) => boolean
>;

/** Prepare*: markers are (re)sent on entry and on every tick until all are written; then Complete is written. */
// The actions are registered by name in setup below; XState cannot type a state config built apart.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const completing = (self: TxnState, ...targets: TxnState[]): any => ({
  entry: 'sendMarkers',
  after: { markerRetry: { target: self, reenter: true } },
  on: serving,
  always: moves(...targets),
});

export const txnCoordinatorMachine = setup({
  types: {} as { context: TxnCoordinatorContext; input: TxnCoordinatorInput; events: TxnCoordinatorEvent },
  delays: {
    loadRetry: ({ context }) => Math.max(1, Math.floor(context.config.requestTimeoutMs / 10)),
    markerRetry: ({ context }) => context.config.retryBackoffMs,
    fenceRetry: ({ context }) => context.config.retryBackoffMs,
    txnTimeout: ({ context }) => timeoutDelay(context),
  },
  guards: {
    electedHere: ({ context, event }) => event.type === 'PartitionChange' && event.state.leader === context.brokerId && event.state.leaderEpoch !== context.coordinatorEpoch,
    resignedHere: ({ context, event }) => event.type === 'PartitionChange' && event.state.leader !== context.brokerId,
    answersLoad: ({ context, event }) => event.type === 'FetchResponse' && event.requestId === context.nextRequestId - 1,
    loaded: ({ context }) => context.loaded,
    writeIdle: ({ context }) => context.pending === undefined,
    ...stateGuards,
  },
  actions: {
    startLoad: react<TxnCoordinatorContext, BecomeReplica>(startLoad),
    onLoadFetch: react<TxnCoordinatorContext, FetchResponse>(onLoadFetch),
    resendLoad: react<TxnCoordinatorContext, TxnCoordinatorEvent>((c, _e, out) => sendLoadFetch(c, out)),
    unload: react<TxnCoordinatorContext, BecomeReplica>(unload),
    notCoordinator: react(reject('NOT_COORDINATOR')),
    loading: react(reject('COORDINATOR_LOAD_IN_PROGRESS')),
    initProducerId: react(onInitProducerId),
    addPartitions: react(onAddPartitions),
    addOffsets: react(onAddOffsets),
    endTxn: react(onEndTxn),
    onWritten: react(onWritten),
    onMetadata: react(onMetadata),
    onDisconnected: react(onDisconnected),
    onMarkerResponse: react(onMarkerResponse),
    sendMarkers: react(sendMarkers),
    abortTimedOut: react(onTimeout),
    retryFence: react<TxnCoordinatorContext, TxnCoordinatorEvent>((c, _e, out) => writeFence(c, undefined, out)),
  },
}).createMachine({
  id: 'txnCoordinator',
  context: ({ input }) => ({
    ...input,
    coordinatorEpoch: -1,
    loadOffset: 0,
    loaded: false,
    state: 'Empty',
    txn: undefined,
    pending: undefined,
    markers: new Map(),
    leaders: new Map(),
    nextRequestId: 1,
    nextValue: 0,
  }),
  initial: 'Unloaded',
  on: {
    PartitionChange: { guard: 'electedHere', target: '.Loading', actions: 'startLoad' },
    ...rejectAll('notCoordinator'),
    ProduceResponse: { actions: 'onWritten' },
    MetadataUpdate: { actions: 'onMetadata' },
    WriteTxnMarkersResponse: { actions: 'onMarkerResponse' },
    'net.disconnected': { actions: 'onDisconnected' },
  },
  states: {
    /** This broker does not lead its `__transaction_state` partition: NOT_COORDINATOR. */
    Unloaded: {},
    /** Reading its `__transaction_state` partition to its end: COORDINATOR_LOAD_IN_PROGRESS. */
    Loading: {
      after: { loadRetry: { target: 'Loading', reenter: true, actions: 'resendLoad' } },
      on: {
        ...leadership,
        ...rejectAll('loading'),
        FetchResponse: { guard: 'answersLoad', actions: 'onLoadFetch' },
      },
      always: (['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort'] as const).map((t) => ({
        guard: and(['loaded', `is${t}` as StateGuard]),
        target: t,
      })),
    },
    /** Initialised (or never used), no transaction open. */
    Empty: { on: serving, always: moves('Ongoing') },
    /** A transaction is open; the coordinator aborts it after its timeout. */
    Ongoing: {
      after: { txnTimeout: [{ guard: 'writeIdle', actions: 'abortTimedOut' }, { target: 'Ongoing', reenter: true }] },
      on: serving,
      always: moves('PrepareCommit', 'PrepareAbort', 'PrepareEpochFence'),
    },
    /** The open transaction is being aborted with a bumped epoch (InitProducerId or timeout): PrepareAbort is being written. */
    PrepareEpochFence: {
      after: { fenceRetry: { target: 'PrepareEpochFence', reenter: true, actions: 'retryFence' } },
      on: serving,
      always: moves('PrepareAbort'),
    },
    /** Commit decided and replicated: COMMIT markers are being written. */
    PrepareCommit: completing('PrepareCommit', 'CompleteCommit'),
    /** Abort decided and replicated: ABORT markers are being written. */
    PrepareAbort: completing('PrepareAbort', 'CompleteAbort'),
    CompleteCommit: { on: serving, always: moves('Ongoing', 'Empty') },
    CompleteAbort: { on: serving, always: moves('Ongoing', 'Empty') },
    /** Unloaded after the coordinator moved (TransactionStateManager.removeTransactionsForTxnTopicPartition). */
    Dead: {},
  },
});
