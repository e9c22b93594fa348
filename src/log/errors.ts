/**
 * Errors the partition log throws. Each mirrors the Kafka exception of the same situation,
 * so that a machine can map it to the protocol error code the broker would answer with.
 */

/** Base class: every error the log throws on purpose is a LogError. */
export class LogError extends Error {
  override readonly name: string = 'LogError';
}

/**
 * Kafka's OffsetOutOfRangeException (error code OFFSET_OUT_OF_RANGE, 1): a read below the log
 * start offset or beyond the log end offset, or a log start offset increment beyond the high
 * watermark (UnifiedLog.maybeIncrementLogStartOffset).
 */
export class OffsetOutOfRangeError extends LogError {
  override readonly name = 'OffsetOutOfRangeError';
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
    message?: string,
  ) {
    super(
      message ??
        `Offset ${offset} is out of range: the log holds [${logStartOffset}, ${logEndOffset})`,
    );
  }
}

/**
 * Kafka's UnexpectedAppendOffsetException: a follower append whose first offset is not the
 * log end offset. (Kafka throws it only when the first offset is *below* the log end offset:
 * with compaction a follower may legitimately see a gap. The model has no compaction, so a
 * gap is an error too.)
 */
export class UnexpectedAppendOffsetError extends LogError {
  override readonly name = 'UnexpectedAppendOffsetError';
  constructor(
    readonly firstOffset: number,
    readonly logEndOffset: number,
  ) {
    super(
      `Unexpected offset in follower append: first offset ${firstOffset} is not the log end offset ${logEndOffset}`,
    );
  }
}

/** Kafka's OffsetsOutOfOrderException: a follower append whose offsets are not dense. */
export class OffsetsOutOfOrderError extends LogError {
  override readonly name = 'OffsetsOutOfOrderError';
  constructor(
    readonly expectedOffset: number,
    readonly actualOffset: number,
  ) {
    super(
      `Offsets out of order in follower append: expected offset ${expectedOffset}, got ${actualOffset}`,
    );
  }
}

/** A malformed record or entry (negative epoch, non-integer size, ...). */
export class InvalidRecordError extends LogError {
  override readonly name = 'InvalidRecordError';
}
