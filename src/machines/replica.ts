import { and, not, raise, setup } from 'xstate';
import { effectiveMinIsr, minIsrOf, TRANSACTION_STATE_TOPIC, type ClusterConfig } from '../config/schema.js';
import { PartitionLog, type LogConfig } from '../log/index.js';
import { ProducerState } from '../log/producer-state.js';
import type { Disk } from '../sim/disk.js';
import { react, type Outbox } from './effects.js';
import {
  BROKER_ACTOR,
  brokerIdOf,
  brokerNode,
  DATA_TOPIC,
  partitionName,
  type AlterPartition,
  type AlterPartitionResponse,
  type BecomeReplica,
  type BrokerId,
  type ErrorCode,
  type Fetch,
  type FetchResponse,
  type ListOffsets,
  type ListOffsetsResponse,
  type OffsetsForLeaderEpoch,
  type OffsetsForLeaderEpochResponse,
  type PartitionState,
  type ProducedValue,
  type Produce,
  type ProduceResponse,
  type Record,
} from './protocol.js';
import type { WriteTxnMarkers, WriteTxnMarkersResponse } from './txn-protocol.js';

/**
 * One replica of one partition on one broker (Kafka's Partition + ReplicaFetcherThread).
 *
 * Leader: appends produced records, tracks each follower's fetch position, advances the high
 * watermark (HW) to the smallest log end offset (LEO) in the ISR, answers acks=0/1/all,
 * rejects acks=all with NOT_ENOUGH_REPLICAS when the ISR is smaller than min.insync.replicas,
 * shrinks the ISR after replica.lag.time.max.ms and expands it when a follower catches up
 * (AlterPartition, KIP-497).
 *
 * Follower: on becoming follower, finds where its log diverges from the leader's by the
 * truncation rule in force (its HW before KIP-101; the leader epoch, KIP-101; with KIP-279's
 * fix), truncates there, then fetches; KIP-320 fences fetches by leader epoch. From 2.7
 * (KAFKA-10554) it fetches at once and truncates where the fetch response says the logs diverge.
 * A partition change that keeps the leader and its epoch (an ISR change) leaves the fetcher as
 * it is (AbstractFetcherThread.addPartitions keeps a partition whose leader epoch is unchanged).
 */
export interface FollowerProgress {
  /** The follower's LEO as its last fetch said (its fetch offset). */
  leo: number;
  lastCaughtUpTime: number;
  /** The broker epoch the follower sent with its last fetch (KIP-903). */
  brokerEpoch: number;
  /** Leader's LEO at the follower's previous fetch, and that fetch's time (Kafka's rule for lastCaughtUpTime). */
  prevLeaderLeo: number;
  prevFetchTime: number;
}

export interface WaitingProduce {
  readonly requestId: number;
  readonly client: string;
  /** The actor on the client's node the answer is for (the group coordinator), if not its primary. */
  readonly replyTo?: string | undefined;
  readonly requiredOffset: number;
  readonly baseOffset: number;
  readonly deadline: number;
  /** Set for a transaction marker (WriteTxnMarkers, written with acks=all): answered in kind. */
  readonly marker?: { readonly topic: string; readonly partition: number } | undefined;
}

/**
 * A follower's fetch that found nothing new, held by the leader until records are appended or
 * replica.fetch.wait.max.ms passes (Kafka's DelayedFetch in the fetch purgatory; followers fetch
 * with replica.fetch.min.bytes = 1).
 */
export interface ParkedFetch {
  readonly from: string;
  readonly replicaId: BrokerId;
  readonly requestId: number | undefined;
  readonly fetchOffset: number;
  readonly deadline: number;
}

export interface ReplicaContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly brokerId: BrokerId;
  readonly topic: string;
  readonly partition: number;
  readonly name: string;
  /** Mutated in place: the log is a plain data structure owned by this machine. */
  readonly log: PartitionLog<ProducedValue>;
  readonly brokerEpoch: number;
  /** The partition state this replica acts on (from its broker). */
  readonly state: PartitionState | undefined;
  /** The ISR as the leader sees it while an AlterPartition is pending (KIP-497's maximal ISR). */
  readonly pendingIsr: readonly BrokerId[] | undefined;
  readonly pendingSince: number;
  readonly followers: ReadonlyMap<BrokerId, FollowerProgress>;
  readonly waiting: readonly WaitingProduce[];
  /** Follower fetches the leader holds (at most one per follower). */
  readonly parked: readonly ParkedFetch[];
  /**
   * A FetchWaitExpired is on its way. One timer serves every held fetch: when it fires it
   * answers those whose wait is over and is set again for the next, so a busy leader whose
   * followers are answered early by appends does not schedule a timer per fetch.
   */
  readonly fetchWaitTimer: boolean;
  /** Correlation id of the follower's outstanding request: a late answer to an older one is ignored. */
  readonly requestId: number;
  /** Bumped on every truncation, so observers can tell a log that shrank and regrew. */
  readonly truncations: number;
  /**
   * A follower whose log is known to agree with the leader's up to its end, for the leader epoch
   * it follows: its truncation round is done, or (KAFKA-10554) a fetch was answered with records
   * rather than a diverging epoch. Cleared when it starts following a new leader or epoch.
   */
  readonly reconciled: boolean;
  /** KIP-98 producer state, derived from the log (mutated in place on append, rebuilt on truncation). */
  readonly producers: ProducerState;
  /** When the retention task last ran on this replica (virtual ms). */
  readonly lastRetentionCheck: number;
}

export type ReplicaEvent =
  | (BecomeReplica & { from: string })
  | (Produce & { from: string })
  | (ListOffsets & { from: string })
  | (Fetch & { from: string; requestId?: number })
  | (FetchResponse & { from: string; requestId?: number })
  | (OffsetsForLeaderEpoch & { from: string; requestId?: number })
  | (OffsetsForLeaderEpochResponse & { from: string; requestId?: number })
  | (AlterPartitionResponse & { from: string })
  | (WriteTxnMarkers & { from: string })
  | { type: 'CheckpointHw' }
  | { type: 'FetchWaitExpired' }
  | { type: 'net.disconnected'; peer: string };

const logFile = (c: ReplicaContext) => `${c.name}/00000000000000000000.log`;
/** Kafka keeps one replication-offset-checkpoint per log dir; the model keeps one per partition. */
const hwFile = (name: string) => `${name}/replication-offset-checkpoint`;

/** Kafka's log-start-offset-checkpoint (one per log dir in Kafka; one per partition here). */
const logStartFile = (name: string) => `${name}/log-start-offset-checkpoint`;

const isInternal = (topic: string) => topic.startsWith('__');

/**
 * Whether a topic's cleanup.policy has `delete`: the data topics unless the scenario compacts
 * them only. The internal topics (__consumer_offsets, __transaction_state) are `compact`.
 */
const deletesOldSegments = (config: ClusterConfig, topic: string) => !isInternal(topic) && config.cleanupPolicy !== 'compact';

/** Whether a topic's cleanup.policy has `compact`: the internal topics, and data topics that say so. */
const compacts = (config: ClusterConfig, topic: string) => isInternal(topic) || config.cleanupPolicy !== 'delete';

/** The log's segment, retention and cleanup settings, for a topic (LogConfig). */
export function logConfigFor(config: ClusterConfig, topic: string): Partial<LogConfig> {
  if (isInternal(topic)) {
    // offsets.topic.segment.bytes / transaction.state.log.segment.bytes; no retention.
    const segmentBytes = topic === TRANSACTION_STATE_TOPIC ? config.transactionStateLogSegmentBytes : config.offsetsTopicSegmentBytes;
    return { compact: true, segmentBytes, retentionMs: null, retentionBytes: null };
  }
  return {
    segmentBytes: config.segmentBytes,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    ...(compacts(config, topic) ? { compact: true } : {}),
  };
}

/** Rebuild a replica's log from what its disk kept (Kafka's log recovery on start). */
export function recoverLog(disk: Disk, name: string, logConfig?: Partial<LogConfig>): PartitionLog<ProducedValue> {
  const records = disk.read(`${name}/00000000000000000000.log`) as Record[];
  const hw = (disk.read(hwFile(name)) as number[])[0];
  const logStart = (disk.read(logStartFile(name)) as number[])[0];
  return PartitionLog.recover<ProducedValue>(records, logConfig, { ...(hw === undefined ? {} : { highWatermark: hw }), ...(logStart === undefined ? {} : { logStartOffset: logStart }) });
}

// ---------------------------------------------------------------------------------------
// Persistence

/**
 * The file entries of a follower append to a compacted log: an empty entry (null) for each
 * offset the leader no longer had, so the file keeps one entry per offset (PartitionLog.recover).
 */
function withEmptyEntries(records: readonly Record[], from: number): (Record | null)[] {
  const out: (Record | null)[] = [];
  let next = from;
  for (const r of records) {
    while (next < r.offset) {
      out.push(null);
      next++;
    }
    out.push(r);
    next++;
  }
  return out;
}

function persistAppend(c: ReplicaContext, records: readonly (Record | null)[], out: Outbox): void {
  out.append(logFile(c), records);
  if (c.config.fsync === 'always') out.fsync(logFile(c));
}

function truncate(c: ReplicaContext, offset: number, out: Outbox, why: string): Partial<ReplicaContext> {
  if (offset >= c.log.logEndOffset) return {};
  const from = c.log.logEndOffset;
  c.log.truncateTo(offset);
  out.truncate(logFile(c), offset);
  if (c.config.fsync === 'always') out.fsync(logFile(c));
  out.note(`${c.name} truncated ${from} -> ${offset} (${why})`);
  // Kafka truncates its producer state with the log (ProducerStateManager.truncateAndReload).
  return { truncations: c.truncations + 1, producers: ProducerState.fromLog(c.log.storedRecords()) };
}

/** The log start offset moved: checkpoint it (LogManager.checkpointLogStartOffsets), so recovery starts there. */
function checkpointLogStart(c: ReplicaContext, out: Outbox): void {
  out.replace(logStartFile(c.name), [c.log.logStartOffset]);
  out.fsync(logStartFile(c.name));
}

/**
 * The retention task (LogManager.cleanupLogs, every log.retention.check.interval.ms, on leaders
 * and followers alike): delete the closed segments that are past retention.ms or beyond
 * retention.bytes, and move the log start offset. The model runs it on the first HW-checkpoint
 * tick after the interval has passed (one periodic timer serves both tasks), so a deletion can
 * come up to hw.checkpoint.interval later than in Kafka. The deleted records stay in the log
 * file on the model's disk; the checkpointed log start offset hides them after a restart.
 */
function applyRetention(c: ReplicaContext, out: Outbox): Partial<ReplicaContext> {
  const now = c.now();
  const deletes = deletesOldSegments(c.config, c.topic);
  if ((!deletes && !c.log.config.compact) || now - c.lastRetentionCheck < c.config.retentionCheckIntervalMs) return {};
  if (c.log.config.compact) clean(c, out);
  if (!deletes) return { lastRetentionCheck: now };
  const before = c.log.logStartOffset;
  const r = c.log.applyRetention(now);
  if (r.logStartOffset > before) {
    out.note(`${c.name} deleted ${r.deletedSegments.length} segment(s) (${[...new Set(r.reasons)].join(', ')}): log start ${before} -> ${r.logStartOffset}`, {
      partition: c.name,
      logStart: r.logStartOffset,
    });
    checkpointLogStart(c, out);
  }
  return { lastRetentionCheck: now };
}

/**
 * The log cleaner (LogCleaner's cleaner threads, on leaders and followers alike, each replica
 * cleaning its own log): one pass over everything below the first uncleanable offset. Since
 * KAFKA-13194 (3.1) that bound is the last stable offset, never past the high watermark; before,
 * the first unstable offset only (no bound at all while no transaction is open), so a leader
 * could remove a committed record because of a later one of its key that was not committed yet
 * (LogCleanerManager.cleanableOffsets). The model runs it on the retention task's schedule, and
 * whatever the dirty ratio (spec/log.md). Transactional records and markers are kept.
 */
function clean(c: ReplicaContext, out: Outbox): void {
  const upTo = c.producers.lastStableOffset(c.config.cleanerBoundedByHighWatermark ? c.log.highWatermark : Infinity);
  const r = c.log.compact({
    upTo,
    pinned: (rec) => rec.value.control !== undefined || rec.value.transactional === true,
    producerOf: (rec) => rec.value.producerId,
  });
  if (r.removed > 0) out.note(`${c.name} cleaned ${r.removed} record(s) below offset ${r.cleanedUpTo}`, { partition: c.name, cleanedUpTo: r.cleanedUpTo });
}

/** Kafka checkpoints every partition's HW to one file, fsynced, every few seconds. */
function checkpointHw(c: ReplicaContext, _e: unknown, out: Outbox): void {
  out.replace(hwFile(c.name), [c.log.highWatermark]);
  out.fsync(hwFile(c.name));
}

// ---------------------------------------------------------------------------------------
// Role changes

const isNewer = (c: ReplicaContext, s: PartitionState) =>
  !c.state || s.leaderEpoch > c.state.leaderEpoch || (s.leaderEpoch === c.state.leaderEpoch && s.partitionEpoch > c.state.partitionEpoch);

/** Answer a waiting produce (or marker write): `error` absent means written and replicated. */
function answer(w: WaitingProduce, out: Outbox, error: ErrorCode | undefined, baseOffset: number): void {
  if (w.marker) {
    out.send(w.client, { type: 'WriteTxnMarkersResponse', actor: w.replyTo!, requestId: w.requestId, topic: w.marker.topic, partition: w.marker.partition, ...(error ? { error } : {}) } satisfies WriteTxnMarkersResponse);
    return;
  }
  out.send(w.client, { type: 'ProduceResponse', ...replyActor(w.replyTo), requestId: w.requestId, ...(error ? { error } : {}), baseOffset } satisfies ProduceResponse);
}

/** Partition.makeLeader: record the new epoch at the LEO, forget follower progress. */
function makeLeader(c: ReplicaContext, e: BecomeReplica, out: Outbox): Partial<ReplicaContext> {
  const s = e.state;
  c.log.maybeAssignEpochStartOffset(s.leaderEpoch, c.log.logEndOffset);
  const now = c.now();
  const followers = new Map<BrokerId, FollowerProgress>();
  for (const b of s.replicas) {
    if (b !== c.brokerId) followers.set(b, { leo: -1, lastCaughtUpTime: now, brokerEpoch: -1, prevLeaderLeo: -1, prevFetchTime: now });
  }
  const recovering = s.leaderRecoveryState === 'RECOVERING' ? ' (elected uncleanly: RECOVERING, recovered at once)' : '';
  out.note(`${c.name} leader in epoch ${s.leaderEpoch}, isr [${s.isr.join(',')}], LEO ${c.log.logEndOffset}, HW ${c.log.highWatermark}${recovering}`);
  return { ...failWaiting(c, out, 'NOT_LEADER_OR_FOLLOWER'), state: s, brokerEpoch: e.brokerEpoch, followers, pendingIsr: undefined };
}

function makeFollower(c: ReplicaContext, e: BecomeReplica, out: Outbox): Partial<ReplicaContext> {
  return { ...failWaiting(c, out, 'NOT_LEADER_OR_FOLLOWER'), state: e.state, brokerEpoch: e.brokerEpoch, pendingIsr: undefined, requestId: c.requestId + 1, reconciled: false };
}

/**
 * Every role change (and a new leader epoch) fails what the replica held as leader: waiting
 * produces, and parked fetches, so a follower turns to the new leader without waiting out
 * replica.fetch.wait.max.ms. Kafka completes its delayed fetches on a leadership change too;
 * when the leader only moved to a newer epoch it answers FENCED_LEADER_EPOCH, which the model's
 * follower treats as it does any fetch error (it backs off and fetches again).
 */
function failWaiting(c: ReplicaContext, out: Outbox, error: ErrorCode): Partial<ReplicaContext> {
  for (const w of c.waiting) answer(w, out, error, -1);
  for (const p of c.parked) out.send(p.from, fetchResponse(c, p.requestId, { error, records: [] }));
  return { waiting: [], parked: [] };
}

// ---------------------------------------------------------------------------------------
// Leader side

const effectiveIsr = (c: ReplicaContext) => c.pendingIsr ?? c.state?.isr ?? [];

/**
 * HW = min LEO over the (maximal) ISR; it only moves up (Partition.maybeIncrementLeaderHW).
 * With KAFKA-15583 (3.7) it does not move while the committed ISR is below min.insync.replicas
 * (Partition.isUnderMinIsr), so nothing is committed on fewer replicas than promised.
 */
function maybeIncrementHw(c: ReplicaContext): void {
  if (c.config.strictMinIsr && c.state && c.state.isr.length < effectiveMinIsr(c.config, c.state.replicas.length, c.topic)) return;
  let hw = c.log.logEndOffset;
  for (const b of effectiveIsr(c)) {
    if (b === c.brokerId) continue;
    const f = c.followers.get(b);
    hw = Math.min(hw, f ? Math.max(f.leo, 0) : 0);
  }
  c.log.maybeIncrementHighWatermark(hw);
}

/** Complete acks=all produces whose records are now below the HW (DelayedProduce). */
function completeWaiting(c: ReplicaContext, out: Outbox): Partial<ReplicaContext> {
  if (c.waiting.length === 0) return {};
  const hw = c.log.highWatermark;
  const now = c.now();
  // Partition.checkEnoughReplicasReachOffset judges on the maximal ISR (KIP-497): the ISR
  // with a pending expansion already counted, a pending shrink not yet applied.
  const isrSize = effectiveIsr(c).length;
  const rest: WaitingProduce[] = [];
  for (const w of c.waiting) {
    if (hw >= w.requiredOffset) {
      // Committed, but did enough replicas have it?
      const error: ErrorCode | undefined = isrSize < minIsrOf(c.config, c.topic) ? 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' : undefined;
      answer(w, out, error, w.baseOffset);
    } else if (now >= w.deadline) {
      answer(w, out, 'REQUEST_TIMED_OUT', -1);
    } else {
      rest.push(w);
    }
  }
  return rest.length === c.waiting.length ? {} : { waiting: rest };
}

function onProduce(c: ReplicaContext, e: Produce & { from: string }, out: Outbox): Partial<ReplicaContext> | void {
  const reply = (error: ErrorCode) => {
    if (e.acks !== 0) out.send(e.from, { type: 'ProduceResponse', ...replyActor(e.replyTo), requestId: e.requestId, error, baseOffset: -1 } satisfies ProduceResponse);
  };
  const s = c.state!;
  if (e.acks === 'all' && s.isr.length < minIsrOf(c.config, c.topic)) return reply('NOT_ENOUGH_REPLICAS');
  // KIP-98: a retried batch is answered with the offset it already has; a sequence gap or an
  // older producer epoch is refused (ProducerAppendInfo). One record is one batch here.
  const decisions = e.records.map((r) => c.producers.check(r.value, { fencing: c.config.producerFencing }));
  const rejected = decisions.find((d) => d.kind === 'reject');
  if (rejected?.kind === 'reject') {
    out.note(`${c.name} refused ${e.records[0]!.value.producer}'s write: ${rejected.error}`);
    return reply(rejected.error);
  }
  const now = c.now();
  let firstOffset: number;
  let lastOffset: number;
  const dup = decisions[0];
  if (e.records.length === 1 && dup?.kind === 'duplicate') {
    firstOffset = lastOffset = dup.offset;
  } else {
    ({ firstOffset, lastOffset } = appendAsLeader(
      c,
      e.records.map((r) => ({ key: r.key, value: r.value, timestamp: now })),
      out,
    ));
  }
  const released = releaseParked(c, out);
  if (e.acks === 1) out.send(e.from, { type: 'ProduceResponse', ...replyActor(e.replyTo), requestId: e.requestId, baseOffset: firstOffset } satisfies ProduceResponse);
  if (e.acks !== 'all') return released;
  return { ...released, ...awaitReplication(c, { requestId: e.requestId, client: e.from, ...(e.replyTo === undefined ? {} : { replyTo: e.replyTo }), requiredOffset: lastOffset + 1, baseOffset: firstOffset, deadline: now + e.timeoutMs }, out) };
}

/** Append as leader: the log, the producer state, the disk, and the HW (it may move at once). */
function appendAsLeader(c: ReplicaContext, entries: readonly { key: string | null; value: ProducedValue; timestamp: number }[], out: Outbox): { firstOffset: number; lastOffset: number } {
  const offsets = c.log.appendAsLeader(entries, c.state!.leaderEpoch);
  const appended = c.log.read(offsets.firstOffset);
  for (const r of appended) c.producers.onAppend(r);
  persistAppend(c, appended, out);
  maybeIncrementHw(c);
  return offsets;
}

/** An acks=all write waits until the HW passes it (DelayedProduce); answered at once if it already has. */
function awaitReplication(c: ReplicaContext, w: WaitingProduce, out: Outbox): Partial<ReplicaContext> {
  const next = { ...c, waiting: [...c.waiting, w] };
  return { waiting: completeWaiting(next, out).waiting ?? next.waiting };
}

/**
 * WriteTxnMarkers: append the transaction's COMMIT or ABORT control record for the producer,
 * with acks=all, and answer once replicated (Kafka's ReplicaManager.appendRecords for markers).
 * A marker with an older producer epoch than the partition's is refused (KIP-98 fencing).
 */
function onWriteTxnMarkers(c: ReplicaContext, e: WriteTxnMarkers & { from: string }, out: Outbox): Partial<ReplicaContext> | void {
  const value: ProducedValue = { producer: e.replyTo, key: '', value: -1, producerId: e.producerId, producerEpoch: e.producerEpoch, control: e.result };
  const decision = c.producers.check(value, { fencing: c.config.producerFencing });
  const marker = { topic: e.topic, partition: e.partition };
  const w0 = { requestId: e.requestId, client: e.from, replyTo: e.replyTo, marker, requiredOffset: 0, baseOffset: -1, deadline: 0 };
  if (decision.kind === 'reject') return answer(w0, out, decision.error, -1);
  if (c.state!.isr.length < minIsrOf(c.config, c.topic)) return answer(w0, out, 'NOT_ENOUGH_REPLICAS', -1);
  const now = c.now();
  const { firstOffset } = appendAsLeader(c, [{ key: null, value, timestamp: now }], out);
  out.note(`${c.name} ${e.result} marker for producer ${e.producerId} (epoch ${e.producerEpoch}) at ${firstOffset}`);
  return { ...releaseParked(c, out), ...awaitReplication(c, { ...w0, requiredOffset: firstOffset + 1, baseOffset: firstOffset, deadline: now + c.config.requestTimeoutMs }, out) };
}

/** KIP-320: a request that carries a leader epoch must carry the current one. */
function epochError(c: ReplicaContext, currentLeaderEpoch: number): ErrorCode | undefined {
  if (!c.config.fetchEpochFencing || currentLeaderEpoch < 0) return undefined;
  const mine = c.state!.leaderEpoch;
  if (currentLeaderEpoch < mine) return 'FENCED_LEADER_EPOCH';
  if (currentLeaderEpoch > mine) return 'UNKNOWN_LEADER_EPOCH';
  return undefined;
}

/**
 * A consumer's fetch (replica id -1): records below the HW only, so a consumer never sees a
 * record that a leader change could truncate; no follower state changes. The group coordinator
 * loading its partition reads to the log end, as Kafka's GroupMetadataManager does.
 */
function onConsumerFetch(c: ReplicaContext, e: Fetch & { from: string; requestId?: number }, out: Outbox): void {
  const s = c.state!;
  const leo = c.log.logEndOffset;
  // KIP-320 (consumer side, KAFKA-7747): a consumer's fetch may carry its current leader epoch too.
  const error: ErrorCode | undefined = epochError(c, e.currentLeaderEpoch) ?? (e.fetchOffset > leo || e.fetchOffset < c.log.logStartOffset ? 'OFFSET_OUT_OF_RANGE' : undefined);
  let records = error ? [] : c.log.read(e.fetchOffset, 50, e.isolation === 'LOG_END' ? 'LOG_END' : 'HIGH_WATERMARK');
  // read_committed (KIP-98): up to the last stable offset, with the aborted transactions in range.
  let committed: Pick<FetchResponse, 'lastStableOffset' | 'abortedTransactions'> = {};
  if (e.isolation === 'READ_COMMITTED') {
    const lso = c.producers.lastStableOffset(c.log.highWatermark);
    records = records.filter((r) => r.offset < lso);
    const upTo = records.length > 0 ? records[records.length - 1]!.offset + 1 : e.fetchOffset;
    committed = { lastStableOffset: lso, abortedTransactions: c.producers.abortedOverlapping(e.fetchOffset, upTo) };
  }
  out.send(e.from, {
    type: 'FetchResponse',
    actor: e.replyTo,
    partition: c.partition,
    requestId: e.requestId,
    leaderEpoch: s.leaderEpoch,
    leaderEndOffset: leo,
    highWatermark: c.log.highWatermark,
    ...logStartField(c),
    records,
    ...committed,
    ...(error ? { error } : {}),
  } as FetchResponse);
}

/** KIP-107: the log start offset in a fetch answer, once retention has moved it (see FetchResponse). */
const logStartField = (c: ReplicaContext): { logStartOffset?: number } => (c.log.logStartOffset > 0 ? { logStartOffset: c.log.logStartOffset } : {});

/** The leader's answer to a follower's fetch, with its epoch, LEO and HW as they are now. */
function fetchResponse(c: ReplicaContext, requestId: number | undefined, r: Pick<FetchResponse, 'records'> & { error?: ErrorCode; divergingEpoch?: DivergingEpoch }): FetchResponse {
  return {
    type: 'FetchResponse',
    actor: c.name,
    requestId,
    leaderEpoch: c.state?.leaderEpoch ?? -1,
    leaderEndOffset: c.log.logEndOffset,
    highWatermark: c.log.highWatermark,
    ...logStartField(c),
    ...r,
  } as FetchResponse;
}

type FollowerFetch = Fetch & { from: string; requestId?: number };

type DivergingEpoch = NonNullable<FetchResponse['divergingEpoch']>;

/**
 * KAFKA-10554 (Partition.readRecords, 2.7): the follower's last fetched epoch, looked up in the
 * leader's epoch cache as OffsetsForLeaderEpoch would, ends before the fetch offset (or the
 * leader only has an older epoch): the logs diverge there, and the answer names that epoch and
 * its end instead of records. Undefined when the follower sent no epoch or the logs agree.
 */
function divergence(c: ReplicaContext, e: FollowerFetch): DivergingEpoch | undefined {
  if (e.lastFetchedEpoch === undefined) return undefined;
  const r = c.log.epochCache.endOffsetFor(e.lastFetchedEpoch, c.log.logEndOffset);
  return r.leaderEpoch < e.lastFetchedEpoch || r.endOffset < e.fetchOffset ? { epoch: r.leaderEpoch, endOffset: r.endOffset } : undefined;
}

/**
 * How the leader answers a follower's fetch other than with records, in Partition.fetchRecords'
 * order: the leader epoch (KIP-320), the replica, the diverging epoch, then the offset range.
 */
function followerFetchOutcome(c: ReplicaContext, e: FollowerFetch): { error: ErrorCode } | { divergingEpoch: DivergingEpoch } | undefined {
  const refused = epochError(c, e.currentLeaderEpoch) ?? (!c.state!.replicas.includes(e.replicaId) ? 'NOT_LEADER_OR_FOLLOWER' : undefined);
  if (refused) return { error: refused };
  const divergingEpoch = divergence(c, e);
  if (divergingEpoch) return { divergingEpoch };
  return e.fetchOffset > c.log.logEndOffset || e.fetchOffset < c.log.logStartOffset ? { error: 'OFFSET_OUT_OF_RANGE' } : undefined;
}

/** A fetch from the leader's log end finds nothing new (fewer than replica.fetch.min.bytes = 1). */
const findsNothing = (c: ReplicaContext, e: FollowerFetch) => e.fetchOffset === c.log.logEndOffset;

/** A follower's fetch with nothing to return is held (DelayedFetch), not answered empty. */
const parksFetch = (c: ReplicaContext, e: FollowerFetch) => e.replicaId >= 0 && findsNothing(c, e) && followerFetchOutcome(c, e) === undefined;

function onFetch(c: ReplicaContext, e: FollowerFetch, out: Outbox): Partial<ReplicaContext> {
  if (e.replicaId < 0) {
    onConsumerFetch(c, e, out);
    return {};
  }
  const leo = c.log.logEndOffset;
  // A newer fetch from the same follower replaces one still held (the follower gave up on it).
  const others = c.parked.filter((p) => p.replicaId !== e.replicaId);
  const unparked = others.length === c.parked.length ? {} : { parked: others };
  const outcome = followerFetchOutcome(c, e);
  if (outcome) {
    // A diverging follower's fetch offset is not its place in the leader's log: its progress is
    // not updated (Partition.fetchRecords skips updateFollowerFetchState).
    out.send(e.from, fetchResponse(c, e.requestId, { ...outcome, records: [] }));
    return unparked;
  }

  // Replica.updateFetchState: a follower is caught up if it fetched from the leader's LEO, or
  // from the LEO the leader had at the follower's previous fetch (then as of that fetch).
  const now = c.now();
  const prev = c.followers.get(e.replicaId);
  let lastCaughtUpTime = prev?.lastCaughtUpTime ?? now;
  if (e.fetchOffset >= leo) lastCaughtUpTime = now;
  else if (prev && e.fetchOffset >= prev.prevLeaderLeo) lastCaughtUpTime = Math.max(lastCaughtUpTime, prev.prevFetchTime);
  const followers = new Map(c.followers);
  followers.set(e.replicaId, { leo: e.fetchOffset, lastCaughtUpTime, brokerEpoch: e.brokerEpoch, prevLeaderLeo: leo, prevFetchTime: now });
  const next: ReplicaContext = { ...c, followers };
  maybeIncrementHw(next);
  const patch: Partial<ReplicaContext> = { followers, ...completeWaiting(next, out), ...maybeExpandIsr(next, e.replicaId, out) };
  // A follower fetch answered with records: parksFetch comes down to findsNothing.
  if (findsNothing(c, e)) {
    return { ...patch, parked: [...others, { from: e.from, replicaId: e.replicaId, requestId: e.requestId, fetchOffset: e.fetchOffset, deadline: now + c.config.replicaFetchWaitMaxMs }] };
  }
  out.send(e.from, fetchResponse(c, e.requestId, { records: c.log.read(e.fetchOffset, 50) }));
  return { ...patch, ...unparked };
}

/**
 * Answer the held fetches that records were appended for (their minimum of one byte is there)
 * or whose replica.fetch.wait.max.ms has passed. The HW moving alone does not answer them, as
 * in Kafka: a follower learns a new HW with its next answer.
 */
function releaseParked(c: ReplicaContext, out: Outbox): Partial<ReplicaContext> {
  if (c.parked.length === 0) return {};
  const now = c.now();
  const leo = c.log.logEndOffset;
  const kept: ParkedFetch[] = [];
  for (const p of c.parked) {
    if (p.fetchOffset < leo || now >= p.deadline) out.send(p.from, fetchResponse(c, p.requestId, { records: c.log.read(p.fetchOffset, 50) }));
    else kept.push(p);
  }
  return kept.length === c.parked.length ? {} : { parked: kept };
}

/**
 * Partition.maybeExpandIsr: a follower not in the ISR joins it once it has caught up to the HW
 * (and, since KAFKA-7128, to the start of the leader's epoch), with the broker epoch it fetched
 * with (KIP-903).
 */
function maybeExpandIsr(c: ReplicaContext, b: BrokerId, out: Outbox): Partial<ReplicaContext> {
  const s = c.state!;
  if (c.pendingIsr || s.isr.includes(b)) return {};
  const f = c.followers.get(b)!;
  if (f.leo < c.log.highWatermark) return {};
  if (c.config.isrJoinNeedsEpochStart) {
    const epochStart = c.log.epochCache.entries().find((x) => x.epoch === s.leaderEpoch)?.startOffset ?? 0;
    if (f.leo < epochStart) return {};
  }
  const newIsr = [...s.isr, b];
  sendAlter(c, newIsr, out);
  out.note(`${c.name} asks to expand ISR to [${newIsr.join(',')}]`);
  // While the expansion is pending the leader already counts the new member (maximal ISR).
  return { pendingIsr: newIsr, pendingSince: c.now() };
}

/**
 * An ISR change goes through the broker: in KRaft mode (its AlterPartitionManager) and in
 * ZooKeeper mode from 2.7 (AlterIsrManager) to the active controller; in ZooKeeper mode before
 * KIP-497 to the node's ZooKeeper client, which writes it by zkVersion (zk-broker.ts).
 */
function sendAlter(c: ReplicaContext, newIsr: readonly BrokerId[], out: Outbox): void {
  const s = c.state!;
  out.local(BROKER_ACTOR, {
    type: 'AlterPartition',
    ...(c.topic === DATA_TOPIC ? {} : { topic: c.topic }),
    partition: c.partition,
    leaderId: c.brokerId,
    brokerEpoch: c.brokerEpoch,
    leaderEpoch: s.leaderEpoch,
    partitionEpoch: s.partitionEpoch,
    newIsr: newIsr.map((id) => ({ brokerId: id, brokerEpoch: id === c.brokerId ? c.brokerEpoch : (c.followers.get(id)?.brokerEpoch ?? -1) })),
    // KIP-704: Partition.makeLeader marks an uncleanly elected leader RECOVERED at once; its
    // first ISR change tells the controller so.
    ...(s.leaderRecoveryState === 'RECOVERING' ? { leaderRecoveryState: 'RECOVERED' as const } : {}),
  } satisfies AlterPartition);
}

/** Partition.maybeShrinkIsr: drop followers that have not caught up for replica.lag.time.max.ms. */
function leaderTick(c: ReplicaContext, _e: unknown, out: Outbox): Partial<ReplicaContext> {
  const now = c.now();
  let patch: Partial<ReplicaContext> = completeWaiting(c, out);
  if (c.pendingIsr) {
    // An AlterPartition lost on the way (or its answer) is given up after the request timeout.
    if (now - c.pendingSince > c.config.requestTimeoutMs) patch = { ...patch, pendingIsr: undefined };
    return patch;
  }
  const s = c.state!;
  const laggards = s.isr.filter((b) => b !== c.brokerId && now - (c.followers.get(b)?.lastCaughtUpTime ?? now) > c.config.replicaLagTimeMaxMs);
  if (laggards.length === 0) return patch;
  const newIsr = s.isr.filter((b) => !laggards.includes(b));
  sendAlter(c, newIsr, out);
  out.note(`${c.name} asks to shrink ISR to [${newIsr.join(',')}] (out of sync: ${laggards.join(',')})`);
  // A shrink takes effect only once committed: until then the old ISR still counts.
  return { ...patch, pendingIsr: s.isr, pendingSince: now };
}

function onAlterPartitionResponse(c: ReplicaContext, e: AlterPartitionResponse, out: Outbox): Partial<ReplicaContext> {
  if (!e.state || e.error) {
    out.note(`${c.name} AlterPartition failed: ${e.error ?? 'no state'}`);
    return { pendingIsr: undefined };
  }
  if (e.state.leaderEpoch !== c.state!.leaderEpoch) return { pendingIsr: undefined };
  const next: ReplicaContext = { ...c, state: e.state, pendingIsr: undefined };
  maybeIncrementHw(next);
  return { state: e.state, pendingIsr: undefined, ...completeWaiting(next, out) };
}

function onOffsetsForLeaderEpoch(c: ReplicaContext, e: OffsetsForLeaderEpoch & { from: string; requestId?: number }, out: Outbox): void {
  const s = c.state!;
  const fenced = epochError(c, e.currentLeaderEpoch);
  const r = c.log.epochCache.endOffsetFor(e.leaderEpoch, c.log.logEndOffset);
  out.send(e.from, {
    type: 'OffsetsForLeaderEpochResponse',
    actor: e.replicaId < 0 ? undefined : c.name, // a consumer's (KAFKA-7747): to its primary actor
    requestId: e.requestId,
    leaderEpoch: fenced ? -1 : r.leaderEpoch,
    endOffset: fenced ? -1 : r.endOffset,
    ...(fenced ? { error: fenced } : {}),
  } as OffsetsForLeaderEpochResponse);
  void s;
}

// ---------------------------------------------------------------------------------------
// Follower side

const leaderNode = (c: ReplicaContext) => brokerNode(c.state!.leader);
const currentEpochForRequests = (c: ReplicaContext) => (c.config.fetchEpochFencing ? c.state!.leaderEpoch : -1);

/** Pre-KIP-101: a follower truncates to its own HW before fetching (ReplicaFetcherThread, 0.10). */
function truncateToHw(c: ReplicaContext, _e: unknown, out: Outbox): Partial<ReplicaContext> {
  return { ...truncate(c, c.log.highWatermark, out, 'to its high watermark'), reconciled: true };
}

/**
 * KAFKA-10554: a follower that knows an epoch starts fetching with no truncation round
 * (AbstractFetcherThread.partitionFetchState); one with an empty log has nothing to reconcile.
 */
function skipTruncation(c: ReplicaContext): Partial<ReplicaContext> {
  return c.log.epochCache.latestEpoch() === undefined ? { reconciled: true } : {};
}

function sendOffsetsForLeaderEpoch(c: ReplicaContext, _e: unknown, out: Outbox): Partial<ReplicaContext> {
  const requestId = c.requestId + 1;
  out.send(leaderNode(c), {
    type: 'OffsetsForLeaderEpoch',
    actor: c.name,
    requestId,
    replicaId: c.brokerId,
    leaderEpoch: c.log.epochCache.latestEpoch() ?? -1,
    currentLeaderEpoch: currentEpochForRequests(c),
  } as OffsetsForLeaderEpoch);
  return { requestId };
}

/**
 * Truncate by the leader's answer. KIP-101: to min(leader's end offset, own LEO). KIP-279: when
 * the leader answered for an older epoch than asked, the follower's own records of later epochs
 * diverge, so it also truncates to its own end offset for the epoch the leader answered with.
 */
function truncateByEpoch(c: ReplicaContext, e: OffsetsForLeaderEpochResponse, out: Outbox): Partial<ReplicaContext> {
  return { ...truncateToLeaderEpochEnd(c, e.leaderEpoch, e.endOffset, 'OffsetsForLeaderEpoch', out), reconciled: true };
}

/** AbstractFetcherThread.getOffsetTruncationState, for either source of the leader's epoch end. */
function truncateToLeaderEpochEnd(c: ReplicaContext, leaderEpoch: number, endOffset: number, source: string, out: Outbox): Partial<ReplicaContext> {
  if (endOffset < 0) return truncate(c, c.log.highWatermark, out, 'leader has no epoch entry: to HW');
  let target = Math.min(endOffset, c.log.logEndOffset);
  if (c.config.truncation === 'leader-epoch-kip279') {
    const asked = c.log.epochCache.latestEpoch() ?? -1;
    if (leaderEpoch !== asked) {
      const own = c.log.epochCache.endOffsetFor(leaderEpoch, c.log.logEndOffset);
      target = Math.min(target, own.endOffset < 0 ? 0 : own.endOffset);
    }
  }
  return truncate(c, target, out, `${source}: leader epoch ${leaderEpoch} ends at ${endOffset}`);
}

/**
 * KAFKA-10554 (AbstractFetcherThread.truncateOnFetchResponse): truncate where the leader said the
 * logs diverge and fetch again at once; the next fetch names the epoch now last, so the rounds
 * repeat until the logs match. Neither the records nor the HW of this answer are taken.
 */
function truncateOnDivergence(c: ReplicaContext, e: FetchResponse, out: Outbox): Partial<ReplicaContext> {
  const d = e.divergingEpoch!;
  return truncateToLeaderEpochEnd(c, d.epoch, d.endOffset, 'diverging epoch in fetch response', out);
}

function sendFetch(c: ReplicaContext, _e: unknown, out: Outbox): Partial<ReplicaContext> {
  const requestId = c.requestId + 1;
  out.send(leaderNode(c), {
    type: 'Fetch',
    actor: c.name,
    requestId,
    replicaId: c.brokerId,
    brokerEpoch: c.brokerEpoch,
    fetchOffset: c.log.logEndOffset,
    currentLeaderEpoch: currentEpochForRequests(c),
    ...lastFetchedEpoch(c),
  } as Fetch);
  return { requestId };
}

/** KAFKA-10554: the epoch of the follower's last record, when it sends one (2.7+, a non-empty log). */
function lastFetchedEpoch(c: ReplicaContext): { lastFetchedEpoch?: number } {
  const epoch = c.config.truncateOnFetch ? c.log.epochCache.latestEpoch() : undefined;
  return epoch === undefined ? {} : { lastFetchedEpoch: epoch };
}

function onFetchResponse(c: ReplicaContext, e: FetchResponse, out: Outbox): Partial<ReplicaContext> {
  if (e.error === 'OFFSET_OUT_OF_RANGE' && e.logStartOffset !== undefined && e.logStartOffset > c.log.logEndOffset) {
    // AbstractFetcherThread.fetchOffsetAndTruncate: the leader has deleted past this follower's
    // log end (retention while it was away): start again, empty, at the leader's log start.
    const from = c.log.logEndOffset;
    c.log.truncateFullyAndStartAt(e.logStartOffset);
    out.truncate(logFile(c), 0);
    if (c.config.fsync === 'always') out.fsync(logFile(c));
    checkpointLogStart(c, out);
    out.note(`${c.name} truncated fully ${from} -> ${e.logStartOffset} (the leader's log starts past this log's end)`);
    return { truncations: c.truncations + 1, producers: ProducerState.fromLog(c.log.storedRecords()) };
  }
  if (e.error === 'OFFSET_OUT_OF_RANGE' && c.config.truncation === 'high-watermark') {
    // Before KIP-101 a follower ahead of the leader truncates to the leader's LEO.
    return truncate(c, e.leaderEndOffset, out, 'fetch offset out of range: to leader LEO');
  }
  if (e.error) return {};
  const leo = c.log.logEndOffset;
  const fresh = e.records.filter((r) => r.offset >= leo);
  // A compacted leader may have removed the record at this log's end: the answer starts at the
  // next one it kept (only a compacted log accepts the gap).
  if (fresh.length > 0 && (fresh[0]!.offset === leo || c.log.config.compact)) {
    c.log.appendAsFollower(fresh);
    for (const r of fresh) c.producers.onAppend(r);
    persistAppend(c, c.log.config.compact ? withEmptyEntries(fresh, leo) : fresh, out);
  }
  c.log.maybeUpdateHighWatermark(Math.min(e.highWatermark, c.log.logEndOffset));
  // ReplicaFetcherThread.processPartitionData: the follower's log start follows the leader's
  // (never past its own HW, which UnifiedLog.maybeIncrementLogStartOffset refuses).
  if (e.logStartOffset !== undefined && c.log.maybeIncrementLogStartOffset(Math.min(e.logStartOffset, c.log.highWatermark))) checkpointLogStart(c, out);
  // An answer with records, not a diverging epoch: the logs agree up to the fetch offset.
  return c.reconciled ? {} : { reconciled: true };
}

// ---------------------------------------------------------------------------------------
// The machine

/** A response field naming the actor it is for, only when there is one (traces stay as they were). */
const replyActor = (actor: string | undefined) => (actor === undefined ? {} : { actor });

const matches = (c: ReplicaContext, e: { requestId?: number }) => e.requestId === c.requestId;

export const replicaMachine = setup({
  types: {} as {
    context: ReplicaContext;
    input: { config: ClusterConfig; now: () => number; brokerId: BrokerId; topic?: string; partition: number; log: PartitionLog<ProducedValue> };
    events: ReplicaEvent;
  },
  delays: {
    isrCheck: ({ context }) => Math.max(1, Math.floor(context.config.replicaLagTimeMaxMs / 2)),
    fetchBackoff: ({ context }) => context.config.replicaFetchBackoffMs,
    fetchWait: ({ context }) => context.config.replicaFetchWaitMaxMs,
    nextFetchDeadline: ({ context }) => Math.max(1, Math.min(...context.parked.map((p) => p.deadline)) - context.now()),
    requestTimeout: ({ context }) => context.config.requestTimeoutMs,
    hwCheckpoint: ({ context }) => context.config.hwCheckpointIntervalMs,
  },
  guards: {
    newerState: ({ context, event }) => event.type === 'PartitionChange' && isNewer(context, event.state),
    becomesLeader: ({ context, event }) => event.type === 'PartitionChange' && event.state.leader === context.brokerId,
    staysLeaderSameEpoch: ({ context, event }) =>
      event.type === 'PartitionChange' && event.state.leader === context.brokerId && event.state.leaderEpoch === context.state?.leaderEpoch,
    staysFollowerSameEpoch: ({ context, event }) =>
      event.type === 'PartitionChange' &&
      context.state !== undefined &&
      event.state.leader >= 0 &&
      event.state.leader !== context.brokerId &&
      event.state.leader === context.state.leader &&
      event.state.leaderEpoch === context.state.leaderEpoch &&
      context.state.replicas.includes(context.brokerId) &&
      event.state.replicas.includes(context.brokerId),
    becomesFollower: ({ context, event }) =>
      event.type === 'PartitionChange' && event.state.leader >= 0 && event.state.leader !== context.brokerId && event.state.replicas.includes(context.brokerId),
    truncatesToHw: ({ context }) => context.config.truncation === 'high-watermark',
    truncatesOnFetch: ({ context }) => context.config.truncateOnFetch,
    diverges: ({ event }) => event.type === 'FetchResponse' && event.divergingEpoch !== undefined,
    fromCurrentLeader: ({ context, event }) => 'from' in event && context.state !== undefined && event.from === brokerNode(context.state.leader),
    answersCurrentRequest: ({ context, event }) => 'requestId' in event && matches(context, event as { requestId?: number }),
    belowLeaderLogStart: ({ context, event }) =>
      event.type === 'FetchResponse' && event.error === 'OFFSET_OUT_OF_RANGE' && event.logStartOffset !== undefined && event.logStartOffset > context.log.logEndOffset,
    outOfRangeWithEpochs: ({ context, event }) =>
      event.type === 'FetchResponse' && event.error === 'OFFSET_OUT_OF_RANGE' && context.config.truncation !== 'high-watermark',
    gotError: ({ event }) => 'error' in event && event.error !== undefined,
    parksFetchNoTimer: ({ context, event }) => event.type === 'Fetch' && !context.fetchWaitTimer && parksFetch(context, event),
    heldBeyondNow: ({ context }) => context.parked.some((p) => p.deadline > context.now()),
    leaderDisconnected: ({ context, event }) => event.type === 'net.disconnected' && context.state !== undefined && event.peer === brokerNode(context.state.leader),
  },
  actions: {
    makeLeader: react<ReplicaContext, BecomeReplica>(makeLeader),
    updateLeaderState: react<ReplicaContext, BecomeReplica>((c, e, out) => {
      const next = { ...c, state: e.state, brokerEpoch: e.brokerEpoch };
      maybeIncrementHw(next);
      return { state: e.state, brokerEpoch: e.brokerEpoch, ...completeWaiting(next, out) };
    }),
    makeFollower: react<ReplicaContext, BecomeReplica>(makeFollower),
    /** Same leader, same epoch (an ISR change): the fetcher goes on as it was. */
    updateFollowerState: react<ReplicaContext, BecomeReplica>((_c, e) => ({ state: e.state, brokerEpoch: e.brokerEpoch })),
    goOffline: react<ReplicaContext, BecomeReplica>((c, e, out) => ({ ...failWaiting(c, out, 'NOT_LEADER_OR_FOLLOWER'), state: e.state, brokerEpoch: e.brokerEpoch })),
    onProduce: react(onProduce),
    rejectProduce: react<ReplicaContext, Produce & { from: string }>((_c, e, out) => {
      if (e.acks !== 0) out.send(e.from, { type: 'ProduceResponse', ...replyActor(e.replyTo), requestId: e.requestId, error: 'NOT_LEADER_OR_FOLLOWER', baseOffset: -1 } satisfies ProduceResponse);
    }),
    rejectListOffsets: react<ReplicaContext, ListOffsets & { from: string }>((c, e, out) =>
      out.send(e.from, { type: 'ListOffsetsResponse', requestId: e.requestId, partition: c.partition, error: 'NOT_LEADER_OR_FOLLOWER', offset: -1 } satisfies ListOffsetsResponse),
    ),
    /** ListOffsets(LATEST) for a read_uncommitted consumer: the HW (Kafka's Partition.fetchOffsetForTimestamp). */
    onListOffsets: react<ReplicaContext, ListOffsets & { from: string }>((c, e, out) => {
      // KIP-320 (consumer side, KAFKA-7747): ListOffsets may carry the consumer's current leader epoch.
      const fenced = epochError(c, e.currentLeaderEpoch ?? -1);
      if (fenced) return void out.send(e.from, { type: 'ListOffsetsResponse', requestId: e.requestId, partition: c.partition, error: fenced, offset: -1 } satisfies ListOffsetsResponse);
      // read_committed asks for the last stable offset (KIP-98: ListOffsets with isolation level).
      const offset = e.isolation === 'READ_COMMITTED' ? c.producers.lastStableOffset(c.log.highWatermark) : c.log.highWatermark;
      out.send(e.from, { type: 'ListOffsetsResponse', requestId: e.requestId, partition: c.partition, offset } satisfies ListOffsetsResponse);
    }),
    onWriteTxnMarkers: react(onWriteTxnMarkers),
    rejectWriteTxnMarkers: react<ReplicaContext, WriteTxnMarkers & { from: string }>((_c, e, out) =>
      answer({ requestId: e.requestId, client: e.from, replyTo: e.replyTo, marker: { topic: e.topic, partition: e.partition }, requiredOffset: 0, baseOffset: -1, deadline: 0 }, out, 'NOT_LEADER_OR_FOLLOWER', -1),
    ),
    rejectFetch: react<ReplicaContext, Fetch & { from: string; requestId?: number }>((c, e, out) =>
      out.send(e.from, { type: 'FetchResponse', actor: e.replicaId < 0 ? e.replyTo : c.name, ...(e.replicaId < 0 ? { partition: c.partition } : {}), requestId: e.requestId, error: 'NOT_LEADER_OR_FOLLOWER', records: [], highWatermark: -1, leaderEndOffset: -1, leaderEpoch: c.state?.leaderEpoch ?? -1 } as FetchResponse),
    ),
    rejectOffsetsForLeaderEpoch: react<ReplicaContext, OffsetsForLeaderEpoch & { from: string; requestId?: number }>((c, e, out) =>
      out.send(e.from, { type: 'OffsetsForLeaderEpochResponse', actor: e.replicaId < 0 ? undefined : c.name, requestId: e.requestId, error: 'NOT_LEADER_OR_FOLLOWER', leaderEpoch: -1, endOffset: -1 } as OffsetsForLeaderEpochResponse),
    ),
    onFetch: react(onFetch),
    releaseParked: react<ReplicaContext, ReplicaEvent>((c, _e, out) => releaseParked(c, out)),
    setFetchWaitTimer: react<ReplicaContext, ReplicaEvent>(() => ({ fetchWaitTimer: true })),
    clearFetchWaitTimer: react<ReplicaContext, ReplicaEvent>(() => ({ fetchWaitTimer: false })),
    onOffsetsForLeaderEpoch: react(onOffsetsForLeaderEpoch),
    onAlterPartitionResponse: react(onAlterPartitionResponse),
    leaderTick: react(leaderTick),
    checkpointHw: react(checkpointHw),
    applyRetention: react<ReplicaContext, ReplicaEvent>((c, _e, out) => applyRetention(c, out)),
    truncateToHw: react(truncateToHw),
    sendOffsetsForLeaderEpoch: react(sendOffsetsForLeaderEpoch),
    truncateByEpoch: react(truncateByEpoch),
    skipTruncation: react<ReplicaContext, ReplicaEvent>((c) => skipTruncation(c)),
    truncateOnDivergence: react(truncateOnDivergence),
    sendFetch: react(sendFetch),
    onFetchResponse: react(onFetchResponse),
  },
}).createMachine({
  id: 'replica',
  context: ({ input }) => ({
    config: input.config,
    now: input.now,
    brokerId: input.brokerId,
    topic: input.topic ?? DATA_TOPIC,
    partition: input.partition,
    name: partitionName(input.partition, input.topic),
    log: input.log,
    brokerEpoch: -1,
    state: undefined,
    pendingIsr: undefined,
    pendingSince: 0,
    followers: new Map(),
    waiting: [],
    parked: [],
    fetchWaitTimer: false,
    requestId: 0,
    truncations: 0,
    reconciled: false,
    producers: ProducerState.fromLog(input.log.storedRecords()),
    lastRetentionCheck: input.now(),
  }),
  initial: 'Offline',
  // The HW checkpoint runs in every role (ReplicaManager's periodic checkpoint task).
  entry: raise({ type: 'CheckpointHw' }, { delay: 'hwCheckpoint' }),
  on: {
    CheckpointHw: { actions: ['checkpointHw', 'applyRetention', raise({ type: 'CheckpointHw' }, { delay: 'hwCheckpoint' })] },
    // The leader's fetch-wait timer firing after the replica stopped leading: nothing is held.
    FetchWaitExpired: { actions: 'clearFetchWaitTimer' },
    PartitionChange: [
      { guard: 'staysLeaderSameEpoch', actions: 'updateLeaderState' },
      { guard: and(['newerState', 'staysFollowerSameEpoch']), actions: 'updateFollowerState' },
      { guard: and(['newerState', 'becomesLeader']), target: '.Leader', reenter: true, actions: 'makeLeader' },
      { guard: and(['newerState', 'becomesFollower']), target: '.Follower', reenter: true, actions: 'makeFollower' },
      { guard: 'newerState', target: '.Offline', actions: 'goOffline' },
    ],
    Produce: { actions: 'rejectProduce' },
    ListOffsets: { actions: 'rejectListOffsets' },
    Fetch: { actions: 'rejectFetch' },
    OffsetsForLeaderEpoch: { actions: 'rejectOffsetsForLeaderEpoch' },
    WriteTxnMarkers: { actions: 'rejectWriteTxnMarkers' },
  },
  states: {
    /** No role: not yet told its partition's state, or the partition has no leader. */
    Offline: {},
    Leader: {
      after: { isrCheck: { target: 'Leader', reenter: true, actions: 'leaderTick' } },
      on: {
        Produce: { actions: 'onProduce' },
        ListOffsets: { actions: 'onListOffsets' },
        Fetch: [
          // A held fetch is answered when records come or replica.fetch.wait.max.ms passes.
          { guard: 'parksFetchNoTimer', actions: ['onFetch', 'setFetchWaitTimer', raise({ type: 'FetchWaitExpired' }, { delay: 'fetchWait' })] },
          { actions: 'onFetch' },
        ],
        FetchWaitExpired: [
          { guard: 'heldBeyondNow', actions: ['releaseParked', raise({ type: 'FetchWaitExpired' }, { delay: 'nextFetchDeadline' })] },
          { actions: ['releaseParked', 'clearFetchWaitTimer'] },
        ],
        OffsetsForLeaderEpoch: { actions: 'onOffsetsForLeaderEpoch' },
        AlterPartitionResponse: { actions: 'onAlterPartitionResponse' },
        WriteTxnMarkers: { actions: 'onWriteTxnMarkers' },
      },
    },
    Follower: {
      initial: 'Truncating',
      states: {
        /** Finding where its log diverges from the leader's, by the truncation rule in force. */
        Truncating: {
          initial: 'Choosing',
          states: {
            Choosing: {
              always: [
                { guard: 'truncatesOnFetch', target: '#replica.Follower.Fetching', actions: 'skipTruncation' },
                { guard: 'truncatesToHw', target: '#replica.Follower.Fetching', actions: 'truncateToHw' },
                { target: 'AwaitingEpochEndOffset' },
              ],
            },
            AwaitingEpochEndOffset: {
              entry: 'sendOffsetsForLeaderEpoch',
              after: { requestTimeout: { target: 'AwaitingEpochEndOffset', reenter: true } },
              on: {
                OffsetsForLeaderEpochResponse: [
                  { guard: and(['answersCurrentRequest', not('gotError')]), target: '#replica.Follower.Fetching', actions: 'truncateByEpoch' },
                  { guard: 'answersCurrentRequest', target: 'Backoff' },
                ],
                'net.disconnected': { guard: 'leaderDisconnected', target: 'Backoff' },
              },
            },
            Backoff: { after: { fetchBackoff: 'AwaitingEpochEndOffset' } },
          },
        },
        Fetching: {
          initial: 'AwaitingResponse',
          states: {
            AwaitingResponse: {
              entry: 'sendFetch',
              after: { requestTimeout: { target: 'AwaitingResponse', reenter: true } },
              on: {
                FetchResponse: [
                  { guard: and(['answersCurrentRequest', 'diverges']), target: 'AwaitingResponse', reenter: true, actions: 'truncateOnDivergence' },
                  // Below the leader's log start (retention deleted past this log's end): start again there.
                  { guard: and(['answersCurrentRequest', 'belowLeaderLogStart']), target: 'AwaitingResponse', reenter: true, actions: 'onFetchResponse' },
                  // Out of range with epochs known: one OffsetsForLeaderEpoch round, on every release.
                  { guard: and(['answersCurrentRequest', 'outOfRangeWithEpochs']), target: '#replica.Follower.Truncating.AwaitingEpochEndOffset' },
                  // The fetcher fetches again at once (the leader holds a fetch that finds
                  // nothing); only an error backs off, for replica.fetch.backoff.ms.
                  { guard: and(['answersCurrentRequest', not('gotError')]), target: 'AwaitingResponse', reenter: true, actions: 'onFetchResponse' },
                  { guard: 'answersCurrentRequest', target: 'Backoff', actions: 'onFetchResponse' },
                ],
                'net.disconnected': { guard: 'leaderDisconnected', target: 'Backoff' },
              },
            },
            Backoff: { after: { fetchBackoff: 'AwaitingResponse' } },
          },
        },
      },
    },
  },
});
