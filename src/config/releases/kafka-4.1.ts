import { kafka_4_0 } from './kafka-4.0.js';
import { change, nextRelease, unmodelled } from './release.js';

/** Kafka 4.1 (September 2025): Eligible Leader Replicas for new clusters. */
export const kafka_4_1 = nextRelease(kafka_4_0, '4.1', {
  changes: [
    change(
      'eligibleLeaderReplicas',
      true,
      'KIP-966',
      'a replica that left an ISR below min.insync.replicas stays eligible to lead; a broker back from an unclean shutdown is eligible for nothing, so a partition whose last ISR member lost data waits offline instead of electing it (a preview in 4.0, on by default for new clusters in 4.1)',
    ),
  ],
  unmodelled: [
    unmodelled('KIP-966', 'unclean recovery beyond the last known leader (the aggressive and proactive modes that elect the longest log when ISR and ELR are both empty)'),
  ],
});
