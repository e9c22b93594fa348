/**
 * The leader epoch cache against Kafka's own edge cases (the scenarios of
 * LeaderEpochFileCacheTest, restated) and against a naive reference on random sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
  type EpochEntry,
} from '../../src/log/index.js';

const UNDEF = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
const e = (epoch: number, startOffset: number): EpochEntry => ({ epoch, startOffset });

function cacheOf(...pairs: [number, number][]): LeaderEpochCache {
  const c = new LeaderEpochCache();
  for (const [epoch, start] of pairs) c.assign(epoch, start);
  return c;
}

describe('LeaderEpochCache.assign [epoch-cache-monotonic]', () => {
  it('records a new epoch and answers LEO for it', () => {
    const c = cacheOf([2, 10]);
    expect(c.latestEpoch()).toBe(2);
    expect(c.entries()).toEqual([e(2, 10)]);
    expect(c.endOffsetFor(2, 11)).toEqual({ leaderEpoch: 2, endOffset: 11 });
  });

  it('never moves the start offset of the latest epoch up', () => {
    const c = cacheOf([2, 6]);
    expect(c.assign(2, 10)).toBe(false);
    expect(c.entries()).toEqual([e(2, 6)]);
  });

  it('moves the latest epoch down when it is assigned an earlier offset, dropping what conflicts', () => {
    const c = cacheOf([5, 11], [6, 12], [7, 13]);
    expect(c.assign(7, 12)).toBe(true);
    expect(c.entries()).toEqual([e(5, 11), e(7, 12)]);
    expect(c.endOffsetFor(5, 0)).toEqual({ leaderEpoch: 5, endOffset: 12 });
    expect(c.endOffsetFor(6, 0)).toEqual({ leaderEpoch: 5, endOffset: 12 });
  });

  it('a newer epoch at the same start offset replaces the older one', () => {
    const c = cacheOf([2, 9], [3, 9]);
    expect(c.entries()).toEqual([e(3, 9)]);
  });

  it('an older epoch at a later offset truncates the newer entries (Kafka keeps monotonicity by truncation)', () => {
    const c = cacheOf([1, 5], [2, 6], [1, 7]);
    expect(c.latestEpoch()).toBe(1);
    expect(c.entries()).toEqual([e(1, 7)]);
    expect(c.endOffsetFor(1, 8)).toEqual({ leaderEpoch: 1, endOffset: 8 });
    expect(c.endOffsetFor(2, 8)).toEqual(UNDEF);
  });

  it('a newer epoch at an earlier offset truncates entries at or after it', () => {
    const c = cacheOf([2, 6], [3, 5]);
    expect(c.entries()).toEqual([e(3, 5)]);
  });

  it('rejects negative epochs and offsets', () => {
    const c = new LeaderEpochCache();
    expect(() => c.assign(-1, 0)).toThrow(RangeError);
    expect(() => c.assign(0, -1)).toThrow(RangeError);
  });

  it('tracks epochs as leaders change many times, including an epoch that wrote nothing', () => {
    const c = cacheOf([0, 0], [1, 0]);
    expect(c.entries()).toEqual([e(1, 0)]);
    expect(c.endOffsetFor(1, 0)).toEqual({ leaderEpoch: 1, endOffset: 0 });
    // Epoch 0 is below the first cached epoch: Kafka answers with the first entry's start.
    expect(c.endOffsetFor(0, 0)).toEqual({ leaderEpoch: 0, endOffset: 0 });
    expect(c.endOffsetFor(1, 5)).toEqual({ leaderEpoch: 1, endOffset: 5 });
    c.assign(2, 5);
    expect(c.endOffsetFor(2, 10)).toEqual({ leaderEpoch: 2, endOffset: 10 });
    expect(c.endOffsetFor(1, 10)).toEqual({ leaderEpoch: 1, endOffset: 5 });
    expect(c.endOffsetFor(0, 10)).toEqual({ leaderEpoch: 0, endOffset: 0 });
  });
});

describe('LeaderEpochCache.endOffsetFor edge cases [epoch-end-offset]', () => {
  it('UNDEFINED_EPOCH requested: undefined, empty cache or not', () => {
    expect(new LeaderEpochCache().endOffsetFor(UNDEFINED_EPOCH, 73)).toEqual(UNDEF);
    expect(cacheOf([2, 11], [3, 12]).endOffsetFor(UNDEFINED_EPOCH, 0)).toEqual(UNDEF);
  });

  it('empty cache: undefined for any epoch', () => {
    expect(new LeaderEpochCache().endOffsetFor(0, 0)).toEqual(UNDEF);
    expect(new LeaderEpochCache().endOffsetFor(7, 0)).toEqual(UNDEF);
  });

  it('requested above the latest epoch: undefined', () => {
    expect(cacheOf([2, 100]).endOffsetFor(3, 100)).toEqual(UNDEF);
  });

  it('requested below the first epoch: (requested, first start offset), not undefined', () => {
    expect(cacheOf([5, 11], [6, 12], [7, 13]).endOffsetFor(4, 0)).toEqual({ leaderEpoch: 4, endOffset: 11 });
  });

  it('requested epoch missing between two cached: floor epoch, next start offset (KIP-279)', () => {
    const c = cacheOf([0, 10], [2, 13], [4, 17]);
    expect(c.endOffsetFor(1, 0)).toEqual({ leaderEpoch: 0, endOffset: 13 });
    expect(c.endOffsetFor(2, 0)).toEqual({ leaderEpoch: 2, endOffset: 17 });
    expect(c.endOffsetFor(3, 0)).toEqual({ leaderEpoch: 2, endOffset: 17 });
  });

  it('a previous epoch ends where the next one starts', () => {
    const c = cacheOf([1, 11], [1, 12], [2, 13], [2, 14], [3, 15], [3, 16]);
    expect(c.endOffsetFor(2, 17)).toEqual({ leaderEpoch: 2, endOffset: 15 });
  });

  it('the latest epoch ends at the log end offset, whatever it is', () => {
    const c = cacheOf([2, 11], [2, 12]);
    expect(c.endOffsetFor(2, 14)).toEqual({ leaderEpoch: 2, endOffset: 14 });
  });

  it('epochs need not start from zero', () => {
    const c = cacheOf([2, 6]);
    expect(c.endOffsetFor(2, 7)).toEqual({ leaderEpoch: 2, endOffset: 7 });
    expect(c.entries()).toEqual([e(2, 6)]);
  });
});

describe('LeaderEpochCache truncation [epoch-cache-truncate]', () => {
  const three = (): LeaderEpochCache => cacheOf([2, 6], [3, 8], [4, 11]);

  it('truncateFromEnd drops entries starting at or after the offset', () => {
    const c = three();
    c.truncateFromEnd(8);
    expect(c.entries()).toEqual([e(2, 6)]);
    const d = three();
    d.truncateFromEnd(9);
    expect(d.entries()).toEqual([e(2, 6), e(3, 8)]);
    expect(d.latestEpoch()).toBe(3);
    expect(d.previousEpoch()).toBe(2);
  });

  it('truncateFromStart keeps an entry at the offset and moves the one before up', () => {
    const c = three();
    c.truncateFromStart(8);
    expect(c.entries()).toEqual([e(3, 8), e(4, 11)]);
    const d = three();
    d.truncateFromStart(9);
    expect(d.entries()).toEqual([e(3, 9), e(4, 11)]);
    const f = three();
    f.truncateFromStart(11);
    expect(f.entries()).toEqual([e(4, 11)]);
    const g = three();
    g.truncateFromStart(15);
    expect(g.entries()).toEqual([e(4, 15)]);
    const h = cacheOf([0, 0], [1, 7], [2, 10]);
    h.truncateFromStart(5);
    expect(h.entries()).toEqual([e(0, 5), e(1, 7), e(2, 10)]);
  });

  it('truncateFromStart below or at the first entry changes nothing', () => {
    for (const at of [1, 6]) {
      const c = three();
      expect(c.truncateFromStart(at)).toEqual(at === 6 ? [e(2, 6)] : []);
      expect(c.entries()).toEqual([e(2, 6), e(3, 8), e(4, 11)]);
    }
  });

  it('UNDEFINED_EPOCH_OFFSET (-1) truncates nothing from either end', () => {
    const c = three();
    c.truncateFromStart(UNDEFINED_EPOCH_OFFSET);
    c.truncateFromEnd(UNDEFINED_EPOCH_OFFSET);
    expect(c.entries()).toHaveLength(3);
  });

  it('truncating an empty cache is harmless', () => {
    const c = new LeaderEpochCache();
    c.truncateFromStart(7);
    c.truncateFromEnd(7);
    expect(c.entries()).toEqual([]);
    expect(c.latestEpoch()).toBeUndefined();
  });

  it('epochForOffset, previous and next epochs, epochEntriesInRange', () => {
    const c = cacheOf([2, 10], [4, 15], [10, 20]);
    expect(c.epochForOffset(9)).toBeUndefined();
    expect(c.epochForOffset(10)).toBe(2);
    expect(c.epochForOffset(14)).toBe(2);
    expect(c.epochForOffset(15)).toBe(4);
    expect(c.epochForOffset(99)).toBe(10);
    expect(c.previousEpochOf(4)).toBe(2);
    expect(c.previousEpochOf(2)).toBeUndefined();
    expect(c.nextEpoch(4)).toBe(10);
    expect(c.nextEpoch(10)).toBeUndefined();
    expect(c.epochEntriesInRange(12, 20)).toEqual([e(2, 12), e(4, 15)]);
    expect(c.entries()).toEqual([e(2, 10), e(4, 15), e(10, 20)]);
  });
});

// ----------------------------------------------------------------------------------------
// Naive reference: a different formulation of the same rules. It relies on the entries being
// strictly increasing in both fields, so a broken invariant in the real cache shows as a
// disagreement.

class NaiveCache {
  list: EpochEntry[] = [];
  assign(epoch: number, start: number): void {
    const last = this.list.at(-1);
    if (last && last.epoch === epoch && start >= last.startOffset) return;
    this.list = this.list.filter((x) => x.epoch < epoch && x.startOffset < start);
    this.list.push({ epoch, startOffset: start });
  }
  truncateFromEnd(end: number): void {
    if (end < 0) return;
    this.list = this.list.filter((x) => x.startOffset < end);
  }
  truncateFromStart(start: number): void {
    const below = this.list.filter((x) => x.startOffset <= start);
    if (below.length === 0) return;
    const keep = this.list.filter((x) => x.startOffset > start);
    this.list = [{ epoch: below.at(-1)!.epoch, startOffset: start }, ...keep];
  }
  endOffsetFor(req: number, leo: number): { leaderEpoch: number; endOffset: number } {
    if (req === -1) return UNDEF;
    const latest = this.list.at(-1);
    if (latest && latest.epoch === req) return { leaderEpoch: req, endOffset: leo };
    const higher = this.list.filter((x) => x.epoch > req);
    const floor = this.list.filter((x) => x.epoch <= req);
    if (higher.length === 0) return UNDEF;
    const h = Math.min(...higher.map((x) => x.startOffset));
    if (floor.length === 0) return { leaderEpoch: req, endOffset: h };
    return { leaderEpoch: Math.max(...floor.map((x) => x.epoch)), endOffset: h };
  }
}

type CacheOp =
  | { op: 'assign'; epoch: number; start: number }
  | { op: 'truncateFromEnd'; offset: number }
  | { op: 'truncateFromStart'; offset: number }
  | { op: 'endOffsetFor'; epoch: number; leo: number };

const cacheOp: fc.Arbitrary<CacheOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('assign' as const), epoch: fc.nat(12), start: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncateFromEnd' as const), offset: fc.integer({ min: -1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncateFromStart' as const), offset: fc.integer({ min: -1, max: 40 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('endOffsetFor' as const), epoch: fc.integer({ min: -1, max: 13 }), leo: fc.nat(50) }),
  },
);

describe('LeaderEpochCache vs a naive reference [epoch-cache-monotonic, epoch-end-offset]', () => {
  it('agrees on every operation and stays strictly increasing in epoch and start offset', () => {
    fc.assert(
      fc.property(fc.array(cacheOp, { maxLength: 60 }), (ops) => {
        const real = new LeaderEpochCache();
        const ref = new NaiveCache();
        for (const o of ops) {
          switch (o.op) {
            case 'assign':
              real.assign(o.epoch, o.start);
              ref.assign(o.epoch, o.start);
              break;
            case 'truncateFromEnd':
              real.truncateFromEnd(o.offset);
              ref.truncateFromEnd(o.offset);
              break;
            case 'truncateFromStart':
              real.truncateFromStart(o.offset);
              ref.truncateFromStart(o.offset);
              break;
            case 'endOffsetFor':
              expect(real.endOffsetFor(o.epoch, o.leo)).toEqual(ref.endOffsetFor(o.epoch, o.leo));
              break;
          }
          const entries = real.entries();
          expect(entries).toEqual(ref.list);
          for (let i = 1; i < entries.length; i++) {
            expect(entries[i]!.epoch).toBeGreaterThan(entries[i - 1]!.epoch);
            expect(entries[i]!.startOffset).toBeGreaterThan(entries[i - 1]!.startOffset);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
