import { kafka_3_2 } from './kafka-3.2.js';
import { change, nextRelease, unmodelled } from './release.js';

/**
 * Kafka 3.3 (October 2022): KRaft is production-ready, and the model's control plane is KRaft
 * from here on: a Raft quorum of controllers (KIP-595) whose leader is the active controller;
 * brokers heartbeat to it and are fenced by broker.session.timeout.ms (KIP-631).
 */
export const kafka_3_3 = nextRelease(kafka_3_2, '3.3', {
  changes: [
    change('controlPlane', 'kraft', 'KIP-833', 'KRaft is production-ready; the model runs it by default from here (ZooKeeper mode stays available until 4.0)'),
    change('brokerSessionTimeoutMs', 9_000, 'KIP-631', 'KRaft: a broker that has not heartbeat for broker.session.timeout.ms (9 s) is fenced'),
    change('brokerHeartbeatIntervalMs', 2_000, 'KIP-631', 'KRaft: broker.heartbeat.interval.ms (2 s)'),
  ],
  unmodelled: [
    unmodelled('KIP-841', 'fenced and shutting-down brokers are removed from the ISR and may not join it (the model\'s brokerEpochFencing)'),
  ],
});
