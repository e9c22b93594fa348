/**
 * Model-based tests of the partition log: random operation sequences run against the log and
 * against a plain-array reference, compared after every step. fast-check prints the seed and
 * path of a failure; rerun with `{ seed, path }` in fc.assert's options to replay it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OffsetOutOfRangeError,
  PartitionLog,
  type LogConfig,
  type LogRecord,
  type SegmentInfo,
} from '../../src/log/index.js';

type Op =
  | { op: 'leader'; sizes: (number | undefined)[]; epochDelta: number; ts: number }
  | { op: 'follower'; sizes: number[]; epochDelta: number; ts: number }
  | { op: 'truncateTo'; back: number }
  | { op: 'truncateFully'; at: number }
  | { op: 'updateHw'; to: number }
  | { op: 'incrementHw'; to: number }
  | { op: 'incrementLso'; delta: number }
  | { op: 'retention'; now: number; atBoundary: boolean; delta: number };

const size = fc.integer({ min: 0, max: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('leader' as const),
      sizes: fc.array(fc.option(size, { nil: undefined }), { minLength: 0, maxLength: 5 }),
      epochDelta: fc.constantFrom(0, 0, 1, 2),
      ts: fc.nat(100),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('follower' as const),
      sizes: fc.array(size, { minLength: 0, maxLength: 5 }),
      epochDelta: fc.constantFrom(0, 0, 1),
      ts: fc.nat(100),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncateTo' as const), back: fc.integer({ min: -2, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncateFully' as const), at: fc.nat(60) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('updateHw' as const), to: fc.nat(60) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('incrementHw' as const), to: fc.nat(60) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('incrementLso' as const), delta: fc.integer({ min: -1, max: 6 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('retention' as const),
      now: fc.nat(250),
      // Put "now" right at the time-retention boundary of the oldest segment half the time.
      atBoundary: fc.boolean(),
      delta: fc.integer({ min: -1, max: 1 }),
    }),
  },
);

const configArb: fc.Arbitrary<LogConfig> = fc.record({
  segmentBytes: fc.integer({ min: 1, max: 8 }),
  retentionMs: fc.option(fc.nat(120), { nil: null }),
  retentionBytes: fc.option(fc.nat(25), { nil: null }),
  compact: fc.constant(false),
});

/** The reference: every stored record, the log start offset, the high watermark. */
interface Ref {
  stored: LogRecord<string>[]; // offsets leo - stored.length .. leo - 1
  leo: number;
  lso: number;
  hw: number;
}

const firstStored = (ref: Ref): number => ref.leo - ref.stored.length;
const visible = (ref: Ref): LogRecord<string>[] => ref.stored.slice(ref.lso - firstStored(ref));

/**
 * Retention restated on a snapshot of the segments (Kafka's three passes in order; closed
 * segments only; the next segment's base <= HW), independent of the log's internals.
 */
function expectedRetention(
  segs: readonly SegmentInfo[],
  lso0: number,
  hw: number,
  cfg: LogConfig,
  now: number,
): { deleted: number; lso: number } {
  let deleted = 0;
  let lso = lso0;
  const pass = (pred: (s: SegmentInfo, next: SegmentInfo) => boolean): void => {
    let k = deleted;
    while (k < segs.length - 1 && hw >= segs[k + 1]!.baseOffset && pred(segs[k]!, segs[k + 1]!)) k++;
    if (k > deleted) {
      deleted = k;
      lso = Math.max(lso, segs[k]!.baseOffset);
    }
  };
  pass((_s, next) => next.baseOffset <= lso);
  if (cfg.retentionBytes !== null) {
    const total = segs.slice(deleted).reduce((a, s) => a + s.sizeBytes, 0);
    if (total >= cfg.retentionBytes) {
      let diff = total - cfg.retentionBytes;
      pass((s) => (diff - s.sizeBytes >= 0 ? ((diff -= s.sizeBytes), true) : false));
    }
  }
  const rms = cfg.retentionMs;
  if (rms !== null) pass((s) => now - s.maxTimestamp > rms);
  return { deleted, lso };
}

/** Everything observable must match the reference, and the segment structure must hold. */
function checkAgainst(log: PartitionLog<string>, ref: Ref, cfg: LogConfig): void {
  expect(log.logEndOffset).toBe(ref.leo);
  expect(log.logStartOffset).toBe(ref.lso);
  expect(log.highWatermark).toBe(ref.hw);
  // log-offset-bounds: logStartOffset <= highWatermark <= logEndOffset
  expect(ref.lso).toBeLessThanOrEqual(ref.hw);
  expect(ref.hw).toBeLessThanOrEqual(ref.leo);
  // log-dense-offsets + log-contiguous-read
  const all = log.read(log.logStartOffset);
  expect(all).toEqual(visible(ref));
  all.forEach((r, i) => expect(r.offset).toBe(ref.lso + i));
  for (let o = ref.lso - 1; o <= ref.leo; o++) {
    expect(log.recordAt(o)).toEqual(o >= ref.lso && o < ref.leo ? ref.stored[o - firstStored(ref)] : undefined);
  }
  if (ref.leo > ref.lso) {
    const from = ref.lso + ((ref.leo - ref.lso) >> 1);
    expect(log.read(from, 2)).toEqual(visible(ref).slice(from - ref.lso, from - ref.lso + 2));
    expect(log.read(ref.lso, Infinity, 'HIGH_WATERMARK')).toEqual(visible(ref).slice(0, ref.hw - ref.lso));
  }
  expect(() => log.read(ref.leo + 1)).toThrow(OffsetOutOfRangeError);
  if (ref.lso > 0) expect(() => log.read(ref.lso - 1)).toThrow(OffsetOutOfRangeError);

  // Segments partition the stored records: contiguous, only the last one may be empty,
  // names from base offsets, sizes add up, no closed segment over segmentBytes unless it has
  // a single record (log-segment-roll, log-segment-naming).
  const segs = log.segments();
  expect(segs.length).toBeGreaterThan(0);
  expect(segs[0]!.baseOffset).toBe(firstStored(ref));
  expect(segs.at(-1)!.nextOffset).toBe(ref.leo);
  let total = 0;
  segs.forEach((s, i) => {
    expect(s.fileName).toBe(`${String(s.baseOffset).padStart(20, '0')}.log`);
    expect(s.active).toBe(i === segs.length - 1);
    if (i < segs.length - 1) {
      expect(s.nextOffset).toBe(segs[i + 1]!.baseOffset);
      expect(s.recordCount).toBeGreaterThan(0);
      if (s.recordCount > 1) expect(s.sizeBytes).toBeLessThanOrEqual(cfg.segmentBytes);
    }
    const rs = ref.stored.slice(s.baseOffset - firstStored(ref), s.nextOffset - firstStored(ref));
    expect(s.recordCount).toBe(rs.length);
    expect(s.sizeBytes).toBe(rs.reduce((a, r) => a + r.size, 0));
    expect(s.maxTimestamp).toBe(rs.reduce((a, r) => Math.max(a, r.timestamp), -1));
    total += s.sizeBytes;
  });
  expect(log.sizeInBytes).toBe(total);
  expect(log.storedRecords()).toEqual(ref.stored);

  // The epoch cache means what KIP-101 says of the visible records: each offset's epoch is the
  // epoch it was written in, and each epoch ends where the next higher epoch starts, the latest
  // at the log end offset (epoch-cache-consistent, epoch-end-offset).
  const entries = log.epochCache.entries();
  for (let i = 1; i < entries.length; i++) {
    expect(entries[i]!.epoch).toBeGreaterThan(entries[i - 1]!.epoch);
    expect(entries[i]!.startOffset).toBeGreaterThan(entries[i - 1]!.startOffset);
  }
  const vis = visible(ref);
  if (vis.length > 0) expect(entries[0]!.startOffset).toBe(ref.lso);
  for (const r of vis) {
    expect(log.epochCache.epochForOffset(r.offset)).toBe(r.leaderEpoch);
    const next = vis.find((x) => x.leaderEpoch > r.leaderEpoch);
    expect(log.epochCache.endOffsetFor(r.leaderEpoch, ref.leo)).toEqual({
      leaderEpoch: r.leaderEpoch,
      endOffset: next ? next.offset : ref.leo,
    });
  }
  if (vis.length > 0) expect(log.epochCache.latestEpoch()).toBe(vis.at(-1)!.leaderEpoch);
}

/**
 * Apply one operation to both. Epochs only grow (a leader's epoch is above every epoch in
 * its log), as the replication protocol guarantees; the epoch cache's handling of a smaller
 * epoch is tested on the cache itself.
 */
function step(log: PartitionLog<string>, ref: Ref, o: Op, cfg: LogConfig, nextValue: () => string): void {
  const epoch = (log.epochCache.latestEpoch() ?? 0) + ('epochDelta' in o ? o.epochDelta : 0);
  const before = new Map<number, LogRecord<string>>();
  for (let off = ref.lso; off < ref.leo; off++) before.set(off, log.recordAt(off)!);
  let truncating = false;
  const segsBefore = log.segments();
  switch (o.op) {
    case 'leader': {
      const res = log.appendAsLeader(
        o.sizes.map((s, i) => ({ key: null, value: nextValue(), timestamp: o.ts + i, ...(s === undefined ? {} : { size: s }) })),
        epoch,
      );
      expect(res).toEqual({ firstOffset: ref.leo, lastOffset: ref.leo + o.sizes.length - 1 });
      o.sizes.forEach((s, i) => {
        ref.stored.push({ offset: ref.leo + i, leaderEpoch: epoch, timestamp: o.ts + i, key: null, value: log.recordAt(ref.leo + i)!.value, size: s ?? 1 });
      });
      ref.leo += o.sizes.length;
      break;
    }
    case 'follower': {
      const recs = o.sizes.map((s, i) => ({ offset: ref.leo + i, leaderEpoch: epoch, timestamp: o.ts + i, key: `k${i}`, value: nextValue(), size: s }));
      log.appendAsFollower(recs);
      ref.stored.push(...recs);
      ref.leo += recs.length;
      break;
    }
    case 'truncateTo': {
      truncating = true;
      const target = Math.max(0, ref.leo - o.back);
      expect(log.truncateTo(target)).toBe(target < ref.leo);
      if (target >= ref.leo) break;
      if (target < firstStored(ref)) {
        ref.stored = [];
        ref.leo = ref.lso = ref.hw = target;
      } else {
        ref.stored.length = target - firstStored(ref);
        ref.leo = target;
        ref.lso = Math.min(ref.lso, target);
        ref.hw = Math.min(ref.hw, target);
      }
      break;
    }
    case 'truncateFully':
      truncating = true;
      log.truncateFullyAndStartAt(o.at);
      ref.stored = [];
      ref.leo = ref.lso = ref.hw = o.at;
      break;
    case 'updateHw':
      log.updateHighWatermark(o.to);
      ref.hw = Math.min(Math.max(o.to, ref.lso), ref.leo);
      break;
    case 'incrementHw':
      if (o.to > ref.leo) {
        expect(() => log.maybeIncrementHighWatermark(o.to)).toThrow(RangeError);
      } else {
        log.maybeIncrementHighWatermark(o.to);
        ref.hw = Math.max(ref.hw, o.to);
      }
      break;
    case 'incrementLso': {
      const to = Math.max(0, ref.lso + o.delta);
      if (to > ref.hw) {
        expect(() => log.maybeIncrementLogStartOffset(to)).toThrow(OffsetOutOfRangeError);
      } else {
        expect(log.maybeIncrementLogStartOffset(to)).toBe(to > ref.lso);
        ref.lso = Math.max(ref.lso, to);
      }
      break;
    }
    case 'retention': {
      const segs = log.segments();
      const now =
        o.atBoundary && cfg.retentionMs !== null ? segs[0]!.maxTimestamp + cfg.retentionMs + o.delta : o.now;
      const want = expectedRetention(segs, ref.lso, ref.hw, cfg, now);
      const res = log.applyRetention(now);
      // log-retention-closed-segments: a prefix of the segments, never the active one.
      expect(res.deletedSegments).toEqual(segs.slice(0, want.deleted));
      expect(res.deletedSegments.every((s) => !s.active)).toBe(true);
      // log-retention-below-hw: every deleted offset is below the high watermark.
      for (const s of res.deletedSegments) expect(s.nextOffset).toBeLessThanOrEqual(ref.hw);
      expect(res.logStartOffset).toBe(want.lso);
      const removed = res.deletedSegments.reduce((a, s) => a + s.recordCount, 0);
      ref.stored.splice(0, removed);
      ref.lso = want.lso;
      break;
    }
  }
  // log-segment-roll: an append rolls exactly when the active segment is not empty and the
  // record would take it past segmentBytes.
  if (o.op === 'leader' || o.op === 'follower') {
    const want = segsBefore.map((s) => ({ baseOffset: s.baseOffset, recordCount: s.recordCount, sizeBytes: s.sizeBytes }));
    for (const r of ref.stored.slice(ref.stored.length - o.sizes.length)) {
      let a = want.at(-1)!;
      if (a.recordCount > 0 && a.sizeBytes + r.size > cfg.segmentBytes) {
        a = { baseOffset: r.offset, recordCount: 0, sizeBytes: 0 };
        want.push(a);
      }
      a.recordCount++;
      a.sizeBytes += r.size;
    }
    expect(log.segments().map((s) => ({ baseOffset: s.baseOffset, recordCount: s.recordCount, sizeBytes: s.sizeBytes }))).toEqual(want);
  }
  // log-offset-stable: short of a truncation, an offset that stays readable keeps its record
  // (the very same object).
  if (!truncating) {
    for (const [off, r] of before) if (off >= ref.lso) expect(log.recordAt(off)).toBe(r);
  }
}

describe('PartitionLog vs an array reference [log-dense-offsets, log-contiguous-read, log-offset-bounds, log-truncate-exact, log-offset-stable, log-segment-roll, log-segment-naming, log-retention-closed-segments, log-retention-below-hw, log-retention-rules, log-hw-bounds, log-lso-bounds, epoch-cache-consistent, epoch-end-offset]', () => {
  it('agrees after every operation of random histories', () => {
    fc.assert(
      fc.property(configArb, fc.nat(5), fc.array(opArb, { maxLength: 40 }), (cfg, start, ops) => {
        const log = new PartitionLog<string>(cfg, start);
        const ref: Ref = { stored: [], leo: start, lso: start, hw: start };
        let n = 0;
        const nextValue = (): string => `v${n++}`;
        checkAgainst(log, ref, cfg);
        for (const o of ops) {
          step(log, ref, o, cfg, nextValue);
          checkAgainst(log, ref, cfg);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('recover from any prefix [log-recover-prefix]', () => {
  it('rebuilds the same records, epochs and clamped high watermark from any prefix, and stops at damage', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(opArb, { maxLength: 30 }),
        fc.nat(),
        fc.option(fc.tuple(fc.nat(), fc.constantFrom('gap', 'repeat', 'badEpoch', 'badSize')), { nil: undefined }),
        (cfg, ops, cut, damage) => {
          const log = new PartitionLog<string>(cfg);
          const ref: Ref = { stored: [], leo: 0, lso: 0, hw: 0 };
          let n = 0;
          for (const o of ops) step(log, ref, o, cfg, () => `v${n++}`);

          // What is on disk: every stored record, including those below the log start offset
          // that wait for their segment to be deleted.
          const onDisk = ref.stored;
          let survived: LogRecord<string>[] = onDisk.slice(0, cut % (onDisk.length + 1));
          let intact = survived.length;
          if (damage && survived.length > 0) {
            const [at, kind] = damage;
            const shiftsOffset = kind === 'gap' || kind === 'repeat';
            // A shifted first offset just starts the log elsewhere (see the example tests);
            // damage a later record then.
            if (!(shiftsOffset && survived.length === 1)) {
              const i = shiftsOffset ? 1 + (at % (survived.length - 1)) : at % survived.length;
              const r = survived[i]!;
              const bad: LogRecord<string> =
                kind === 'gap' ? { ...r, offset: r.offset + 1 }
                : kind === 'repeat' ? { ...r, offset: r.offset - 1 }
                : kind === 'badEpoch' ? { ...r, leaderEpoch: -1 }
                : { ...r, size: 0.5 };
              survived = [...survived.slice(0, i), bad, ...survived.slice(i + 1)];
              intact = i;
            }
          }
          const lso = log.logStartOffset;
          const rec = PartitionLog.recover(survived, cfg, { logStartOffset: lso, highWatermark: log.highWatermark });
          const keep = survived.slice(0, intact);
          const base = firstStored(ref);
          const newLeo = base + keep.length;
          if (keep.length === 0 || newLeo < lso) {
            // Less survived than the log start offset: the log restarts empty there.
            expect([rec.logStartOffset, rec.logEndOffset, rec.highWatermark]).toEqual([lso, lso, lso]);
            expect(rec.epochCache.entries()).toEqual([]);
            return;
          }
          expect(rec.logStartOffset).toBe(lso);
          expect(rec.logEndOffset).toBe(newLeo);
          expect(rec.read(lso)).toEqual(keep.slice(lso - base));
          expect(rec.highWatermark).toBe(Math.min(log.highWatermark, newLeo));
          // The rebuilt cache is the original one cut at the new log end offset; when nothing
          // at or above the log start offset survived, the epoch of the last record below it
          // stays, moved up to the log start offset (LogLoader: truncateFromEnd, then
          // truncateFromStart).
          expect(rec.epochCache.entries()).toEqual(
            newLeo > lso
              ? log.epochCache.epochEntriesInRange(lso, newLeo)
              : [{ epoch: keep.at(-1)!.leaderEpoch, startOffset: lso }],
          );
          // And the recovered log is a working log: it takes the next offset.
          expect(rec.appendAsLeader([{ key: null, value: 'after', timestamp: 0 }], (rec.latestEpoch ?? 0) + 1).firstOffset).toBe(newLeo);
        },
      ),
      { numRuns: 400 },
    );
  });
});
