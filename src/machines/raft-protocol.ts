/**
 * KRaft's quorum protocol (KIP-595) as the model's controller nodes speak it, and the metadata
 * log they replicate (`__cluster_metadata`). Messages are named after Kafka's RPCs (Vote,
 * BeginQuorumEpoch, Fetch); the log functions are plain data, tested on their own.
 */
import type { BrokerRegistrationState, ControllerPartition } from './controller.js';
import type { DeletedTopic } from './protocol.js';

/** Controller nodes are `controller1`, `controller2`, ...: KRaft's node ids 1..n of controller.quorum.voters. */
export const controllerNode = (id: number) => `controller${id}`;
export const controllerIdOf = (node: string): number => Number(node.slice('controller'.length));
export const isControllerNode = (node: string) => /^controller\d+$/.test(node);

/** The metadata log's file on a controller's disk, and the quorum-state file (epoch, vote). */
export const METADATA_LOG_FILE = '__cluster_metadata-0';
export const QUORUM_STATE_FILE = 'quorum-state';

/**
 * What the controller's metadata records hold, replayed (Kafka's MetadataImage): the broker
 * registrations, the partitions, and the next broker epoch to give out.
 */
export interface MetadataImage {
  readonly brokers: readonly (BrokerRegistrationState | undefined)[];
  readonly partitions: readonly ControllerPartition[];
  readonly nextBrokerEpoch: number;
  /** Topics deleted (a RemoveTopicRecord each); absent until a deletion. */
  readonly deletedTopics?: readonly DeletedTopic[];
}

/**
 * A metadata record. Kafka writes one record per change (RegisterBrokerRecord,
 * PartitionChangeRecord, FenceBrokerRecord, ...); the model's record carries the image after
 * the change, with `cause` naming the record Kafka would write. Replaying a log is then taking
 * its last record, and a new active controller's state is the image of its committed log.
 * `LeaderChange` is the control record a new Raft leader appends first (LeaderChangeMessage):
 * once it is committed, everything before it is too.
 */
export type MetadataRecord = { readonly type: 'LeaderChange'; readonly leaderId: number } | { readonly type: 'Metadata'; readonly cause: string; readonly image: MetadataImage };

export interface MetadataLogEntry {
  readonly epoch: number;
  readonly record: MetadataRecord;
}

/** Vote (KIP-595), or with `preVote` KIP-996's PreVote: could this candidate win? */
export interface Vote {
  type: 'Vote';
  candidateEpoch: number;
  candidateId: number;
  lastEpoch: number;
  lastEndOffset: number;
  preVote?: boolean;
}
export interface VoteResponse {
  type: 'VoteResponse';
  /** The responder's epoch. */
  epoch: number;
  granted: boolean;
  preVote?: boolean;
  /** The leader the responder knows of, if any. */
  leaderId?: number;
}
/** Sent by a new leader to every voter, so that they learn of it without waiting for a timeout. */
export interface BeginQuorumEpoch {
  type: 'BeginQuorumEpoch';
  epoch: number;
  leaderId: number;
}
/** Kafka's Fetch on `__cluster_metadata`: a follower's position, and the epoch of its last record. */
export interface QuorumFetch {
  type: 'QuorumFetch';
  epoch: number;
  replicaId: number;
  fetchOffset: number;
  lastFetchedEpoch: number;
}
export interface QuorumFetchResponse {
  type: 'QuorumFetchResponse';
  epoch: number;
  leaderId?: number;
  error?: 'FENCED_LEADER_EPOCH' | 'NOT_LEADER_OR_FOLLOWER';
  /** The offset the fetch was for: a late answer to an older fetch is recognised and dropped. */
  fetchOffset: number;
  /** KIP-595: the fetch's last epoch is not the leader's at that offset; truncate to `endOffset` and fetch again. */
  divergingEpoch?: { epoch: number; endOffset: number };
  records: readonly MetadataLogEntry[];
  highWatermark: number;
}
export type RaftMessage = Vote | VoteResponse | BeginQuorumEpoch | QuorumFetch | QuorumFetchResponse;

/** The epoch of the log's last entry, 0 for an empty log. */
export const lastEpochOf = (log: readonly MetadataLogEntry[]): number => log[log.length - 1]?.epoch ?? 0;

/**
 * Is a candidate's log at least as up to date as ours (Raft's election restriction, KIP-595's
 * Vote handling): a later last epoch, or the same one and at least as long.
 */
export function logUpToDate(candidate: { lastEpoch: number; lastEndOffset: number }, log: readonly MetadataLogEntry[]): boolean {
  const mine = lastEpochOf(log);
  return candidate.lastEpoch > mine || (candidate.lastEpoch === mine && candidate.lastEndOffset >= log.length);
}

/**
 * The leader's answer to "where does epoch `epoch` end?" (LeaderEpochFileCache.endOffsetFor):
 * the largest epoch in the log that is at most `epoch`, and the offset where the next epoch
 * starts (the log end for the latest one).
 */
export function endOffsetForEpoch(log: readonly MetadataLogEntry[], epoch: number): { epoch: number; endOffset: number } {
  let i = log.length - 1;
  while (i >= 0 && log[i]!.epoch > epoch) i--;
  if (i < 0) return { epoch: 0, endOffset: 0 };
  return { epoch: log[i]!.epoch, endOffset: i + 1 };
}

/**
 * Does a fetch from `fetchOffset`, whose previous record had `lastFetchedEpoch`, follow our log?
 * Undefined when it does; else where the follower must truncate to (KafkaRaftClient.validateOffsetAndEpoch).
 */
export function divergence(log: readonly MetadataLogEntry[], fetchOffset: number, lastFetchedEpoch: number): { epoch: number; endOffset: number } | undefined {
  if (fetchOffset === 0) return undefined;
  const end = endOffsetForEpoch(log, lastFetchedEpoch);
  if (end.epoch === lastFetchedEpoch && fetchOffset <= end.endOffset) return undefined;
  return end;
}

/**
 * The high watermark a leader can set (LeaderState.maybeUpdateHighWatermark): the largest offset
 * a majority of voters hold, and only once it covers an entry of the leader's own epoch (at or
 * past `epochStartOffset`): entries of older epochs are committed by committing one of its own.
 */
export function majorityHighWatermark(endOffsets: readonly number[], epochStartOffset: number, current: number): number {
  const sorted = endOffsets.slice().sort((a, b) => b - a);
  const majority = sorted[Math.floor(sorted.length / 2)]!;
  return majority > epochStartOffset && majority > current ? majority : current;
}

/** The image a log holds below `end`: its last metadata record's, or `initial` when it has none. */
export function imageAt<I>(log: readonly MetadataLogEntry[], end: number, initial: I): MetadataImage | I {
  for (let i = Math.min(end, log.length) - 1; i >= 0; i--) {
    const r = log[i]!.record;
    if (r.type === 'Metadata') return r.image;
  }
  return initial;
}
