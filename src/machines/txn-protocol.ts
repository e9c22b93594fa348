import { TRANSACTION_STATE_TOPIC } from '../config/schema.js';
/**
 * The transaction protocol's messages (KIP-98, with KIP-447's group-aware offset commits and
 * KIP-890's per-transaction epoch bump), named after Kafka's RPCs, and the transaction
 * coordinator's log entries. spec/transactions.md says what the model keeps and simplifies.
 *
 * Who talks to whom:
 * - a transactional client (producer or consume-transform-produce consumer) sends
 *   InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn to the transaction
 *   coordinator: actor {@link txnActor}(transactionalId) on the broker that leads the
 *   transactional.id's `__transaction_state` partition (FindCoordinator(TRANSACTION) in Kafka; here the client reads the
 *   leader from metadata, as consumers find their group coordinator);
 * - it sends TxnOffsetCommit to its group coordinator (actor `group-<groupId>`);
 * - the transaction coordinator sends WriteTxnMarkers to the leader of each partition in the
 *   transaction: to the replica actor (`t-0`, `out-1`), or, for the group's `__consumer_offsets` partition, to the
 *   group coordinator actor of the group named in AddOffsetsToTxn, which writes the marker and
 *   makes the transaction's offsets visible (commit) or drops them (abort).
 */
import type { ErrorCode } from './protocol.js';

/** Kafka's internal topic holding the transaction coordinator's log (transaction.state.log.num.partitions of them: the model's deployment runs 1). */
export const TXN_TOPIC = TRANSACTION_STATE_TOPIC;
/** The topic a consume-transform-produce group writes its output to. */
export const OUTPUT_TOPIC = 'out';

/** The actor that coordinates `transactionalId` on every broker node. */
export const txnActor = (transactionalId: string) => `txn-${transactionalId}`;

export type TxnErrorCode =
  /** This broker does not lead the transactional.id's `__transaction_state` partition (any more): find the coordinator again. */
  | 'NOT_COORDINATOR'
  /** The coordinator is still reading its `__transaction_state` partition after becoming its leader. */
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  /** The coordinator could not replicate its log write: retry. */
  | 'COORDINATOR_NOT_AVAILABLE'
  /** The previous transaction is still completing (PrepareCommit/PrepareAbort): retry later. */
  | 'CONCURRENT_TRANSACTIONS'
  /** A newer producer with the same transactional.id exists (its epoch is higher): fatal for this one. */
  | 'PRODUCER_FENCED'
  /** The request's producer epoch is not the current one (KIP-890: the transaction it belongs to is over). */
  | 'INVALID_PRODUCER_EPOCH'
  /** The request does not fit the transaction's state (EndTxn(commit) while aborting, ...). */
  | 'INVALID_TXN_STATE'
  /** The producer id does not belong to this transactional.id. */
  | 'INVALID_PRODUCER_ID_MAPPING'
  /** KIP-447: OffsetFetch while a transaction with offsets for the partition is pending; retry. */
  | 'UNSTABLE_OFFSET_COMMIT'
  | 'REQUEST_TIMED_OUT';

/**
 * The transaction coordinator's states (TransactionState.scala). Legal moves
 * (TransactionMetadata.validPreviousStates):
 *   Empty -> Ongoing (AddPartitionsToTxn / AddOffsetsToTxn);
 *   Ongoing -> PrepareCommit | PrepareAbort (EndTxn, or the transaction timeout: abort);
 *   Ongoing -> PrepareEpochFence (InitProducerId while a transaction is open: abort it first);
 *   PrepareEpochFence -> PrepareAbort;
 *   PrepareCommit -> CompleteCommit, PrepareAbort -> CompleteAbort (every marker written);
 *   CompleteCommit | CompleteAbort -> Ongoing (next transaction) | Empty (InitProducerId);
 *   any -> Dead (the coordinator moved away: unloaded).
 */
export type TxnState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'PrepareEpochFence' | 'Dead';

export type TxnResult = 'COMMIT' | 'ABORT';

/** A partition in a transaction. For `__consumer_offsets`, `groupId` names the group (AddOffsetsToTxn). */
export interface TxnPartition {
  readonly topic: string;
  readonly partition: number;
  readonly groupId?: string;
}

interface TxnRequest {
  /** The coordinator actor: txnActor(transactionalId). */
  readonly actor: string;
  readonly requestId: number;
  readonly transactionalId: string;
}

/**
 * Get (first time) or re-initialise the producer id of a transactional.id: bumps the producer
 * epoch, which fences every older producer with that id (zombie fencing); a transaction left
 * open by the older one is aborted first (PrepareEpochFence).
 */
export interface InitProducerId extends TxnRequest {
  type: 'InitProducerId';
  transactionTimeoutMs: number;
}
export interface InitProducerIdResponse { type: 'InitProducerIdResponse'; requestId: number; error?: TxnErrorCode; producerId: number; producerEpoch: number }

export interface AddPartitionsToTxn extends TxnRequest {
  type: 'AddPartitionsToTxn';
  producerId: number;
  producerEpoch: number;
  partitions: readonly TxnPartition[];
}
export interface AddPartitionsToTxnResponse { type: 'AddPartitionsToTxnResponse'; requestId: number; error?: TxnErrorCode }

/** Adds the `__consumer_offsets` partition of `groupId` to the transaction: sendOffsetsToTransaction, step 1. */
export interface AddOffsetsToTxn extends TxnRequest {
  type: 'AddOffsetsToTxn';
  producerId: number;
  producerEpoch: number;
  groupId: string;
}
export interface AddOffsetsToTxnResponse { type: 'AddOffsetsToTxnResponse'; requestId: number; error?: TxnErrorCode }

export interface EndTxn extends TxnRequest {
  type: 'EndTxn';
  producerId: number;
  producerEpoch: number;
  committed: boolean;
}
/**
 * Answered once PrepareCommit/PrepareAbort is replicated (markers are written afterwards).
 * KIP-890 part 2: the producer epoch the client must use for its next transaction.
 */
export interface EndTxnResponse { type: 'EndTxnResponse'; requestId: number; error?: TxnErrorCode; producerId: number; producerEpoch: number }

/**
 * Transaction coordinator -> partition leader: append a control record (COMMIT or ABORT) for
 * the producer, with acks=all; answered once replicated. Sent to the replica actor of
 * `topic-partition`, or, for `__consumer_offsets`, to the group coordinator actor of `groupId`.
 */
export interface WriteTxnMarkers {
  type: 'WriteTxnMarkers';
  actor: string;
  requestId: number;
  /** The coordinator actor the answer is for. */
  replyTo: string;
  topic: string;
  partition: number;
  groupId?: string;
  producerId: number;
  producerEpoch: number;
  /** The leader epoch of the coordinator's `__transaction_state` partition. */
  coordinatorEpoch: number;
  result: TxnResult;
}
export interface WriteTxnMarkersResponse {
  type: 'WriteTxnMarkersResponse';
  /** The coordinator actor (the request's replyTo). */
  actor: string;
  requestId: number;
  topic: string;
  partition: number;
  error?: ErrorCode | TxnErrorCode;
}

/**
 * Transactional offset commit (KIP-98, with KIP-447's member id and generation so that a zombie
 * from an older generation is fenced like a plain OffsetCommit). The offsets become the group's
 * committed offsets only when the COMMIT marker reaches `__consumer_offsets`.
 */
export interface TxnOffsetCommit {
  type: 'TxnOffsetCommit';
  /** The group coordinator actor: group-<groupId>. */
  actor: string;
  requestId: number;
  groupId: string;
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  memberId: string;
  generationId: number;
  offsets: readonly { partition: number; offset: number }[];
}
export interface TxnOffsetCommitResponse { type: 'TxnOffsetCommitResponse'; requestId: number; error?: TxnErrorCode | string }

/** One entry of the transaction coordinator's log (TransactionLogValue), stored as a record's `txn`. */
export interface TxnLogEntry {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly state: TxnState;
  readonly partitions: readonly TxnPartition[];
  readonly timeoutMs: number;
  /** When the transaction started (its first AddPartitionsToTxn/AddOffsetsToTxn); -1 when none is open. */
  readonly startMs: number;
}
