/**
 * Transactional offset commits (KIP-98, KIP-447) as both group coordinators keep them: the
 * classic one (group-coordinator.ts: GroupMetadata's pendingTransactionalOffsetCommits) and the
 * KIP-848 one (consumer-group-coordinator.ts: OffsetMetadataManager's pendingTransactionalOffsets,
 * group-coordinator/src/main/java/org/apache/kafka/coordinator/group/OffsetMetadataManager.java,
 * replayTransactionalOffsetCommit / replayEndTransactionMarker). The two machines share these
 * pure functions and never import each other.
 *
 * A TxnOffsetCommit is written as transactional records of its producer id and stays pending for
 * that producer (OffsetFetch answers UNSTABLE_OFFSET_COMMIT for its partitions) until the
 * transaction coordinator's WriteTxnMarkers has the group's coordinator write the producer's
 * COMMIT marker (the offsets become the group's) or ABORT marker (they are dropped).
 */
import { offsetKey, txnMarkerKey, type AcceptedCommit } from './group-protocol.js';
import type { Outbox } from './effects.js';
import type { ErrorCode, ProducedValue, ProduceResponse, Record } from './protocol.js';
import type { TxnOffsetCommit, TxnResult, WriteTxnMarkers, WriteTxnMarkersResponse } from './txn-protocol.js';

/**
 * KIP-98: a producer's transaction marker in the group's `__consumer_offsets` partition (written
 * here, or found while loading): its pending offsets became the group's (COMMIT: `offsets`, with
 * `previous`) or were dropped (ABORT: `offsets` empty).
 */
export interface TxnDecision {
  readonly time: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly result: TxnResult;
  readonly offsets: readonly { partition: number; offset: number }[];
  readonly previous: readonly number[];
}

/** A WriteTxnMarkers whose control record a group coordinator is writing (answered once it is replicated). */
export interface PendingMarkerWrite {
  readonly kind: 'marker';
  /** The transaction coordinator's node and actor, and its request. */
  readonly client: string;
  readonly replyTo: string;
  readonly requestId: number;
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly result: TxnResult;
}

/** KIP-98: an offset of a transactional commit, pending until its producer's marker. */
export interface PendingTxnOffset {
  readonly partition: number;
  readonly offset: number;
  /** Its record's offset in the group's `__consumer_offsets` partition (Kafka's appendedBatchOffset). */
  readonly position: number;
}

/** What of a coordinator's context the transactional offsets live in. */
export interface TxnOffsetsContext {
  readonly groupId: string;
  readonly now: () => number;
  readonly offsets: ReadonlyMap<number, number>;
  /** Per partition, the offset (in the group's `__consumer_offsets` partition) of the record that set `offsets` (KIP-98's ordering of commits). */
  readonly offsetPositions: ReadonlyMap<number, number>;
  /** Per producer id, its transactional offsets not decided yet, in log order. */
  readonly txnOffsets: ReadonlyMap<number, readonly PendingTxnOffset[]>;
  /** Read by the invariants; grows in place. */
  readonly accepted: (AcceptedCommit | TxnDecision)[];
}

/** The group's offsets as a load or a marker changes them (fresh copies, updated in place). */
export interface OffsetState {
  readonly offsets: Map<number, number>;
  readonly offsetPositions: Map<number, number>;
  readonly txnOffsets: Map<number, readonly PendingTxnOffset[]>;
}

export const copyOffsets = (c: TxnOffsetsContext): OffsetState => ({ offsets: new Map(c.offsets), offsetPositions: new Map(c.offsetPositions), txnOffsets: new Map(c.txnOffsets) });

/** Nothing for a group without pending transactional offsets (its note stays as it was). */
export function describePendingTxns(txnOffsets: ReadonlyMap<number, readonly PendingTxnOffset[]>): string {
  if (txnOffsets.size === 0) return '';
  const each = [...txnOffsets].map(([producerId, os]) => [producerId, os.map((o) => [o.partition, o.offset])]);
  return `, pending transactional offsets ${JSON.stringify(each)}`;
}

/**
 * One offset record or control record while loading. A control record completes its producer's
 * pending offsets in this group whichever group it was written for: Kafka's loader does the
 * same for every group of the partition (a producer id is one transactional.id, in one group).
 * Records of other kinds (group metadata) are the caller's.
 */
export function replayOffsetRecord(c: TxnOffsetsContext, s: OffsetState, r: Record): void {
  const v = r.value;
  if (v.control !== undefined && v.producerId !== undefined) {
    if (s.txnOffsets.has(v.producerId)) completeTxn(c, s, v.producerId, v.producerEpoch ?? -1, v.control);
    return;
  }
  const prefix = `offset/${c.groupId}/`;
  if (!v.key.startsWith(prefix)) return;
  const partition = Number(v.key.slice(prefix.length));
  if (v.transactional && v.producerId !== undefined) {
    s.txnOffsets.set(v.producerId, [...(s.txnOffsets.get(v.producerId) ?? []), { partition, offset: v.value, position: r.offset }]);
  } else {
    s.offsets.set(partition, v.value);
    s.offsetPositions.set(partition, r.offset);
  }
}

/**
 * A producer's marker is in the log (GroupMetadata.completePendingTxnOffsetCommit, KIP-98;
 * OffsetMetadataManager.replayEndTransactionMarker): COMMIT makes each of its pending offsets the
 * group's, unless a record written after it (a plain OffsetCommit) already set that partition;
 * ABORT drops them. Recorded in `accepted`.
 */
export function completeTxn(c: TxnOffsetsContext, s: OffsetState, producerId: number, producerEpoch: number, result: TxnResult): void {
  const mine = s.txnOffsets.get(producerId) ?? [];
  s.txnOffsets.delete(producerId);
  const offsets: { partition: number; offset: number }[] = [];
  const previous: number[] = [];
  for (const o of result === 'COMMIT' ? mine : []) {
    if ((s.offsetPositions.get(o.partition) ?? -1) > o.position) continue;
    previous.push(s.offsets.get(o.partition) ?? -1);
    offsets.push({ partition: o.partition, offset: o.offset });
    s.offsets.set(o.partition, o.offset);
    s.offsetPositions.set(o.partition, o.position);
  }
  c.accepted.push({ time: c.now(), producerId, producerEpoch, result, offsets, previous });
}

/** A TxnOffsetCommit's records: transactional, of its producer id and epoch. */
export function txnOffsetRecords(groupId: string, e: TxnOffsetCommit): Omit<ProducedValue, 'producer'>[] {
  return e.offsets.map((o) => ({
    key: offsetKey(groupId, o.partition),
    value: o.offset,
    producerId: e.producerId,
    producerEpoch: e.producerEpoch,
    transactional: true,
  }));
}

/** The control record WriteTxnMarkers appends to the group's partition. */
export function txnMarkerRecord(groupId: string, e: WriteTxnMarkers): Omit<ProducedValue, 'producer'> {
  return { key: txnMarkerKey(groupId), value: -1, producerId: e.producerId, producerEpoch: e.producerEpoch, control: e.result };
}

/** KIP-98: a transactional append refused for its producer epoch is answered with that error (the client is fenced). */
export const producerErrors: ReadonlySet<ErrorCode> = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** The transactional records are replicated: the producer's offsets, pending until its marker. */
export function withPendingTxnOffsets(c: TxnOffsetsContext, producerId: number, offsets: readonly { partition: number; offset: number }[], baseOffset: number): Map<number, readonly PendingTxnOffset[]> {
  const txnOffsets = new Map(c.txnOffsets);
  const added = offsets.map((o, i) => ({ partition: o.partition, offset: o.offset, position: baseOffset + i }));
  txnOffsets.set(producerId, [...(c.txnOffsets.get(producerId) ?? []), ...added]);
  return txnOffsets;
}

/**
 * GroupMetadata.hasPendingOffsetCommitsForTopicPartition / OffsetMetadataManager's
 * hasPendingTransactionalOffsets, for transactional commits only: decided by no marker yet, or
 * still being written (`writing`: the partitions of TxnOffsetCommits not yet replicated).
 */
export function hasPendingTxnOffset(c: TxnOffsetsContext, writing: Iterable<readonly { partition: number }[]>, partition: number): boolean {
  for (const os of c.txnOffsets.values()) if (os.some((o) => o.partition === partition)) return true;
  for (const os of writing) if (os.some((o) => o.partition === partition)) return true;
  return false;
}

/**
 * A coordinator's COMMIT or ABORT marker is replicated: the producer's pending offsets become the
 * group's or are dropped (OffsetMetadataManager.replayEndTransactionMarker), and the transaction
 * coordinator is answered. The partition's own error (NOT_LEADER_OR_FOLLOWER,
 * NOT_ENOUGH_REPLICAS, ...) is passed on, and the transaction coordinator retries: then nothing
 * changes (undefined).
 */
export function applyWrittenMarker(c: TxnOffsetsContext & { readonly name: string }, w: PendingMarkerWrite, e: ProduceResponse, out: Outbox): OffsetState | undefined {
  const reply: WriteTxnMarkersResponse = { type: 'WriteTxnMarkersResponse', actor: w.replyTo, requestId: w.requestId, topic: w.topic, partition: w.partition };
  if (e.error) {
    out.send(w.client, { ...reply, error: e.error } satisfies WriteTxnMarkersResponse);
    return undefined;
  }
  const s = copyOffsets(c);
  completeTxn(c, s, w.producerId, w.producerEpoch, w.result);
  out.note(`${c.name} ${w.result} marker for producer ${w.producerId}: offsets ${JSON.stringify([...s.offsets])}`);
  out.send(w.client, reply);
  return s;
}
