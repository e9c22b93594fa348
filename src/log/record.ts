/**
 * Records as the partition log stores them.
 *
 * Kafka stores record *batches* (v2 message format, KIP-98): a batch header carries the base
 * offset, the partition leader epoch and the max timestamp, and each record inside it a
 * delta. The model stores records one by one and keeps, on each record, the fields of its
 * batch that the protocol reasons about (offset, leader epoch, timestamp). See spec/log.md,
 * "Simplifications".
 */

/** One record in a partition log. Stored records are frozen (shallowly): never mutate one. */
export interface LogRecord<V = unknown> {
  /** Dense from the log's first offset: offset n+1 follows offset n, with no gaps. */
  readonly offset: number;
  /**
   * The partition leader epoch the record was appended in (Kafka's `partitionLeaderEpoch`
   * in the batch header, KIP-101). Always >= 0 here: the model has no pre-v2 message format,
   * so there is no NO_PARTITION_LEADER_EPOCH (-1) record.
   */
  readonly leaderEpoch: number;
  /** Virtual milliseconds (CreateTime as the producer set it). */
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: V;
  /**
   * The bytes the record counts for segment rolling (`segment.bytes`) and size-based
   * retention (`retention.bytes`). The model cannot know the serialized size of an arbitrary
   * `V`, so the caller says it; when it does not, a record counts as {@link DEFAULT_RECORD_SIZE}
   * (1), which makes `segmentBytes` and `retentionBytes` record counts. Kafka's real per-batch
   * overhead (61 header bytes plus varint-encoded record fields) is deliberately not modelled.
   */
  readonly size: number;
}

/** What a producer hands the leader: offsets and the leader epoch are assigned by the log. */
export interface AppendEntry<V = unknown> {
  key: string | null;
  value: V;
  timestamp: number;
  /** Defaults to {@link DEFAULT_RECORD_SIZE}. */
  size?: number;
}

/** Size of a record whose caller did not give one. */
export const DEFAULT_RECORD_SIZE = 1;

/** Kafka's RecordBatch.NO_TIMESTAMP: the max timestamp of a segment with no records. */
export const NO_TIMESTAMP = -1;
