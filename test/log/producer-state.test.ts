/**
 * The last stable offset and the aborted-transaction index (src/log/producer-state.ts, Kafka's
 * ProducerStateManager.firstUnstableOffset and the aborted-txn index, KIP-98): what a
 * read_committed consumer may read. Pure data, so each rule is stated on a hand-built log.
 * Each test fails when its rule is deleted (issue #18; test/mutants/README.md).
 */
import { describe, expect, it } from 'vitest';
import { ProducerState, type BatchFields } from '../../src/log/producer-state.js';
import type { LogRecord } from '../../src/log/record.js';

const rec = (offset: number, fields: BatchFields = {}): LogRecord<BatchFields> => ({ offset, leaderEpoch: 0, timestamp: 0, key: null, value: fields, size: 1 });
/** A transactional record of producer `pid`. */
const txn = (offset: number, pid: number, sequence: number) => rec(offset, { producerId: pid, producerEpoch: 0, sequence, transactional: true });
const marker = (offset: number, pid: number, control: 'COMMIT' | 'ABORT') => rec(offset, { producerId: pid, producerEpoch: 0, control });

describe('the last stable offset', () => {
  it('without transactions is the high watermark', () => {
    const s = ProducerState.fromLog([rec(0), rec(1), rec(2, { producerId: 1, producerEpoch: 0, sequence: 0 })]);
    expect([0, 2, 3].map((hw) => s.lastStableOffset(hw))).toEqual([0, 2, 3]);
  });

  it('stops at the first offset of an open transaction, however far the high watermark is', () => {
    const s = ProducerState.fromLog([rec(0), txn(1, 7, 0), rec(2), txn(3, 7, 1), rec(4)]);
    expect([1, 3, 5].map((hw) => s.lastStableOffset(hw))).toEqual([1, 1, 1]);
  });

  it('a transaction is stable only once its marker is below the high watermark (replicated), not when it is appended', () => {
    const s = ProducerState.fromLog([rec(0), txn(1, 7, 0), txn(2, 7, 1), marker(3, 7, 'COMMIT'), rec(4)]);
    // The marker at 3 is in the log; with HW 3 it is not replicated yet.
    expect(s.lastStableOffset(3)).toBe(1);
    expect(s.lastStableOffset(4)).toBe(4);
    expect(s.lastStableOffset(5)).toBe(5);
  });

  it('is held by the earliest undecided transaction among several producers', () => {
    const s = ProducerState.fromLog([txn(0, 7, 0), txn(1, 8, 0), marker(2, 7, 'ABORT'), txn(3, 9, 0), marker(4, 9, 'COMMIT')]);
    // 7 is decided (ABORT at 2), 8 is open from 1, 9 is decided (COMMIT at 4).
    expect(s.lastStableOffset(5)).toBe(1);
    s.onAppend(marker(5, 8, 'COMMIT'));
    expect(s.lastStableOffset(5)).toBe(1);
    expect(s.lastStableOffset(6)).toBe(6);
  });
});

describe('the aborted transactions a read_committed fetch is sent', () => {
  it('are the aborted ones overlapping the fetched range, from their first offset to their marker; committed ones are not sent', () => {
    const s = ProducerState.fromLog([txn(0, 7, 0), marker(1, 7, 'ABORT'), txn(2, 8, 0), marker(3, 8, 'COMMIT'), txn(4, 7, 1), rec(5), marker(6, 7, 'ABORT')]);
    expect(s.abortedOverlapping(0, 7)).toEqual([
      { producerId: 7, firstOffset: 0, lastOffset: 1 },
      { producerId: 7, firstOffset: 4, lastOffset: 6 },
    ]);
    expect(s.abortedOverlapping(2, 4)).toEqual([]);
    expect(s.abortedOverlapping(1, 2)).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 1 }]);
    expect(s.abortedOverlapping(5, 6)).toEqual([{ producerId: 7, firstOffset: 4, lastOffset: 6 }]);
  });
});

describe('producer epoch fencing at the partition (ProducerAppendInfo.checkProducerEpoch)', () => {
  const write = (epoch: number, sequence: number, transactional = true): BatchFields => ({ producerId: 7, producerEpoch: epoch, sequence, transactional });

  it('a write or a marker with an older epoch than the partition has seen is refused INVALID_PRODUCER_EPOCH; the current epoch is appended', () => {
    const s = ProducerState.fromLog([txn(0, 7, 0), rec(1, { producerId: 7, producerEpoch: 1, control: 'ABORT' })]);
    expect(s.epochOf(7)).toBe(1);
    expect(s.check(write(0, 1), { fencing: true })).toEqual({ kind: 'reject', error: 'INVALID_PRODUCER_EPOCH' });
    expect(s.check({ producerId: 7, producerEpoch: 0, control: 'COMMIT' }, { fencing: true })).toEqual({ kind: 'reject', error: 'INVALID_PRODUCER_EPOCH' });
    expect(s.check(write(1, 0), { fencing: true })).toEqual({ kind: 'append' });
  });

  it('without fencing the zombie\'s write is appended (the guard the no-fencing preset removes)', () => {
    const s = ProducerState.fromLog([txn(0, 7, 0), rec(1, { producerId: 7, producerEpoch: 1, control: 'ABORT' })]);
    expect(s.check(write(0, 1), { fencing: false })).toEqual({ kind: 'append' });
  });
});
