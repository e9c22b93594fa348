import { kafka_2_8 } from './kafka-2.8.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 3.0 (September 2021): the strongest producer guarantees by default; longer consumer sessions. */
export const kafka_3_0 = nextRelease(kafka_2_8, '3.0', {
  changes: [
    change('enableIdempotence', true, 'KIP-679', 'enable.idempotence defaults to true (with acks=all): a retried batch is written once'),
    change('sessionTimeoutMs', 45_000, 'KIP-735', 'session.timeout.ms defaults to 45 s (was 10 s)'),
  ],
  unmodelled: [
    unmodelled('KIP-679', 'acks defaults to all (the model\'s deployment sets acks=all on every release)'),
    unmodelled('KAFKA-13598', 'in 3.0.0 and 3.1.0 idempotence stayed off unless set explicitly (fixed in 3.0.1); the model\'s 3.0 is 3.0.1 and later'),
  ],
});
