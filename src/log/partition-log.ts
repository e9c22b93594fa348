/**
 * One replica's log of one partition: Kafka's UnifiedLog over its LocalLog, minus the disk.
 *
 * Pure: no I/O, no clock, no randomness; the caller passes "now" where retention needs it.
 * Mutable on purpose, for speed: the simulator appends and reads on every step.
 *
 * Storage: one array of records, `records[i].offset === firstSegment.baseOffset + i`, and a
 * list of segments that partition it. Records below the log start offset stay stored until
 * their whole segment is deleted, as in Kafka: the log start offset only gates reads.
 *
 * See spec/log.md for the guarantees (with their IDs) and what is simplified.
 */
import {
  InvalidRecordError,
  OffsetOutOfRangeError,
  OffsetsOutOfOrderError,
  UnexpectedAppendOffsetError,
} from './errors.js';
import { LeaderEpochCache, type EpochEndOffset } from './leader-epoch-cache.js';
import { DEFAULT_RECORD_SIZE, type AppendEntry, type LogRecord } from './record.js';
import { Segment, type SegmentInfo } from './segment.js';

export interface LogConfig {
  /** `segment.bytes`: the active segment rolls before a record would take it past this. */
  segmentBytes: number;
  /** `retention.ms`: null (Kafka's -1) keeps data forever. A negative number means null. */
  retentionMs: number | null;
  /** `retention.bytes`: null (Kafka's -1, the default) means no size limit. Negative means null. */
  retentionBytes: number | null;
  /**
   * `cleanup.policy` includes `compact`: the cleaner may remove records ({@link PartitionLog.compact}),
   * so offsets may have gaps, and a follower accepts an append that starts past its log end or
   * skips offsets, as Kafka's follower does with batches fetched from a compacted leader.
   */
  compact: boolean;
}

/** Kafka's defaults: 1 GiB segments, 7 days, no size limit. */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: null,
  compact: false,
});

/**
 * Kafka's FetchIsolation: how far a read may go. Followers read to the log end
 * (LOG_END); consumers only to the high watermark (HIGH_WATERMARK). TXN_COMMITTED comes with
 * transactions.
 */
export type FetchIsolation = 'LOG_END' | 'HIGH_WATERMARK';

export interface RecoverOptions {
  /** From Kafka's log-start-offset-checkpoint file. Default 0. */
  logStartOffset?: number;
  /**
   * From Kafka's replication-offset-checkpoint file (the partition reads it when it creates the
   * log and calls updateHighWatermark). Clamped to [logStartOffset, logEndOffset]. Default:
   * the log start offset, i.e. no checkpoint.
   */
  highWatermark?: number;
}

/** Why segments were deleted: Kafka's SegmentDeletionReason subclasses. */
export type SegmentDeletionReason = 'LogStartOffsetBreach' | 'RetentionSizeBreach' | 'RetentionMsBreach';

export interface RetentionResult {
  /** Oldest first, as they were just before deletion. */
  deletedSegments: SegmentInfo[];
  /** The reason of each deleted segment, same order. */
  reasons: SegmentDeletionReason[];
  /** The log start offset after retention. */
  logStartOffset: number;
}

function normalizeConfig(config: Partial<LogConfig> | undefined): LogConfig {
  // Field by field: an explicit `undefined` means "default", while `null` means "no limit".
  const segmentBytes = config?.segmentBytes ?? DEFAULT_LOG_CONFIG.segmentBytes;
  const retentionMs = config?.retentionMs === undefined ? DEFAULT_LOG_CONFIG.retentionMs : config.retentionMs;
  const retentionBytes =
    config?.retentionBytes === undefined ? DEFAULT_LOG_CONFIG.retentionBytes : config.retentionBytes;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
    throw new RangeError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
  }
  // Kafka: any negative retention.ms / retention.bytes means "unlimited".
  const limit = (name: string, v: number | null): number | null => {
    if (v === null) return null;
    if (Number.isNaN(v)) throw new RangeError(`${name} must be a number or null`);
    return v < 0 ? null : v;
  };
  return {
    segmentBytes,
    retentionMs: limit('retentionMs', retentionMs),
    retentionBytes: limit('retentionBytes', retentionBytes),
    compact: config?.compact ?? false,
  };
}

function checkOffset(name: string, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${offset}`);
  }
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidRecordError(`A record size must be a non-negative integer, got ${size}`);
  }
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isFinite(timestamp)) {
    throw new InvalidRecordError(`A record timestamp must be a finite number, got ${timestamp}`);
  }
}

function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new InvalidRecordError(`A leader epoch must be a non-negative integer, got ${epoch}`);
  }
}

/** Whether `r` is a record `recover` accepts as intact at `expectedOffset`. */
function isIntactRecord(r: LogRecord<unknown> | undefined, expectedOffset: number | undefined): boolean {
  if (r === undefined || r === null || typeof r !== 'object') return false;
  if (!Number.isSafeInteger(r.offset) || r.offset < 0) return false;
  if (expectedOffset !== undefined && r.offset !== expectedOffset) return false;
  if (!Number.isSafeInteger(r.leaderEpoch) || r.leaderEpoch < 0) return false;
  if (!Number.isFinite(r.timestamp)) return false;
  if (!Number.isSafeInteger(r.size) || r.size < 0) return false;
  return true;
}

/** How many entries a compacted log's file starts with that hold no record. */
function leadingHoles(records: readonly (LogRecord<unknown> | null | undefined)[]): number {
  let i = 0;
  while (i < records.length && records[i] == null) i++;
  return i;
}

/** What the caller tells the cleaner about records the log cannot judge by itself. */
export interface CompactOptions<V> {
  /**
   * Exclusive upper bound set by the caller (the last stable offset, or before KAFKA-13194 the
   * first unstable offset): the cleaner never looks at or past it, nor at the active segment.
   */
  upTo: number;
  /** Records kept whatever their key, and that remove nothing (transaction markers, transactional data). */
  pinned?: (r: LogRecord<V>) => boolean;
  /** The producer id of an idempotent or transactional record, undefined otherwise. */
  producerOf?: (r: LogRecord<V>) => number | undefined;
}

export interface CompactResult {
  /** The first offset the cleaner did not look at (Kafka's firstUncleanableDirtyOffset). */
  cleanedUpTo: number;
  /** How many records it removed. */
  removed: number;
}

export class PartitionLog<V = unknown> {
  readonly config: Readonly<LogConfig>;
  /** The leader epoch cache of this log (LeaderEpochFileCache). */
  readonly epochCache: LeaderEpochCache = new LeaderEpochCache();

  /**
   * One slot per offset from the first segment's base offset. A slot is empty (undefined) where
   * the cleaner removed the record, or where a follower's leader had removed it before it was
   * fetched: only a compacted log ({@link LogConfig.compact}) has empty slots.
   */
  private records: (LogRecord<V> | undefined)[] = [];
  /** How many slots are empty: 0 keeps the dense fast paths. */
  private holes = 0;
  /** Never empty; the last one is the active segment. */
  private segs: Segment[];
  private _logStartOffset: number;
  private _highWatermark: number;
  private _sizeBytes = 0;

  /**
   * A new, empty log whose first record will get offset `logStartOffset` (default 0), as a
   * partition replica creates it. The high watermark starts at the log start offset.
   */
  constructor(config?: Partial<LogConfig>, logStartOffset = 0) {
    checkOffset('logStartOffset', logStartOffset);
    this.config = Object.freeze(normalizeConfig(config));
    this.segs = [new Segment(logStartOffset)];
    this._logStartOffset = logStartOffset;
    this._highWatermark = logStartOffset;
  }

  /**
   * Rebuild a log after a crash from the records that survived on disk, as Kafka's LogLoader
   * recovers unflushed segments:
   *
   * - the log keeps the longest prefix of `records` that is intact (offset, epoch, timestamp
   *   and size well formed) and dense from the first record's offset; recovery stops at the
   *   first torn or missing record and drops everything after it (LogLoader.recoverLog deletes
   *   the segments after a corrupt one);
   * - the log start offset is max(opts.logStartOffset, first surviving offset); if the log end
   *   offset is below the checkpointed log start offset, every segment is deleted and the log
   *   restarts empty at the checkpointed log start offset
   *   (LogLoader.deleteSegmentsIfLogStartGreaterThanLogEnd);
   * - the epoch cache is rebuilt by assigning each record's epoch at its offset
   *   (LogSegment.recover does this batch by batch), then truncated from the end at the log end
   *   offset and from the start at the log start offset (LogLoader.load);
   * - the high watermark is opts.highWatermark clamped to [logStartOffset, logEndOffset].
   *
   * Segments are re-rolled by `config.segmentBytes`, so the layout may differ from the one
   * before the crash (Kafka keeps the segment files); offsets, records and epochs do not.
   */
  static recover<V>(
    records: readonly LogRecord<V>[],
    config?: Partial<LogConfig>,
    opts: RecoverOptions = {},
  ): PartitionLog<V> {
    const checkpointLso = opts.logStartOffset ?? 0;
    checkOffset('logStartOffset', checkpointLso);
    // n = length of the intact prefix, dense from the first record's offset. A compacted log's
    // file holds an empty entry (null) for each offset the cleaner or the leader removed, so
    // entries stay one per offset; the first record fixes the offset of entry 0.
    const compact = config?.compact === true;
    const skip = compact ? leadingHoles(records) : 0;
    let n = 0;
    const first = records[skip];
    if (isIntactRecord(first, undefined) && first!.offset >= skip) {
      const base0 = first!.offset - skip;
      n = skip + 1;
      while (n < records.length && (isIntactRecord(records[n], base0 + n) || (compact && records[n] == null && n + 1 < records.length))) n++;
    }
    while (n > skip + 1 && records[n - 1] == null) n--;
    const base = n > 0 ? first!.offset - skip : checkpointLso;
    const logEnd = base + n;
    if (n === 0 || logEnd < checkpointLso) {
      const empty = new PartitionLog<V>(config, checkpointLso);
      empty.updateHighWatermark(opts.highWatermark ?? checkpointLso);
      return empty;
    }
    const log = new PartitionLog<V>(config, base);
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (r == null) {
        log.appendHole();
        continue;
      }
      log.epochCache.assign(r.leaderEpoch, r.offset);
      log.appendRecord(Object.isFrozen(r) ? r : Object.freeze({ ...r }));
    }
    log.epochCache.truncateFromEnd(logEnd);
    log._logStartOffset = Math.max(checkpointLso, base);
    log.epochCache.truncateFromStart(log._logStartOffset);
    log._highWatermark = log._logStartOffset;
    log.updateHighWatermark(opts.highWatermark ?? log._logStartOffset);
    return log;
  }

  // ---------------------------------------------------------------------------------------
  // Offsets

  /** The first offset a client may read. */
  get logStartOffset(): number {
    return this._logStartOffset;
  }

  /** The offset the next record will get (LEO). */
  get logEndOffset(): number {
    return this.activeSegment.nextOffset;
  }

  /** The offset up to which (exclusive) records are committed and visible to consumers. */
  get highWatermark(): number {
    return this._highWatermark;
  }

  /** Total bytes of all segments, the active one included (UnifiedLog.size). */
  get sizeInBytes(): number {
    return this._sizeBytes;
  }

  /** The latest epoch in the epoch cache (UnifiedLog.latestEpoch). */
  get latestEpoch(): number | undefined {
    return this.epochCache.latestEpoch();
  }

  private get activeSegment(): Segment {
    return this.segs[this.segs.length - 1]!;
  }

  /** Offset of the first stored record (the first segment's base offset). */
  private get firstStoredOffset(): number {
    return this.segs[0]!.baseOffset;
  }

  // ---------------------------------------------------------------------------------------
  // Appends

  /**
   * Append records produced to the leader: assign them offsets from the log end offset and
   * stamp them with `leaderEpoch` (UnifiedLog.appendAsLeader). The entries are one batch: if
   * it is not empty, `leaderEpoch` is assigned in the epoch cache at the batch's first offset
   * (maybeAssignEpochStartOffset; a no-op unless the epoch is new).
   *
   * An empty batch changes nothing and returns `firstOffset = LEO, lastOffset = LEO - 1`.
   * The whole batch is validated before anything is written: a bad entry appends nothing.
   */
  appendAsLeader(
    entries: readonly AppendEntry<V>[],
    leaderEpoch: number,
  ): { firstOffset: number; lastOffset: number } {
    checkEpoch(leaderEpoch);
    for (const e of entries) {
      checkTimestamp(e.timestamp);
      if (e.size !== undefined) checkSize(e.size);
    }
    const firstOffset = this.logEndOffset;
    if (entries.length === 0) return { firstOffset, lastOffset: firstOffset - 1 };
    this.epochCache.assign(leaderEpoch, firstOffset);
    let offset = firstOffset;
    for (const e of entries) {
      this.appendRecord(
        Object.freeze({
          offset,
          leaderEpoch,
          timestamp: e.timestamp,
          key: e.key,
          value: e.value,
          size: e.size ?? DEFAULT_RECORD_SIZE,
        }),
      );
      offset++;
    }
    return { firstOffset, lastOffset: offset - 1 };
  }

  /**
   * Append records replicated from the leader, keeping their offsets and epochs
   * (UnifiedLog.appendAsFollower). They must start at the log end offset
   * ({@link UnexpectedAppendOffsetError}) and be dense ({@link OffsetsOutOfOrderError}); each
   * record's epoch is assigned in the epoch cache at its offset, as Kafka does per batch.
   * The whole input is validated before anything is written.
   */
  appendAsFollower(records: readonly LogRecord<V>[]): void {
    if (records.length === 0) return;
    const leo = this.logEndOffset;
    const first = records[0]!;
    // A compacted leader sends what its cleaner kept, so offsets may skip (Kafka's follower
    // appends the fetched batches at their own offsets); anything else must be dense.
    const gaps = this.config.compact;
    if (gaps ? first.offset < leo : first.offset !== leo) throw new UnexpectedAppendOffsetError(first.offset, leo);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const expected = i === 0 ? first.offset : records[i - 1]!.offset + 1;
      if (gaps ? r.offset < expected : r.offset !== leo + i) throw new OffsetsOutOfOrderError(expected, r.offset);
      checkEpoch(r.leaderEpoch);
      checkTimestamp(r.timestamp);
      checkSize(r.size);
    }
    let lastEpoch = -1;
    for (const r of records) {
      while (this.logEndOffset < r.offset) this.appendHole();
      if (r.leaderEpoch !== lastEpoch) {
        this.epochCache.assign(r.leaderEpoch, r.offset);
        lastEpoch = r.leaderEpoch;
      }
      this.appendRecord(Object.isFrozen(r) ? r : Object.freeze({ ...r }));
    }
  }

  /**
   * Kafka's UnifiedLog.maybeAssignEpochStartOffset: a new leader records its epoch at its log
   * end offset when it takes leadership (Partition.makeLeader), before any append, so that
   * OffsetsForLeaderEpoch answers for the new epoch at once.
   */
  maybeAssignEpochStartOffset(leaderEpoch: number, startOffset: number): void {
    this.epochCache.assign(leaderEpoch, startOffset);
  }

  /** OffsetsForLeaderEpoch against this log (UnifiedLog.endOffsetForEpoch), undefined when UNDEFINED. */
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset | undefined {
    const r = this.epochCache.endOffsetFor(leaderEpoch, this.logEndOffset);
    return r.endOffset === -1 ? undefined : r;
  }

  /**
   * Store one record at the log end, rolling first if the active segment is not empty and the
   * record would take it past segment.bytes (LogSegment.shouldRoll: size > segmentBytes -
   * messagesSize). A segment always takes at least one record, so a record larger than
   * segmentBytes gets a segment of its own (Kafka would reject its batch with
   * RecordBatchTooLargeException).
   */
  private appendRecord(r: LogRecord<V>): void {
    let seg = this.activeSegment;
    if (seg.recordCount > 0 && seg.sizeBytes + r.size > this.config.segmentBytes) {
      seg = new Segment(seg.nextOffset);
      this.segs.push(seg);
    }
    this.records.push(r);
    seg.recordCount++;
    seg.sizeBytes += r.size;
    if (r.timestamp > seg.maxTimestamp) seg.maxTimestamp = r.timestamp;
    this._sizeBytes += r.size;
  }

  /** An empty slot at the log end: an offset a compacted leader no longer had. */
  private appendHole(): void {
    this.records.push(undefined);
    this.activeSegment.recordCount++;
    this.holes++;
  }

  // ---------------------------------------------------------------------------------------
  // Reads

  /**
   * Records from `fromOffset`, contiguous, at most `maxRecords` (default: all), up to the log
   * end offset or, with HIGH_WATERMARK isolation, up to the high watermark (UnifiedLog.read).
   * Throws {@link OffsetOutOfRangeError} if `fromOffset` is below the log start offset or
   * beyond the log end offset. Reading at the log end offset (or at/after the high watermark
   * under HIGH_WATERMARK) returns [].
   */
  read(fromOffset: number, maxRecords = Infinity, isolation: FetchIsolation = 'LOG_END'): LogRecord<V>[] {
    const leo = this.logEndOffset;
    if (!Number.isSafeInteger(fromOffset) || fromOffset < this._logStartOffset || fromOffset > leo) {
      throw new OffsetOutOfRangeError(fromOffset, this._logStartOffset, leo);
    }
    if (!(maxRecords >= 0)) throw new RangeError(`maxRecords must be >= 0, got ${maxRecords}`);
    const upper = isolation === 'HIGH_WATERMARK' ? this._highWatermark : leo;
    const base = this.firstStoredOffset;
    if (this.holes === 0) {
      const end = Math.min(upper, fromOffset + maxRecords);
      if (end <= fromOffset) return [];
      return this.records.slice(fromOffset - base, end - base) as LogRecord<V>[];
    }
    // Compacted: from the first record kept at or after `fromOffset` (Kafka's read returns the
    // first batch whose last offset is at or past the fetch offset).
    const out: LogRecord<V>[] = [];
    for (let o = fromOffset; o < upper && out.length < maxRecords; o++) {
      const r = this.records[o - base];
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** The record at `offset`, or undefined if it is below the log start offset or at/after the end. */
  recordAt(offset: number): LogRecord<V> | undefined {
    if (offset < this._logStartOffset || offset >= this.logEndOffset) return undefined;
    return this.records[offset - this.firstStoredOffset];
  }

  /**
   * Every stored record, oldest first, including those below the log start offset that wait
   * for their segment to be deleted: what is on disk, for a crash simulation to cut and hand to
   * {@link PartitionLog.recover}. Not a client read: use {@link read}.
   */
  storedRecords(): LogRecord<V>[] {
    return this.holes === 0 ? (this.records.slice() as LogRecord<V>[]) : this.records.filter((r): r is LogRecord<V> => r !== undefined);
  }

  /** How many offsets below the log end hold no record (the cleaner's or the leader's gaps). */
  get emptyOffsets(): number {
    return this.holes;
  }

  /** A snapshot of the segments, oldest first; the last one is the active segment. */
  segments(): readonly SegmentInfo[] {
    const last = this.segs.length - 1;
    return this.segs.map((s, i) => s.info(i === last));
  }

  // ---------------------------------------------------------------------------------------
  // Truncation

  /**
   * Drop every record at or above `targetOffset` (UnifiedLog.truncateTo). Kafka's rules:
   *
   * - a negative target throws;
   * - if `targetOffset >= LEO` no record is dropped, but the epoch cache is still truncated
   *   from the end at LEO: a leader that assigned its epoch and then lost leadership before
   *   appending leaves a stale entry there;
   * - if `targetOffset` is below the first segment's base offset, the log is emptied and
   *   restarts at `targetOffset` (truncateFullyAndStartAt);
   * - otherwise segments whose base offset is above the target are deleted, the last one kept
   *   is cut at the target, the epoch cache is truncated from the end at the target,
   *   the log start offset becomes min(logStartOffset, target), and a high watermark at or
   *   beyond the new log end offset comes down to it.
   *
   * @returns true iff records were dropped (targetOffset < LEO)
   */
  truncateTo(targetOffset: number): boolean {
    if (!Number.isSafeInteger(targetOffset) || targetOffset < 0) {
      throw new RangeError(`Cannot truncate to a negative offset (${targetOffset})`);
    }
    const leo = this.logEndOffset;
    if (targetOffset >= leo) {
      this.epochCache.truncateFromEnd(leo);
      return false;
    }
    if (this.firstStoredOffset > targetOffset) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    // LocalLog.truncateTo: delete segments with baseOffset > target, cut the last one kept.
    let k = this.segs.length;
    while (k > 1 && this.segs[k - 1]!.baseOffset > targetOffset) k--;
    this.segs.length = k;
    const active = this.activeSegment;
    const base = this.firstStoredOffset;
    this.records.length = targetOffset - base;
    if (this.holes > 0) this.countHoles();
    active.recordCount = targetOffset - active.baseOffset;
    this.recomputeSegment(active);
    this._sizeBytes = 0;
    for (const s of this.segs) this._sizeBytes += s.sizeBytes;
    this.epochCache.truncateFromEnd(targetOffset);
    this._logStartOffset = Math.min(targetOffset, this._logStartOffset);
    if (this._highWatermark >= targetOffset) this._highWatermark = targetOffset;
    return true;
  }

  /**
   * Delete every record and restart the log empty at `newOffset` (UnifiedLog.truncateFullyAndStartAt):
   * a follower whose fetch offset is out of the leader's range does this. The epoch cache is
   * cleared; the log start offset becomes `logStartOffset` (default `newOffset`, never above
   * it) and the high watermark the new log end offset.
   */
  truncateFullyAndStartAt(newOffset: number, logStartOffset: number = newOffset): void {
    checkOffset('newOffset', newOffset);
    checkOffset('logStartOffset', logStartOffset);
    if (logStartOffset > newOffset) {
      throw new RangeError(`logStartOffset ${logStartOffset} is beyond the new log end offset ${newOffset}`);
    }
    this.records = [];
    this.holes = 0;
    this.segs = [new Segment(newOffset)];
    this._sizeBytes = 0;
    this.epochCache.clear();
    this._logStartOffset = logStartOffset;
    this._highWatermark = newOffset;
  }

  private countHoles(): void {
    let n = 0;
    for (const r of this.records) if (r === undefined) n++;
    this.holes = n;
  }

  private recomputeSegment(seg: Segment): void {
    const from = seg.baseOffset - this.firstStoredOffset;
    let size = 0;
    let maxTs = -1;
    for (let i = from; i < from + seg.recordCount; i++) {
      const r = this.records[i];
      if (r === undefined) continue;
      size += r.size;
      if (r.timestamp > maxTs) maxTs = r.timestamp;
    }
    seg.sizeBytes = size;
    seg.maxTimestamp = maxTs;
  }

  // ---------------------------------------------------------------------------------------
  // High watermark and log start offset

  /**
   * Set the high watermark to `hw` clamped to [logStartOffset, logEndOffset]
   * (UnifiedLog.updateHighWatermark). Unconditional: it may go *down*. Kafka uses it when a
   * leader initializes its high watermark and when a follower takes the leader's high
   * watermark (maybeUpdateHighWatermark); the monotonic variant is
   * {@link maybeIncrementHighWatermark}. Truncation lowers the high watermark on its own.
   *
   * @returns the new high watermark
   */
  updateHighWatermark(hw: number): number {
    if (Number.isNaN(hw)) throw new RangeError('High watermark must be a number');
    const leo = this.logEndOffset;
    this._highWatermark = hw < this._logStartOffset ? this._logStartOffset : hw >= leo ? leo : hw;
    return this._highWatermark;
  }

  /**
   * The leader's update, after followers' fetch offsets moved (UnifiedLog.maybeIncrementHighWatermark):
   * the high watermark only goes up. A value beyond the log end offset is a bug in the caller
   * and throws, as in Kafka.
   *
   * @returns the old high watermark if it changed, undefined otherwise
   */
  maybeIncrementHighWatermark(hw: number): number | undefined {
    if (hw > this.logEndOffset) {
      throw new RangeError(`High watermark ${hw} update exceeds current log end offset ${this.logEndOffset}`);
    }
    const old = this._highWatermark;
    if (hw > old) {
      this._highWatermark = hw;
      return old;
    }
    return undefined;
  }

  /**
   * The follower's update from the leader's high watermark in a fetch response
   * (UnifiedLog.maybeUpdateHighWatermark): clamped like {@link updateHighWatermark}.
   *
   * @returns the new high watermark if it changed, undefined otherwise
   */
  maybeUpdateHighWatermark(hw: number): number | undefined {
    const old = this._highWatermark;
    const now = this.updateHighWatermark(hw);
    return now === old ? undefined : now;
  }

  /**
   * Move the log start offset up to `offset` (DeleteRecords, KIP-107;
   * UnifiedLog.maybeIncrementLogStartOffset). Throws {@link OffsetOutOfRangeError} if `offset`
   * is beyond the high watermark: the log start offset never passes it, so a consumer that
   * seeks to "earliest" never gets OFFSET_OUT_OF_RANGE. A smaller offset is ignored. The epoch
   * cache is truncated from the start. Records are not deleted here: whole segments below the
   * new log start offset go at the next {@link applyRetention}.
   *
   * @returns whether the log start offset moved
   */
  maybeIncrementLogStartOffset(offset: number): boolean {
    if (Number.isNaN(offset)) throw new RangeError('Log start offset must be a number');
    if (offset > this._highWatermark) {
      throw new OffsetOutOfRangeError(
        offset,
        this._logStartOffset,
        this.logEndOffset,
        `Cannot increment the log start offset to ${offset} since it is larger than the high watermark ${this._highWatermark}`,
      );
    }
    if (offset <= this._logStartOffset) return false;
    this._logStartOffset = offset;
    this.epochCache.truncateFromStart(offset);
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Retention

  /**
   * Delete old segments (UnifiedLog.deleteOldSegments with cleanup.policy=delete), in Kafka's
   * order: segments wholly below the log start offset, then retention.bytes, then retention.ms.
   *
   * Each pass walks the segments oldest first and stops at the first one it may not delete.
   * A segment may be deleted only if
   * - it is closed (never the active segment; see spec/log.md for how Kafka differs), and
   * - every offset in it is below the high watermark: the next segment's base offset <= HW,
   *   so the log start offset never passes the high watermark (deletableSegments);
   * and its pass's predicate holds:
   * - LogStartOffsetBreach: the next segment's base offset <= logStartOffset;
   * - RetentionSizeBreach: runs only if size >= retentionBytes; deletes while
   *   `size - retentionBytes - (sizes deleted so far) - segment.size >= 0`, i.e. while what
   *   remains after the deletion is still >= retentionBytes;
   * - RetentionMsBreach: `now - segment.maxTimestamp > retentionMs`.
   *
   * After each pass the log start offset moves up to the base offset of the segment after
   * the last one deleted, and the epoch cache is truncated from the start there.
   */
  applyRetention(now: number): RetentionResult {
    const deletedSegments: SegmentInfo[] = [];
    const reasons: SegmentDeletionReason[] = [];
    const run = (
      reason: SegmentDeletionReason,
      predicate: (s: Segment, nextBaseOffset: number) => boolean,
    ): void => {
      let k = 0;
      // Closed segments only: the last one is never a candidate.
      while (k < this.segs.length - 1) {
        const s = this.segs[k]!;
        const upperBound = this.segs[k + 1]!.baseOffset;
        if (!(this._highWatermark >= upperBound && predicate(s, upperBound))) break;
        k++;
      }
      if (k === 0) return;
      const removed = this.segs.splice(0, k);
      let count = 0;
      for (const s of removed) {
        deletedSegments.push(s.info(false));
        reasons.push(reason);
        count += s.recordCount;
        this._sizeBytes -= s.sizeBytes;
      }
      this.records.splice(0, count);
      if (this.holes > 0) this.countHoles();
      const newStart = this.firstStoredOffset;
      if (newStart > this._logStartOffset) {
        this._logStartOffset = newStart;
        this.epochCache.truncateFromStart(newStart);
      }
    };

    run('LogStartOffsetBreach', (_s, nextBaseOffset) => nextBaseOffset <= this._logStartOffset);

    const retentionBytes = this.config.retentionBytes;
    if (retentionBytes !== null && this._sizeBytes >= retentionBytes) {
      let diff = this._sizeBytes - retentionBytes;
      run('RetentionSizeBreach', (s) => {
        if (diff - s.sizeBytes >= 0) {
          diff -= s.sizeBytes;
          return true;
        }
        return false;
      });
    }

    const retentionMs = this.config.retentionMs;
    if (retentionMs !== null) {
      run('RetentionMsBreach', (s) => now - s.maxTimestamp > retentionMs);
    }

    return { deletedSegments, reasons, logStartOffset: this._logStartOffset };
  }

  // ---------------------------------------------------------------------------------------
  // Compaction

  /**
   * One pass of the log cleaner over a `cleanup.policy=compact` log (LogCleaner's Cleaner.clean):
   * below the first uncleanable offset, a record is removed when a later record of the same key
   * sits below that offset too (the offset map is built from the same range). The first
   * uncleanable offset is the least of the active segment's base offset (the active segment is
   * never cleaned) and `opts.upTo` (LogCleanerManager.cleanableOffsets).
   *
   * Kept whatever their key, as Kafka keeps them:
   * - keyless records (Kafka refuses them on a compacted topic; the model's internal writers
   *   always set one);
   * - the last record of each producer in the log, so that its sequence and epoch survive a
   *   rebuild of the producer state (LogCleaner keeps the last batch of each active producer);
   * - the last record below the first uncleanable offset, so the log never loses its end
   *   (KAFKA-17076 retains the cleaned range's last batch, even empty);
   * - whatever `opts.pinned` says (the model keeps transactional records and markers; Kafka
   *   removes aborted data and, after delete.retention.ms, markers: spec/log.md).
   *
   * Offsets, the epoch cache, the log start offset and the high watermark do not move; removed
   * offsets become empty slots. The model has no tombstones (its writers never send a null
   * value), so delete.retention.ms has nothing to act on. Segments are not merged.
   */
  compact(opts: CompactOptions<V>): CompactResult {
    const base = this.firstStoredOffset;
    const end = Math.min(this.activeSegment.baseOffset, opts.upTo);
    const from = Math.max(base, this._logStartOffset);
    if (end - 1 <= from) return { cleanedUpTo: Math.max(end, base), removed: 0 };
    const latest = new Map<string, number>();
    const lastOfProducer = new Map<number, number>();
    for (let o = base; o < this.logEndOffset; o++) {
      const r = this.records[o - base];
      if (r === undefined) continue;
      const pid = opts.producerOf?.(r);
      if (pid !== undefined) lastOfProducer.set(pid, o);
      if (o < end && r.key !== null && !opts.pinned?.(r)) latest.set(r.key, o);
    }
    let removed = 0;
    for (let o = from; o < end - 1; o++) {
      const r = this.records[o - base];
      if (r === undefined || r.key === null || opts.pinned?.(r)) continue;
      if (latest.get(r.key)! <= o) continue;
      const pid = opts.producerOf?.(r);
      if (pid !== undefined && lastOfProducer.get(pid) === o) continue;
      this.records[o - base] = undefined;
      this.holes++;
      removed++;
    }
    if (removed > 0) {
      this._sizeBytes = 0;
      for (const seg of this.segs) {
        if (seg.baseOffset < end) this.recomputeSegment(seg);
        this._sizeBytes += seg.sizeBytes;
      }
    }
    return { cleanedUpTo: end, removed };
  }
}
