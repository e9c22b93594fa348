import { setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import {
  electLeaderless,
  handleControllerRequest,
  initialPartitions,
  initialReplicas,
  publicState,
  removeFromIsrs,
  tombstones,
  undeletable,
  type BrokerRegistrationState,
  type ControllerContext,
  type ControllerPartition,
  type ExtraTopic,
} from './controller.js';
import { Outbox, react } from './effects.js';
import {
  BROKER_ACTOR,
  brokerNode,
  nameOf,
  partitionName,
  topicOf,
  DATA_TOPIC,
  type AlterPartition,
  type AlterPartitionResponse,
  type BrokerId,
  type CreatePartitionsResponse,
  type CreateTopicsResponse,
  type DeleteTopicsResponse,
  type ErrorCode,
  type PartitionState,
} from './protocol.js';
import {
  BROKER_IDS_PATH,
  DELETE_TOPICS_PATH,
  TOPICS_PATH,
  deleteTopicPath,
  topicPartitionPath,
  topicPartitionsPath,
  topicPath,
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  ZK_CONTROLLER_ACTOR,
  ZOOKEEPER,
  brokerIdPath,
  failoverReadMs,
  partitionStatePath,
  type ControlledShutdown,
  type ControlledShutdownResponse,
  type LeaderAndIsr,
  type StopReplica,
  type StopReplicaResponse,
  type TopicZnodeData,
  type UpdateMetadata,
  type LocalIsrChange,
  type ZkAdminRequest,
  type ZkOp,
  type ZkRegistered,
  type ZkRequest,
  type ZkResponse,
  type ZkResult,
  type ZkWatchEvent,
} from './zk-protocol.js';

/**
 * A broker's ZooKeeper client and its controller, in ZooKeeper mode: the `controller` actor on
 * every broker node (KafkaZkClient, KafkaController; Kafka runs the controller inside a broker).
 *
 * Session: it opens a ZooKeeper session, registers the broker's ephemeral `/brokers/ids/N`
 * (KafkaZkClient.registerBroker; the znode's czxid is the broker epoch, KIP-380) and tells its
 * broker. It pings every third of the session timeout, and resends a request left unanswered
 * (retryRequestsUntilConnected). When ZooKeeper answers SESSION_EXPIRED it resigns if it was the
 * controller, opens a new session and registers again (a new broker epoch).
 *
 * Election (KafkaController.elect): with a watch on `/controller`, it reads it; if there is a
 * controller it stands by, else it creates the ephemeral `/controller` and bumps
 * `/controller_epoch` in one multi, conditional on the epoch's zkVersion
 * (KafkaZkClient.registerControllerAndIncrementControllerEpoch). The winner fails over
 * (onControllerFailover): it reads every broker registration and every partition state from
 * ZooKeeper, which takes time in proportion to the partitions (failoverReadMs), then elects
 * leaders for partitions without a live one and sends LeaderAndIsr and UpdateMetadata with its
 * controller epoch.
 *
 * Active controller (ControllerEventManager: one event at a time): a `/brokers/ids` change
 * (processBrokerChange: dead, new, and from KIP-380 bounced brokers, told apart by the czxid),
 * a controlled shutdown, an AlterIsr (KIP-497, 2.7), new partitions awaiting their preferred
 * replica. Each reads the state from ZooKeeper, decides with the shared decisions of
 * controller.ts, writes the changed partition states conditionally on their zkVersion, and then
 * sends LeaderAndIsr to the replicas concerned and UpdateMetadata to every live broker.
 *
 * Before KIP-497 the same client writes its leaders' ISR changes to ZooKeeper, by zkVersion
 * (Partition.updateIsr), whatever its controller role.
 *
 * Topic changes (when the workload has admin operations; spec/controller.md, "Topics that change
 * in ZooKeeper mode"): the actor is also its node's AdminManager (AdminManager.scala, from 2.7
 * ZkAdminManager.scala): on the active controller it writes CreateTopics, CreatePartitions and
 * DeleteTopics to ZooKeeper (AdminZkClient.scala). As the controller it watches the topics
 * (KafkaController.scala: TopicChange, PartitionModifications, TopicDeletion), brings new
 * partitions online (onNewPartitionCreation; PartitionStateMachine.scala) and deletes topics with
 * StopReplica (TopicDeletionManager.scala).
 */
export interface ZkControllerContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly brokerId: BrokerId;
  readonly topics: readonly ExtraTopic[];
  /** 0 until ZooKeeper gave one. */
  readonly sessionId: number;
  readonly nextXid: number;
  readonly inflight: readonly Inflight[];
  /** This broker's registration's czxid; -1 until registered. */
  readonly brokerEpoch: number;
  /** The controller `/controller` named when last read; -1 none. */
  readonly activeControllerId: number;
  /** Active: its controller epoch, and `/controller_epoch`'s zkVersion. */
  readonly controllerEpoch: number;
  /** Active: its ControllerContext (brokers with their czxids, partitions with partitionEpoch = zkVersion). */
  readonly image: ControllerContext | undefined;
  /** Active: which partition state znodes exist, by partition name, with their zkVersion. */
  readonly versions: Readonly<Record<string, number>>;
  /** Active: the controller's event queue, and the event being processed with what it read. */
  readonly events: readonly ControllerEvent[];
  readonly current: ControllerEvent | undefined;
  readonly read: ReadState | undefined;
  /**
   * Topics change during the run (the workload has admin operations): the controller reads the
   * topics from ZooKeeper with watches (TopicChange on `/brokers/topics`, PartitionModifications on
   * each topic, TopicDeletion on `/admin/delete_topics`). Off, it reads the partitions it started
   * with only and sets none of these watches, as before topic changes were modelled.
   */
  readonly topicChanges: boolean;
  /** `/brokers/topics`'s children as last read, each with its assignment (null: a topic the cluster started with) and czxid. */
  readonly topicZnodes: readonly TopicRead[];
  /** `/admin/delete_topics`'s children as last read. */
  readonly markedForDeletion: readonly string[];
  /** Active: topics being deleted (TopicDeletionManager), with the brokers whose StopReplica is awaited. */
  readonly deleting: readonly Deletion[];
}

/** A topic znode as read: its name, its assignment, and its czxid (the model's topic id, below). */
interface TopicRead {
  readonly name: string;
  readonly data: TopicZnodeData | null;
  readonly czxid: number;
}

/** A topic in deletion: its partitions' replicas, the brokers yet to answer StopReplica, and when it was last sent to each. */
interface Deletion {
  readonly topic: string;
  readonly topicId: number;
  readonly assignment: readonly (readonly BrokerId[])[];
  readonly awaiting: readonly BrokerId[];
  readonly sentAt: number;
  /** Every replica answered: its znodes are being deleted. */
  readonly completing?: boolean;
}

type ControllerEvent =
  | { readonly kind: 'Startup' }
  | { readonly kind: 'BrokerChange' }
  | { readonly kind: 'NewPartitionCheck' }
  | { readonly kind: 'TopicChange' }
  | { readonly kind: 'ControlledShutdown'; readonly request: ControlledShutdown & From }
  | { readonly kind: 'AlterIsr'; readonly request: AlterPartition & From };

type Purpose = 'connect' | 'register' | 'elect-read' | 'elect-claim' | 'check-controller' | 'read-topics' | 'read' | 'write' | 'isr-write' | 'admin-read' | 'admin-write' | 'delete-topic' | 'ping';

interface Inflight {
  readonly xid: number;
  readonly purpose: Purpose;
  readonly request: ZkRequest;
  readonly sentAt: number;
  /** isr-write: the leader's request; write: what to send once written. */
  readonly alter?: AlterPartition;
  readonly epoch?: number;
  readonly pending?: PendingWrite;
  /** read-topics: the topics whose znodes it reads. */
  readonly names?: readonly string[];
  /** admin-read, admin-write: the admin request. */
  readonly admin?: ZkAdminRequest & From;
  /** delete-topic: the topic. */
  readonly topic?: string;
  /** admin-write of CreatePartitions: the count it grows from. */
  readonly grownFrom?: number;
}

/** What a decision sends once its writes succeed. */
interface PendingWrite {
  readonly partitions: readonly ControllerPartition[];
  /** The states read before the decision: what a partition whose write fails goes out as. */
  readonly previous: readonly ControllerPartition[];
  readonly brokers: ControllerContext['brokers'];
  readonly changed: readonly number[];
  /** Brokers that get LeaderAndIsr for every partition they host (failover, a broker starting). */
  readonly fullLeaderAndIsr: readonly BrokerId[];
  readonly replies: Outbox['effects'];
  readonly updateMetadata: boolean;
}

/** What the read before a decision found in ZooKeeper. */
interface ReadState {
  readonly brokerEpochs: readonly (number | undefined)[];
  readonly partitions: readonly ControllerPartition[];
  readonly versions: Readonly<Record<string, number>>;
}

type From = { from: string };
export type ZkControllerEvent =
  | (ZkResponse & From)
  | (ZkWatchEvent & From)
  | (ControlledShutdown & From)
  | (LocalIsrChange & From)
  | (ZkAdminRequest & From)
  | (StopReplicaResponse & From)
  | { type: 'ControlResponse' }
  | { type: 'net.disconnected'; peer: string };

// --- ZooKeeper client --------------------------------------------------------------------------

function request(c: ZkControllerContext, purpose: Purpose, ops: readonly ZkOp[], out: Outbox, extra: Partial<Inflight> & { atomic?: boolean } = {}): Partial<ZkControllerContext> {
  const { atomic, ...more } = extra;
  const req: ZkRequest = {
    type: 'ZkRequest',
    replyTo: ZK_CONTROLLER_ACTOR,
    sessionId: c.sessionId,
    xid: c.nextXid,
    ops,
    ...(atomic ? { atomic } : {}),
    ...(c.sessionId === 0 ? { sessionTimeoutMs: c.config.brokerSessionTimeoutMs } : {}),
  };
  out.send(ZOOKEEPER, req);
  const tracked = purpose === 'ping' ? c.inflight : [...c.inflight, { xid: req.xid, purpose, request: req, sentAt: c.now(), ...more }];
  return { nextXid: c.nextXid + 1, inflight: tracked };
}

/** The request an answer is for, and the inflight list without it. */
function take(c: ZkControllerContext, e: ZkResponse): { req: Inflight | undefined; inflight: readonly Inflight[] } {
  const req = c.inflight.find((x) => x.xid === e.xid);
  return { req, inflight: req ? c.inflight.filter((x) => x !== req) : c.inflight };
}

const answers = (c: ZkControllerContext, e: ZkControllerEvent, purpose: Purpose) => e.type === 'ZkResponse' && e.error === undefined && c.inflight.some((x) => x.xid === e.xid && x.purpose === purpose);

/**
 * The ZooKeeper client's heartbeat, and its retry of requests left unanswered (lost with a
 * broken connection): Kafka's retryRequestsUntilConnected sends them again.
 */
function ping(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  if (c.sessionId === 0) return {};
  const late = c.inflight.filter((x) => c.now() - x.sentAt >= c.config.brokerHeartbeatIntervalMs);
  for (const x of late) out.send(ZOOKEEPER, { ...x.request, sessionId: c.sessionId });
  const inflight = late.length === 0 ? c.inflight : c.inflight.map((x) => (late.includes(x) ? { ...x, sentAt: c.now() } : x));
  return { ...request({ ...c, inflight }, 'ping', [], out), ...resendStopReplicas(c, out) };
}

/**
 * Register `/brokers/ids/N`, once a session is open. Opening one: a client waits for its
 * connection attempt for the session timeout (ZooKeeper's connect timeout) before it gives it up
 * and tries again; a session the lost attempt opened expires unused.
 */
function register(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  if (c.sessionId === 0) {
    const connecting = c.inflight.find((x) => x.purpose === 'connect');
    if (connecting && c.now() - connecting.sentAt < c.config.brokerSessionTimeoutMs) return {};
    return request({ ...c, inflight: c.inflight.filter((x) => x !== connecting) }, 'connect', [], out);
  }
  return request(c, 'register', [{ op: 'create', path: brokerIdPath(c.brokerId), data: { brokerId: c.brokerId }, ephemeral: true }], out);
}

function connected(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const next = { ...c, inflight: take(c, e).inflight, sessionId: e.sessionId };
  return { inflight: next.inflight, sessionId: e.sessionId, ...register(next, undefined, out) };
}

function registered(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const inflight = c.inflight.filter((x) => x.purpose !== 'register');
  const brokerEpoch = e.results[0]!.stat!.czxid;
  out.note(`broker ${c.brokerId} registered at ${brokerIdPath(c.brokerId)} (broker epoch ${brokerEpoch}, session ${e.sessionId})`);
  out.local(BROKER_ACTOR, { type: 'ZkRegistered', brokerEpoch } satisfies ZkRegistered);
  return { inflight, brokerEpoch };
}

/** The old registration is still there (its session has not expired yet): try again later. */
function registrationRefused(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { inflight } = take(c, e);
  out.note(`${brokerIdPath(c.brokerId)} still held by an earlier session: retrying`);
  return { inflight };
}

/** onControllerResignation, and what a new session starts from. */
function sessionExpired(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  out.note(`ZooKeeper session ${c.sessionId} of broker ${c.brokerId} expired${c.image ? ': resigning as controller' : ''}`);
  return { sessionId: 0, inflight: [], brokerEpoch: -1, ...resigned() };
}

const resigned = (): Partial<ZkControllerContext> => ({ image: undefined, events: [], current: undefined, read: undefined, versions: {}, controllerEpoch: 0, deleting: [] });

// --- Election ------------------------------------------------------------------------------------

function electRead(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  return request(
    c,
    'elect-read',
    [
      { op: 'exists', path: CONTROLLER_PATH, watch: true },
      { op: 'getData', path: CONTROLLER_PATH },
      { op: 'getData', path: CONTROLLER_EPOCH_PATH },
    ],
    out,
  );
}

const controllerOf = (r: ZkResult | undefined) => (r?.data as { brokerId?: number } | undefined)?.brokerId ?? -1;

/** Someone is the controller: stand by. Else claim `/controller` and the next epoch, in one multi. */
function afterElectRead(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { inflight } = take(c, e);
  const [exists, controller, epoch] = e.results;
  if (exists?.stat) return { inflight, activeControllerId: controllerOf(controller) };
  const next = ((epoch?.data as number | undefined) ?? 0) + 1;
  const epochOp: ZkOp = epoch?.stat ? { op: 'setData', path: CONTROLLER_EPOCH_PATH, data: next, version: epoch.stat.version } : { op: 'create', path: CONTROLLER_EPOCH_PATH, data: next };
  return request({ ...c, inflight }, 'elect-claim', [{ op: 'create', path: CONTROLLER_PATH, data: { brokerId: c.brokerId }, ephemeral: true }, epochOp], out, { atomic: true, epoch: next });
}

function becomeController(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  const controllerEpoch = req!.epoch!;
  out.note(`broker ${c.brokerId} is the controller (controller epoch ${controllerEpoch}): reading the cluster's state from ZooKeeper`);
  return { inflight, activeControllerId: c.brokerId, controllerEpoch, events: [{ kind: 'Startup' }], current: undefined, read: undefined, versions: {} };
}

function lostClaim(c: ZkControllerContext, e: ZkResponse): Partial<ZkControllerContext> {
  return { inflight: take(c, e).inflight };
}

/** A change of `/controller` while active (KafkaController's ControllerChange): still ours? */
function checkController(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  return request(c, 'check-controller', [{ op: 'exists', path: CONTROLLER_PATH, watch: true }, { op: 'getData', path: CONTROLLER_PATH }], out);
}

// --- The active controller's events ---------------------------------------------------------------

const brokerIds = (c: ZkControllerContext) => Array.from({ length: c.config.brokers }, (_, i) => i + 1);

/**
 * The partitions the controller knows: those the cluster started with and, when topics change,
 * those of the topic znodes last read: the data topic's added partitions (CreatePartitions) after
 * its first ones, and the topics created at run time after every other, in `/brokers/topics`'s
 * order (creation order). A topic marked for deletion is left out: the model's controller drops it
 * from its metadata when its deletion starts (Kafka's keeps it, its partitions marked for
 * deletion, until completeDeleteTopic).
 */
function allPartitions(c: ZkControllerContext): ControllerPartition[] {
  const base = initialPartitions(c.config, c.topics);
  if (!c.topicChanges) return base;
  const fresh = (topic: string, p: number, replicas: readonly BrokerId[], topicId?: number): ControllerPartition => ({
    ...(topic === DATA_TOPIC ? {} : { topic }),
    ...(topicId === undefined ? {} : { topicId }),
    partition: p,
    replicas,
    isr: replicas,
    leader: -1,
    leaderEpoch: -1,
    partitionEpoch: 0,
    status: 'NewPartition',
  });
  const n = c.config.partitions;
  const grown = c.topicZnodes.find((t) => t.name === DATA_TOPIC)?.data?.partitions ?? [];
  const added = grown.slice(n).map((replicas, i) => fresh(DATA_TOPIC, n + i, replicas));
  const created = c.topicZnodes
    .filter((t) => t.data && !isStaticTopic(c, t.name) && !c.markedForDeletion.includes(t.name))
    .flatMap((t) => t.data!.partitions.map((replicas, p) => fresh(t.name, p, replicas, t.czxid)));
  return [...base.slice(0, n), ...added, ...base.slice(n), ...created];
}

/** A topic the cluster started with: its znodes exist from the start, and it has no topic id. */
const isStaticTopic = (c: ZkControllerContext, topic: string) => topic === DATA_TOPIC || c.topics.some((t) => t.name === topic);

/** A partition created at run time (its parents `/partitions/P` are created with its first state). */
const isCreatedAtRunTime = (c: ZkControllerContext, p: { topic?: string | undefined; partition: number }) =>
  topicOf(p) === DATA_TOPIC ? p.partition >= c.config.partitions : !isStaticTopic(c, topicOf(p));

const statePath = (p: { topic?: string | undefined; partition: number }) => partitionStatePath(topicOf(p), p.partition);

function enqueue(c: ZkControllerContext, ev: ControllerEvent): Partial<ZkControllerContext> {
  return { events: [...c.events, ev] };
}

/**
 * Every event reads the registrations and the partition states first (one pipelined batch);
 * when topics change, the topics before them (readTopics).
 */
function sendRead(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  const [current, ...events] = c.events;
  const next = { ...c, current, events };
  return { current, events, ...(c.topicChanges ? readTopics(next, c.topicZnodes.map((t) => t.name), out) : readStates(next, out)) };
}

function readStates(c: ZkControllerContext, out: Outbox): Partial<ZkControllerContext> {
  const ops: ZkOp[] = [
    { op: 'getChildren', path: BROKER_IDS_PATH, watch: true },
    ...brokerIds(c).map((b): ZkOp => ({ op: 'getData', path: brokerIdPath(b) })),
    ...allPartitions(c).map((p): ZkOp => ({ op: 'getData', path: statePath(p) })),
  ];
  return request(c, 'read', ops, out);
}

/**
 * The topics, with watches, as KafkaController registers them: `/brokers/topics`'s children
 * (TopicChangeHandler), `/admin/delete_topics`'s children (TopicDeletionHandler), and each topic's
 * assignment (PartitionModificationsHandler, registered per topic in processTopicChange).
 */
function readTopics(c: ZkControllerContext, names: readonly string[], out: Outbox): Partial<ZkControllerContext> {
  const ops: ZkOp[] = [
    { op: 'getChildren', path: TOPICS_PATH, watch: true },
    { op: 'getChildren', path: DELETE_TOPICS_PATH, watch: true },
    ...names.map((t): ZkOp => ({ op: 'getData', path: topicPath(t), watch: true })),
  ];
  return request(c, 'read-topics', ops, out, { names });
}

/** The topics read: a child not read yet (a new topic) is read in another round; then the partition states. */
function onTopicsRead(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  const names = req!.names ?? [];
  const children = e.results[0]?.children ?? [];
  const markedForDeletion = e.results[1]?.children ?? [];
  const topicZnodes = children.flatMap((name): TopicRead[] => {
    const r = e.results[2 + names.indexOf(name)];
    return names.includes(name) && r?.stat ? [{ name, data: (r.data as TopicZnodeData | null) ?? null, czxid: r.stat.czxid }] : [];
  });
  const next = { ...c, inflight, topicZnodes, markedForDeletion };
  if (topicZnodes.length < children.length) return { inflight, ...readTopics(next, children, out) };
  return { inflight, topicZnodes, markedForDeletion, ...readStates(next, out) };
}

function onRead(c: ZkControllerContext, e: ZkResponse): Partial<ZkControllerContext> {
  const { inflight } = take(c, e);
  const n = c.config.brokers;
  const brokerEpochs = [undefined, ...e.results.slice(1, 1 + n).map((r) => r.stat?.czxid)];
  const versions: Record<string, number> = {};
  const partitions = allPartitions(c).map((p, i) => {
    const r = e.results[1 + n + i]!;
    if (!r.stat) return p;
    versions[nameOf(p)] = r.stat.version;
    // A leader's own ISR write (before KIP-497) carries no topic id: the assignment's is kept.
    const written = r.data as PartitionState;
    const s = p.topicId !== undefined && written.topicId === undefined ? { ...written, topicId: p.topicId } : written;
    return { ...s, partitionEpoch: r.stat.version, status: s.leader >= 0 ? ('OnlinePartition' as const) : ('OfflinePartition' as const) };
  });
  return { inflight, read: { brokerEpochs, partitions, versions } };
}

const registration = (czxid: number, now: number): BrokerRegistrationState => ({ brokerEpoch: czxid, incarnation: czxid, lastHeartbeat: now, fenced: false });

/**
 * Decide on the current event against what was read, then write the changed partition states
 * (conditionally on their zkVersion; a partition's first state is created). Sent once written.
 */
function decide(c: ZkControllerContext, _e: unknown, out: Outbox): Partial<ZkControllerContext> {
  const ev = c.current!;
  const read = c.read!;
  const now = c.now();
  let ctx: ControllerContext = c.image
    ? { ...c.image, partitions: read.partitions }
    : { config: c.config, now: c.now, brokers: [], partitions: read.partitions, nextBrokerEpoch: 0, startedAt: now };
  let full: BrokerId[] = [];
  let updateMetadata = false;
  const replies = new Outbox();
  switch (ev.kind) {
    case 'Startup': {
      // onControllerFailover: the live brokers are those registered; partitions led by any other
      // broker are elected anew, and every live broker gets LeaderAndIsr and UpdateMetadata.
      const brokers: (BrokerRegistrationState | undefined)[] = [];
      read.brokerEpochs.forEach((z, b) => {
        if (z !== undefined) brokers[b] = registration(z, now);
      });
      ctx = { ...ctx, brokers };
      for (const b of brokerIds(c)) if (!brokers[b]) ctx = { ...ctx, partitions: removeFromIsrs(ctx, brokers, b) };
      ctx = { ...ctx, partitions: electLeaderless(ctx, brokers, ctx.partitions) };
      full = brokerIds(c).filter((b) => brokers[b]);
      updateMetadata = true;
      out.note(`controller ${c.brokerId} read ${c.config.controlPlanePartitions ?? read.partitions.length} partition states and ${full.length} broker registrations (${loadingMs(c)} ms)`);
      break;
    }
    case 'BrokerChange': {
      // processBrokerChange: dead, new, and (KIP-380) bounced brokers, by their czxid.
      const cached = ctx.brokers;
      const dead = brokerIds(c).filter((b) => cached[b] && read.brokerEpochs[b] === undefined);
      const born = brokerIds(c).filter((b) => !cached[b] && read.brokerEpochs[b] !== undefined);
      const bounced = c.config.brokerEpochFencing ? brokerIds(c).filter((b) => cached[b] && read.brokerEpochs[b] !== undefined && read.brokerEpochs[b]! > cached[b]!.brokerEpoch) : [];
      if (dead.length + born.length + bounced.length === 0) break;
      out.note(`controller ${c.brokerId}: brokers ${JSON.stringify({ dead, new: born, bounced })}`);
      let brokers = cached.slice();
      for (const b of [...dead, ...bounced]) {
        brokers[b] = undefined;
        ctx = { ...ctx, brokers, partitions: removeFromIsrs(ctx, brokers, b) };
      }
      brokers = brokers.slice();
      for (const b of [...born, ...bounced]) brokers[b] = registration(read.brokerEpochs[b]!, now);
      ctx = { ...ctx, brokers, partitions: electLeaderless({ ...ctx, brokers }, brokers, ctx.partitions) };
      full = [...born, ...bounced];
      updateMetadata = true;
      break;
    }
    case 'NewPartitionCheck':
      ctx = { ...ctx, partitions: electLeaderless(ctx, ctx.brokers, ctx.partitions, (p) => p.status === 'NewPartition') };
      break;
    case 'ControlledShutdown': {
      // KafkaController.doControlledShutdown: leaderships move away, the broker leaves the ISRs.
      const e = ev.request;
      const r = ctx.brokers[e.brokerId];
      if (!r || (c.config.brokerEpochFencing && r.brokerEpoch !== e.brokerEpoch)) {
        replies.send(e.from, { type: 'ControlledShutdownResponse', remaining: -1, error: 'STALE_BROKER_EPOCH' } satisfies ControlledShutdownResponse);
        break;
      }
      const brokers = ctx.brokers.slice();
      brokers[e.brokerId] = { ...r, inControlledShutdown: true };
      ctx = { ...ctx, brokers, partitions: removeFromIsrs({ ...ctx, brokers }, brokers, e.brokerId) };
      const remaining = ctx.partitions.filter((p) => p.leader === e.brokerId).length;
      replies.send(e.from, { type: 'ControlledShutdownResponse', remaining } satisfies ControlledShutdownResponse);
      break;
    }
    case 'AlterIsr': {
      const patch = handleControllerRequest(ctx, ev.request, replies);
      if (patch) ctx = { ...ctx, ...patch };
      break;
    }
  }
  let deleting = c.deleting;
  if (c.topicChanges) {
    ctx = { ...ctx, partitions: onNewPartitionCreation(c, ctx, read) };
    const started = startDeletions(c, ctx, out);
    if (started.deleting !== deleting) {
      deleting = started.deleting;
      ctx = { ...ctx, deletedTopics: started.deletedTopics };
      updateMetadata = true;
    }
  }
  const changed = ctx.partitions.map((p, i) => (p !== read.partitions[i] ? i : -1)).filter((i) => i >= 0);
  // A partition's epoch is its state znode's zkVersion: what it will be once written.
  const partitions = ctx.partitions.map((p, i) => (changed.includes(i) ? { ...p, partitionEpoch: (read.versions[nameOf(p)] ?? -1) + 1 } : p));
  const fixedReplies = replies.effects.map((x) => {
    if (x.type !== 'net.send' || x.msg.type !== 'AlterPartitionResponse') return x;
    const m = x.msg as AlterPartitionResponse;
    const p = partitions.find((q) => nameOf(q) === m.actor);
    return m.state && p ? { ...x, msg: { ...m, state: publicState(p) } } : x;
  });
  for (const x of replies.effects) if (x.type === 'trace.note') out.effects.push(x);
  // The shared decisions push KRaft's MetadataUpdate; here UpdateMetadata goes out once written.
  const held = fixedReplies.filter((x) => x.type === 'net.send' && x.msg.type !== 'MetadataUpdate');
  const pending: PendingWrite = { partitions, previous: read.partitions, brokers: ctx.brokers, changed, fullLeaderAndIsr: full, replies: held, updateMetadata: updateMetadata || changed.length > 0 };
  const base: Partial<ZkControllerContext> = { image: { ...ctx, partitions }, read: undefined, versions: read.versions, ...(deleting !== c.deleting ? { deleting } : {}) };
  if (changed.length === 0) {
    send({ ...c, ...base } as ZkControllerContext, pending, out);
    return { ...base, current: undefined };
  }
  const ops = changed.map((i): ZkOp => {
    const p = partitions[i]!;
    const v = read.versions[nameOf(p)];
    return v === undefined ? { op: 'create', path: statePath(p), data: publicState(p) } : { op: 'setData', path: statePath(p), data: publicState(p), version: v };
  });
  // A partition created at run time gets its parents with its first state
  // (KafkaZkClient.createTopicPartitionStatesRaw creates `/partitions` and `/partitions/P` first;
  // NODE_EXISTS for one already there is ignored). The states' answers are the last.
  const parents = changed.flatMap((i): ZkOp[] => {
    const p = partitions[i]!;
    if (read.versions[nameOf(p)] !== undefined || !isCreatedAtRunTime(c, p)) return [];
    return [
      ...(topicOf(p) === DATA_TOPIC ? [] : [{ op: 'create' as const, path: topicPartitionsPath(topicOf(p)), data: null }]),
      { op: 'create', path: topicPartitionPath(topicOf(p), p.partition), data: null },
    ];
  });
  const unique = parents.filter((op, k) => parents.findIndex((o) => o.path === op.path) === k);
  return { ...base, ...request({ ...c, ...base } as ZkControllerContext, 'write', [...unique, ...ops], out, { pending }) };
}

/** Written: the partitions that were written go out; a failed write (a stale zkVersion) is decided again. */
function onWrite(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  const pending = req!.pending!;
  const results = e.results.slice(e.results.length - pending.changed.length);
  const failed = pending.changed.filter((_, k) => results[k]?.error !== undefined);
  const versions = { ...c.versions };
  pending.changed.forEach((i, k) => {
    const r = results[k];
    if (r?.stat) versions[nameOf(pending.partitions[i]!)] = r.stat.version;
  });
  const next = { ...c, inflight, versions };
  if (failed.length === 0) {
    send(next, pending, out);
    return { inflight, versions, current: undefined };
  }
  out.note(`controller ${c.brokerId}: ${failed.length} partition state write(s) failed on a stale zkVersion; deciding again`);
  const rejected = pending.replies.map((x) =>
    x.type === 'net.send' && x.msg.type === 'AlterPartitionResponse' ? { ...x, msg: { ...(x.msg as AlterPartitionResponse), error: 'INVALID_UPDATE_VERSION' as const, state: undefined } } : x,
  );
  // KafkaZkClient.updateLeaderAndIsr: only the partitions written join the controller's context
  // and its requests; those that failed go out as they were read (their replicas keep the
  // newer state they have) and are decided again. Sending a decision that never reached
  // ZooKeeper would hand a leader an ISR that ZooKeeper does not hold.
  const partitions = pending.partitions.map((p, i) => (failed.includes(i) ? pending.previous[i]! : p));
  const image = c.image ? { image: { ...c.image, partitions } } : {};
  send({ ...next, ...image }, { ...pending, partitions, changed: pending.changed.filter((i) => !failed.includes(i)), replies: rejected }, out);
  const retry = c.current && c.current.kind !== 'AlterIsr' && c.current.kind !== 'ControlledShutdown' ? [c.current] : [];
  return { inflight, versions, ...image, current: undefined, events: [...retry, ...c.events] };
}

/**
 * The time a decision's per-partition ZooKeeper work takes before it is sent. On failover, the
 * reading of every partition state (failoverReadMs). With `controlPlanePartitions` (the
 * measurements of spec/controller.md), a broker change also pays for writing the failed broker's
 * share of the partitions (their leaderships spread evenly over the brokers): Kafka's controller
 * writes each changed partition state to ZooKeeper before it sends LeaderAndIsr
 * (PartitionStateMachine.doElectLeaderForPartitions, KafkaZkClient.updateLeaderAndIsr), pipelined
 * since Kafka 1.1 (KAFKA-5642), charged here at the same 0.1 ms a znode as the reads.
 */
function loadingMs(c: ZkControllerContext): number {
  const run = c.read?.partitions.length ?? 0;
  const modelled = c.config.controlPlanePartitions ?? run;
  if (c.current?.kind === 'Startup') return failoverReadMs(modelled, c.config.timings);
  return failoverReadMs(Math.ceil(modelled / c.config.brokers), c.config.timings);
}

/** LeaderAndIsr to the replicas concerned, UpdateMetadata to every live broker, and the held replies. */
function send(c: ZkControllerContext, w: PendingWrite, out: Outbox): void {
  const live = brokerIds(c).filter((b) => w.brokers[b] && w.brokers[b]!.inControlledShutdown !== true);
  const to = (b: BrokerId) => ({ controllerId: c.brokerId, controllerEpoch: c.controllerEpoch, brokerEpoch: w.brokers[b]?.brokerEpoch ?? -1 });
  for (const b of brokerIds(c)) {
    if (!w.brokers[b]) continue;
    const mine = w.partitions.filter((p, i) => p.replicas.includes(b) && (w.fullLeaderAndIsr.includes(b) || w.changed.includes(i)));
    if (mine.length > 0) out.send(brokerNode(b), { type: 'LeaderAndIsr', ...to(b), partitions: mine.map(publicState) } satisfies LeaderAndIsr);
  }
  if (w.updateMetadata) {
    const all = w.partitions.map(publicState);
    const deleted = tombstones(c.image?.deletedTopics);
    for (const b of live) out.send(brokerNode(b), { type: 'UpdateMetadata', ...to(b), partitions: all, ...deleted } satisfies UpdateMetadata);
  }
  out.effects.push(...w.replies);
}

// --- Topics created, grown and deleted (ZooKeeper mode) ----------------------------------------------

const registeredIn = (brokers: ControllerContext['brokers'], b: BrokerId) => brokers[b] !== undefined && brokers[b]!.inControlledShutdown !== true;

/**
 * KafkaController.onNewPartitionCreation (PartitionStateMachine: NewPartition -> OnlinePartition,
 * initializeLeaderAndIsrForPartitions): a partition created at run time whose state znode does not
 * exist yet gets the live replicas of its assignment as its ISR, the first of them as its leader,
 * leader epoch 0. With no live replica it stays a NewPartition (Kafka logs the failure) and is
 * tried again at the next event.
 */
function onNewPartitionCreation(c: ZkControllerContext, ctx: ControllerContext, read: ReadState): readonly ControllerPartition[] {
  let changed = false;
  const next = ctx.partitions.map((p, i) => {
    const fresh = read.partitions[i]!;
    if (!isCreatedAtRunTime(c, p) || read.versions[nameOf(p)] !== undefined) return p;
    const isr = fresh.replicas.filter((b) => registeredIn(ctx.brokers, b));
    changed = true;
    if (isr.length === 0) return fresh;
    return { ...fresh, isr, leader: isr[0]!, leaderEpoch: 0, partitionEpoch: fresh.partitionEpoch + 1, status: 'OnlinePartition' as const };
  });
  return changed ? next : ctx.partitions;
}

function sendStopReplica(c: ZkControllerContext, brokers: ControllerContext['brokers'], d: Deletion, b: BrokerId, out: Outbox): void {
  const partitions = d.assignment.flatMap((replicas, p) => (replicas.includes(b) ? [p] : []));
  out.send(brokerNode(b), {
    type: 'StopReplica',
    controllerId: c.brokerId,
    controllerEpoch: c.controllerEpoch,
    brokerEpoch: brokers[b]?.brokerEpoch ?? -1,
    topic: d.topic,
    topicId: d.topicId,
    partitions,
    deletePartition: true,
  } satisfies StopReplica);
}

/**
 * TopicDeletionManager.onTopicDeletion, for each topic newly found under `/admin/delete_topics`:
 * every live broker is told that the topic is gone (UpdateMetadata, with its tombstone), and every
 * replica's broker gets StopReplica with deletePartition=true. A replica on a broker that is down
 * waits (Kafka marks it ineligible and resumes the deletion when the broker starts): the
 * controller sends StopReplica again, every ping, to the brokers that have not answered and are
 * registered. The topic's id is its topic znode's czxid (below).
 */
function startDeletions(c: ZkControllerContext, ctx: ControllerContext, out: Outbox): { deleting: readonly Deletion[]; deletedTopics: ControllerContext['deletedTopics'] } {
  let deleting = c.deleting;
  let deletedTopics = ctx.deletedTopics;
  for (const topic of c.markedForDeletion) {
    const z = c.topicZnodes.find((t) => t.name === topic);
    if (!z?.data || undeletable(topic) || deleting.some((d) => d.topic === topic)) continue;
    const assignment = z.data.partitions;
    const awaiting = brokerIds(c).filter((b) => assignment.some((r) => r.includes(b)));
    const d: Deletion = { topic, topicId: z.czxid, assignment, awaiting, sentAt: c.now() };
    deleting = [...deleting, d];
    if (!(deletedTopics ?? []).some((x) => x.topic === topic && x.topicId === z.czxid)) deletedTopics = [...(deletedTopics ?? []), { topic, topicId: z.czxid }];
    out.note(`controller ${c.brokerId}: deleting topic ${topic} (TopicDeletionManager): StopReplica to brokers [${awaiting.join(',')}]`);
    for (const b of awaiting) if (ctx.brokers[b]) sendStopReplica(c, ctx.brokers, d, b, out);
  }
  return { deleting, deletedTopics };
}

/**
 * A replica's StopReplica answered: once every replica of the topic is deleted,
 * completeDeleteTopic deletes its znodes (the partition states and their parents, the topic
 * znode) and its `/admin/delete_topics` entry; the watches that fires bring the topics read again.
 */
function onStopReplicaResponse(c: ZkControllerContext, e: StopReplicaResponse, out: Outbox): Partial<ZkControllerContext> {
  const d = c.deleting.find((x) => x.topic === e.topic);
  if (e.error || !d || d.completing || !d.awaiting.includes(e.brokerId)) return {};
  const awaiting = d.awaiting.filter((b) => b !== e.brokerId);
  const replace = (x: Deletion) => ({ deleting: c.deleting.map((y) => (y === d ? x : y)) });
  if (awaiting.length > 0) return replace({ ...d, awaiting });
  const ops: ZkOp[] = [
    ...d.assignment.flatMap((_, p): ZkOp[] => [
      { op: 'delete', path: partitionStatePath(d.topic, p), version: -1 },
      { op: 'delete', path: topicPartitionPath(d.topic, p), version: -1 },
    ]),
    { op: 'delete', path: topicPartitionsPath(d.topic), version: -1 },
    { op: 'delete', path: topicPath(d.topic), version: -1 },
    { op: 'delete', path: deleteTopicPath(d.topic), version: -1 },
  ];
  return { ...replace({ ...d, awaiting, completing: true }), ...request(c, 'delete-topic', ops, out, { topic: d.topic }) };
}

function afterDeleteTopic(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  out.note(`controller ${c.brokerId}: topic ${req!.topic} deleted (every replica stopped and its log deleted; its znodes removed)`);
  return { inflight, deleting: c.deleting.filter((d) => d.topic !== req!.topic) };
}

/** StopReplica again to the brokers that have not answered it for a ping interval and are registered. */
function resendStopReplicas(c: ZkControllerContext, out: Outbox): Partial<ZkControllerContext> {
  if (!c.image || c.deleting.length === 0) return {};
  const brokers = c.image.brokers;
  let touched = false;
  const deleting = c.deleting.map((d) => {
    if (d.completing || c.now() - d.sentAt < c.config.brokerHeartbeatIntervalMs) return d;
    const to = d.awaiting.filter((b) => brokers[b]);
    if (to.length === 0) return d;
    for (const b of to) sendStopReplica(c, brokers, d, b, out);
    touched = true;
    return { ...d, sentAt: c.now() };
  });
  return touched ? { deleting } : {};
}

/**
 * The node's AdminManager (Kafka 2.x's AdminManager, ZkAdminManager from 2.7; KafkaApis answers
 * NOT_CONTROLLER unless the node is the active controller): it reads the registered brokers and
 * the topic's znode, checks the request, and writes through AdminZkClient.
 */
function onAdmin(c: ZkControllerContext, e: ZkAdminRequest & From, out: Outbox): Partial<ZkControllerContext> {
  if (!c.image) {
    const hint = c.activeControllerId > 0 && c.activeControllerId !== c.brokerId ? { leaderHint: brokerNode(c.activeControllerId) } : {};
    adminReply(e, out, 'NOT_CONTROLLER', hint);
    return {};
  }
  const topic = e.type === 'CreatePartitions' ? (e.topic ?? DATA_TOPIC) : e.topic;
  return request(c, 'admin-read', [{ op: 'getChildren', path: BROKER_IDS_PATH }, { op: 'getData', path: topicPath(topic) }], out, { admin: e });
}

function adminReply(e: ZkAdminRequest & From, out: Outbox, error?: ErrorCode, extra: Record<string, unknown> = {}): void {
  const type = e.type === 'CreateTopics' ? 'CreateTopicsResponse' : e.type === 'CreatePartitions' ? 'CreatePartitionsResponse' : 'DeleteTopicsResponse';
  out.send(e.client, { type, requestId: e.requestId, ...(error ? { error } : {}), ...extra } as CreateTopicsResponse | CreatePartitionsResponse | DeleteTopicsResponse);
}

/** Kafka's num.partitions default (KIP-464's -1). */
const DEFAULT_NUM_PARTITIONS = 1;

function afterAdminRead(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  const a = req!.admin!;
  if (!c.image) {
    // Resigned while reading: the next controller answers (KafkaApis checks isActive again when
    // the AdminManager fails with NOT_CONTROLLER).
    adminReply(a, out, 'NOT_CONTROLLER', c.activeControllerId > 0 && c.activeControllerId !== c.brokerId ? { leaderHint: brokerNode(c.activeControllerId) } : {});
    return { inflight };
  }
  const next = { ...c, inflight };
  const live = (e.results[0]?.children ?? []).map(Number).sort((x, y) => x - y);
  const znode = e.results[1]!;
  const write = (op: ZkOp, grownFrom?: number) => ({ inflight, ...request(next, 'admin-write', [op], out, { admin: a, ...(grownFrom === undefined ? {} : { grownFrom }) }) });
  const refuse = (error: ErrorCode) => {
    adminReply(a, out, error);
    return { inflight };
  };
  switch (a.type) {
    case 'CreateTopics': {
      // AdminZkClient.validateTopicCreate and AdminUtils.assignReplicasToBrokers; a topic still
      // marked for deletion has its znode, so its name is taken until the deletion completes.
      if (znode.stat) return refuse('TOPIC_ALREADY_EXISTS');
      if (a.replicationFactor === 0 || a.replicationFactor < -1) return refuse('INVALID_REPLICATION_FACTOR');
      if (a.partitions === 0 || a.partitions < -1) return refuse('INVALID_PARTITIONS');
      const count = a.partitions === -1 ? DEFAULT_NUM_PARTITIONS : a.partitions;
      const rf = a.replicationFactor === -1 ? c.config.replicationFactor : a.replicationFactor;
      if (live.length < rf) {
        out.note(`CreateTopics ${a.topic} refused: replication factor ${rf}, only ${live.length} live broker(s)`);
        return refuse('INVALID_REPLICATION_FACTOR');
      }
      // SIMPLIFICATION (as KRaft's createTopics): round-robin over the live brokers in id order,
      // partition p from the p-th (assignReplicasToBrokers starts at a random broker).
      const partitions = Array.from({ length: count }, (_, p) => Array.from({ length: rf }, (_, i) => live[(p + i) % live.length]!));
      return write({ op: 'create', path: topicPath(a.topic), data: { partitions } satisfies TopicZnodeData });
    }
    case 'CreatePartitions': {
      // AdminManager.createPartitions, AdminZkClient.addPartitions: the count only grows; the new
      // partitions get the model's assignment (initialReplicas), all of whose brokers must be live.
      const topic = a.topic ?? DATA_TOPIC;
      if (topic !== DATA_TOPIC || !znode.stat) return refuse('INVALID_PARTITIONS');
      const held = (znode.data as TopicZnodeData | null)?.partitions ?? Array.from({ length: c.config.partitions }, (_, p) => initialReplicas(c.config, p));
      if (a.totalCount <= held.length) return refuse('INVALID_PARTITIONS');
      const added = Array.from({ length: a.totalCount - held.length }, (_, i) => initialReplicas(c.config, held.length + i));
      if (added.some((r) => r.some((b) => !live.includes(b)))) return refuse('INVALID_REPLICATION_FACTOR');
      return write({ op: 'setData', path: topicPath(topic), data: { partitions: [...held, ...added] } satisfies TopicZnodeData, version: -1 }, held.length);
    }
    case 'DeleteTopics':
      // AdminZkClient.deleteTopic: the topic must exist; the model keeps its own and the internal topics.
      if (!znode.stat) return refuse('UNKNOWN_TOPIC_OR_PARTITION');
      if (undeletable(a.topic)) return refuse('INVALID_REQUEST');
      return write({ op: 'create', path: deleteTopicPath(a.topic), data: null });
  }
}

/**
 * The write done: answered at once (Kafka 2.x holds the answer in purgatory, DelayedCreatePartitions
 * and DelayedDeleteTopics, until the metadata cache shows the change or the request times out).
 * A topic already marked for deletion is not an error (ZkAdminManager swallows
 * TopicAlreadyMarkedForDeletionException); a topic znode created meanwhile is TOPIC_ALREADY_EXISTS.
 */
function afterAdminWrite(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  const a = req!.admin!;
  const error = e.results[0]?.error;
  if (a.type === 'CreateTopics') {
    if (error) adminReply(a, out, 'TOPIC_ALREADY_EXISTS');
    else {
      const partitions = ((req!.request.ops[0] as { data: TopicZnodeData }).data).partitions;
      out.note(`topic ${a.topic} written to ${topicPath(a.topic)}: ${partitions.length} partition(s), replication factor ${partitions[0]!.length} (AdminZkClient.createTopicWithAssignment)`);
      adminReply(a, out, undefined, { partitions: partitions.length, replicationFactor: partitions[0]!.length });
    }
  } else if (a.type === 'CreatePartitions') {
    const topic = a.topic ?? DATA_TOPIC;
    if (!error) out.note(`${topic} grows from ${req!.grownFrom} to ${a.totalCount} partitions (CreatePartitions), written to ${topicPath(topic)} (AdminZkClient.addPartitions)`);
    adminReply(a, out, error ? 'INVALID_PARTITIONS' : undefined);
  } else {
    if (error !== 'NODE_EXISTS' && error) adminReply(a, out, 'UNKNOWN_TOPIC_OR_PARTITION');
    else {
      out.note(`topic ${a.topic} marked for deletion at ${deleteTopicPath(a.topic)} (AdminZkClient.deleteTopic)`);
      adminReply(a, out);
    }
  }
  return { inflight };
}

// --- A leader's own ISR write (before KIP-497) ------------------------------------------------------

function isrWrite(c: ZkControllerContext, e: LocalIsrChange & From, out: Outbox): Partial<ZkControllerContext> {
  const topic = e.topic ?? DATA_TOPIC;
  const state: PartitionState = {
    ...(topic === DATA_TOPIC ? {} : { topic }),
    ...(e.topicId === undefined ? {} : { topicId: e.topicId }),
    partition: e.partition,
    replicas: e.replicas ?? initialReplicas(c.config, e.partition, topic),
    isr: e.newIsr.map((m) => m.brokerId),
    leader: e.leaderId,
    leaderEpoch: e.leaderEpoch,
    partitionEpoch: e.partitionEpoch + 1,
  };
  const { from: _from, replicas: _replicas, topicId: _topicId, ...alter } = e;
  return request(c, 'isr-write', [{ op: 'setData', path: partitionStatePath(topic, e.partition), data: state, version: e.partitionEpoch }], out, { alter });
}

function afterIsrWrite(c: ZkControllerContext, e: ZkResponse, out: Outbox): Partial<ZkControllerContext> {
  const { req, inflight } = take(c, e);
  const a = req!.alter!;
  const topic = a.topic ?? DATA_TOPIC;
  const actor = partitionName(a.partition, topic);
  const r = e.results[0]!;
  const state = r.stat ? { ...(req!.request.ops[0] as { data: PartitionState }).data, partitionEpoch: r.stat.version } : undefined;
  if (state) out.note(`ISR of ${actor} is now [${state.isr.join(',')}] in ZooKeeper (written by leader ${a.leaderId}, zkVersion ${r.stat!.version})`);
  out.local(actor, { type: 'AlterPartitionResponse', actor, partition: a.partition, ...(state ? { state } : { error: 'INVALID_UPDATE_VERSION' as const }) } satisfies AlterPartitionResponse);
  return { inflight };
}

/** Not the active controller: AlterIsr and ControlledShutdown are answered NOT_CONTROLLER. */
function notController(_c: ZkControllerContext, e: ZkControllerEvent, out: Outbox): void {
  if (e.type === 'ControlledShutdown') out.send(e.from, { type: 'ControlledShutdownResponse', remaining: -1, error: 'NOT_CONTROLLER' } satisfies ControlledShutdownResponse);
  if (e.type === 'AlterPartition') {
    const actor = partitionName(e.partition, e.topic ?? DATA_TOPIC);
    out.send(e.from, { type: 'AlterPartitionResponse', actor, partition: e.partition, error: 'NOT_CONTROLLER' } satisfies AlterPartitionResponse);
  }
}

type Ev<T extends ZkControllerEvent['type']> = Extract<ZkControllerEvent, { type: T }>;

export const zkControllerMachine = setup({
  types: {} as {
    context: ZkControllerContext;
    input: { config: ClusterConfig; now: () => number; brokerId: BrokerId; topics?: readonly ExtraTopic[]; topicChanges?: boolean };
    events: ZkControllerEvent;
  },
  delays: {
    pingInterval: ({ context }) => context.config.brokerHeartbeatIntervalMs,
    registrationRetry: ({ context }) => context.config.brokerHeartbeatIntervalMs,
    newPartitionCheck: ({ context }) => context.config.brokerHeartbeatIntervalMs,
    failoverRead: ({ context }) => loadingMs(context),
  },
  guards: {
    // An expiry of this session (answers of an older session's requests are stale).
    expired: ({ context, event }) => event.type === 'ZkResponse' && event.error === 'SESSION_EXPIRED' && event.sessionId === context.sessionId && context.sessionId !== 0,
    connected: ({ context, event }) => answers(context, event, 'connect'),
    registered: ({ context, event }) => answers(context, event, 'register') && (event as ZkResponse).results[0]?.stat !== undefined,
    registrationRefused: ({ context, event }) => answers(context, event, 'register'),
    controllerExists: ({ context, event }) => answers(context, event, 'elect-read') && (event as ZkResponse).results[0]?.stat !== undefined,
    noController: ({ context, event }) => answers(context, event, 'elect-read'),
    wonClaim: ({ context, event }) => answers(context, event, 'elect-claim') && (event as ZkResponse).results.every((r) => r.error === undefined),
    lostClaim: ({ context, event }) => answers(context, event, 'elect-claim'),
    controllerGone: ({ context, event }) => answers(context, event, 'check-controller') && controllerOf((event as ZkResponse).results[1]) !== context.brokerId,
    checkedController: ({ context, event }) => answers(context, event, 'check-controller'),
    isrWritten: ({ context, event }) => answers(context, event, 'isr-write'),
    topicsRead: ({ context, event }) => answers(context, event, 'read-topics'),
    adminRead: ({ context, event }) => answers(context, event, 'admin-read'),
    adminWritten: ({ context, event }) => answers(context, event, 'admin-write'),
    topicDeleted: ({ context, event }) => answers(context, event, 'delete-topic'),
    topicsWatch: ({ event }) => event.type === 'ZkWatchEvent' && (event.path === TOPICS_PATH || event.path === DELETE_TOPICS_PATH || (event.path.startsWith(`${TOPICS_PATH}/`) && !event.path.slice(TOPICS_PATH.length + 1).includes('/'))),
    readDone: ({ context, event }) => answers(context, event, 'read'),
    readForFailover: ({ context, event }) => answers(context, event, 'read') && (context.current?.kind === 'Startup' || (context.current?.kind === 'BrokerChange' && context.config.controlPlanePartitions !== undefined)),
    written: ({ context, event }) => answers(context, event, 'write'),
    controllerWatch: ({ event }) => event.type === 'ZkWatchEvent' && event.path === CONTROLLER_PATH,
    brokersWatch: ({ event }) => event.type === 'ZkWatchEvent' && event.path === BROKER_IDS_PATH,
    hasEvents: ({ context }) => context.events.length > 0,
    decided: ({ context }) => context.current === undefined,
    awaitsNewPartitions: ({ context }) => context.image?.partitions.some((p) => p.status === 'NewPartition') ?? false,
    localIsrWrite: ({ context, event }) => event.type === 'AlterPartition' && !context.config.alterIsr,
  },
  actions: {
    ping: react(ping),
    register: react(register),
    connected: react<ZkControllerContext, Ev<'ZkResponse'>>(connected),
    registered: react<ZkControllerContext, Ev<'ZkResponse'>>(registered),
    registrationRefused: react<ZkControllerContext, Ev<'ZkResponse'>>(registrationRefused),
    sessionExpired: react(sessionExpired),
    electRead: react(electRead),
    afterElectRead: react<ZkControllerContext, Ev<'ZkResponse'>>(afterElectRead),
    standBy: react<ZkControllerContext, Ev<'ZkResponse'>>((c, e) => ({ inflight: take(c, e).inflight, activeControllerId: controllerOf(e.results[1]) })),
    becomeController: react<ZkControllerContext, Ev<'ZkResponse'>>(becomeController),
    lostClaim: react<ZkControllerContext, Ev<'ZkResponse'>>(lostClaim),
    checkController: react(checkController),
    stillController: react<ZkControllerContext, Ev<'ZkResponse'>>((c, e) => ({ inflight: take(c, e).inflight })),
    resign: react<ZkControllerContext, Ev<'ZkResponse'>>((c, e, out) => {
      out.note(`broker ${c.brokerId} is no longer the controller (${CONTROLLER_PATH} names ${controllerOf(e.results[1])})`);
      return { inflight: take(c, e).inflight, ...resigned() };
    }),
    isrWrite: react<ZkControllerContext, Ev<'AlterPartition'>>(isrWrite),
    afterIsrWrite: react<ZkControllerContext, Ev<'ZkResponse'>>(afterIsrWrite),
    enqueueBrokerChange: react<ZkControllerContext, ZkControllerEvent>((c) => enqueue(c, { kind: 'BrokerChange' })),
    enqueueNewPartitionCheck: react<ZkControllerContext, ZkControllerEvent>((c) => enqueue(c, { kind: 'NewPartitionCheck' })),
    // TopicChange, PartitionModifications, TopicDeletion: one queued read covers them all.
    enqueueTopicChange: react<ZkControllerContext, ZkControllerEvent>((c) => (c.events.some((x) => x.kind === 'TopicChange') ? {} : enqueue(c, { kind: 'TopicChange' }))),
    onTopicsRead: react<ZkControllerContext, Ev<'ZkResponse'>>(onTopicsRead),
    onAdmin: react<ZkControllerContext, Ev<'CreateTopics'>>(onAdmin),
    afterAdminRead: react<ZkControllerContext, Ev<'ZkResponse'>>(afterAdminRead),
    afterAdminWrite: react<ZkControllerContext, Ev<'ZkResponse'>>(afterAdminWrite),
    afterDeleteTopic: react<ZkControllerContext, Ev<'ZkResponse'>>(afterDeleteTopic),
    onStopReplicaResponse: react<ZkControllerContext, Ev<'StopReplicaResponse'>>(onStopReplicaResponse),
    enqueueShutdown: react<ZkControllerContext, Ev<'ControlledShutdown'>>((c, e) => enqueue(c, { kind: 'ControlledShutdown', request: e })),
    enqueueAlterIsr: react<ZkControllerContext, Ev<'AlterPartition'>>((c, e) => enqueue(c, { kind: 'AlterIsr', request: e })),
    notController: react(notController),
    sendRead: react(sendRead),
    onRead: react<ZkControllerContext, Ev<'ZkResponse'>>(onRead),
    decide: react(decide),
    onWrite: react<ZkControllerContext, Ev<'ZkResponse'>>(onWrite),
  },
}).createMachine({
  id: 'zkc',
  context: ({ input }) => ({
    config: input.config,
    now: input.now,
    brokerId: input.brokerId,
    topics: input.topics ?? [],
    topicChanges: input.topicChanges ?? false,
    topicZnodes: [],
    markedForDeletion: [],
    deleting: [],
    sessionId: 0,
    nextXid: 1,
    inflight: [],
    brokerEpoch: -1,
    activeControllerId: -1,
    controllerEpoch: 0,
    image: undefined,
    versions: {},
    events: [],
    current: undefined,
    read: undefined,
  }),
  type: 'parallel',
  on: {
    ZkResponse: [
      { guard: 'expired', target: '.Role.Connecting', actions: 'sessionExpired' },
      { guard: 'isrWritten', actions: 'afterIsrWrite' },
      { guard: 'adminRead', actions: 'afterAdminRead' },
      { guard: 'adminWritten', actions: 'afterAdminWrite' },
      { guard: 'topicDeleted', actions: 'afterDeleteTopic' },
    ],
    AlterPartition: [{ guard: 'localIsrWrite', actions: 'isrWrite' }, { actions: 'notController' }],
    ControlledShutdown: { actions: 'notController' },
    CreateTopics: { actions: 'onAdmin' },
    CreatePartitions: { actions: 'onAdmin' },
    DeleteTopics: { actions: 'onAdmin' },
  },
  states: {
    /** The session's heartbeat (a ping every third of the session timeout) and request retries. */
    Session: {
      initial: 'Pinging',
      states: {
        Pinging: { after: { pingInterval: { target: 'Pinging', reenter: true, actions: 'ping' } } },
      },
    },
    Role: {
      initial: 'Connecting',
      states: {
        /** Opening a session, then registering `/brokers/ids/N`, retried while an old session holds it. */
        Connecting: {
          entry: 'register',
          after: { registrationRetry: { target: 'Connecting', reenter: true } },
          on: {
            ZkResponse: [
              { guard: 'connected', actions: 'connected' },
              { guard: 'registered', target: 'Electing', actions: 'registered' },
              { guard: 'registrationRefused', actions: 'registrationRefused' },
            ],
          },
        },
        /** Reading `/controller` (with a watch); claiming it and the next controller epoch when there is none. */
        Electing: {
          entry: 'electRead',
          on: {
            ZkResponse: [
              { guard: 'controllerExists', target: 'Standby', actions: 'standBy' },
              { guard: 'noController', actions: 'afterElectRead' },
              { guard: 'wonClaim', target: 'Active', actions: 'becomeController' },
              { guard: 'lostClaim', target: 'Electing', reenter: true, actions: 'lostClaim' },
            ],
          },
        },
        /** Another broker is the controller: waiting for `/controller` to change. */
        Standby: {
          on: { ZkWatchEvent: { guard: 'controllerWatch', target: 'Electing' } },
        },
        /** The controller: one event at a time, each read from ZooKeeper, decided, written, then sent. */
        Active: {
          initial: 'Idle',
          on: {
            ZkWatchEvent: [
              { guard: 'brokersWatch', actions: 'enqueueBrokerChange' },
              { guard: 'topicsWatch', actions: 'enqueueTopicChange' },
              { guard: 'controllerWatch', actions: 'checkController' },
            ],
            ZkResponse: [
              { guard: 'controllerGone', target: 'Electing', actions: 'resign' },
              { guard: 'checkedController', actions: 'stillController' },
            ],
            ControlledShutdown: { actions: 'enqueueShutdown' },
            StopReplicaResponse: { actions: 'onStopReplicaResponse' },
            AlterPartition: [{ guard: 'localIsrWrite', actions: 'isrWrite' }, { actions: 'enqueueAlterIsr' }],
          },
          states: {
            Idle: {
              always: { guard: 'hasEvents', target: 'Reading' },
              after: { newPartitionCheck: { guard: 'awaitsNewPartitions', target: 'Idle', reenter: true, actions: 'enqueueNewPartitionCheck' } },
            },
            /** Reading the broker registrations and partition states. */
            Reading: {
              entry: 'sendRead',
              on: {
                ZkResponse: [
                  { guard: 'topicsRead', actions: 'onTopicsRead' },
                  { guard: 'readForFailover', target: 'Loading', actions: 'onRead' },
                  { guard: 'readDone', target: 'Writing', actions: ['onRead', 'decide'] },
                ],
              },
            },
            /** A new controller loading what it read: time in proportion to the partitions. */
            Loading: {
              after: { failoverRead: { target: 'Writing', actions: 'decide' } },
            },
            /** Writing the changed partition states, conditionally on their zkVersion. */
            Writing: {
              always: { guard: 'decided', target: 'Idle' },
              on: { ZkResponse: { guard: 'written', target: 'Idle', actions: 'onWrite' } },
            },
          },
        },
      },
    },
  },
});
