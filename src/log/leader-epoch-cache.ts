/**
 * The leader epoch cache: Kafka's LeaderEpochFileCache (storage module,
 * org.apache.kafka.storage.internals.epoch), without the checkpoint file.
 *
 * It maps each leader epoch to the first offset written in that epoch (KIP-101). A follower
 * asks the leader "where does my latest epoch end in your log?" (OffsetsForLeaderEpoch) and
 * truncates to the answer instead of to its high watermark, which is what fixed the data loss
 * and divergence of KAFKA-1211 / KIP-101. KIP-279 made the answer carry the epoch too, so that
 * a follower can walk back through several leader changes.
 *
 * Invariant (`epoch-cache-monotonic`): entries are strictly increasing in epoch *and* in
 * start offset. Kafka keeps it by truncating conflicting entries on assign, not by refusing
 * the new one; this class does exactly the same.
 */

/** OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH */
export const UNDEFINED_EPOCH = -1;
/** OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET */
export const UNDEFINED_EPOCH_OFFSET = -1;

/** Kafka's EpochEntry. */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** The answer to OffsetsForLeaderEpoch for one partition. */
export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

const UNDEFINED: EpochEndOffset = Object.freeze({
  leaderEpoch: UNDEFINED_EPOCH,
  endOffset: UNDEFINED_EPOCH_OFFSET,
});

function entry(epoch: number, startOffset: number): EpochEntry {
  return Object.freeze({ epoch, startOffset });
}

export class LeaderEpochCache {
  /** Sorted by epoch and by start offset, both strictly increasing. Small: one per leader change. */
  private epochs: EpochEntry[] = [];

  constructor(entries: readonly EpochEntry[] = []) {
    // As Kafka's constructor does with the checkpoint file's content.
    for (const e of entries) this.assign(e.epoch, e.startOffset);
  }

  /**
   * Record that `epoch` starts at `startOffset`. Kafka's LeaderEpochFileCache.assign:
   *
   * - throws if either is negative;
   * - does nothing if `epoch` is the latest epoch and `startOffset` is not below its start
   *   offset (an epoch's start offset, once assigned, is never moved up);
   * - otherwise first removes, from the end, every entry whose epoch >= `epoch` or whose
   *   start offset >= `startOffset` (maybeTruncateNonMonotonicEntries), then adds the entry.
   *
   * So an older epoch at a later offset *replaces* the newer entries (Kafka's test
   * shouldEnforceMonotonicallyIncreasingEpochs), and a newer epoch at the same offset replaces
   * the older one (shouldEnforceMonotonicallyIncreasingStartOffsets: an epoch that wrote
   * nothing leaves no entry).
   *
   * @returns whether the cache changed
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset) || epoch < 0 || startOffset < 0) {
      throw new RangeError(
        `Received invalid partition leader epoch entry EpochEntry(epoch=${epoch}, startOffset=${startOffset})`,
      );
    }
    const latest = this.epochs[this.epochs.length - 1];
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    let n = this.epochs.length;
    while (n > 0) {
      const last = this.epochs[n - 1]!;
      if (last.epoch >= epoch || last.startOffset >= startOffset) n--;
      else break;
    }
    this.epochs.length = n;
    this.epochs.push(entry(epoch, startOffset));
    return true;
  }

  nonEmpty(): boolean {
    return this.epochs.length > 0;
  }

  /** The latest epoch, the one the log is (or was last) written in. */
  latestEpoch(): number | undefined {
    return this.epochs[this.epochs.length - 1]?.epoch;
  }

  latestEntry(): EpochEntry | undefined {
    return this.epochs[this.epochs.length - 1];
  }

  earliestEntry(): EpochEntry | undefined {
    return this.epochs[0];
  }

  /** The epoch before the latest one (Kafka's previousEpoch()). */
  previousEpoch(): number | undefined {
    return this.epochs[this.epochs.length - 2]?.epoch;
  }

  /** The largest cached epoch strictly below `epoch` (Kafka's previousEpoch(epoch)). */
  previousEpochOf(epoch: number): number | undefined {
    let found: number | undefined;
    for (const e of this.epochs) {
      if (e.epoch < epoch) found = e.epoch;
      else break;
    }
    return found;
  }

  /** The smallest cached epoch strictly above `epoch` (Kafka's nextEpoch). */
  nextEpoch(epoch: number): number | undefined {
    for (const e of this.epochs) if (e.epoch > epoch) return e.epoch;
    return undefined;
  }

  /** The entry of exactly `epoch`, if cached. */
  epochEntry(epoch: number): EpochEntry | undefined {
    for (const e of this.epochs) if (e.epoch === epoch) return e;
    return undefined;
  }

  /** A snapshot of the entries, oldest first. */
  entries(): readonly EpochEntry[] {
    return this.epochs.slice();
  }

  /**
   * The epoch `offset` was written in, as far as the cache knows (Kafka's epochForOffset):
   * the epoch of the last entry starting at or below `offset`.
   */
  epochForOffset(offset: number): number | undefined {
    let found: number | undefined;
    for (const e of this.epochs) {
      if (e.startOffset <= offset) found = e.epoch;
      else break;
    }
    return found;
  }

  /**
   * OffsetsForLeaderEpoch, exactly as Kafka's LeaderEpochFileCache.endOffsetFor (KIP-101,
   * KIP-279). The answer is the largest cached epoch <= `requestedEpoch` and where it ends:
   * the start offset of the next higher cached epoch, or `logEndOffset` for the latest epoch.
   *
   * The cases, in Kafka's order:
   * 1. `requestedEpoch` is UNDEFINED_EPOCH (-1): (-1, -1).
   * 2. `requestedEpoch` is the latest epoch: (requestedEpoch, logEndOffset).
   * 3. No cached epoch is above `requestedEpoch` (it is above the latest, or the cache is
   *    empty): (-1, -1).
   * 4. No cached epoch is <= `requestedEpoch` (it is below the first): (requestedEpoch,
   *    start offset of the first entry). Note: *not* UNDEFINED, although Kafka's own Javadoc
   *    still says so; the data before the first entry was deleted and the follower should
   *    replicate from the leader's start (test shouldReturnFirstEpochIfRequestedEpochLessThanFirstEpoch).
   * 5. Otherwise: (floor epoch, start offset of the first entry above `requestedEpoch`).
   *    The epoch in the answer may be smaller than the one requested (KIP-279): the follower
   *    then truncates to min(its own end of that epoch, endOffset).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return UNDEFINED;
    const n = this.epochs.length;
    if (n > 0 && this.epochs[n - 1]!.epoch === requestedEpoch) {
      return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    }
    // higherEntry: the first entry with epoch > requestedEpoch; floorEntry: the one before it.
    let i = 0;
    while (i < n && this.epochs[i]!.epoch <= requestedEpoch) i++;
    const higher = this.epochs[i];
    if (higher === undefined) return UNDEFINED;
    const floor = this.epochs[i - 1];
    if (floor === undefined) return { leaderEpoch: requestedEpoch, endOffset: higher.startOffset };
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset };
  }

  /**
   * Remove every entry whose start offset is >= `endOffset` (the log was truncated to
   * `endOffset`). A negative `endOffset` (UNDEFINED_EPOCH_OFFSET) is ignored, as in Kafka.
   *
   * @returns the removed entries, oldest first
   */
  truncateFromEnd(endOffset: number): EpochEntry[] {
    if (endOffset < 0) return [];
    let n = this.epochs.length;
    while (n > 0 && this.epochs[n - 1]!.startOffset >= endOffset) n--;
    return this.epochs.splice(n);
  }

  /**
   * The log start offset moved up to `startOffset` (retention or DeleteRecords): remove every
   * entry starting at or below it, then put back the last removed one with its start offset
   * moved up to `startOffset`, so that the epoch `startOffset` was written in is still known.
   * Exclusive: truncateFromStart(6) keeps an entry starting at 6. Kafka's truncateFromStart.
   *
   * @returns the removed entries (before the last one was moved up), oldest first
   */
  truncateFromStart(startOffset: number): EpochEntry[] {
    let k = 0;
    while (k < this.epochs.length && this.epochs[k]!.startOffset <= startOffset) k++;
    if (k === 0) return [];
    const removed = this.epochs.splice(0, k);
    this.epochs.unshift(entry(removed[k - 1]!.epoch, startOffset));
    return removed;
  }

  /** Delete all entries (Kafka's clear / clearAndFlush). */
  clear(): void {
    this.epochs = [];
  }

  /**
   * The entries in [startOffset, endOffset), as Kafka's epochEntriesInRange (a copy truncated
   * from the start at `startOffset` when it is >= 0, then from the end at `endOffset`).
   */
  epochEntriesInRange(startOffset: number, endOffset: number): EpochEntry[] {
    const copy = new LeaderEpochCache();
    copy.epochs = this.epochs.slice();
    if (startOffset >= 0) copy.truncateFromStart(startOffset);
    copy.truncateFromEnd(endOffset);
    return copy.epochs;
  }

  /** An independent copy. */
  clone(): LeaderEpochCache {
    const copy = new LeaderEpochCache();
    copy.epochs = this.epochs.slice();
    return copy;
  }
}
