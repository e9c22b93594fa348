import type { Outbox } from './effects.js';
import type { Fetch } from './protocol.js';

/**
 * A coordinator loading its partition (GroupMetadataManager / TransactionStateManager
 * loading): a fetch to the local replica, as a consumer would (replica id -1), but to the log
 * end rather than the high watermark, as Kafka loads. The answer goes to the coordinator's
 * actor; the caller keeps `requestId` to recognise it.
 */
export function sendLoadFetch(out: Outbox, partition: string, coordinator: string, requestId: number, fetchOffset: number): void {
  out.local(partition, {
    type: 'Fetch',
    actor: partition,
    requestId,
    replicaId: -1,
    replyTo: coordinator,
    isolation: 'LOG_END',
    brokerEpoch: -1,
    fetchOffset,
    currentLeaderEpoch: -1,
  } as Fetch);
}
