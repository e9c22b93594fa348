import type { ClusterConfig } from '../config/schema.js';
import type { Outbox } from './effects.js';
import type { BecomeReplica, BrokerId, Fetch, FetchResponse } from './protocol.js';

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

/** What a coordinator machine keeps about its partition's leadership and load. */
interface LoadingCoordinator {
  readonly config: ClusterConfig;
  readonly brokerId: BrokerId;
  readonly leaderEpoch: number;
  readonly loaded: boolean;
  readonly nextRequestId: number;
}

type Args = { context: LoadingCoordinator; event: { type: string } };

/**
 * The delays of a group coordinator machine (classic and KIP-848 alike): its housekeeping tick,
 * a fraction of the heartbeat interval, and the retry of a load fetch that got no answer.
 */
export const coordinatorDelays = {
  tick: ({ context }: { context: LoadingCoordinator }) => Math.max(1, Math.floor(context.config.heartbeatIntervalMs / 6)),
  loadRetry: ({ context }: { context: LoadingCoordinator }) => Math.max(1, Math.floor(context.config.requestTimeoutMs / 10)),
};

/**
 * The guards of a coordinator's partition leadership and load: it becomes the coordinator when
 * its broker is elected leader of the group's `__consumer_offsets` partition in a new epoch, and
 * stops when another broker is; it serves once its load fetch has been answered.
 */
export const coordinatorLoadGuards = {
  electedHere: ({ context, event }: Args) => {
    const e = event as BecomeReplica;
    return e.type === 'PartitionChange' && e.state.leader === context.brokerId && e.state.leaderEpoch !== context.leaderEpoch;
  },
  resignedHere: ({ context, event }: Args) => event.type === 'PartitionChange' && (event as BecomeReplica).state.leader !== context.brokerId,
  answersLoad: ({ context, event }: Args) => event.type === 'FetchResponse' && (event as FetchResponse & { requestId?: number }).requestId === context.nextRequestId - 1,
  loaded: ({ context }: { context: LoadingCoordinator }) => context.loaded,
};
