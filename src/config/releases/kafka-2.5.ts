import { kafka_2_4 } from './kafka-2.4.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 2.5 (April 2020): longer replica lag and ZooKeeper session defaults. */
export const kafka_2_5 = nextRelease(kafka_2_4, '2.5', {
  changes: [
    change('replicaLagTimeMaxMs', 30_000, 'KIP-537', 'replica.lag.time.max.ms defaults to 30 s (was 10 s)'),
    change('brokerSessionTimeoutMs', 18_000, 'KIP-537', 'zookeeper.session.timeout.ms defaults to 18 s (was 6 s)'),
    change('brokerHeartbeatIntervalMs', 6_000, 'KIP-537', 'the ZooKeeper client pings every third of its session timeout'),
  ],
  unmodelled: [
    unmodelled('KIP-447', 'TxnOffsetCommit is fenced by group generation; the model fences it on every release with transactions, under the one producerFencing switch'),
  ],
});
