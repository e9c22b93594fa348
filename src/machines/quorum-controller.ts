import { setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import type { Disk } from '../sim/disk.js';
import type { Rng } from '../sim/rng.js';
import { checkSessions, handleControllerRequest, initialPartitions, publicState, tombstones, type ControllerContext, type ControllerRequest, type ExtraTopic } from './controller.js';
import { Outbox, react } from './effects.js';
import { brokerNode, type AlterPartitionResponse, type BrokerHeartbeatResponse, type CreatePartitionsResponse, type CreateTopicsResponse, type DeleteTopicsResponse, type BrokerRegistrationResponse } from './protocol.js';
import {
  METADATA_LOG_FILE,
  QUORUM_STATE_FILE,
  controllerIdOf,
  controllerNode,
  divergence,
  imageAt,
  lastEpochOf,
  logUpToDate,
  majorityHighWatermark,
  type BeginQuorumEpoch,
  type MetadataImage,
  type MetadataLogEntry,
  type QuorumFetch,
  type QuorumFetchResponse,
  type Vote,
  type VoteResponse,
} from './raft-protocol.js';

/**
 * A KRaft controller node: a voter of the metadata quorum (KIP-595, KafkaRaftClient) and, while
 * it is the Raft leader, the active controller (KIP-500, QuorumController).
 *
 * Raft: voters start Unattached; one whose election timeout fires becomes a Candidate (with
 * KIP-996 Pre-Vote, first a Prospective that asks whether it could win), bumps the epoch, votes
 * for itself and asks the others. A voter grants one vote per epoch, to a candidate whose log is
 * at least as up to date as its own. The winner appends a LeaderChange record and tells the
 * others (BeginQuorumEpoch); they follow it by fetching, and the leader's high watermark is the
 * offset a majority holds. Epoch and vote are written to the quorum-state file before they are
 * acted on, and the log is flushed on every append, as KafkaRaftClient does: a power loss loses
 * neither. With check-quorum (KAFKA-15489) a leader not fetched from by a majority resigns.
 *
 * Controller: a new leader becomes the active controller once its LeaderChange record is
 * committed (QuorumController's claim): its state is then the image of its committed log, and
 * every broker starts a fresh session. It makes the same decisions as ZooKeeper mode's controller
 * (src/machines/controller.ts), writes each change as a record, and answers a request only when
 * everything it wrote up to that request is committed; metadata reaches brokers after commit.
 * Any other node answers controller requests NOT_CONTROLLER, naming the leader it knows.
 */
export interface QuorumControllerContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  /** This node's id, 1-based, and the voters' node names (index id-1). */
  readonly id: number;
  readonly voters: readonly string[];
  readonly rng: Rng;
  readonly epoch: number;
  /** The candidate this voter voted for in `epoch`. */
  readonly votedFor: number | undefined;
  /** The leader of `epoch`, once known. */
  readonly leaderId: number | undefined;
  /** The metadata log, as on disk (every append is flushed). */
  readonly log: MetadataLogEntry[];
  /** Offsets below it are committed. Not persisted: a restarted voter learns it again. */
  readonly highWatermark: number;
  /** What the committed log holds (the image every node but the active controller acts on). */
  readonly committed: MetadataImage;
  /** The image of an empty log: the topics as created. */
  readonly initial: MetadataImage;
  /** How long the current election timer runs (drawn on entering a state that has one). */
  readonly electionTimeoutMs: number;
  /** Votes (or pre-votes) granted to this candidate in its current round. */
  readonly votes: readonly number[];
  /** Leader: where its epoch starts (its LeaderChange record). */
  readonly epochStartOffset: number;
  /** Leader: each voter's end offset as its fetches show (by id; index 0 unused). */
  readonly endOffsets: readonly number[];
  /** Leader: when each voter last fetched (check-quorum). */
  readonly lastFetchAt: readonly number[];
  /** Follower: when the leader last answered a fetch (Pre-Vote refuses while it is recent). */
  readonly lastLeaderContact: number;
  /** Active controller: its state, with its own uncommitted records. */
  readonly image: ControllerContext | undefined;
  /** Active controller: replies held until the high watermark reaches `waitFor`. */
  readonly pending: readonly { readonly waitFor: number; readonly effects: Outbox['effects'] }[];
}

type From = { from: string };
export type QuorumControllerEvent =
  | (Vote & From)
  | (VoteResponse & From)
  | (BeginQuorumEpoch & From)
  | (QuorumFetch & From)
  | (QuorumFetchResponse & From)
  | (ControllerRequest & From)
  | { type: 'net.disconnected'; peer: string };

const majorityOf = (c: QuorumControllerContext) => Math.floor(c.voters.length / 2) + 1;
const leaderNode = (c: QuorumControllerContext) => (c.leaderId === undefined ? undefined : c.voters[c.leaderId - 1]);
const others = (c: QuorumControllerContext) => c.voters.filter((_, i) => i + 1 !== c.id);

/** Epoch and vote reach the disk (fsynced) before anything is sent on their strength. */
function persistQuorumState(epoch: number, votedFor: number | undefined, out: Outbox): void {
  out.replace(QUORUM_STATE_FILE, [{ epoch, ...(votedFor === undefined ? {} : { votedFor }) }]);
  out.fsync(QUORUM_STATE_FILE);
}

/** A higher epoch seen: no leader known, no vote cast in it yet. */
function adoptEpoch(c: QuorumControllerContext, epoch: number, out: Outbox): Partial<QuorumControllerContext> {
  persistQuorumState(epoch, undefined, out);
  return { epoch, votedFor: undefined, leaderId: undefined, image: undefined, pending: [], votes: [] };
}

function drawTimeout(c: QuorumControllerContext, backoff = 0): Partial<QuorumControllerContext> {
  const t = c.config.quorumElectionTimeoutMs;
  return { electionTimeoutMs: c.rng.int(t, 2 * t - 1) + (backoff > 0 ? c.rng.int(0, backoff) : 0) };
}

/** Bring `committed` up to the high watermark. */
const withCommitted = (c: QuorumControllerContext, highWatermark: number): Partial<QuorumControllerContext> => ({ highWatermark, committed: imageAt(c.log, highWatermark, c.initial) });

// --- Elections -------------------------------------------------------------------------------

/** Candidate (or, with Pre-Vote, Prospective) asks every other voter. */
function requestVotes(c: QuorumControllerContext, out: Outbox, preVote: boolean): void {
  const msg: Vote = { type: 'Vote', candidateEpoch: c.epoch + (preVote ? 1 : 0), candidateId: c.id, lastEpoch: lastEpochOf(c.log), lastEndOffset: c.log.length, ...(preVote ? { preVote } : {}) };
  for (const v of others(c)) out.send(v, msg);
}

function startPreVote(c: QuorumControllerContext, _e: unknown, out: Outbox): Partial<QuorumControllerContext> {
  requestVotes(c, out, true);
  // The leader it lost stays known in this epoch: a pre-vote answer that names it does not send
  // the prospective back to a leader it cannot fetch from.
  return { votes: [c.id], ...drawTimeout(c, c.config.quorumElectionBackoffMaxMs) };
}

function startElection(c: QuorumControllerContext, _e: unknown, out: Outbox): Partial<QuorumControllerContext> {
  const epoch = c.epoch + 1;
  persistQuorumState(epoch, c.id, out);
  out.note(`controller ${c.id} stands for election in epoch ${epoch}`);
  const next = { ...c, epoch };
  requestVotes(next, out, false);
  return { epoch, votedFor: c.id, leaderId: undefined, image: undefined, pending: [], votes: [c.id], ...drawTimeout(c, c.config.quorumElectionBackoffMaxMs) };
}

/**
 * Would this voter grant a (real) vote: a newer epoch, or in this one no leader known and no vote
 * cast but for this candidate (one vote per epoch); and Raft's log rule.
 */
function grants(c: QuorumControllerContext, e: Vote): boolean {
  if (e.preVote || e.candidateEpoch < c.epoch || !logUpToDate(e, c.log)) return false;
  if (e.candidateEpoch > c.epoch) return true;
  return c.leaderId === undefined && (c.votedFor === undefined || c.votedFor === e.candidateId);
}

/**
 * KIP-996: a pre-vote is granted to a log at least as up to date as ours, unless this voter
 * still hears from a leader (it leads, or it fetched from its leader within the fetch timeout).
 */
function grantsPreVote(c: QuorumControllerContext, e: Vote): boolean {
  if (e.candidateEpoch <= c.epoch || !logUpToDate(e, c.log)) return false;
  if (c.leaderId === c.id) return false;
  return !(c.leaderId !== undefined && c.now() - c.lastLeaderContact < c.config.quorumFetchTimeoutMs);
}

function grantVote(c: QuorumControllerContext, e: Vote & From, out: Outbox): Partial<QuorumControllerContext> {
  persistQuorumState(e.candidateEpoch, e.candidateId, out);
  out.send(e.from, { type: 'VoteResponse', epoch: e.candidateEpoch, granted: true } satisfies VoteResponse);
  return { epoch: e.candidateEpoch, votedFor: e.candidateId, leaderId: undefined, image: undefined, pending: [], votes: [], ...drawTimeout(c) };
}

function answerVote(c: QuorumControllerContext, e: Vote & From, out: Outbox, granted: boolean): void {
  out.send(e.from, { type: 'VoteResponse', epoch: c.epoch, granted, ...(e.preVote ? { preVote: true } : {}), ...(c.leaderId === undefined ? {} : { leaderId: c.leaderId }) } satisfies VoteResponse);
}

/** A vote for this round: a pre-vote while Prospective, a vote of this epoch while Candidate. */
function countVote(c: QuorumControllerContext, e: VoteResponse & From, preVote: boolean): Partial<QuorumControllerContext> | void {
  const voter = controllerIdOf(e.from);
  if (!e.granted || (e.preVote ?? false) !== preVote || (!preVote && e.epoch !== c.epoch) || c.votes.includes(voter)) return;
  return { votes: [...c.votes, voter] };
}

// --- Leader ----------------------------------------------------------------------------------

function appendAsLeader(c: QuorumControllerContext, entry: MetadataLogEntry, out: Outbox): MetadataLogEntry[] {
  c.log.push(entry);
  out.append(METADATA_LOG_FILE, [entry]);
  out.fsync(METADATA_LOG_FILE);
  return c.log;
}

function becomeLeader(c: QuorumControllerContext, _e: unknown, out: Outbox): Partial<QuorumControllerContext> {
  out.note(`controller ${c.id} is the leader of epoch ${c.epoch} (votes from ${c.votes.slice().sort((a, b) => a - b).join(',')})`);
  const epochStartOffset = c.log.length;
  appendAsLeader(c, { epoch: c.epoch, record: { type: 'LeaderChange', leaderId: c.id } }, out);
  for (const v of others(c)) out.send(v, { type: 'BeginQuorumEpoch', epoch: c.epoch, leaderId: c.id } satisfies BeginQuorumEpoch);
  const endOffsets = c.voters.map(() => 0);
  endOffsets[c.id - 1] = c.log.length;
  const now = c.now();
  const next: Partial<QuorumControllerContext> = { leaderId: c.id, epochStartOffset, endOffsets: [0, ...endOffsets], lastFetchAt: [0, ...c.voters.map(() => now)], image: undefined, pending: [] };
  return { ...next, ...advanceHighWatermark({ ...c, ...next }, out) };
}

/** The leader's HW after a voter's position changed, with what committing releases. */
function advanceHighWatermark(c: QuorumControllerContext, out: Outbox): Partial<QuorumControllerContext> {
  const ends = c.endOffsets.slice(1);
  ends[c.id - 1] = c.log.length;
  const hw = majorityHighWatermark(ends, c.epochStartOffset, c.highWatermark);
  if (hw === c.highWatermark) return {};
  return { ...withCommitted(c, hw), ...flushCommitted({ ...c, highWatermark: hw }, out) };
}

/**
 * QuorumController's claim: the LeaderChange record is committed, so the whole log is. The
 * active controller starts from its image; every registered broker gets a fresh session
 * (BrokerHeartbeatManager starts empty on a new active controller) and the committed metadata.
 */
function claim(c: QuorumControllerContext, _e: unknown, out: Outbox): Partial<QuorumControllerContext> {
  const now = c.now();
  const brokers = c.committed.brokers.map((r) => (r ? { ...r, lastHeartbeat: now } : r));
  const deleted = c.committed.deletedTopics === undefined ? {} : { deletedTopics: c.committed.deletedTopics };
  const image: ControllerContext = { config: c.config, now: c.now, brokers, partitions: c.committed.partitions, nextBrokerEpoch: c.committed.nextBrokerEpoch, startedAt: 0, ...deleted };
  out.note(`controller ${c.id} is the active controller (epoch ${c.epoch}, metadata offset ${c.highWatermark})`);
  const partitions = image.partitions.map(publicState);
  brokers.forEach((r, b) => {
    if (r) out.send(brokerNode(b), { type: 'MetadataUpdate', partitions, ...tombstones(image.deletedTopics) });
  });
  return { image };
}

const durableBrokers = (bs: MetadataImage['brokers']) => bs.map((r) => (r ? { ...r, lastHeartbeat: 0 } : r));
function sameBrokers(a: MetadataImage['brokers'], b: MetadataImage['brokers']): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (!x || !y || x.brokerEpoch !== y.brokerEpoch || x.incarnation !== y.incarnation || x.fenced !== y.fenced || x.inControlledShutdown !== y.inControlledShutdown) return false;
  }
  return true;
}

/**
 * The active controller's decision on a request (or its session check): a record when it changed
 * the metadata, and the replies once everything written so far is committed (QuorumController's
 * ControllerWriteEvent completes at its offset, or the last one written when it wrote nothing).
 */
function decide(c: QuorumControllerContext, cause: string, run: (image: ControllerContext, out: Outbox) => Partial<ControllerContext> | void, out: Outbox): Partial<QuorumControllerContext> {
  const before = c.image!;
  const replies = new Outbox();
  const patch = run(before, replies) ?? {};
  const image: ControllerContext = { ...before, ...patch };
  const changed = image.partitions !== before.partitions || image.nextBrokerEpoch !== before.nextBrokerEpoch || !sameBrokers(image.brokers, before.brokers);
  for (const e of replies.effects) if (e.type === 'trace.note') out.effects.push(e);
  const held = replies.effects.filter((e) => e.type !== 'trace.note');
  if (changed) {
    appendAsLeader(c, { epoch: c.epoch, record: { type: 'Metadata', cause, image: { brokers: durableBrokers(image.brokers), partitions: image.partitions, nextBrokerEpoch: image.nextBrokerEpoch, ...(image.deletedTopics === undefined ? {} : { deletedTopics: image.deletedTopics }) } } }, out);
  }
  const waitFor = c.log.length;
  const next = { ...c, image, pending: held.length > 0 ? [...c.pending, { waitFor, effects: held }] : c.pending };
  return { image, pending: next.pending, ...(changed ? advanceHighWatermark(next, out) : flushCommitted(next, out)) };
}

/** Replies already covered by the high watermark go out at once. */
function flushCommitted(c: QuorumControllerContext, out: Outbox): Partial<QuorumControllerContext> {
  if (!c.pending.some((p) => p.waitFor <= c.highWatermark)) return {};
  const pending = c.pending.filter((p) => {
    if (p.waitFor > c.highWatermark) return true;
    out.effects.push(...p.effects);
    return false;
  });
  return { pending };
}

const causeOf: Record<ControllerRequest['type'], string> = {
  BrokerRegistration: 'RegisterBroker',
  BrokerHeartbeat: 'BrokerRegistrationChange',
  AlterPartition: 'PartitionChange',
  CreatePartitions: 'PartitionRecord',
  CreateTopics: 'TopicRecord',
  DeleteTopics: 'RemoveTopicRecord',
};

/** Only the active controller answers; any other node says so, naming the leader it knows. */
function answerController(c: QuorumControllerContext, e: ControllerRequest & From, out: Outbox, active: boolean): Partial<QuorumControllerContext> | void {
  if (active && c.image) return decide(c, causeOf[e.type], (image, replies) => handleControllerRequest(image, e, replies), out);
  // A leader still claiming names itself: the broker asks again, and is answered once it is active.
  const hint = c.leaderId !== undefined ? { leaderHint: leaderNode(c)! } : {};
  switch (e.type) {
    case 'BrokerRegistration':
      return void out.send(e.from, { type: 'BrokerRegistrationResponse', brokerEpoch: -1, error: 'NOT_CONTROLLER', ...hint } satisfies BrokerRegistrationResponse);
    case 'BrokerHeartbeat':
      return void out.send(e.from, { type: 'BrokerHeartbeatResponse', fenced: false, error: 'NOT_CONTROLLER', partitions: [], ...hint } satisfies BrokerHeartbeatResponse);
    case 'AlterPartition': {
      const actor = `${e.topic ?? 't'}-${e.partition}`;
      return void out.send(e.from, { type: 'AlterPartitionResponse', actor, partition: e.partition, error: 'NOT_CONTROLLER' } satisfies AlterPartitionResponse);
    }
    case 'CreatePartitions':
      return void out.send(e.from, { type: 'CreatePartitionsResponse', requestId: e.requestId, error: 'NOT_CONTROLLER', ...hint } satisfies CreatePartitionsResponse);
    case 'CreateTopics':
      return void out.send(e.from, { type: 'CreateTopicsResponse', requestId: e.requestId, error: 'NOT_CONTROLLER', ...hint } satisfies CreateTopicsResponse);
    case 'DeleteTopics':
      return void out.send(e.from, { type: 'DeleteTopicsResponse', requestId: e.requestId, error: 'NOT_CONTROLLER', ...hint } satisfies DeleteTopicsResponse);
  }
}

/**
 * The leader's side of a fetch (KafkaRaftClient.handleFetchRequest): fence an older epoch, point
 * a follower whose log diverged at where to truncate, else record its position (which may
 * commit) and send what follows it.
 */
function answerFetch(c: QuorumControllerContext, e: QuorumFetch & From, out: Outbox, leading: boolean): Partial<QuorumControllerContext> | void {
  const reply = (r: Omit<QuorumFetchResponse, 'type' | 'epoch' | 'fetchOffset'>) =>
    out.send(e.from, { type: 'QuorumFetchResponse', epoch: c.epoch, fetchOffset: e.fetchOffset, ...(c.leaderId === undefined ? {} : { leaderId: c.leaderId }), ...r } satisfies QuorumFetchResponse);
  if (!leading || e.epoch > c.epoch) return void reply({ error: 'NOT_LEADER_OR_FOLLOWER', records: [], highWatermark: c.highWatermark });
  if (e.epoch < c.epoch) return void reply({ error: 'FENCED_LEADER_EPOCH', records: [], highWatermark: c.highWatermark });
  const diverging = divergence(c.log, e.fetchOffset, e.lastFetchedEpoch);
  if (diverging) return void reply({ divergingEpoch: diverging, records: [], highWatermark: c.highWatermark });
  const endOffsets = c.endOffsets.slice();
  endOffsets[e.replicaId] = Math.min(e.fetchOffset, c.log.length);
  const lastFetchAt = c.lastFetchAt.slice();
  lastFetchAt[e.replicaId] = c.now();
  const patch = advanceHighWatermark({ ...c, endOffsets }, out);
  const highWatermark = patch.highWatermark ?? c.highWatermark;
  reply({ records: c.log.slice(e.fetchOffset), highWatermark });
  return { endOffsets, lastFetchAt, ...patch };
}

/**
 * Check-quorum (KAFKA-15489, LeaderState.timeUntilCheckQuorumExpires): the leader resigns once a
 * majority of the voters, itself included, has not fetched for 1.5 fetch timeouts. When that is
 * due: the majority-th latest fetch plus the timeout.
 */
function checkQuorumDueIn(c: QuorumControllerContext): number {
  const now = c.now();
  const latest = c.voters.map((_, i) => (i + 1 === c.id ? now : c.lastFetchAt[i + 1]!)).sort((a, b) => b - a);
  return latest[majorityOf(c) - 1]! + checkQuorumTimeout(c) - now;
}
const quorumLost = (c: QuorumControllerContext) => checkQuorumDueIn(c) <= 0;
export const checkQuorumTimeout = (c: { readonly config: ClusterConfig }) => Math.floor(c.config.quorumFetchTimeoutMs * 1.5);

// --- Follower --------------------------------------------------------------------------------

function sendFetch(c: QuorumControllerContext, _e: unknown, out: Outbox): void {
  const to = leaderNode(c);
  if (to) out.send(to, { type: 'QuorumFetch', epoch: c.epoch, replicaId: c.id, fetchOffset: c.log.length, lastFetchedEpoch: lastEpochOf(c.log) } satisfies QuorumFetch);
}

function follow(c: QuorumControllerContext, epoch: number, leaderId: number, out: Outbox): Partial<QuorumControllerContext> {
  if (epoch !== c.epoch) persistQuorumState(epoch, undefined, out);
  out.note(`controller ${c.id} follows leader ${leaderId} in epoch ${epoch}`);
  return { epoch, leaderId, votedFor: epoch === c.epoch ? c.votedFor : undefined, image: undefined, pending: [], votes: [], lastLeaderContact: c.now() };
}

/** The answer to our current fetch, from our leader, without an error. */
const currentAnswer = (c: QuorumControllerContext, e: QuorumFetchResponse & From) => e.from === leaderNode(c) && e.epoch === c.epoch && e.error === undefined && e.fetchOffset === c.log.length;

/** Truncate to where our log and the leader's agree (KafkaRaftClient's handling of DivergingEpoch). */
function truncateToDivergence(c: QuorumControllerContext, e: QuorumFetchResponse, out: Outbox): Partial<QuorumControllerContext> {
  const d = e.divergingEpoch!;
  let keep = 0;
  for (let i = Math.min(d.endOffset, c.log.length) - 1; i >= 0; i--) {
    if (c.log[i]!.epoch <= d.epoch) {
      keep = i + 1;
      break;
    }
  }
  out.note(`controller ${c.id} truncates its metadata log to ${keep} (diverged from leader ${c.leaderId} at epoch ${d.epoch})`);
  c.log.length = keep;
  out.truncate(METADATA_LOG_FILE, keep);
  out.fsync(METADATA_LOG_FILE);
  const highWatermark = Math.min(c.highWatermark, keep);
  return { log: c.log, lastLeaderContact: c.now(), ...withCommitted(c, highWatermark) };
}

function appendFetched(c: QuorumControllerContext, e: QuorumFetchResponse, out: Outbox): Partial<QuorumControllerContext> {
  if (e.records.length > 0) {
    c.log.push(...e.records);
    out.append(METADATA_LOG_FILE, e.records);
    out.fsync(METADATA_LOG_FILE);
  }
  const hw = Math.min(e.highWatermark, c.log.length);
  return { log: c.log, lastLeaderContact: c.now(), ...(hw > c.highWatermark ? withCommitted(c, hw) : {}) };
}

// --- Boot ------------------------------------------------------------------------------------

/** A controller node's state as its disk kept it: the log, and the last epoch and vote. */
export function recoverQuorumState(disk: Disk): { log: MetadataLogEntry[]; epoch: number; votedFor: number | undefined } {
  const log = disk.read(METADATA_LOG_FILE).slice() as MetadataLogEntry[];
  const q = disk.read(QUORUM_STATE_FILE)[0] as { epoch: number; votedFor?: number } | undefined;
  return { log, epoch: Math.max(q?.epoch ?? 0, lastEpochOf(log)), votedFor: q?.votedFor };
}

export interface QuorumControllerInput {
  config: ClusterConfig;
  now: () => number;
  id: number;
  rng: Rng;
  topics?: readonly ExtraTopic[];
  recovered: ReturnType<typeof recoverQuorumState>;
}

type Ev<T extends QuorumControllerEvent['type']> = Extract<QuorumControllerEvent, { type: T }>;

/**
 * How a voter standing for election takes an answer: one naming a leader it did not know makes
 * it follow; a newer epoch ends its candidacy; else the (pre-)vote is counted.
 */
const voteResponses = (count: 'countVote' | 'countPreVote') =>
  [
    { guard: 'newLeader', target: '#qc.Follower', reenter: true, actions: 'followLeader' },
    { guard: 'newerEpoch', target: '#qc.Unattached', reenter: true, actions: 'adoptEpoch' },
    { actions: count },
  ] as const;

export const quorumControllerMachine = setup({
  types: {} as { context: QuorumControllerContext; input: QuorumControllerInput; events: QuorumControllerEvent },
  delays: {
    electionTimeout: ({ context }) => context.electionTimeoutMs,
    fetchTimeout: ({ context }) => context.config.quorumFetchTimeoutMs,
    // KafkaRaftClient's fetch max wait (500 ms): how long a follower that got nothing waits (the
    // leader's long poll, the other way round), the replica fetchers' default too.
    fetchWait: ({ context }) => context.config.replicaFetchWaitMaxMs,
    // The next moment the quorum could be lost: no sooner than the majority's fetches expire.
    checkQuorumDue: ({ context }) => Math.max(1, checkQuorumDueIn(context)),
    sessionCheck: ({ context }) => context.config.brokerHeartbeatIntervalMs,
  },
  guards: {
    hasVoted: ({ context }) => context.votedFor !== undefined && context.votedFor !== context.id,
    usesPreVote: ({ context }) => context.config.preVote,
    checksQuorum: ({ context }) => context.config.checkQuorum && context.voters.length > 1,
    grantsVote: ({ context, event }) => event.type === 'Vote' && grants(context, event),
    newerEpoch: ({ context, event }) => 'epoch' in event && typeof event.epoch === 'number' && event.epoch > context.epoch,
    newerVoteEpoch: ({ context, event }) => event.type === 'Vote' && !event.preVote && event.candidateEpoch > context.epoch,
    newLeader: ({ context, event }) =>
      (event.type === 'BeginQuorumEpoch' && (event.epoch > context.epoch || (event.epoch === context.epoch && context.leaderId === undefined))) ||
      // A fetch or vote answered by a voter that knows a leader we do not (a restarted voter, a
      // candidate that lost) points at it.
      ((event.type === 'QuorumFetchResponse' || event.type === 'VoteResponse') &&
        event.leaderId !== undefined &&
        event.leaderId !== context.id &&
        (event.epoch > context.epoch || (event.epoch === context.epoch && context.leaderId === undefined))),
    wonElection: ({ context }) => context.votes.length >= majorityOf(context),
    claimed: ({ context }) => context.highWatermark > context.epochStartOffset,
    quorumLost: ({ context }) => quorumLost(context),
    diverged: ({ context, event }) => event.type === 'QuorumFetchResponse' && event.from === leaderNode(context) && event.epoch === context.epoch && event.divergingEpoch !== undefined,
    gotRecords: ({ context, event }) => event.type === 'QuorumFetchResponse' && currentAnswer(context, event) && event.records.length > 0,
    gotNothing: ({ context, event }) => event.type === 'QuorumFetchResponse' && currentAnswer(context, event),
    leaderDisconnected: ({ context, event }) => event.type === 'net.disconnected' && event.peer === leaderNode(context),
  },
  actions: {
    drawTimeout: react<QuorumControllerContext, QuorumControllerEvent>((c) => drawTimeout(c)),
    startPreVote: react(startPreVote),
    startElection: react(startElection),
    becomeLeader: react(becomeLeader),
    claim: react(claim),
    sendFetch: react(sendFetch),
    checkSessions: react<QuorumControllerContext, QuorumControllerEvent>((c, _e, out) => decide(c, 'FenceBroker', (image, replies) => checkSessions(image, undefined, replies), out)),
    resign: react<QuorumControllerContext, QuorumControllerEvent>((c, _e, out) => {
      out.note(`controller ${c.id} resigns as leader of epoch ${c.epoch}: no fetch from a majority of voters (check-quorum)`);
      return { image: undefined, pending: [], leaderId: undefined, ...drawTimeout(c) };
    }),
    grantVote: react<QuorumControllerContext, Ev<'Vote'>>(grantVote),
    answerFetch: react<QuorumControllerContext, Ev<'QuorumFetch'>>((c, e, out) => answerFetch(c, e, out, true)),
    refuseFetch: react<QuorumControllerContext, Ev<'QuorumFetch'>>((c, e, out) => answerFetch(c, e, out, false)),
    decide: react<QuorumControllerContext, ControllerRequest & From>((c, e, out) => answerController(c, e, out, true)),
    answerNotController: react<QuorumControllerContext, ControllerRequest & From>((c, e, out) => answerController(c, e, out, false)),
    refuseVote: react<QuorumControllerContext, Ev<'Vote'>>((c, e, out) => answerVote(c, e, out, false)),
    answerPreVoteOrRefuse: react<QuorumControllerContext, Ev<'Vote'>>((c, e, out) => answerVote(c, e, out, e.preVote === true && grantsPreVote(c, e))),
    adoptVoteEpoch: react<QuorumControllerContext, Ev<'Vote'>>((c, e, out) => ({ ...adoptEpoch(c, e.candidateEpoch, out), ...drawTimeout(c) })),
    adoptEpoch: react<QuorumControllerContext, QuorumControllerEvent>((c, e, out) => ({ ...adoptEpoch(c, (e as { epoch: number }).epoch, out), ...drawTimeout(c) })),
    countVote: react<QuorumControllerContext, Ev<'VoteResponse'>>((c, e) => countVote(c, e, false)),
    countPreVote: react<QuorumControllerContext, Ev<'VoteResponse'>>((c, e) => countVote(c, e, true)),
    followLeader: react<QuorumControllerContext, Ev<'BeginQuorumEpoch'> | Ev<'QuorumFetchResponse'> | Ev<'VoteResponse'>>((c, e, out) => follow(c, e.epoch, e.leaderId!, out)),
    /**
     * The leader tells again every voter that has not fetched lately (KafkaRaftClient's
     * maybeSendBeginQuorumEpochRequests), so that a voter back from a crash or a partition
     * learns of it instead of standing for election.
     */
    announce: react<QuorumControllerContext, QuorumControllerEvent>((c, _e, out) => {
      const late = c.voters.filter((_, i) => i + 1 !== c.id && c.now() - c.lastFetchAt[i + 1]! >= c.config.quorumFetchTimeoutMs / 2);
      for (const v of late) out.send(v, { type: 'BeginQuorumEpoch', epoch: c.epoch, leaderId: c.id } satisfies BeginQuorumEpoch);
    }),
    truncateToDivergence: react<QuorumControllerContext, Ev<'QuorumFetchResponse'>>(truncateToDivergence),
    appendFetched: react<QuorumControllerContext, Ev<'QuorumFetchResponse'>>(appendFetched),
  },
}).createMachine({
  id: 'qc',
  context: ({ input }) => {
    const initial: MetadataImage = { brokers: [], partitions: initialPartitions(input.config, input.topics ?? []), nextBrokerEpoch: 1 };
    const voters = Array.from({ length: input.config.controllerQuorumVoters }, (_, i) => controllerNode(i + 1));
    const { log, epoch, votedFor } = input.recovered;
    return {
      config: input.config,
      now: input.now,
      id: input.id,
      voters,
      rng: input.rng,
      epoch,
      votedFor,
      leaderId: undefined,
      log,
      highWatermark: 0,
      committed: initial,
      initial,
      electionTimeoutMs: input.config.quorumElectionTimeoutMs,
      votes: [],
      epochStartOffset: 0,
      endOffsets: [],
      lastFetchAt: [],
      lastLeaderContact: -Infinity,
      image: undefined,
      pending: [],
    };
  },
  initial: 'Booting',
  on: {
    Vote: [
      { guard: 'grantsVote', target: '#qc.Voted', reenter: true, actions: 'grantVote' },
      { guard: 'newerVoteEpoch', target: '#qc.Unattached', reenter: true, actions: ['adoptVoteEpoch', 'refuseVote'] },
      { actions: 'answerPreVoteOrRefuse' },
    ],
    VoteResponse: [
      { guard: 'newLeader', target: '#qc.Follower', reenter: true, actions: 'followLeader' },
      { guard: 'newerEpoch', target: '#qc.Unattached', reenter: true, actions: 'adoptEpoch' },
    ],
    BeginQuorumEpoch: [{ guard: 'newLeader', target: '#qc.Follower', reenter: true, actions: 'followLeader' }],
    QuorumFetch: { actions: 'refuseFetch' },
    QuorumFetchResponse: [
      { guard: 'newLeader', target: '#qc.Follower', reenter: true, actions: 'followLeader' },
      { guard: 'newerEpoch', target: '#qc.Unattached', reenter: true, actions: 'adoptEpoch' },
    ],
    BrokerRegistration: { actions: 'answerNotController' },
    BrokerHeartbeat: { actions: 'answerNotController' },
    AlterPartition: { actions: 'answerNotController' },
    CreatePartitions: { actions: 'answerNotController' },
    CreateTopics: { actions: 'answerNotController' },
    DeleteTopics: { actions: 'answerNotController' },
  },
  states: {
    /** Recovering epoch and vote from the quorum-state file. */
    Booting: {
      always: [{ guard: 'hasVoted', target: 'Voted' }, { target: 'Unattached' }],
    },
    /** No leader known in this epoch, no vote cast: waiting for one, or for the election timeout. */
    Unattached: {
      entry: 'drawTimeout',
      after: { electionTimeout: [{ guard: 'usesPreVote', target: 'Prospective' }, { target: 'Candidate' }] },
    },
    /** Voted for a candidate in this epoch: waiting for it to win, or for the election timeout. */
    Voted: {
      after: { electionTimeout: [{ guard: 'usesPreVote', target: 'Prospective' }, { target: 'Candidate' }] },
    },
    /** KIP-996: asking for pre-votes, in the current epoch; a majority makes it a candidate. */
    Prospective: {
      entry: 'startPreVote',
      always: { guard: 'wonElection', target: 'Candidate' },
      after: { electionTimeout: { target: 'Prospective', reenter: true } },
      on: { VoteResponse: voteResponses('countPreVote') },
    },
    /** A new epoch, its vote for itself: a majority of votes makes it the leader. */
    Candidate: {
      entry: 'startElection',
      always: { guard: 'wonElection', target: 'Leader' },
      after: { electionTimeout: { target: 'Candidate', reenter: true } },
      on: { VoteResponse: voteResponses('countVote') },
    },
    /** The Raft leader; the active controller once its first record of the epoch is committed. */
    Leader: {
      type: 'parallel',
      entry: 'becomeLeader',
      on: {
        QuorumFetch: { actions: 'answerFetch' },
      },
      states: {
        Controller: {
          initial: 'Claiming',
          states: {
            /** Waiting for its LeaderChange record to commit: it answers NOT_CONTROLLER meanwhile. */
            Claiming: {
              always: { guard: 'claimed', target: 'Active', actions: 'claim' },
            },
            Active: {
              after: { sessionCheck: { target: 'Active', reenter: true, actions: 'checkSessions' } },
              on: {
                BrokerRegistration: { actions: 'decide' },
                BrokerHeartbeat: { actions: 'decide' },
                AlterPartition: { actions: 'decide' },
                CreatePartitions: { actions: 'decide' },
                CreateTopics: { actions: 'decide' },
                DeleteTopics: { actions: 'decide' },
              },
            },
          },
        },
        Announcing: {
          initial: 'Announced',
          states: {
            Announced: {
              after: { fetchTimeout: { target: 'Announced', reenter: true, actions: 'announce' } },
            },
          },
        },
        CheckQuorum: {
          initial: 'Off',
          states: {
            Off: { always: { guard: 'checksQuorum', target: 'Watching' } },
            Watching: {
              after: { checkQuorumDue: [{ guard: 'quorumLost', target: '#qc.Resigned', actions: 'resign' }, { target: 'Watching', reenter: true }] },
            },
          },
        },
      },
    },
    /** Following the leader of this epoch by fetching its log. */
    Follower: {
      initial: 'Fetching',
      states: {
        Fetching: {
          entry: 'sendFetch',
          after: { fetchTimeout: [{ guard: 'usesPreVote', target: '#qc.Prospective' }, { target: '#qc.Candidate' }] },
          on: {
            QuorumFetchResponse: [
              { guard: 'diverged', target: 'Fetching', reenter: true, actions: 'truncateToDivergence' },
              { guard: 'gotRecords', target: 'Fetching', reenter: true, actions: 'appendFetched' },
              { guard: 'gotNothing', target: 'Waiting', actions: 'appendFetched' },
            ],
            'net.disconnected': { guard: 'leaderDisconnected', target: 'Waiting' },
          },
        },
        /** Nothing new at the leader: fetch again shortly. */
        Waiting: {
          after: { fetchWait: { target: 'Fetching' } },
        },
      },
    },
    /** Check-quorum made it give up leadership: an election timeout, then it stands again. */
    Resigned: {
      after: { electionTimeout: [{ guard: 'usesPreVote', target: 'Prospective' }, { target: 'Candidate' }] },
    },
  },
});
