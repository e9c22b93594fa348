import type { ScenarioInput } from '../../src/cluster/scenario.js';

export type ProduceInput = Extract<NonNullable<ScenarioInput['workload']>, { kind: 'produce' }>;

/** CreateTopics of `orders`: 3 partitions, the cluster's replication factor (KIP-464's -1). */
export const createOrders = { at: 300, op: 'create-topic' as const, topic: 'orders', partitions: 3, replicationFactor: -1 };

/**
 * The topic-change workload of the KRaft and ZooKeeper-mode tests: an admin client creates topic
 * `orders`, asks again for it and for a topic of replication factor 4 on 3 brokers, tries to
 * delete the data topic, then deletes `orders`, and asks once more. The producer writes the data
 * topic throughout.
 */
export const adminWorkload: ProduceInput = {
  kind: 'produce',
  records: 20,
  intervalMs: 100,
  keys: 3,
  admin: [
    createOrders,
    { at: 500, op: 'create-topic', topic: 'orders', partitions: 1, replicationFactor: 1 },
    { at: 600, op: 'create-topic', topic: 'wide', partitions: 1, replicationFactor: 4 },
    { at: 700, op: 'delete-topic', topic: 't' },
    { at: 1500, op: 'delete-topic', topic: 'orders' },
    { at: 1800, op: 'delete-topic', topic: 'orders' },
  ],
};
