/**
 * What a consumer's fetch returns to the application (Kafka's CompletedFetch / Fetcher):
 * control records (transaction markers, KIP-98) are never returned; with
 * isolation.level=read_committed, neither are the records of aborted transactions, which the
 * broker names in the fetch response's aborted-transaction list (producer id, first offset, and
 * in the model the offset of the ABORT marker). The consumer's position still moves past the
 * records it drops.
 */
import type { AbortedTxn, Record } from '../machines/protocol.js';

/** The record belongs to a transaction in `aborted` (same producer id, offset within its range). */
export function inAbortedTxn(r: Record, aborted: readonly AbortedTxn[]): boolean {
  if (!r.value.transactional) return false;
  return aborted.some((a) => a.producerId === r.value.producerId && a.firstOffset <= r.offset && r.offset <= a.lastOffset);
}

/**
 * The records the application sees: every record but control records, and under
 * read_committed, but the records of aborted transactions.
 */
export function visibleRecords(records: readonly Record[], readCommitted: boolean, aborted: readonly AbortedTxn[] = []): Record[] {
  return records.filter((r) => r.value.control === undefined && !(readCommitted && inAbortedTxn(r, aborted)));
}
