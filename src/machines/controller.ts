import { effectiveMinIsr, type ClusterConfig } from '../config/schema.js';
import type { Outbox } from './effects.js';
import { OUTPUT_TOPIC, TXN_TOPIC } from './txn-protocol.js';
import {
  brokerNode,
  DATA_TOPIC,
  OFFSETS_TOPIC,
  nameOf,
  partitionName,
  topicIdOf,
  topicOf,
  type AlterPartition,
  type AlterPartitionResponse,
  type BrokerHeartbeat,
  type BrokerHeartbeatResponse,
  type BrokerId,
  type BrokerRegistration,
  type BrokerRegistrationResponse,
  type CreatePartitions,
  type CreatePartitionsResponse,
  type CreateTopics,
  type CreateTopicsResponse,
  type DeletedTopic,
  type DeleteTopics,
  type DeleteTopicsResponse,
  type ErrorCode,
  type MetadataUpdate,
  type PartitionState,
} from './protocol.js';

/**
 * The controller's decisions (KIP-500, KIP-631), shared by both modes: in KRaft mode the active
 * controller of a Raft quorum makes them and answers once they are committed
 * (src/machines/quorum-controller.ts); in ZooKeeper mode the controller elected among the brokers
 * makes them against the state it read from ZooKeeper and writes them there
 * (src/machines/zk-controller.ts).
 *
 * It tracks broker liveness through heartbeats and a session timeout, gives every broker
 * registration a new broker epoch, elects partition leaders, bumps the leader epoch on every
 * leader change, and accepts ISR changes (AlterPartition, KIP-497) only against the current
 * leader epoch and partition epoch.
 */
export interface BrokerRegistrationState {
  readonly brokerEpoch: number;
  readonly incarnation: number;
  readonly lastHeartbeat: number;
  /** A fenced broker can lead nothing and join no ISR (KIP-631). */
  readonly fenced: boolean;
  /**
   * Asked to shut down (a heartbeat with WantShutDown): like a fenced broker it can lead nothing
   * and join no ISR (ClusterControlManager.isActive), but it still heartbeats.
   */
  readonly inControlledShutdown?: boolean;
}

/** Kafka's controller-side partition states. */
export type PartitionStatus = 'NewPartition' | 'OnlinePartition' | 'OfflinePartition';

export type ControllerPartition = PartitionState & {
  readonly status: PartitionStatus;
  /** KIP-966's Eligible Leader Replicas, kept only when the release has them. */
  readonly elr?: readonly BrokerId[];
  /** KIP-966: the leader when the ISR last became empty, elected when nothing else can be. */
  readonly lastKnownLeader?: BrokerId;
};

export interface ControllerContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  /** Indexed by broker id (1-based; index 0 unused). */
  readonly brokers: readonly (BrokerRegistrationState | undefined)[];
  readonly partitions: readonly ControllerPartition[];
  readonly nextBrokerEpoch: number;
  /** When the controller started: a NewPartition waits for its preferred replica from then on, for a while. */
  readonly startedAt: number;
  /** Topics deleted (MetadataUpdate.deletedTopics); absent until a deletion. */
  readonly deletedTopics?: readonly DeletedTopic[];
}

export type ControllerEvent =
  | (BrokerRegistration & { from: string })
  | (BrokerHeartbeat & { from: string })
  | (AlterPartition & { from: string })
  | (CreatePartitions & { from: string })
  | (CreateTopics & { from: string })
  | (DeleteTopics & { from: string })
  | { type: 'net.disconnected'; peer: string };

/** A topic besides the data topic (the group coordinator's `__consumer_offsets`). */
export interface ExtraTopic {
  readonly name: string;
  readonly partitions: number;
}

/**
 * The replicas of a partition: RF consecutive brokers, round-robin. The data topic's partition
 * p starts at broker p+1; partition p of every extra topic starts where the data topic's
 * rotation ends (at partition `partitions` + p), so the internal topics' first partitions share
 * their replicas, and the group and transaction coordinators start on the same broker.
 */
export function initialReplicas(config: ClusterConfig, p: number, topic: string = DATA_TOPIC): BrokerId[] {
  const start = topic === DATA_TOPIC ? p : config.partitions + p;
  return Array.from({ length: config.replicationFactor }, (_, i) => ((start + i) % config.brokers) + 1);
}

export function initialPartitions(config: ClusterConfig, extra: readonly ExtraTopic[]): ControllerPartition[] {
  const fresh = (p: number, topic: string): ControllerPartition => {
    const replicas = initialReplicas(config, p, topic);
    // The data topic's states carry no `topic` field, so runs without extra topics trace as before.
    return { ...(topic === DATA_TOPIC ? {} : { topic }), partition: p, replicas, isr: replicas, leader: -1, leaderEpoch: -1, partitionEpoch: 0, status: 'NewPartition' as const };
  };
  return [
    ...Array.from({ length: config.partitions }, (_, p) => fresh(p, DATA_TOPIC)),
    ...extra.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => fresh(p, t.name))),
  ];
}

/** ClusterControlManager.isActive: registered, unfenced, not in controlled shutdown. */
const isLive = (brokers: ControllerContext['brokers'], b: BrokerId) => {
  const r = brokers[b];
  return r !== undefined && !r.fenced && r.inControlledShutdown !== true;
};

/**
 * BrokerHeartbeatManager.hasValidSession: the registration is unfenced and has heartbeated
 * within broker.session.timeout.ms.
 */
const hasValidSession = (c: ControllerContext, r: BrokerRegistrationState) => !r.fenced && c.now() - r.lastHeartbeat <= c.config.brokerSessionTimeoutMs;

function changed(p: ControllerPartition, patch: Partial<ControllerPartition>): ControllerPartition {
  return { ...p, ...patch, partitionEpoch: p.partitionEpoch + 1 };
}

/**
 * A new ISR, and with KIP-966 the ELR that goes with it (PartitionChangeBuilder's
 * maybePopulateTargetElr): at or above min ISR the ELR is empty; below it, every replica that
 * left the ISR joins the ELR, except those back from an unclean shutdown (`unclean`). Strict
 * min ISR (KAFKA-15583) froze the HW when the ISR fell below min ISR, so an ELR member holds
 * every committed record.
 */
function withIsr(c: ControllerContext, p: ControllerPartition, isr: readonly BrokerId[], unclean: readonly BrokerId[] = []): Partial<ControllerPartition> {
  if (!c.config.eligibleLeaderReplicas) return { isr };
  // PartitionChangeBuilder.maybeUpdateLastKnownLeader: the leader is remembered the first time
  // the ISR becomes empty.
  const lastKnown = isr.length === 0 && p.leader >= 0 ? { lastKnownLeader: p.leader } : {};
  if (isr.length >= effectiveMinIsr(c.config, p.replicas.length, topicOf(p))) return { isr, elr: [], ...lastKnown };
  const elr = p.replicas.filter((b) => ((p.elr ?? []).includes(b) || p.isr.includes(b)) && !isr.includes(b) && !unclean.includes(b));
  return { isr, elr, ...lastKnown };
}

/**
 * With ISR and ELR both empty, KIP-966's balanced recovery elects the last known leader if it
 * is back (PartitionChangeBuilder.canElectLastKnownLeader, on by default): an unclean election,
 * with whatever that broker's log kept.
 */
function lastKnownLeaderBack(c: ControllerContext, brokers: ControllerContext['brokers'], p: ControllerPartition): BrokerId | undefined {
  if (!c.config.eligibleLeaderReplicas || p.isr.length > 0 || (p.elr ?? []).length > 0 || p.lastKnownLeader === undefined) return undefined;
  return isLive(brokers, p.lastKnownLeader) ? p.lastKnownLeader : undefined;
}

/**
 * Choose a leader for a partition whose leader is gone: the first replica, in assignment order,
 * that is in the ISR and live; with KIP-966, when the ISR is empty, the first live member of the
 * ELR (ReplicationControlManager's isValidNewLeader), which becomes the whole ISR; failing that,
 * with unclean election on, any live replica, which then becomes the whole ISR. Every new leader
 * gets a new leader epoch.
 */
function elect(c: ControllerContext, brokers: ControllerContext['brokers'], p: ControllerPartition): ControllerPartition {
  const clean = p.replicas.find((b) => p.isr.includes(b) && isLive(brokers, b));
  if (clean !== undefined) return changed(p, { leader: clean, ...(p.lastKnownLeader === undefined ? {} : { lastKnownLeader: undefined }), leaderEpoch: p.leaderEpoch + 1, status: 'OnlinePartition' });
  if (c.config.eligibleLeaderReplicas && p.isr.length === 0) {
    const eligible = p.replicas.find((b) => (p.elr ?? []).includes(b) && isLive(brokers, b));
    if (eligible !== undefined) {
      return changed(p, { leader: eligible, ...withIsr(c, p, [eligible]), elr: (p.elr ?? []).filter((b) => b !== eligible), lastKnownLeader: undefined, leaderEpoch: p.leaderEpoch + 1, status: 'OnlinePartition' });
    }
    const last = lastKnownLeaderBack(c, brokers, p);
    if (last !== undefined) return changed(p, { leader: last, isr: [last], lastKnownLeader: undefined, ...recovering(c), leaderEpoch: p.leaderEpoch + 1, status: 'OnlinePartition' });
  }
  if (c.config.uncleanLeaderElection) {
    const unclean = p.replicas.find((b) => isLive(brokers, b));
    if (unclean !== undefined) {
      return changed(p, { leader: unclean, isr: [unclean], ...(c.config.eligibleLeaderReplicas ? { elr: [], lastKnownLeader: undefined } : {}), ...recovering(c), leaderEpoch: p.leaderEpoch + 1, status: 'OnlinePartition' });
    }
  }
  if (p.leader === -1 && p.status === 'OfflinePartition') return p;
  return changed(p, { leader: -1, status: 'OfflinePartition' });
}

/**
 * Take a broker out of every ISR and move leadership away from it. Without ELR the ISR is never
 * emptied: Kafka keeps the last member, so the partition waits for it (offline) rather than
 * elect a replica that may lack committed records, and elects it again when it comes back, with
 * whatever its log kept. With ELR (KIP-966) the last member leaves too, into the ELR; after an
 * `unclean` shutdown (a restart: handleBrokerUncleanShutdown) it leaves the ELR as well.
 */
export function removeFromIsrs(c: ControllerContext, brokers: ControllerContext['brokers'], b: BrokerId, unclean = false): ControllerPartition[] {
  const elr = c.config.eligibleLeaderReplicas;
  return c.partitions.map((p) => {
    if (!p.replicas.includes(b)) return p;
    let q = p;
    if (q.isr.includes(b) && (q.isr.length > 1 || elr)) q = changed(q, withIsr(c, q, q.isr.filter((x) => x !== b), unclean ? [b] : []));
    else if (elr && unclean && (q.elr ?? []).includes(b)) q = changed(q, { elr: q.elr!.filter((x) => x !== b) });
    if (q.leader === b) q = elect(c, brokers, q);
    return q;
  });
}

/**
 * Whether a NewPartition still waits for its preferred replica (the first in the assignment).
 * Kafka creates a topic on a running cluster and gives each partition to its preferred replica,
 * which spreads leadership over the brokers (and, with it, the group and transaction
 * coordinators). The model's topics exist before any broker has registered, so a new partition
 * waits for its preferred replica to come up; if that broker has not come up within
 * broker.session.timeout.ms of the controller's start, the partition is elected like any other.
 * Without the wait, the first broker to register would lead every partition.
 */
function awaitsPreferredReplica(c: ControllerContext, brokers: ControllerContext['brokers'], p: ControllerPartition): boolean {
  return p.status === 'NewPartition' && !isLive(brokers, p.replicas[0]!) && c.now() - c.startedAt < c.config.brokerSessionTimeoutMs;
}

/**
 * Give a leader to every partition (of those `only` picks) that has none and can get one. The
 * same array comes back when nothing changed.
 */
export function electLeaderless(
  c: ControllerContext,
  brokers: ControllerContext['brokers'],
  partitions: readonly ControllerPartition[],
  only: (p: ControllerPartition) => boolean = () => true,
): readonly ControllerPartition[] {
  const next = partitions.map((p) => (p.leader === -1 && only(p) && !awaitsPreferredReplica(c, brokers, p) ? elect(c, brokers, p) : p));
  return next.every((p, i) => p === partitions[i]) ? partitions : next;
}

export function publicState(p: ControllerPartition): PartitionState {
  return {
    ...(p.topic === undefined ? {} : { topic: p.topic }),
    ...(p.topicId === undefined ? {} : { topicId: p.topicId }),
    partition: p.partition,
    replicas: p.replicas,
    isr: p.isr,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    ...(p.leaderRecoveryState === undefined ? {} : { leaderRecoveryState: p.leaderRecoveryState }),
  };
}

/** KIP-704 (PartitionChangeBuilder): an unclean election leaves the partition RECOVERING. */
const recovering = (c: ControllerContext): Partial<ControllerPartition> => (c.config.leaderRecoveryState ? { leaderRecoveryState: 'RECOVERING' } : {});

/** The deleted topics a message to brokers carries: none when nothing was deleted, so older traces stay as they were. */
export const tombstones = (deletedTopics: readonly DeletedTopic[] | undefined): { deletedTopics?: readonly DeletedTopic[] } =>
  deletedTopics && deletedTopics.length > 0 ? { deletedTopics } : {};

/** Push the whole (small) partition metadata to every registered broker when it changed. */
function publishIfChanged(
  before: readonly ControllerPartition[],
  after: readonly ControllerPartition[],
  brokers: ControllerContext['brokers'],
  out: Outbox,
  deletedTopics?: readonly DeletedTopic[],
): void {
  if (before.length === after.length && before.every((p, i) => p === after[i])) return;
  const msg: MetadataUpdate = { type: 'MetadataUpdate', partitions: after.map(publicState), ...tombstones(deletedTopics) };
  brokers.forEach((r, b) => {
    if (r) out.send(brokerNode(b), msg);
  });
}

function setBroker(brokers: ControllerContext['brokers'], b: BrokerId, r: BrokerRegistrationState) {
  const copy = brokers.slice();
  copy[b] = r;
  return copy;
}

/**
 * BrokerRegistration: a new epoch for every (re)start (KIP-631). A new incarnation of a broker
 * id whose previous registration still has a valid session is refused
 * (ClusterControlManager.registerBroker, DuplicateBrokerRegistrationException): it retries, and
 * is let in once the old session has expired and the old registration is fenced.
 */
function register(current: ControllerContext, e: BrokerRegistration & { from: string }, out: Outbox): Partial<ControllerContext> {
  const b = e.brokerId;
  const old = current.brokers[b];
  if (old && old.incarnation === e.incarnation) {
    // A retried registration of the same incarnation gets the same epoch.
    out.send(e.from, { type: 'BrokerRegistrationResponse', brokerEpoch: old.brokerEpoch } satisfies BrokerRegistrationResponse);
    return {};
  }
  if (old && hasValidSession(current, old)) {
    out.send(e.from, { type: 'BrokerRegistrationResponse', brokerEpoch: -1, error: 'DUPLICATE_BROKER_REGISTRATION' } satisfies BrokerRegistrationResponse);
    return {};
  }
  // The old session expired, but the periodic check has not fenced it yet: it is fenced first,
  // as that check would have (ZooKeeper: the old ephemeral node's deletion is seen before the
  // new one's creation; KRaft: registerBroker removes the expired session). Otherwise a broker
  // back after an unclean shutdown would keep what it led, in the same leader epoch.
  const c = old && !old.fenced ? { ...current, ...fenceExpired(current, b, out) } : current;
  const brokerEpoch = c.nextBrokerEpoch;
  const brokers = setBroker(c.brokers, b, { brokerEpoch, incarnation: e.incarnation, lastHeartbeat: c.now(), fenced: true });
  // KIP-841/KIP-903: a restarted broker may have lost its unflushed log, so its old place in
  // every ISR is taken away; it rejoins, with its new epoch, once it has caught up. With ELR, a
  // broker that did not shut down cleanly (its registration does not carry the epoch it shut
  // down in: no clean-shutdown marker) leaves the ELR too (KIP-966,
  // ClusterControlManager.registerBroker calling handleBrokerUncleanShutdown).
  const elr = c.config.eligibleLeaderReplicas;
  const unclean = old !== undefined && e.previousBrokerEpoch !== old.brokerEpoch;
  const partitions = old && (c.config.brokerEpochFencing || elr) ? removeFromIsrs(c, brokers, b, elr && unclean) : c.partitions;
  if (old) out.note(`broker ${b} re-registered with epoch ${brokerEpoch}${unclean ? '' : ' after a clean shutdown'}${c.config.brokerEpochFencing ? ', removed from ISRs' : ''}`);
  publishIfChanged(current.partitions, partitions, brokers, out, c.deletedTopics);
  out.send(e.from, { type: 'BrokerRegistrationResponse', brokerEpoch } satisfies BrokerRegistrationResponse);
  return { brokers, partitions, nextBrokerEpoch: brokerEpoch + 1 };
}

/** BrokerHeartbeat: liveness; the first heartbeat of a registration unfences the broker. */
function heartbeat(c: ControllerContext, e: BrokerHeartbeat & { from: string }, out: Outbox): Partial<ControllerContext> {
  const r = c.brokers[e.brokerId];
  if (!r || r.brokerEpoch !== e.brokerEpoch) {
    out.send(e.from, { type: 'BrokerHeartbeatResponse', fenced: true, error: 'STALE_BROKER_EPOCH', partitions: [] } satisfies BrokerHeartbeatResponse);
    return {};
  }
  if (e.wantShutDown) return controlledShutdown(c, e, r, out);
  const brokers = setBroker(c.brokers, e.brokerId, { ...r, lastHeartbeat: c.now(), fenced: false });
  const partitions = r.fenced ? electLeaderless(c, brokers, c.partitions) : c.partitions;
  publishIfChanged(c.partitions, partitions, brokers, out, c.deletedTopics);
  out.send(e.from, { type: 'BrokerHeartbeatResponse', fenced: false, partitions: partitions.map(publicState), ...tombstones(c.deletedTopics) } satisfies BrokerHeartbeatResponse);
  return { brokers, partitions };
}

/**
 * A heartbeat asking to shut down (BrokerHeartbeatManager.calculateNextBrokerState). The first
 * one puts the broker in controlled shutdown: it leaves every ISR and its leaderships move away
 * (ReplicationControlManager.handleBrokerInControlledShutdown); a clean shutdown, so with ELR it
 * joins the ELR where the ISR falls below min ISR. Once it leads nothing it is fenced and told to
 * shut down (SHUTDOWN_NOW). A fenced broker may shut down at once.
 */
function controlledShutdown(c: ControllerContext, e: BrokerHeartbeat & { from: string }, r: BrokerRegistrationState, out: Outbox): Partial<ControllerContext> {
  const b = e.brokerId;
  const reply = (shouldShutDown: boolean, partitions: readonly ControllerPartition[], fenced: boolean) =>
    out.send(e.from, { type: 'BrokerHeartbeatResponse', fenced, partitions: partitions.map(publicState), ...(shouldShutDown ? { shouldShutDown } : {}), ...tombstones(c.deletedTopics) } satisfies BrokerHeartbeatResponse);
  if (r.fenced) {
    reply(true, c.partitions, true);
    return {};
  }
  let brokers = setBroker(c.brokers, b, { ...r, lastHeartbeat: c.now(), inControlledShutdown: true });
  let partitions = c.partitions;
  if (r.inControlledShutdown !== true) {
    out.note(`broker ${b} in controlled shutdown: moving its leaderships away`);
    partitions = removeFromIsrs(c, brokers, b);
  }
  const leadsNothing = partitions.every((p) => p.leader !== b);
  if (leadsNothing) {
    brokers = setBroker(brokers, b, { ...brokers[b]!, fenced: true });
    out.note(`broker ${b} fenced: controlled shutdown complete`);
  }
  publishIfChanged(c.partitions, partitions, brokers, out, c.deletedTopics);
  reply(leadsNothing, partitions, leadsNothing);
  return { brokers, partitions };
}

/** Fence a broker whose session expired: it leaves every ISR and leads nothing. */
function fenceExpired(c: ControllerContext, b: BrokerId, out: Outbox): { brokers: ControllerContext['brokers']; partitions: readonly ControllerPartition[] } {
  const r = c.brokers[b]!;
  const brokers = setBroker(c.brokers, b, { ...r, fenced: true });
  out.note(`broker ${b} fenced: no heartbeat for ${c.now() - r.lastHeartbeat} ms`);
  return { brokers, partitions: removeFromIsrs(c, brokers, b) };
}

/** Fence every broker whose session timed out (broker.session.timeout.ms). */
export function checkSessions(c: ControllerContext, _e: unknown, out: Outbox): Partial<ControllerContext> {
  let brokers = c.brokers;
  let partitions = c.partitions;
  const now = c.now();
  brokers.forEach((r, b) => {
    if (!r || r.fenced || now - r.lastHeartbeat <= c.config.brokerSessionTimeoutMs) return;
    ({ brokers, partitions } = fenceExpired({ ...c, brokers, partitions }, b, out));
  });
  // A NewPartition whose preferred replica never came up is elected once the wait is over.
  if (partitions.some((p) => p.status === 'NewPartition')) partitions = electLeaderless(c, brokers, partitions, (p) => p.status === 'NewPartition');
  publishIfChanged(c.partitions, partitions, brokers, out, c.deletedTopics);
  return brokers === c.brokers && partitions === c.partitions ? {} : { brokers, partitions };
}

/** AlterPartition (KIP-497): an ISR change from the leader, against the current epochs. */
function alterPartition(c: ControllerContext, e: AlterPartition & { from: string }, out: Outbox): Partial<ControllerContext> | void {
  const topic = e.topic ?? DATA_TOPIC;
  const p = c.partitions.find((x) => topicOf(x) === topic && x.partition === e.partition);
  const reply = (error: ErrorCode | undefined, state?: PartitionState) =>
    out.send(e.from, {
      type: 'AlterPartitionResponse',
      actor: partitionName(e.partition, topic),
      partition: e.partition,
      ...(error ? { error } : {}),
      ...(state ? { state } : {}),
    } satisfies AlterPartitionResponse);
  if (!p) return void reply('UNKNOWN_LEADER_EPOCH');
  const leader = c.brokers[e.leaderId];
  if (!leader || leader.brokerEpoch !== e.brokerEpoch) return void reply('STALE_BROKER_EPOCH');
  if (p.leader !== e.leaderId || p.leaderEpoch !== e.leaderEpoch) return void reply('FENCED_LEADER_EPOCH');
  if (p.partitionEpoch !== e.partitionEpoch) return void reply('INVALID_UPDATE_VERSION');
  const newIsr = e.newIsr.map((m) => m.brokerId);
  if (!newIsr.includes(e.leaderId)) return void reply('INVALID_UPDATE_VERSION');
  // KIP-704 (ReplicationControlManager.validateAlterPartitionData): a recovering leader is the
  // whole ISR, and a recovered partition does not go back. Absent means RECOVERED.
  const requested = c.config.leaderRecoveryState ? (e.leaderRecoveryState ?? 'RECOVERED') : undefined;
  if (requested === 'RECOVERING' && (newIsr.length > 1 || p.leaderRecoveryState === undefined)) return void reply('INVALID_REQUEST');
  // KIP-841: a fenced broker cannot join. KIP-903: a member must be in its current broker epoch,
  // so a broker that restarted (and may have lost records) is not added on the strength of
  // fetches made by its previous incarnation.
  for (const m of e.newIsr) {
    if (p.isr.includes(m.brokerId)) continue;
    const r = c.brokers[m.brokerId];
    if (!r || r.fenced || r.inControlledShutdown === true) return void reply('INELIGIBLE_REPLICA');
    if (c.config.brokerEpochFencing && r.brokerEpoch !== m.brokerEpoch) return void reply('INELIGIBLE_REPLICA');
  }
  const recovered = requested === 'RECOVERED' && p.leaderRecoveryState !== undefined;
  const { leaderRecoveryState: _was, ...base } = p;
  const updated = changed(recovered ? base : p, withIsr(c, p, newIsr));
  out.note(`ISR of ${nameOf(p)} is now [${newIsr.join(',')}] (AlterPartition from leader ${e.leaderId}${recovered ? ', RECOVERED' : ''})`);
  const partitions = c.partitions.map((x) => (x === p ? updated : x));
  publishIfChanged(c.partitions, partitions, c.brokers, out, c.deletedTopics);
  reply(undefined, publicState(updated));
  return { partitions };
}

/**
 * CreatePartitions (KIP-195; ReplicationControlManager.createPartitions in KRaft): a topic's
 * partition count grows to `totalCount`, never shrinks (INVALID_PARTITIONS). Each new partition
 * gets the assignment the model gives partition p from the start (initialReplicas), an ISR of
 * its live replicas, and a leader elected from them at once. The data topic's partitions stay
 * first in the controller's list, in partition order, so partition p is at index p.
 */
function createPartitions(c: ControllerContext, e: CreatePartitions & { from: string }, out: Outbox): Partial<ControllerContext> | void {
  const reply = (error?: ErrorCode) => out.send(e.from, { type: 'CreatePartitionsResponse', requestId: e.requestId, ...(error ? { error } : {}) } satisfies CreatePartitionsResponse);
  const topic = e.topic ?? DATA_TOPIC;
  const current = c.partitions.filter((p) => topicOf(p) === topic);
  if (topic !== DATA_TOPIC || e.totalCount <= current.length) return void reply('INVALID_PARTITIONS');
  const fresh: ControllerPartition[] = [];
  for (let p = current.length; p < e.totalCount; p++) {
    const replicas = initialReplicas(c.config, p);
    const isr = replicas.filter((b) => isLive(c.brokers, b));
    if (isr.length < replicas.length) return void reply('INVALID_REPLICATION_FACTOR');
    fresh.push({ partition: p, replicas, isr, leader: -1, leaderEpoch: -1, partitionEpoch: 0, status: 'NewPartition' });
  }
  const at = c.partitions.indexOf(current[current.length - 1]!) + 1;
  const added = [...c.partitions.slice(0, at), ...fresh, ...c.partitions.slice(at)];
  const partitions = electLeaderless(c, c.brokers, added, (p) => fresh.includes(p));
  out.note(`${topic} grows from ${current.length} to ${e.totalCount} partitions (CreatePartitions)`);
  publishIfChanged(c.partitions, partitions, c.brokers, out, c.deletedTopics);
  reply();
  return { partitions };
}

/** Kafka's num.partitions default: what CreateTopics with -1 partitions gets (KIP-464). */
const DEFAULT_NUM_PARTITIONS = 1;

/** ClusterControlManager.isActive brokers, by id: where a new topic's replicas may go. */
const usableBrokers = (c: ControllerContext): BrokerId[] => c.brokers.flatMap((_, b) => (isLive(c.brokers, b) ? [b] : []));

/**
 * Topics the model does not delete: the data topic and the output topic its properties read, and
 * Kafka's internal topics. Kafka's controller deletes any topic the caller may delete
 * (ControllerApis.deleteTopics checks authorization only); kafka-topics.sh refuses internal topics
 * ("is a kafka internal topic and is not allowed to be marked for deletion", TopicCommand). The
 * model answers INVALID_REQUEST for these (spec/controller.md).
 */
export const undeletable = (topic: string) => topic === DATA_TOPIC || topic === OUTPUT_TOPIC || topic === OFFSETS_TOPIC || topic === TXN_TOPIC;

/**
 * CreateTopics (ReplicationControlManager.createTopic, KIP-464 for -1): TOPIC_ALREADY_EXISTS for a
 * taken name; INVALID_REPLICATION_FACTOR for a factor below 1 (other than -1) or above the number
 * of usable (unfenced, not shutting down) brokers, as StripedReplicaPlacer refuses ("cannot be
 * reached because only N broker(s) are registered"); INVALID_PARTITIONS for a count below 1 (other than -1).
 * SIMPLIFICATION: placement is round-robin over the usable brokers in id order, partition p
 * starting at the p-th (Kafka's striped placer starts at a random broker and knows racks); the
 * ISR is the whole assignment (every replica is usable), and each partition's leader is elected
 * at once: its first replica. The topic's partitions go after every existing one, with `topic`.
 */
function createTopics(c: ControllerContext, e: CreateTopics & { from: string }, out: Outbox): Partial<ControllerContext> | void {
  const reply = (error?: ErrorCode, replicationFactor?: number, partitions?: number) =>
    out.send(e.from, { type: 'CreateTopicsResponse', requestId: e.requestId, ...(error ? { error } : {}), ...(replicationFactor ? { partitions, replicationFactor } : {}) } satisfies CreateTopicsResponse);
  if (c.partitions.some((p) => topicOf(p) === e.topic)) return void reply('TOPIC_ALREADY_EXISTS');
  if (e.replicationFactor === 0 || e.replicationFactor < -1) return void reply('INVALID_REPLICATION_FACTOR');
  if (e.partitions === 0 || e.partitions < -1) return void reply('INVALID_PARTITIONS');
  // KIP-464: -1 asks for the cluster's default.replication.factor (the model's replicationFactor)
  // and num.partitions (Kafka's default, 1).
  const count = e.partitions === -1 ? DEFAULT_NUM_PARTITIONS : e.partitions;
  const rf = e.replicationFactor === -1 ? c.config.replicationFactor : e.replicationFactor;
  const usable = usableBrokers(c);
  if (usable.length < rf) {
    out.note(`CreateTopics ${e.topic} refused: replication factor ${rf}, only ${usable.length} usable broker(s)`);
    return void reply('INVALID_REPLICATION_FACTOR');
  }
  // The model's topic ids grow with every creation (Kafka's are random UUIDs): newer than every
  // id the metadata holds or has deleted.
  const topicId = Math.max(0, ...c.partitions.map(topicIdOf), ...(c.deletedTopics ?? []).map(topicIdOf)) + 1;
  const fresh: ControllerPartition[] = Array.from({ length: count }, (_, p) => {
    const replicas = Array.from({ length: rf }, (_, i) => usable[(p + i) % usable.length]!);
    return { topic: e.topic, topicId, partition: p, replicas, isr: replicas, leader: -1, leaderEpoch: -1, partitionEpoch: 0, status: 'NewPartition' as const };
  });
  const partitions = electLeaderless(c, c.brokers, [...c.partitions, ...fresh], (p) => fresh.includes(p));
  out.note(`topic ${e.topic} created: ${count} partition(s), replication factor ${rf}, topic id ${topicId} (CreateTopics)`);
  publishIfChanged(c.partitions, partitions, c.brokers, out, c.deletedTopics);
  reply(undefined, rf, count);
  return { partitions };
}

/**
 * DeleteTopics (ReplicationControlManager.deleteTopic: one RemoveTopicRecord): the topic's
 * partitions leave the metadata at once, and the topic (name and id) is remembered as deleted, so
 * brokers stop and delete its replicas, and a late update naming it does not bring it back. UNKNOWN_TOPIC_OR_PARTITION for no such topic; INVALID_REQUEST for the
 * topics the model keeps (`undeletable`).
 */
function deleteTopics(c: ControllerContext, e: DeleteTopics & { from: string }, out: Outbox): Partial<ControllerContext> | void {
  const reply = (error?: ErrorCode) => out.send(e.from, { type: 'DeleteTopicsResponse', requestId: e.requestId, ...(error ? { error } : {}) } satisfies DeleteTopicsResponse);
  if (!c.partitions.some((p) => topicOf(p) === e.topic)) return void reply('UNKNOWN_TOPIC_OR_PARTITION');
  if (undeletable(e.topic)) return void reply('INVALID_REQUEST');
  const partitions = c.partitions.filter((p) => topicOf(p) !== e.topic);
  const topicId = topicIdOf(c.partitions.find((p) => topicOf(p) === e.topic)!);
  const deletedTopics: DeletedTopic[] = [...(c.deletedTopics ?? []), { topic: e.topic, ...(topicId > 0 ? { topicId } : {}) }];
  out.note(`topic ${e.topic} deleted (DeleteTopics, RemoveTopicRecord)`);
  publishIfChanged(c.partitions, partitions, c.brokers, out, deletedTopics);
  reply();
  return { partitions, deletedTopics };
}

/** A request to the controller: what the active controller of either mode answers. */
export type ControllerRequest = Exclude<ControllerEvent, { type: 'net.disconnected' }>;

/** Answer a broker's request against the controller's state: the state's patch, and the replies in `out`. */
export function handleControllerRequest(c: ControllerContext, e: ControllerRequest, out: Outbox): Partial<ControllerContext> | void {
  switch (e.type) {
    case 'BrokerRegistration':
      return register(c, e, out);
    case 'BrokerHeartbeat':
      return heartbeat(c, e, out);
    case 'AlterPartition':
      return alterPartition(c, e, out);
    case 'CreatePartitions':
      return createPartitions(c, e, out);
    case 'CreateTopics':
      return createTopics(c, e, out);
    case 'DeleteTopics':
      return deleteTopics(c, e, out);
  }
}
