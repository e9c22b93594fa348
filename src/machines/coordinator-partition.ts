import type { ClusterConfig } from '../config/schema.js';
import { OFFSETS_TOPIC, partitionName } from './protocol.js';
import { TXN_TOPIC } from './txn-protocol.js';

/**
 * Which partition of an internal topic holds a group's or a transactional.id's state, and so
 * which broker coordinates it (the leader of that partition). Kafka:
 * - GroupMetadataManager.partitionFor (core/src/main/scala/kafka/coordinator/group/GroupMetadataManager.scala)
 *   and, for the new coordinator (KIP-848), GroupCoordinatorService.partitionFor
 *   (group-coordinator/src/main/java/org/apache/kafka/coordinator/group/GroupCoordinatorService.java):
 *   `Utils.abs(groupId.hashCode()) % numPartitions`, numPartitions = offsets.topic.num.partitions;
 * - TransactionStateManager.partitionFor (core/src/main/scala/kafka/coordinator/transaction/TransactionStateManager.scala):
 *   `Utils.abs(transactionalId.hashCode) % transactionTopicPartitionCount`, = transaction.state.log.num.partitions.
 * With one partition every id maps to 0, as the model had before these settings.
 */

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in 32-bit two's complement. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Kafka's Utils.abs (clients/src/main/java/org/apache/kafka/common/utils/Utils.java):
 * Math.abs, except that Integer.MIN_VALUE, which Math.abs leaves negative, gives 0. (Not
 * Utils.toPositive's `n & 0x7fffffff`, which murmur2 partitioning uses: the two differ for
 * every other negative hash.)
 */
export function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

/** The partition, of `numPartitions`, that `id` belongs to (the shared body of both partitionFor). */
export function partitionFor(id: string, numPartitions: number): number {
  return kafkaAbs(javaStringHashCode(id)) % numPartitions;
}

/** The `__consumer_offsets` partition of a group: its coordinator is that partition's leader. */
export const groupMetadataPartitionFor = (config: Pick<ClusterConfig, 'offsetsTopicNumPartitions'>, groupId: string) => partitionFor(groupId, config.offsetsTopicNumPartitions);

/** The `__transaction_state` partition of a transactional.id: its coordinator is that partition's leader. */
export const transactionStatePartitionFor = (config: Pick<ClusterConfig, 'transactionStateLogNumPartitions'>, transactionalId: string) =>
  partitionFor(transactionalId, config.transactionStateLogNumPartitions);

/** The name of a group's `__consumer_offsets` partition (and of its replica actors): `__consumer_offsets-<p>`. */
export const groupMetadataPartitionName = (config: Pick<ClusterConfig, 'offsetsTopicNumPartitions'>, groupId: string) =>
  partitionName(groupMetadataPartitionFor(config, groupId), OFFSETS_TOPIC);

/** The name of a transactional.id's `__transaction_state` partition: `__transaction_state-<p>`. */
export const transactionStatePartitionName = (config: Pick<ClusterConfig, 'transactionStateLogNumPartitions'>, transactionalId: string) =>
  partitionName(transactionStatePartitionFor(config, transactionalId), TXN_TOPIC);
