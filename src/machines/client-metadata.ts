/**
 * What the producer and the consumer share about their cached metadata of the data topic:
 * how many partitions they see, and when the cache is old enough to refresh. Kafka's clients
 * share `org.apache.kafka.clients.Metadata` for the same reasons.
 */
import type { ClusterConfig } from '../config/schema.js';

/**
 * The data topic's partition count as the client sees it: the configured count, or more once
 * metadata has named partitions a CreatePartitions added (KIP-195). Partitions never go away.
 */
export function seenPartitionCount(config: ClusterConfig, metadata: readonly unknown[]): number {
  return Math.max(config.partitions, metadata.length);
}

/**
 * Metadata.timeToNextUpdate: metadata older than metadata.max.age.ms is refreshed. The model's
 * clients check when they act (the producer on dispatch, the consumer on poll), not on a timer.
 */
export function metadataExpired(config: ClusterConfig, metadataAt: number, now: number): boolean {
  return now - metadataAt >= config.metadataMaxAgeMs;
}
