import { kafka_3_0 } from './kafka-3.0.js';
import { change, nextRelease, unmodelled } from './release.js';

/**
 * Kafka 3.3 (October 2022): KRaft is production-ready, and the model's control plane reads as
 * KRaft from here on: brokers heartbeat to the controller and are fenced by broker.session.timeout.ms.
 */
export const kafka_3_3 = nextRelease(kafka_3_0, '3.3', {
  changes: [
    change('brokerSessionTimeoutMs', 9_000, 'KIP-631', 'KRaft: a broker that has not heartbeat for broker.session.timeout.ms (9 s) is fenced'),
    change('brokerHeartbeatIntervalMs', 2_000, 'KIP-631', 'KRaft: broker.heartbeat.interval.ms (2 s)'),
  ],
  unmodelled: [
    unmodelled('KIP-704', 'LeaderRecoveryState (3.2): a leader elected uncleanly is RECOVERING until it has fixed its log; the model has no recovering state'),
    unmodelled('KIP-833', 'KRaft marked production-ready; ZooKeeper mode stays the default until it is removed in 4.0'),
    unmodelled('KIP-841', 'fenced and shutting-down brokers are removed from the ISR and may not join it (the model\'s brokerEpochFencing)'),
  ],
});
