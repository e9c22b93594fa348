/**
 * The classic consumer group protocol as `serve` answers it: JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit, OffsetFetch (Kafka's GroupCoordinator.scala and GroupMetadata.scala;
 * states Empty, PreparingRebalance, CompletingRebalance, Stable as in GroupState).
 *
 * As in Kafka, the coordinator of every group is the broker that leads the group's
 * `__consumer_offsets` partition (GroupMetadataManager.partitionFor, `partitionOf`; serve runs
 * one partition, `__consumer_offsets-0`, as the model's deployment does): handlers.ts
 * answers NOT_COORDINATOR elsewhere, and a committed offset is a record appended to that
 * partition in the model (acks=all), so it is replicated, and lost or kept, by the model's rules.
 * When another broker becomes the coordinator (a failover), the committed offsets are loaded
 * from its log (`load`), as GroupMetadataManager.loadGroupsAndOffsets does.
 *
 * SIMPLIFICATION (spec/wire.md): this coordinator is not the model's group coordinator machine
 * (whose groups are fixed at install and speak the model's own messages); membership
 * (members, generation, assignment) lives here in wall time and survives a failover, as if the
 * new coordinator had loaded the group's GroupMetadata record; a transaction's offsets are
 * staged here, not appended as transactional records.
 */
import { KafkaError } from './errors.js';

interface Protocol {
  readonly Name: string;
  readonly Metadata: Buffer;
}

interface Member {
  readonly id: string;
  readonly groupInstanceId: string | null;
  protocolType: string;
  protocols: readonly Protocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  lastSeen: number;
  joinWaiter: ((r: JoinResult) => void) | undefined;
  syncWaiter: ((r: SyncResult) => void) | undefined;
  assignment: Buffer;
}

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

interface Group {
  readonly id: string;
  state: GroupState;
  generation: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  readonly members: Map<string, Member>;
  rebalanceDeadline: number;
  readonly offsets: Map<string, StoredOffset>;
  /**
   * TxnOffsetCommit's offsets, per producer id, not yet the group's: GroupMetadata's
   * pendingTransactionalOffsetCommits. `since`: where the transaction's marker will be found in
   * the group's `__consumer_offsets` partition (after the producer's last marker there when the offsets were staged).
   */
  readonly pendingTxn: Map<number, { since: number; offsets: Map<string, StoredOffset> }>;
  /** Offsets committed by a transaction's COMMIT marker: kept through a load from the log (they are not records there). */
  readonly txnCommitted: Map<string, StoredOffset>;
}

/**
 * A partition's offset as a group keeps it, under `offsetKey(topic, partition)`. `seq` orders
 * every commit the coordinator applied (plain and transactional), so that a load from the log
 * keeps a transaction's offsets only where no later plain commit replaced them.
 */
type StoredOffset = { readonly offset: bigint; readonly leaderEpoch: number; readonly metadata: string | null; readonly seq: number };

/** An OffsetCommit as appended to `__consumer_offsets`: the group, its offsets, and its place in commit order. */
export interface LoggedCommit {
  readonly groupId: string;
  readonly seq: number;
  readonly offsets: readonly CommittedOffset[];
}

const offsetKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Put each offset under its partition's key (OffsetCommit into the group's offsets, TxnOffsetCommit into a transaction's). */
function storeOffsets(into: Map<string, StoredOffset>, offsets: readonly CommittedOffset[], seq: number): void {
  for (const o of offsets) into.set(offsetKey(o.topic, o.partition), { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, seq });
}

/** One partition's offset as OffsetCommit and TxnOffsetCommit carry it. */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface JoinResult {
  readonly ErrorCode: number;
  readonly GenerationId: number;
  readonly ProtocolType: string | null;
  readonly ProtocolName: string | null;
  readonly Leader: string;
  readonly MemberId: string;
  readonly Members: readonly { MemberId: string; GroupInstanceId: string | null; Metadata: Buffer }[];
}

export interface SyncResult {
  readonly ErrorCode: number;
  readonly ProtocolType: string | null;
  readonly ProtocolName: string | null;
  readonly Assignment: Buffer;
}

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
}

const failedJoin = (code: number, memberId: string): JoinResult => ({ ErrorCode: code, GenerationId: -1, ProtocolType: null, ProtocolName: null, Leader: '', MemberId: memberId, Members: [] });

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private nextMember = 0;
  private nextSeq = 0;
  /** Per `__consumer_offsets` partition, the coordinator its groups' committed offsets were last loaded for: `broker/leaderEpoch`. */
  private readonly loadedFor = new Map<number, string>();

  /**
   * `now` is wall milliseconds (serve mode's clock); `partitionOf` is the `__consumer_offsets`
   * partition of a group (coordinator-partition.ts groupMetadataPartitionFor).
   */
  constructor(
    private readonly now: () => number,
    private readonly partitionOf: (groupId: string) => number = () => 0,
  ) {}

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) {
      g = { id, state: 'Empty', generation: 0, protocolType: null, protocolName: null, leader: '', members: new Map(), rebalanceDeadline: 0, offsets: new Map(), pendingTxn: new Map(), txnCommitted: new Map() };
      this.groups.set(id, g);
    }
    return g;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    const g = this.group(req.groupId);
    let member = req.memberId === '' ? undefined : g.members.get(req.memberId);
    if (req.memberId !== '' && !member) return Promise.resolve(failedJoin(KafkaError.UNKNOWN_MEMBER_ID, req.memberId));
    if (g.protocolType !== null && g.members.size > 0 && req.protocolType !== g.protocolType) return Promise.resolve(failedJoin(KafkaError.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    if (!member) {
      // GroupCoordinator.doNewMemberJoinGroup: the id is the client id and a unique suffix.
      member = {
        id: `${req.clientId}-${++this.nextMember}`,
        groupInstanceId: req.groupInstanceId,
        protocolType: req.protocolType,
        protocols: req.protocols,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        lastSeen: this.now(),
        joinWaiter: undefined,
        syncWaiter: undefined,
        assignment: Buffer.alloc(0),
      };
      g.members.set(member.id, member);
    }
    member.protocols = req.protocols;
    member.protocolType = req.protocolType;
    member.lastSeen = this.now();
    g.protocolType = req.protocolType;
    const joined = new Promise<JoinResult>((resolve) => (member.joinWaiter = resolve));
    this.prepareRebalance(g);
    this.maybeCompleteJoin(g);
    return joined;
  }

  /** A join or leave starts a rebalance: members learn of it from their heartbeats. */
  private prepareRebalance(g: Group): void {
    if (g.state === 'PreparingRebalance') return;
    // Members waiting in SyncGroup of the generation that is now over are told to rejoin.
    for (const m of g.members.values()) {
      m.syncWaiter?.({ ErrorCode: KafkaError.REBALANCE_IN_PROGRESS, ProtocolType: g.protocolType, ProtocolName: g.protocolName, Assignment: Buffer.alloc(0) });
      m.syncWaiter = undefined;
    }
    g.state = 'PreparingRebalance';
    g.rebalanceDeadline = this.now() + Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
  }

  /** The join phase ends when every member has rejoined, or at the rebalance timeout without the others. */
  private maybeCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    const members = [...g.members.values()];
    const allJoined = members.every((m) => m.joinWaiter !== undefined);
    if (!allJoined && this.now() < g.rebalanceDeadline) return;
    for (const m of members) if (!m.joinWaiter) g.members.delete(m.id);
    const joined = [...g.members.values()];
    if (joined.length === 0) {
      g.state = 'Empty';
      return;
    }
    g.generation++;
    // GroupMetadata.selectProtocol: the protocol every member supports that most members prefer; here the leader's first one all support.
    const candidates = joined[0]!.protocols.map((p) => p.Name).filter((name) => joined.every((m) => m.protocols.some((p) => p.Name === name)));
    g.protocolName = candidates[0] ?? null;
    if (!g.members.has(g.leader)) g.leader = joined[0]!.id;
    g.state = 'CompletingRebalance';
    for (const m of joined) {
      const waiter = m.joinWaiter!;
      m.joinWaiter = undefined;
      waiter({
        ErrorCode: KafkaError.NONE,
        GenerationId: g.generation,
        ProtocolType: g.protocolType,
        ProtocolName: g.protocolName,
        Leader: g.leader,
        MemberId: m.id,
        Members: m.id === g.leader ? joined.map((x) => ({ MemberId: x.id, GroupInstanceId: x.groupInstanceId, Metadata: x.protocols.find((p) => p.Name === g.protocolName)?.Metadata ?? Buffer.alloc(0) })) : [],
      });
    }
  }

  private check(g: Group | undefined, memberId: string, generation: number): number {
    if (!g || !g.members.has(memberId)) return KafkaError.UNKNOWN_MEMBER_ID;
    if (generation !== g.generation) return KafkaError.ILLEGAL_GENERATION;
    return KafkaError.NONE;
  }

  sync(groupId: string, memberId: string, generation: number, assignments: readonly { MemberId: string; Assignment: Buffer }[]): Promise<SyncResult> {
    const g = this.groups.get(groupId);
    const fail = (code: number): Promise<SyncResult> => Promise.resolve({ ErrorCode: code, ProtocolType: null, ProtocolName: null, Assignment: Buffer.alloc(0) });
    const code = this.check(g, memberId, generation);
    if (code !== KafkaError.NONE) return fail(code);
    if (g!.state === 'PreparingRebalance') return fail(KafkaError.REBALANCE_IN_PROGRESS);
    const member = g!.members.get(memberId)!;
    member.lastSeen = this.now();
    const answer = (m: Member): SyncResult => ({ ErrorCode: KafkaError.NONE, ProtocolType: g!.protocolType, ProtocolName: g!.protocolName, Assignment: m.assignment });
    if (g!.state === 'Stable') return Promise.resolve(answer(member));
    const waiting = new Promise<SyncResult>((resolve) => (member.syncWaiter = resolve));
    if (memberId === g!.leader) {
      for (const m of g!.members.values()) m.assignment = assignments.find((a) => a.MemberId === m.id)?.Assignment ?? Buffer.alloc(0);
      g!.state = 'Stable';
      for (const m of g!.members.values()) {
        m.syncWaiter?.(answer(m));
        m.syncWaiter = undefined;
      }
    }
    return waiting;
  }

  heartbeat(groupId: string, memberId: string, generation: number): number {
    const g = this.groups.get(groupId);
    const code = this.check(g, memberId, generation);
    if (code !== KafkaError.NONE) return code;
    g!.members.get(memberId)!.lastSeen = this.now();
    return g!.state === 'PreparingRebalance' ? KafkaError.REBALANCE_IN_PROGRESS : KafkaError.NONE;
  }

  leave(groupId: string, memberIds: readonly string[]): number[] {
    const g = this.groups.get(groupId);
    const codes = memberIds.map((id) => (g?.members.has(id) ? KafkaError.NONE : KafkaError.UNKNOWN_MEMBER_ID));
    if (!g) return codes;
    let left = false;
    for (const id of memberIds) left = g.members.delete(id) || left;
    if (left) this.afterDeparture(g);
    return codes;
  }

  private afterDeparture(g: Group): void {
    if (g.members.size === 0) {
      g.state = 'Empty';
      return;
    }
    this.prepareRebalance(g);
    this.maybeCompleteJoin(g);
  }

  /** Called every few hundred milliseconds: expired sessions leave, overdue rebalances complete. */
  tick(): void {
    const now = this.now();
    for (const g of this.groups.values()) {
      const expired = [...g.members.values()].filter((m) => m.joinWaiter === undefined && now - m.lastSeen > m.sessionTimeoutMs);
      for (const m of expired) g.members.delete(m.id);
      if (expired.length > 0) this.afterDeparture(g);
      this.maybeCompleteJoin(g);
    }
  }

  /**
   * The coordinator of `__consumer_offsets` partition `partition` is now `coordinator`
   * (`broker/leaderEpoch`): when that changed since the last request, the committed offsets of
   * the groups on that partition are those of its log, in log order (`load`: that partition's
   * commits), with transactions' committed offsets kept where no later commit replaced them. The
   * groups on other partitions keep theirs: their coordinator did not change. Kafka's new
   * coordinator loads the partition before it answers (GroupMetadataManager.loadGroupsAndOffsets;
   * COORDINATOR_LOAD_IN_PROGRESS meanwhile); here the load is immediate.
   */
  coordinatorIs(partition: number, coordinator: string, load: () => readonly LoggedCommit[]): void {
    if (coordinator === this.loadedFor.get(partition)) return;
    this.loadedFor.set(partition, coordinator);
    const here = () => [...this.groups.values()].filter((g) => this.partitionOf(g.id) === partition);
    for (const g of here()) g.offsets.clear();
    for (const c of load()) if (this.partitionOf(c.groupId) === partition) storeOffsets(this.group(c.groupId).offsets, c.offsets, c.seq);
    for (const g of here()) {
      for (const [k, v] of g.txnCommitted) if ((g.offsets.get(k)?.seq ?? -1) < v.seq) g.offsets.set(k, v);
    }
  }

  /**
   * OffsetCommit's checks (GroupCoordinator.handleCommitOffsets): generation -1 is a commit from
   * outside the group (a simple consumer, an admin). NONE: the commit may be appended.
   */
  validateCommit(groupId: string, memberId: string, generation: number): number {
    const g = this.group(groupId);
    if (generation >= 0) {
      const code = this.check(g, memberId, generation);
      if (code !== KafkaError.NONE) return code;
      if (g.state === 'PreparingRebalance') return KafkaError.REBALANCE_IN_PROGRESS;
    } else if (g.members.size > 0) {
      return KafkaError.ILLEGAL_GENERATION;
    }
    return KafkaError.NONE;
  }

  /** The commit's place in commit order, given when it is appended. */
  commitSeq(): number {
    return this.nextSeq++;
  }

  /** The commit is in `__consumer_offsets` (its append was acknowledged): the group's offsets now. */
  applyCommit(c: LoggedCommit): void {
    storeOffsets(this.group(c.groupId).offsets, c.offsets, c.seq);
  }

  /**
   * TxnOffsetCommit (KIP-98; KIP-447's member id and generation from v3): the offsets are staged
   * for the producer, not committed (GroupCoordinator.handleTxnCommitOffsets ->
   * GroupMetadata.prepareTxnOffsetCommit, core/src/main/scala/kafka/coordinator/group/). A
   * request without a generation (v0-2, or -1) is from outside the group and is not checked
   * against it, as in Kafka. A group the coordinator does not know is created, Empty.
   */
  stageTxnOffsets(groupId: string, memberId: string, generation: number, producerId: number, since: number, offsets: readonly CommittedOffset[]): number {
    const g = this.group(groupId);
    if (generation >= 0 || memberId !== '') {
      const code = this.check(g, memberId, generation);
      if (code !== KafkaError.NONE) return code;
    }
    const pending = g.pendingTxn.get(producerId) ?? { since, offsets: new Map() };
    storeOffsets(pending.offsets, offsets, -1);
    g.pendingTxn.set(producerId, pending);
    return KafkaError.NONE;
  }

  /** Every group's staged transactional offsets: which producer, and where its marker will be. */
  pendingTxnOffsets(): { groupId: string; producerId: number; since: number }[] {
    return [...this.groups.values()].flatMap((g) => [...g.pendingTxn].map(([producerId, p]) => ({ groupId: g.id, producerId, since: p.since })));
  }

  /**
   * The transaction's marker is written to `__consumer_offsets`: on COMMIT its staged offsets
   * become the group's committed offsets, on ABORT they are dropped
   * (GroupMetadata.completePendingTxnOffsetCommit, called from
   * GroupMetadataManager.handleTxnCompletion once the marker is appended).
   */
  completeTxnOffsets(groupId: string, producerId: number, commit: boolean): void {
    const g = this.groups.get(groupId);
    const pending = g?.pendingTxn.get(producerId);
    if (!g || !pending) return;
    g.pendingTxn.delete(producerId);
    if (!commit) return;
    const seq = this.nextSeq++;
    for (const [k, v] of pending.offsets) {
      g.offsets.set(k, { ...v, seq });
      g.txnCommitted.set(k, { ...v, seq });
    }
  }

  /** KIP-447: a transaction's offsets for the partition are staged and not yet complete (OffsetFetch with RequireStable answers UNSTABLE_OFFSET_COMMIT). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    return [...(this.groups.get(groupId)?.pendingTxn.values() ?? [])].some((p) => p.offsets.has(offsetKey(topic, partition)));
  }

  committed(groupId: string, topic: string, partition: number): StoredOffset | undefined {
    return this.groups.get(groupId)?.offsets.get(offsetKey(topic, partition));
  }

  /** Every topic and partition the group has a committed offset for (OffsetFetch with topics null). */
  committedPartitions(groupId: string): { topic: string; partition: number }[] {
    return [...(this.groups.get(groupId)?.offsets.keys() ?? [])].map((k) => {
      const [topic, p] = k.split('\u0000');
      return { topic: topic!, partition: Number(p) };
    });
  }
}

/** The producer of a committed-offset record in the model's `__consumer_offsets` log (its bytes stay in serve's payload table). */
export const COORDINATOR_PRODUCER = 'group-coordinator';

/** An OffsetCommit's record value: JSON, offsets as decimal strings (they are int64). */
export function encodeCommit(c: LoggedCommit): Buffer {
  return Buffer.from(JSON.stringify({ groupId: c.groupId, seq: c.seq, offsets: c.offsets.map((o) => ({ ...o, offset: o.offset.toString() })) }), 'utf8');
}

export function decodeCommit(b: Buffer): LoggedCommit {
  const c = JSON.parse(b.toString('utf8')) as { groupId: string; seq: number; offsets: (Omit<CommittedOffset, 'offset'> & { offset: string })[] };
  return { groupId: c.groupId, seq: c.seq, offsets: c.offsets.map((o) => ({ ...o, offset: BigInt(o.offset) })) };
}

/**
 * The answer to an OffsetCommit whose append to `__consumer_offsets` failed
 * (GroupMetadataManager.storeOffsets: the log append error becomes the commit's).
 */
export function commitErrorOf(appendError: string): number {
  switch (appendError) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
    case 'NOT_ENOUGH_REPLICAS':
    case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
      return KafkaError.COORDINATOR_NOT_AVAILABLE;
    case 'NOT_LEADER_OR_FOLLOWER':
    case 'KAFKA_STORAGE_ERROR':
      return KafkaError.NOT_COORDINATOR;
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return KafkaError.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return (KafkaError as Record<string, number>)[appendError] ?? KafkaError.UNKNOWN_SERVER_ERROR;
  }
}
