/**
 * What a read_committed consumer hands the application (src/client/read-committed.ts): the
 * records of an aborted transaction are dropped, from its first offset up to its ABORT marker
 * and no further, so the same producer's next transaction is read. (issue #18;
 * test/mutants/README.md)
 */
import { describe, expect, it } from 'vitest';
import { inAbortedTxn, visibleRecords } from '../../src/client/read-committed.js';
import type { ProducedValue, Record } from '../../src/machines/protocol.js';

const rec = (offset: number, value: Partial<ProducedValue> = {}): Record => ({ offset, leaderEpoch: 0, timestamp: 0, key: 'k', value: { producer: 'p', key: 'k', value: offset, ...value }, size: 1 });
const txn = (offset: number, producerId: number) => rec(offset, { producerId, producerEpoch: 0, sequence: offset, transactional: true });

describe('read_committed: aborted transactions', () => {
  // Producer 7 aborts a transaction at 0-1 (marker at 2), then commits one at 3-4 (marker at 5).
  const records = [txn(0, 7), txn(1, 7), rec(2, { producerId: 7, producerEpoch: 0, control: 'ABORT' }), txn(3, 7), txn(4, 7), rec(5, { producerId: 7, producerEpoch: 0, control: 'COMMIT' })];
  const aborted = [{ producerId: 7, firstOffset: 0, lastOffset: 2 }];

  it('drops the aborted transaction\'s records, and only those: the same producer\'s next transaction is read', () => {
    expect(records.map((r) => inAbortedTxn(r, aborted))).toEqual([true, true, false, false, false, false]);
    expect(visibleRecords(records, true, aborted).map((r) => r.offset)).toEqual([3, 4]);
    expect(visibleRecords(records, false, aborted).map((r) => r.offset)).toEqual([0, 1, 3, 4]);
  });

  it('a record before the aborted range, or of another producer, is not dropped', () => {
    expect(inAbortedTxn(txn(0, 7), [{ producerId: 7, firstOffset: 1, lastOffset: 2 }])).toBe(false);
    expect(inAbortedTxn(txn(1, 8), aborted)).toBe(false);
  });
});
