/**
 * Example tests of the partition log's rules, one Kafka behaviour each. The random,
 * model-based checks are in partition-log.model.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  OffsetOutOfRangeError,
  OffsetsOutOfOrderError,
  PartitionLog,
  UnexpectedAppendOffsetError,
  logFileName,
  type AppendEntry,
  type LogRecord,
} from '../../src/log/index.js';

const entries = (n: number, ts = 0, size?: number): AppendEntry<string>[] =>
  Array.from({ length: n }, (_, i) => ({ key: null, value: `v${i}`, timestamp: ts + i, ...(size === undefined ? {} : { size }) }));

const rec = (offset: number, leaderEpoch: number, size = 1, timestamp = 0): LogRecord<string> => ({
  offset,
  leaderEpoch,
  timestamp,
  key: null,
  value: `r${offset}`,
  size,
});

describe('append and read [log-dense-offsets, log-contiguous-read]', () => {
  it('assigns dense offsets from the log start offset and stamps the leader epoch', () => {
    const log = new PartitionLog<string>({}, 5);
    expect(log.logEndOffset).toBe(5);
    expect(log.appendAsLeader(entries(3), 1)).toEqual({ firstOffset: 5, lastOffset: 7 });
    expect(log.appendAsLeader(entries(2), 1)).toEqual({ firstOffset: 8, lastOffset: 9 });
    expect(log.read(5).map((r) => [r.offset, r.leaderEpoch])).toEqual([
      [5, 1], [6, 1], [7, 1], [8, 1], [9, 1],
    ]);
    expect(log.epochCache.entries()).toEqual([{ epoch: 1, startOffset: 5 }]);
    expect(log.read(5)[0]!.size).toBe(1);
  });

  it('an empty leader append changes nothing, not even the epoch cache', () => {
    const log = new PartitionLog<string>();
    expect(log.appendAsLeader([], 3)).toEqual({ firstOffset: 0, lastOffset: -1 });
    expect(log.epochCache.entries()).toEqual([]);
  });

  it('rejects a bad entry without appending any of the batch', () => {
    const log = new PartitionLog<string>();
    const bad = [...entries(2), { key: null, value: 'x', timestamp: 0, size: -1 }];
    expect(() => log.appendAsLeader(bad, 0)).toThrow(InvalidRecordError);
    expect(() => log.appendAsLeader(entries(1), -1)).toThrow(InvalidRecordError);
    expect(log.logEndOffset).toBe(0);
  });

  it('reads are contiguous, bounded by maxRecords and by the high watermark under HIGH_WATERMARK', () => {
    const log = new PartitionLog<string>();
    log.appendAsLeader(entries(10), 0);
    expect(log.read(3, 4).map((r) => r.offset)).toEqual([3, 4, 5, 6]);
    expect(log.read(10)).toEqual([]);
    expect(log.read(0, 100, 'HIGH_WATERMARK')).toEqual([]);
    log.updateHighWatermark(4);
    expect(log.read(2, 100, 'HIGH_WATERMARK').map((r) => r.offset)).toEqual([2, 3]);
    expect(log.read(6, 100, 'HIGH_WATERMARK')).toEqual([]);
  });

  it('reading below the log start offset or beyond the log end offset is OffsetOutOfRange', () => {
    const log = new PartitionLog<string>({}, 3);
    log.appendAsLeader(entries(2), 0);
    expect(() => log.read(2)).toThrow(OffsetOutOfRangeError);
    expect(() => log.read(6)).toThrow(OffsetOutOfRangeError);
    expect(log.recordAt(2)).toBeUndefined();
    expect(log.recordAt(5)).toBeUndefined();
    expect(log.recordAt(4)?.value).toBe('v1');
  });

  it('stored records are frozen', () => {
    const log = new PartitionLog<string>();
    log.appendAsLeader(entries(1), 0);
    expect(Object.isFrozen(log.recordAt(0))).toBe(true);
  });
});

describe('config', () => {
  it("defaults to Kafka's, an explicit undefined means default, null or negative means no limit", () => {
    expect(new PartitionLog().config).toEqual({ segmentBytes: 1073741824, retentionMs: 604800000, retentionBytes: null, compact: false });
    expect(new PartitionLog({ retentionMs: undefined, retentionBytes: 5 }).config.retentionMs).toBe(604800000);
    expect(new PartitionLog({ retentionMs: null }).config.retentionMs).toBeNull();
    expect(new PartitionLog({ retentionMs: -1, retentionBytes: -1 }).config).toMatchObject({ retentionMs: null, retentionBytes: null });
    expect(() => new PartitionLog({ segmentBytes: 0 })).toThrow(RangeError);
    expect(() => new PartitionLog({ retentionMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('follower append [log-follower-append]', () => {
  it('keeps offsets and epochs and records each new epoch', () => {
    const log = new PartitionLog<string>();
    log.appendAsFollower([rec(0, 1), rec(1, 1), rec(2, 3), rec(3, 3)]);
    expect(log.logEndOffset).toBe(4);
    expect(log.epochCache.entries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
    ]);
    expect(log.recordAt(2)).toEqual(rec(2, 3));
  });

  it('throws UnexpectedAppendOffset unless the first offset is the log end offset', () => {
    const log = new PartitionLog<string>();
    log.appendAsFollower([rec(0, 0)]);
    expect(() => log.appendAsFollower([rec(0, 0)])).toThrow(UnexpectedAppendOffsetError);
    expect(() => log.appendAsFollower([rec(2, 0)])).toThrow(UnexpectedAppendOffsetError);
    expect(() => log.appendAsFollower([rec(1, 0)])).not.toThrow();
  });

  it('throws OffsetsOutOfOrder on a gap or a repeat, appending nothing', () => {
    const log = new PartitionLog<string>();
    expect(() => log.appendAsFollower([rec(0, 0), rec(2, 0)])).toThrow(OffsetsOutOfOrderError);
    expect(() => log.appendAsFollower([rec(0, 0), rec(0, 0)])).toThrow(OffsetsOutOfOrderError);
    expect(() => log.appendAsFollower([rec(0, 0), rec(1, -1)])).toThrow(InvalidRecordError);
    expect(log.logEndOffset).toBe(0);
    expect(log.epochCache.entries()).toEqual([]);
  });
});

describe('segments [log-segment-roll, log-segment-naming]', () => {
  it('names segment files by their base offset, 20 digits', () => {
    expect(logFileName(0)).toBe('00000000000000000000.log');
    expect(logFileName(1234)).toBe('00000000000000001234.log');
    expect(logFileName(Number.MAX_SAFE_INTEGER)).toBe('00009007199254740991.log');
    expect(() => logFileName(-1)).toThrow(RangeError);
    const log = new PartitionLog<string>({}, 42);
    expect(log.segments().map((s) => s.fileName)).toEqual(['00000000000000000042.log']);
  });

  it('rolls when the next record would take the active segment past segmentBytes', () => {
    const log = new PartitionLog<string>({ segmentBytes: 10 });
    log.appendAsLeader(entries(3, 0, 4), 0); // 4, 8 | 4
    log.appendAsLeader(entries(1, 0, 6), 0); // 4+6 = 10, fits
    log.appendAsLeader(entries(1, 0, 1), 0); // 11 > 10: roll
    expect(log.segments().map((s) => [s.baseOffset, s.recordCount, s.sizeBytes, s.active])).toEqual([
      [0, 2, 8, false],
      [2, 2, 10, false],
      [4, 1, 1, true],
    ]);
    expect(log.sizeInBytes).toBe(19);
  });

  it('a record larger than segmentBytes gets a segment of its own', () => {
    const log = new PartitionLog<string>({ segmentBytes: 3 });
    log.appendAsLeader(entries(1, 0, 1), 0);
    log.appendAsLeader(entries(1, 0, 7), 0);
    log.appendAsLeader(entries(1, 0, 1), 0);
    expect(log.segments().map((s) => [s.baseOffset, s.recordCount, s.sizeBytes])).toEqual([
      [0, 1, 1],
      [1, 1, 7],
      [2, 1, 1],
    ]);
  });

  it('reports the max timestamp and last offset of each segment', () => {
    const log = new PartitionLog<string>({ segmentBytes: 2 });
    log.appendAsLeader([
      { key: null, value: 'a', timestamp: 50 },
      { key: null, value: 'b', timestamp: 20 },
      { key: null, value: 'c', timestamp: 30 },
    ], 0);
    const [s0, s1] = log.segments();
    expect(s0).toMatchObject({ baseOffset: 0, lastOffset: 1, nextOffset: 2, maxTimestamp: 50 });
    expect(s1).toMatchObject({ baseOffset: 2, lastOffset: 2, nextOffset: 3, maxTimestamp: 30, active: true });
    expect(new PartitionLog().segments()[0]).toMatchObject({ recordCount: 0, lastOffset: -1, maxTimestamp: -1 });
  });
});

describe('truncation [log-truncate-exact]', () => {
  const threeEpochs = (): PartitionLog<string> => {
    const log = new PartitionLog<string>({ segmentBytes: 3 });
    log.appendAsLeader(entries(4), 1); // 0..3
    log.appendAsLeader(entries(4), 2); // 4..7
    log.appendAsLeader(entries(2), 4); // 8..9
    return log;
  };

  it('drops offsets >= target, deletes segments above it, truncates the epoch cache from the end', () => {
    const log = threeEpochs();
    log.updateHighWatermark(9);
    expect(log.truncateTo(5)).toBe(true);
    expect(log.logEndOffset).toBe(5);
    expect(log.read(0).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(log.epochCache.entries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 4 },
    ]);
    expect(log.segments().map((s) => [s.baseOffset, s.recordCount])).toEqual([[0, 3], [3, 2]]);
    expect(log.highWatermark).toBe(5);
    // New records take the truncated offsets: offsets are dense, not globally unique.
    expect(log.appendAsLeader(entries(1), 5)).toEqual({ firstOffset: 5, lastOffset: 5 });
    expect(log.recordAt(5)?.leaderEpoch).toBe(5);
  });

  it('truncating to a segment base offset keeps that segment, empty and active', () => {
    const log = threeEpochs();
    log.truncateTo(6);
    expect(log.segments().map((s) => [s.baseOffset, s.recordCount, s.active])).toEqual([
      [0, 3, false], [3, 3, false], [6, 0, true],
    ]);
  });

  it('at or beyond the log end offset: no data change, but the epoch cache is truncated at LEO', () => {
    const log = threeEpochs();
    // A leader that assigned its epoch and lost leadership before appending (Kafka's comment).
    log.maybeAssignEpochStartOffset(7, 10);
    expect(log.epochCache.latestEpoch()).toBe(7);
    expect(log.truncateTo(12)).toBe(false);
    expect(log.logEndOffset).toBe(10);
    expect(log.epochCache.latestEpoch()).toBe(4);
  });

  it('a high watermark below the target is kept', () => {
    const log = threeEpochs();
    log.updateHighWatermark(3);
    log.truncateTo(6);
    expect(log.highWatermark).toBe(3);
  });

  it('truncating below the log start offset pulls the log start offset down (Kafka: min)', () => {
    const log = threeEpochs();
    log.updateHighWatermark(10);
    log.maybeIncrementLogStartOffset(2);
    log.truncateTo(1);
    expect(log.logStartOffset).toBe(1);
    expect(log.logEndOffset).toBe(1);
    expect(log.read(1)).toEqual([]);
    expect(() => log.read(0)).toThrow(OffsetOutOfRangeError);
  });

  it('truncating below the first segment base restarts the log there', () => {
    const log = new PartitionLog<string>({}, 10);
    log.appendAsLeader(entries(3), 1);
    log.truncateTo(4);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([4, 4, 4]);
    expect(log.epochCache.entries()).toEqual([]);
    expect(log.segments().map((s) => s.baseOffset)).toEqual([4]);
  });

  it('rejects a negative target', () => {
    expect(() => new PartitionLog().truncateTo(-1)).toThrow(RangeError);
  });

  it('truncateFullyAndStartAt empties the log, clears the epoch cache, sets LSO and HW', () => {
    const log = threeEpochs();
    log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([100, 100, 100]);
    expect(log.epochCache.entries()).toEqual([]);
    expect(log.segments().map((s) => s.fileName)).toEqual(['00000000000000000100.log']);
    expect(log.sizeInBytes).toBe(0);
    log.truncateFullyAndStartAt(200, 150);
    expect(log.logStartOffset).toBe(150);
    expect(() => log.truncateFullyAndStartAt(10, 20)).toThrow(RangeError);
  });
});

describe('high watermark [log-hw-bounds]', () => {
  it('updateHighWatermark clamps to [LSO, LEO] and may go down', () => {
    const log = new PartitionLog<string>({}, 2);
    log.appendAsLeader(entries(5), 0);
    expect(log.updateHighWatermark(100)).toBe(7);
    expect(log.updateHighWatermark(0)).toBe(2);
    expect(log.updateHighWatermark(4)).toBe(4);
    expect(log.updateHighWatermark(3)).toBe(3);
  });

  it('maybeIncrementHighWatermark only goes up and refuses to pass LEO', () => {
    const log = new PartitionLog<string>();
    log.appendAsLeader(entries(5), 0);
    expect(log.maybeIncrementHighWatermark(3)).toBe(0);
    expect(log.maybeIncrementHighWatermark(2)).toBeUndefined();
    expect(log.highWatermark).toBe(3);
    expect(() => log.maybeIncrementHighWatermark(6)).toThrow(RangeError);
  });

  it('maybeUpdateHighWatermark reports a change only', () => {
    const log = new PartitionLog<string>();
    log.appendAsLeader(entries(5), 0);
    expect(log.maybeUpdateHighWatermark(9)).toBe(5);
    expect(log.maybeUpdateHighWatermark(5)).toBeUndefined();
  });
});

describe('log start offset [log-lso-bounds]', () => {
  it('moves up only, never beyond the high watermark, and truncates the epoch cache from the start', () => {
    const log = new PartitionLog<string>();
    log.appendAsLeader(entries(3), 1);
    log.appendAsLeader(entries(3), 2);
    log.updateHighWatermark(4);
    expect(() => log.maybeIncrementLogStartOffset(5)).toThrow(OffsetOutOfRangeError);
    expect(log.maybeIncrementLogStartOffset(4)).toBe(true);
    expect(log.maybeIncrementLogStartOffset(2)).toBe(false);
    expect(log.logStartOffset).toBe(4);
    expect(log.epochCache.entries()).toEqual([{ epoch: 2, startOffset: 4 }]);
    expect(() => log.read(3)).toThrow(OffsetOutOfRangeError);
    // The records below are still stored: only whole segments are deleted, by retention.
    expect(log.segments()[0]!.recordCount).toBe(6);
  });
});

describe('retention [log-retention-closed-segments, log-retention-below-hw, log-retention-rules]', () => {
  /** Segments of 2 records (size 1 each), timestamps = offset * 10. */
  const build = (n: number): PartitionLog<string> => {
    const log = new PartitionLog<string>({ segmentBytes: 2, retentionMs: null, retentionBytes: null });
    for (let i = 0; i < n; i++) log.appendAsLeader([{ key: null, value: `v${i}`, timestamp: i * 10 }], 0);
    return log;
  };
  const withConfig = (cfg: { retentionMs?: number | null; retentionBytes?: number | null }, n: number): PartitionLog<string> => {
    const log = new PartitionLog<string>({ segmentBytes: 2, retentionMs: null, retentionBytes: null, ...cfg });
    for (let i = 0; i < n; i++) log.appendAsLeader([{ key: null, value: `v${i}`, timestamp: i * 10 }], 0);
    return log;
  };

  it('nothing to do by default', () => {
    const log = build(7);
    log.updateHighWatermark(7);
    expect(log.applyRetention(1e12).deletedSegments).toEqual([]);
  });

  it('time: deletes closed segments whose max timestamp is more than retentionMs old (strictly)', () => {
    const log = withConfig({ retentionMs: 100 }, 7); // segments [0,1] ts<=10, [2,3] ts<=30, [4,5] ts<=50, [6]
    log.updateHighWatermark(7);
    // now - 30 > 100 iff now > 130
    let r = log.applyRetention(130);
    expect(r.deletedSegments.map((s) => s.baseOffset)).toEqual([0]);
    r = log.applyRetention(131);
    expect(r.deletedSegments.map((s) => s.baseOffset)).toEqual([2]);
    expect(r.reasons).toEqual(['RetentionMsBreach']);
    expect(log.logStartOffset).toBe(4);
    expect(log.read(4).map((x) => x.offset)).toEqual([4, 5, 6]);
  });

  it('never deletes the active segment, however old', () => {
    const log = withConfig({ retentionMs: 0, retentionBytes: 0 }, 5);
    log.updateHighWatermark(5);
    const r = log.applyRetention(1e9);
    expect(r.deletedSegments.map((s) => s.baseOffset)).toEqual([0, 2]);
    expect(log.segments().map((s) => [s.baseOffset, s.active])).toEqual([[4, true]]);
    expect(log.applyRetention(1e9).deletedSegments).toEqual([]);
  });

  it('never deletes a segment holding an offset at or above the high watermark', () => {
    const log = withConfig({ retentionMs: 0 }, 7);
    log.updateHighWatermark(3); // segment [2,3] holds offset 3 >= HW
    expect(log.applyRetention(1e9).deletedSegments.map((s) => s.baseOffset)).toEqual([0]);
    log.updateHighWatermark(4);
    expect(log.applyRetention(1e9).deletedSegments.map((s) => s.baseOffset)).toEqual([2]);
    expect(log.logStartOffset).toBeLessThanOrEqual(log.highWatermark);
  });

  it('size: deletes oldest closed segments while what remains stays >= retentionBytes', () => {
    // 7 records of size 1: total 7. retentionBytes 3: diff 4, delete [0,1] (diff 2), [2,3] (diff 0), stop.
    const log = withConfig({ retentionBytes: 3 }, 7);
    log.updateHighWatermark(7);
    const r = log.applyRetention(0);
    expect(r.deletedSegments.map((s) => s.baseOffset)).toEqual([0, 2]);
    expect(r.reasons).toEqual(['RetentionSizeBreach', 'RetentionSizeBreach']);
    expect(log.sizeInBytes).toBe(3);
    // retentionBytes 4 on 7: diff 3, delete [0,1] (diff 1), [2,3] would need 2 > 1: stop.
    const log2 = withConfig({ retentionBytes: 4 }, 7);
    log2.updateHighWatermark(7);
    expect(log2.applyRetention(0).deletedSegments.map((s) => s.baseOffset)).toEqual([0]);
    expect(log2.sizeInBytes).toBe(5);
  });

  it('size: does nothing while the log is smaller than retentionBytes', () => {
    const log = withConfig({ retentionBytes: 8 }, 7);
    log.updateHighWatermark(7);
    expect(log.applyRetention(0).deletedSegments).toEqual([]);
  });

  it('deletes segments wholly below the log start offset (after DeleteRecords), even with no retention limit', () => {
    const log = build(7);
    log.updateHighWatermark(7);
    log.maybeIncrementLogStartOffset(5);
    const r = log.applyRetention(0);
    expect(r.deletedSegments.map((s) => s.baseOffset)).toEqual([0, 2]);
    expect(r.reasons).toEqual(['LogStartOffsetBreach', 'LogStartOffsetBreach']);
    expect(log.logStartOffset).toBe(5);
    expect(log.segments()[0]!.baseOffset).toBe(4);
  });

  it('moves the epoch cache start up with the log start offset', () => {
    const log = new PartitionLog<string>({ segmentBytes: 2, retentionMs: 0 });
    log.appendAsLeader(entries(3), 1);
    log.appendAsLeader(entries(3), 2);
    log.updateHighWatermark(6);
    log.applyRetention(1e9);
    expect(log.logStartOffset).toBe(4);
    expect(log.epochCache.entries()).toEqual([{ epoch: 2, startOffset: 4 }]);
  });
});

describe('recover [log-recover-prefix]', () => {
  it('keeps the dense intact prefix and rebuilds the epoch cache from the records', () => {
    const records = [rec(10, 1), rec(11, 1), rec(12, 3), rec(14, 3), rec(15, 4)];
    const log = PartitionLog.recover(records, { segmentBytes: 2 }, { logStartOffset: 10, highWatermark: 99 });
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([10, 13, 13]);
    expect(log.epochCache.entries()).toEqual([
      { epoch: 1, startOffset: 10 },
      { epoch: 3, startOffset: 12 },
    ]);
    expect(log.segments().map((s) => s.baseOffset)).toEqual([10, 12]);
  });

  it('stops at a torn record', () => {
    const torn = { ...rec(2, 0), size: Number.NaN };
    const log = PartitionLog.recover([rec(0, 0), rec(1, 0), torn, rec(3, 0)]);
    expect(log.logEndOffset).toBe(2);
  });

  it('raises the log start offset to the first surviving record, keeps records below a checkpointed one', () => {
    expect(PartitionLog.recover([rec(5, 0), rec(6, 0)], {}, { logStartOffset: 2 }).logStartOffset).toBe(5);
    const log = PartitionLog.recover([rec(5, 0), rec(6, 0), rec(7, 1)], {}, { logStartOffset: 6, highWatermark: 7 });
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([6, 8, 7]);
    expect(log.epochCache.entries()).toEqual([{ epoch: 0, startOffset: 6 }, { epoch: 1, startOffset: 7 }]);
    expect(log.segments()[0]!.recordCount).toBe(3);
  });

  it('restarts empty at the checkpointed log start offset when less survived than that', () => {
    const log = PartitionLog.recover([rec(0, 0), rec(1, 0)], {}, { logStartOffset: 5, highWatermark: 9 });
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([5, 5, 5]);
    expect(log.epochCache.entries()).toEqual([]);
    const none = PartitionLog.recover<string>([], {}, { logStartOffset: 3 });
    expect([none.logStartOffset, none.logEndOffset]).toEqual([3, 3]);
  });

  it('high watermark defaults to the log start offset', () => {
    expect(PartitionLog.recover([rec(0, 0), rec(1, 0)]).highWatermark).toBe(0);
  });
});

describe('endOffsetForEpoch on the log [epoch-end-offset]', () => {
  it('answers OffsetsForLeaderEpoch against the log end offset, undefined when UNDEFINED', () => {
    const log = new PartitionLog<string>();
    expect(log.endOffsetForEpoch(0)).toBeUndefined();
    log.appendAsLeader(entries(3), 1);
    log.appendAsLeader(entries(2), 3);
    expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(log.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(log.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 3, endOffset: 5 });
    expect(log.endOffsetForEpoch(4)).toBeUndefined();
  });
});
