/**
 * A partition's producer state (Kafka's ProducerStateManager and ProducerAppendInfo, KIP-98):
 * per producer id, its epoch and the metadata of its last five batches, which lets a leader
 * answer a retried batch with the offset it already has and refuse a batch that skips a
 * sequence number; and the transactions open in the partition, from which the last stable
 * offset (LSO) and the aborted-transaction index follow.
 *
 * Pure data, derived from the log alone: leaders and followers update it on every append, and
 * rebuild it by scanning the log after a truncation or a restart (Kafka rebuilds it from the log
 * and its snapshots; the model has no snapshots). One record is one batch in the model.
 */
import type { LogRecord } from './record.js';

/** The KIP-98 fields of a record's batch header, as the model keeps them on the record's value. */
export interface BatchFields {
  readonly producerId?: number | undefined;
  readonly producerEpoch?: number | undefined;
  readonly sequence?: number | undefined;
  readonly transactional?: boolean | undefined;
  readonly control?: 'COMMIT' | 'ABORT' | undefined;
}

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: a leader remembers five batches per producer. */
export const BATCHES_TO_RETAIN = 5;

interface BatchMetadata {
  readonly sequence: number;
  readonly offset: number;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN, all of the current epoch. */
  batches: BatchMetadata[];
  /** The first offset of the producer's open transaction in this partition. */
  txnFirstOffset: number | undefined;
}

/** A transaction of this partition: open (no marker yet) or completed by its marker. */
export interface PartitionTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly markerOffset?: number;
  readonly result?: 'COMMIT' | 'ABORT';
}

/** What the leader does with a produced record (ProducerAppendInfo's checks). */
export type AppendDecision =
  | { readonly kind: 'append' }
  /** A retry of a batch the log already has: answer with its offset, append nothing. */
  | { readonly kind: 'duplicate'; readonly offset: number }
  | { readonly kind: 'reject'; readonly error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' | 'UNKNOWN_PRODUCER_ID' | 'INVALID_PRODUCER_EPOCH' | 'INVALID_TXN_STATE' };

export interface CheckOptions {
  /** Producer epochs are enforced (zombie fencing). Off: a write with an older epoch is appended unchecked. */
  readonly fencing: boolean;
}

export class ProducerState {
  private readonly producers = new Map<number, ProducerEntry>();
  /** In offset order of their first record. */
  private readonly txns: PartitionTxn[] = [];

  static fromLog(records: Iterable<LogRecord<BatchFields>>): ProducerState {
    const s = new ProducerState();
    for (const r of records) s.onAppend(r);
    return s;
  }

  /** The leader's checks before appending (ProducerAppendInfo.checkProducerEpoch / checkSequence). */
  check(v: BatchFields, options: CheckOptions): AppendDecision {
    if (v.producerId === undefined || v.producerEpoch === undefined) return { kind: 'append' };
    const entry = this.producers.get(v.producerId);
    if (entry && v.producerEpoch < entry.epoch) {
      // A zombie's write. Without fencing it goes in, sequence unchecked (the guard removed).
      return options.fencing ? { kind: 'reject', error: 'INVALID_PRODUCER_EPOCH' } : { kind: 'append' };
    }
    if (v.control !== undefined) return { kind: 'append' };
    if (v.sequence !== undefined) {
      const sameEpoch = entry !== undefined && entry.epoch === v.producerEpoch;
      const dup = sameEpoch ? entry.batches.find((b) => b.sequence === v.sequence) : undefined;
      if (dup) return { kind: 'duplicate', offset: dup.offset };
      const last = sameEpoch ? entry.batches[entry.batches.length - 1]?.sequence : undefined;
      // A new producer, or a new epoch of one, starts at sequence 0 (KIP-98; KIP-360).
      const expected = last === undefined ? 0 : last + 1;
      if (v.sequence !== expected) {
        return { kind: 'reject', error: entry === undefined ? 'UNKNOWN_PRODUCER_ID' : 'OUT_OF_ORDER_SEQUENCE_NUMBER' };
      }
    }
    // A plain write from a producer whose transaction is open in this partition.
    if (!v.transactional && entry?.txnFirstOffset !== undefined) return { kind: 'reject', error: 'INVALID_TXN_STATE' };
    return { kind: 'append' };
  }

  /** Every appended record, leader and follower alike, in offset order. */
  onAppend(r: LogRecord<BatchFields>): void {
    const v = r.value;
    if (v.producerId === undefined || v.producerEpoch === undefined) return;
    let entry = this.producers.get(v.producerId);
    if (!entry) {
      entry = { epoch: v.producerEpoch, batches: [], txnFirstOffset: undefined };
      this.producers.set(v.producerId, entry);
    }
    if (v.producerEpoch < entry.epoch) {
      // Only an unfenced zombie's write gets here: it may open a transaction, nothing else.
      if (v.transactional && v.control === undefined && entry.txnFirstOffset === undefined) this.open(entry, v.producerId, r.offset);
      return;
    }
    if (v.producerEpoch > entry.epoch) {
      // A new epoch (InitProducerId, or a marker of KIP-890's per-transaction bump): sequences restart.
      entry.epoch = v.producerEpoch;
      entry.batches = [];
    }
    if (v.control !== undefined) {
      this.complete(entry, v.producerId, r.offset, v.control);
      return;
    }
    if (v.sequence !== undefined) {
      entry.batches.push({ sequence: v.sequence, offset: r.offset });
      if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    }
    if (v.transactional && entry.txnFirstOffset === undefined) this.open(entry, v.producerId, r.offset);
  }

  private open(entry: ProducerEntry, producerId: number, offset: number): void {
    entry.txnFirstOffset = offset;
    this.txns.push({ producerId, firstOffset: offset });
  }

  private complete(entry: ProducerEntry, producerId: number, markerOffset: number, result: 'COMMIT' | 'ABORT'): void {
    if (entry.txnFirstOffset === undefined) return; // a marker for a transaction with no records here
    const i = this.txns.findIndex((t) => t.producerId === producerId && t.markerOffset === undefined);
    if (i >= 0) this.txns[i] = { ...this.txns[i]!, markerOffset, result };
    entry.txnFirstOffset = undefined;
  }

  /**
   * The last stable offset: below it every transaction is decided and its marker replicated
   * (Kafka's firstUnstableOffset, capped by the high watermark).
   */
  lastStableOffset(highWatermark: number): number {
    let lso = highWatermark;
    for (const t of this.txns) {
      if (t.markerOffset === undefined || t.markerOffset >= highWatermark) lso = Math.min(lso, t.firstOffset);
    }
    return lso;
  }

  /** Aborted transactions overlapping [from, to): what a read_committed fetch sends along. */
  abortedOverlapping(from: number, to: number): { producerId: number; firstOffset: number; lastOffset: number }[] {
    return this.txns
      .filter((t) => t.result === 'ABORT' && t.firstOffset < to && t.markerOffset! >= from)
      .map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.markerOffset! }));
  }

  /** The producer's current epoch here, if it wrote here. */
  epochOf(producerId: number): number | undefined {
    return this.producers.get(producerId)?.epoch;
  }
}
