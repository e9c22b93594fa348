/**
 * Log segments: the unit of rolling and of retention. Kafka's LogSegment keeps a .log file and
 * three indexes; the model keeps only what rolling and retention read (size, count, max
 * timestamp) and the file name, which shows in diagrams and matches a real broker's directory.
 */
import { NO_TIMESTAMP } from './record.js';

/** A snapshot of one segment, as `PartitionLog.segments()` reports it. */
export interface SegmentInfo {
  /** Offset of the segment's first record (or of its first record to come, if empty). */
  readonly baseOffset: number;
  /** `00000000000000000000.log`: the base offset, 20 digits, zero padded (LogFileUtils). */
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly recordCount: number;
  /** Largest record timestamp in the segment, NO_TIMESTAMP (-1) when it is empty. */
  readonly maxTimestamp: number;
  /** Offset of the last record; `baseOffset - 1` when the segment is empty. */
  readonly lastOffset: number;
  /** `lastOffset + 1`: where the next segment starts (Kafka's readNextOffset). */
  readonly nextOffset: number;
  /** Whether this is the active segment, the last one, the only one that takes appends. */
  readonly active: boolean;
}

/** Kafka's LogFileUtils.filenamePrefixFromOffset + ".log". */
export function logFileName(baseOffset: number): string {
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) {
    throw new RangeError(`A segment base offset must be a non-negative integer, got ${baseOffset}`);
  }
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/** Mutable segment bookkeeping, private to the log. Records live in the log's one array. */
export class Segment {
  sizeBytes = 0;
  recordCount = 0;
  maxTimestamp = NO_TIMESTAMP;

  constructor(readonly baseOffset: number) {}

  get nextOffset(): number {
    return this.baseOffset + this.recordCount;
  }

  info(active: boolean): SegmentInfo {
    return {
      baseOffset: this.baseOffset,
      fileName: logFileName(this.baseOffset),
      sizeBytes: this.sizeBytes,
      recordCount: this.recordCount,
      maxTimestamp: this.maxTimestamp,
      lastOffset: this.baseOffset + this.recordCount - 1,
      nextOffset: this.baseOffset + this.recordCount,
      active,
    };
  }
}
