import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../src/log/partition-log.js';
import { OffsetsOutOfOrderError, UnexpectedAppendOffsetError } from '../../src/log/errors.js';
import type { LogRecord } from '../../src/log/record.js';

type V = { pid?: number; txn?: boolean };

function build(keys: (string | null)[], segmentBytes: number, producers: (number | undefined)[] = []): PartitionLog<V> {
  const log = new PartitionLog<V>({ segmentBytes, compact: true });
  keys.forEach((key, i) => log.appendAsLeader([{ key, value: { ...(producers[i] === undefined ? {} : { pid: producers[i] }) }, timestamp: i }], 0));
  return log;
}

/** The disk image of a log: one entry per offset from the first stored one, null where it is empty. */
function diskImage(log: PartitionLog<V>): (LogRecord<V> | null)[] {
  const out: (LogRecord<V> | null)[] = [];
  for (let o = log.segments()[0]!.baseOffset; o < log.logEndOffset; o++) out.push(log.recordAt(o) ?? null);
  return out;
}

describe('log compaction (cleanup.policy=compact)', () => {
  it('keeps the latest record of each key below the active segment, and the active segment whole', () => {
    const log = build(['a', 'b', 'a', 'c', 'b', 'a', 'a'], 2);
    // Segments [0,1] [2,3] [4,5] [6]: the active one starts at 6.
    const r = log.compact({ upTo: Infinity });
    expect(r.cleanedUpTo).toBe(6);
    const kept = log.read(0).map((x) => `${x.offset}:${x.key}`);
    // a@0, b@1, a@2 are superseded below 6; a@5 is the range's last record, kept; a@6 is active.
    expect(kept).toEqual(['3:c', '4:b', '5:a', '6:a']);
    expect(log.emptyOffsets).toBe(3);
    expect(log.logEndOffset).toBe(7);
    expect(log.sizeInBytes).toBe(4);
  });

  it('stops at the caller bound (the last stable offset, or the high watermark since KAFKA-13194)', () => {
    const log = build(['a', 'a', 'a', 'a', 'a'], 1);
    expect(log.compact({ upTo: 2 })).toEqual({ cleanedUpTo: 2, removed: 1 });
    expect(log.read(0).map((x) => x.offset)).toEqual([1, 2, 3, 4]);
  });

  it('keeps keyless records, pinned records and the last record of each producer', () => {
    const log = build(['a', null, 'a', 'a', 'b', 'b', 'c'], 1, [7, undefined, 8, 8, undefined, undefined, undefined]);
    log.compact({ upTo: Infinity, producerOf: (r) => r.value.pid, pinned: (r) => r.offset === 2 });
    // a@0 is producer 7's last record; null@1 has no key; a@2 is pinned (and supersedes nothing);
    // a@3 is producer 8's last; b@4 is superseded by b@5; c@6 is the active segment.
    expect(log.read(0).map((x) => x.offset)).toEqual([0, 1, 2, 3, 5, 6]);
  });

  it('reads skip empty offsets; a read from an empty offset starts at the next record', () => {
    const log = build(['a', 'a', 'a', 'b', 'c'], 1);
    log.compact({ upTo: Infinity });
    expect(log.read(0, 1).map((x) => x.offset)).toEqual([2]);
    expect(log.read(1, 2).map((x) => x.offset)).toEqual([2, 3]);
    log.updateHighWatermark(2);
    expect(log.read(0, Infinity, 'HIGH_WATERMARK')).toEqual([]);
    expect(log.recordAt(0)).toBeUndefined();
  });

  it('a follower of a compacted log accepts gaps; a log that is not compacted still refuses them', () => {
    const leader = build(['a', 'a', 'a', 'b', 'c'], 1);
    leader.compact({ upTo: Infinity });
    const follower = new PartitionLog<V>({ segmentBytes: 1, compact: true });
    follower.appendAsFollower(leader.read(0));
    expect(follower.logEndOffset).toBe(5);
    expect(follower.read(0)).toEqual(leader.read(0));
    expect(() => follower.appendAsFollower(leader.read(4))).toThrow(UnexpectedAppendOffsetError);
    const dense = new PartitionLog<V>({ segmentBytes: 1 });
    expect(() => dense.appendAsFollower(leader.read(0))).toThrow(UnexpectedAppendOffsetError);
    const shuffled = [leader.recordAt(3)!, leader.recordAt(2)!];
    expect(() => new PartitionLog<V>({ compact: true }).appendAsFollower(shuffled)).toThrow(OffsetsOutOfOrderError);
  });

  it('truncation and retention keep the count of empty offsets right', () => {
    const log = build(['a', 'a', 'a', 'b', 'a', 'c'], 1);
    log.compact({ upTo: Infinity });
    expect(log.emptyOffsets).toBe(3);
    log.truncateTo(2);
    expect(log.emptyOffsets).toBe(2);
    expect(log.read(0)).toEqual([]);
    log.appendAsLeader([{ key: 'd', value: {}, timestamp: 9 }], 1);
    expect(log.read(0).map((x) => x.offset)).toEqual([2]);
  });

  it('property [log-compaction-latest]: compaction removes only superseded records, and followers and recovery see the same log', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null, freq: 8 }), { minLength: 0, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(35),
        (keys, segmentBytes, upTo) => {
          const log = build(keys, segmentBytes);
          const before = log.read(0);
          const { cleanedUpTo } = log.compact({ upTo });
          const after = log.read(0);
          // Every record kept is the very record that was there.
          for (const r of after) expect(before[r.offset]).toBe(r);
          for (const r of before) {
            if (after.includes(r)) continue;
            // Removed only below the bound, with a later record of its key below it too.
            expect(r.offset).toBeLessThan(cleanedUpTo - 1);
            expect(r.key).not.toBeNull();
            expect(before.some((x) => x.key === r.key && x.offset > r.offset && x.offset < cleanedUpTo)).toBe(true);
          }
          // Per key, the latest record is always kept.
          const latest = new Map<string, LogRecord<V>>();
          for (const r of before) if (r.key !== null) latest.set(r.key, r);
          for (const r of latest.values()) expect(after).toContain(r);
          expect(log.logEndOffset).toBe(keys.length);
          // A follower fetching from the start, in pieces, ends with the same log.
          const follower = new PartitionLog<V>({ segmentBytes, compact: true });
          while (follower.logEndOffset < log.logEndOffset) follower.appendAsFollower(log.read(follower.logEndOffset, 3));
          expect(follower.read(0)).toEqual(after);
          // Recovery from the disk image (empty entries included) gives the same log back.
          const recovered = PartitionLog.recover(diskImage(log) as LogRecord<V>[], { segmentBytes, compact: true });
          expect(recovered.read(0)).toEqual(after);
          expect(recovered.logEndOffset).toBe(log.logEndOffset);
        },
      ),
      { numRuns: 300, seed: 848 },
    );
  });
});
