import { setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { applyMetadata, deleteCleanShutdownMarker, exitCleanly, type HostedCoordinator, type HostingBroker } from './broker-common.js';
import { react, type Outbox } from './effects.js';
import { brokerNode, partitionName, type AlterPartition, type BrokerId, type CreatePartitions, type CreateTopics, type DeleteTopics, type MetadataRequest, type MetadataResponse, type PartitionState } from './protocol.js';
import {
  ZK_CONTROLLER_ACTOR,
  type ControlledShutdown,
  type ControlledShutdownResponse,
  type ControlResponse,
  type LeaderAndIsr,
  type UpdateMetadata,
  type AlterIsr,
  type StopReplica,
  type StopReplicaResponse,
  type ZkAdminRequest,
  type LocalIsrChange,
  type ZkRegistered,
} from './zk-protocol.js';

/**
 * A broker process in ZooKeeper mode (KafkaServer, ReplicaManager, MetadataCache). Its node's
 * ZooKeeper client and controller are the `controller` actor beside it (zk-controller.ts), which
 * registers `/brokers/ids/N` and tells it its broker epoch (the znode's czxid, KIP-380).
 *
 * The controller's LeaderAndIsr and UpdateMetadata requests carry the controller epoch: one older
 * than the newest this broker has seen comes from a deposed controller and is refused with
 * STALE_CONTROLLER_EPOCH (ReplicaManager.becomeLeaderOrFollower, maybeUpdateMetadataCache). From
 * 2.2 they also carry the broker epoch the controller addressed, and a request for an earlier
 * registration of this broker is refused with STALE_BROKER_EPOCH (KIP-380,
 * KafkaApis.isBrokerEpochStale): before, a bounced broker acted on decisions made for its
 * previous self (KAFKA-1120).
 */
export interface ZkBrokerContext extends HostingBroker {
  readonly config: ClusterConfig;
  readonly incarnation: number;
  /** The newest controller epoch seen, and that controller (-1 until a controller spoke). */
  readonly controllerEpoch: number;
  readonly controllerId: BrokerId;
  /**
   * The model's record of the control requests this broker acted on that were addressed to an
   * earlier registration of it (a broker epoch below its own): what KIP-380 refuses. Read by
   * the `broker-acts-on-own-registration` property; not Kafka state.
   */
  readonly staleActedOn: readonly { readonly request: string; readonly addressed: number; readonly current: number }[];
}

type From = { from: string };
export type ZkBrokerEvent =
  | (ZkRegistered & From)
  | (LeaderAndIsr & From)
  | (UpdateMetadata & From)
  | (ControlledShutdownResponse & From)
  | (MetadataRequest & From)
  | (AlterPartition & From)
  | (StopReplica & From)
  | ((CreatePartitions | CreateTopics | DeleteTopics) & From)
  | { type: 'net.disconnected'; peer: string }
  | { type: 'Shutdown' };

/** A control request this broker must refuse, if any (controller epoch, then KIP-380's broker epoch). */
function staleness(c: ZkBrokerContext, e: LeaderAndIsr | UpdateMetadata | StopReplica): ControlResponse['error'] {
  if (e.controllerEpoch < c.controllerEpoch) return 'STALE_CONTROLLER_EPOCH';
  if (c.config.brokerEpochFencing && e.brokerEpoch < c.brokerEpoch) return 'STALE_BROKER_EPOCH';
  return undefined;
}

/**
 * LeaderAndIsr or UpdateMetadata. Both fill the metadata cache and hand the hosted replicas
 * their states (the replica takes only a newer one); Kafka's UpdateMetadata fills the cache only
 * (a simplification, spec/controller.md).
 */
function onControlRequest(c: ZkBrokerContext, e: (LeaderAndIsr | UpdateMetadata) & From, out: Outbox): Partial<ZkBrokerContext> {
  const error = staleness(c, e);
  out.send(e.from, { type: 'ControlResponse', actor: ZK_CONTROLLER_ACTOR, request: e.type, ...(error ? { error } : {}) } satisfies ControlResponse);
  if (error) {
    out.note(`${e.type} from controller ${e.controllerId} refused: ${error} (epoch ${e.controllerEpoch} < ${c.controllerEpoch}, or broker epoch ${e.brokerEpoch} < ${c.brokerEpoch})`);
    return {};
  }
  const stale = e.brokerEpoch !== c.brokerEpoch ? { staleActedOn: [...c.staleActedOn, { request: e.type, addressed: e.brokerEpoch, current: c.brokerEpoch }] } : {};
  const deleted = e.type === 'UpdateMetadata' ? e.deletedTopics : undefined;
  return { controllerEpoch: e.controllerEpoch, controllerId: e.controllerId, ...stale, ...applyMetadata(c, e.partitions, out, e.type === 'LeaderAndIsr', deleted) };
}

/**
 * StopReplica with deletePartition=true (ReplicaManager.stopReplicas, fenced like the other
 * control requests): the topic's partitions leave the metadata cache, its tombstone is kept (a
 * late update naming it does not bring it back), and its replicas here stop and their logs are
 * deleted, a log left on the disk by a replica not running too (LogManager loaded it at startup).
 */
function onStopReplica(c: ZkBrokerContext, e: StopReplica & From, out: Outbox): Partial<ZkBrokerContext> {
  const error = staleness(c, e);
  const answer = (err?: StopReplicaResponse['error']) =>
    out.send(e.from, { type: 'StopReplicaResponse', actor: ZK_CONTROLLER_ACTOR, topic: e.topic, brokerId: c.brokerId, ...(err ? { error: err } : {}) } satisfies StopReplicaResponse);
  if (error) {
    out.note(`StopReplica of ${e.topic} from controller ${e.controllerId} refused: ${error}`);
    answer(error);
    return {};
  }
  const patch = applyMetadata(c, [], out, false, [{ topic: e.topic, ...(e.topicId === undefined ? {} : { topicId: e.topicId }) }]);
  for (const p of e.partitions) out.deleteActor(partitionName(p, e.topic));
  answer();
  return { controllerEpoch: e.controllerEpoch, controllerId: e.controllerId, ...patch };
}

/**
 * CreateTopics, CreatePartitions, DeleteTopics: KafkaApis hands them to the node's AdminManager,
 * which answers NOT_CONTROLLER unless this broker is the active controller, and writes through the
 * node's ZooKeeper client (the `controller` actor, zk-controller.ts).
 */
function forwardAdmin(_c: ZkBrokerContext, { from, ...request }: (CreatePartitions | CreateTopics | DeleteTopics) & From, out: Outbox): void {
  out.local(ZK_CONTROLLER_ACTOR, { ...request, actor: ZK_CONTROLLER_ACTOR, client: from } satisfies ZkAdminRequest);
}

/**
 * A replica's ISR change. Before KIP-497 (2.7) the leader writes the ISR to ZooKeeper itself,
 * by zkVersion (Partition.updateIsr through the node's ZooKeeper client); from 2.7 it sends
 * AlterIsr to the active controller (AlterIsrManager).
 */
function forwardIsrChange(c: ZkBrokerContext, { from: _from, ...request }: AlterPartition & From, out: Outbox): void {
  if (!c.config.alterIsr) {
    // A topic created at run time: its assignment and id go with the change (the state znode the
    // model writes holds them); the topics the cluster started with need neither.
    const cached = request.topic === undefined ? undefined : c.metadata.find((m) => m.topic === request.topic && m.partition === request.partition);
    const extra = cached?.topicId !== undefined ? { replicas: cached.replicas, topicId: cached.topicId } : {};
    return out.local(ZK_CONTROLLER_ACTOR, { ...request, ...extra } satisfies LocalIsrChange);
  }
  if (c.controllerId < 0) return; // no controller known yet: the replica retries
  out.send(brokerNode(c.controllerId), { ...request, actor: ZK_CONTROLLER_ACTOR } satisfies AlterIsr);
}

function askControlledShutdown(c: ZkBrokerContext, _e: unknown, out: Outbox): void {
  if (c.controllerId < 0) return;
  out.send(brokerNode(c.controllerId), { type: 'ControlledShutdown', actor: ZK_CONTROLLER_ACTOR, brokerId: c.brokerId, brokerEpoch: c.brokerEpoch } satisfies ControlledShutdown);
}

export const zkBrokerMachine = setup({
  types: {} as {
    context: ZkBrokerContext;
    input: { config: ClusterConfig; brokerId: BrokerId; incarnation: number; coordinators?: readonly HostedCoordinator[]; txnCoordinators?: readonly HostedCoordinator[] };
    events: ZkBrokerEvent;
  },
  delays: {
    retry: ({ context }) => context.config.brokerHeartbeatIntervalMs,
    controlledShutdownTimeout: ({ context }) => context.config.brokerSessionTimeoutMs,
  },
  guards: {
    leadsNothing: ({ event }) => event.type === 'ControlledShutdownResponse' && event.error === undefined && event.remaining === 0,
  },
  actions: {
    registered: react<ZkBrokerContext, ZkRegistered>((c, e, out) => {
      if (c.brokerEpoch >= 0) out.note(`re-registered in ZooKeeper with broker epoch ${e.brokerEpoch} (was ${c.brokerEpoch})`);
      return { brokerEpoch: e.brokerEpoch };
    }),
    onControlRequest: react(onControlRequest),
    onStopReplica: react(onStopReplica),
    forwardAdmin: react(forwardAdmin),
    forwardIsrChange: react(forwardIsrChange),
    askControlledShutdown: react(askControlledShutdown),
    exitCleanly: react(exitCleanly),
    deleteCleanShutdownMarker: react(deleteCleanShutdownMarker),
    answerMetadata: react<ZkBrokerContext, MetadataRequest & From>((c, e, out) =>
      out.send(e.from, { type: 'MetadataResponse', requestId: e.requestId, partitions: c.metadata.filter((p): p is PartitionState => p !== undefined) } satisfies MetadataResponse),
    ),
  },
}).createMachine({
  id: 'zk-broker',
  context: ({ input }) => ({
    config: input.config,
    brokerId: input.brokerId,
    incarnation: input.incarnation,
    brokerEpoch: -1,
    previousBrokerEpoch: -1,
    metadata: [],
    coordinators: input.coordinators ?? [],
    txnCoordinators: input.txnCoordinators ?? [],
    controllerEpoch: 0,
    controllerId: -1,
    staleActedOn: [],
  }),
  initial: 'Starting',
  entry: 'deleteCleanShutdownMarker',
  on: {
    Metadata: { actions: 'answerMetadata' },
    AlterPartition: { actions: 'forwardIsrChange' },
    ZkRegistered: { actions: 'registered' },
    LeaderAndIsr: { actions: 'onControlRequest' },
    UpdateMetadata: { actions: 'onControlRequest' },
    StopReplica: { actions: 'onStopReplica' },
    CreateTopics: { actions: 'forwardAdmin' },
    CreatePartitions: { actions: 'forwardAdmin' },
    DeleteTopics: { actions: 'forwardAdmin' },
  },
  states: {
    /**
     * Waiting for its node's ZooKeeper client to register `/brokers/ids/N`. Control requests are
     * not processed yet: KafkaServer.startup starts the request processors after registering.
     */
    Starting: {
      on: {
        LeaderAndIsr: {},
        UpdateMetadata: {},
        StopReplica: {},
        ZkRegistered: { target: 'Running', actions: 'registered' },
        Shutdown: { target: 'ShuttingDown' },
      },
    },
    /** Registered: serving, and following the controller's requests. */
    Running: {
      on: { Shutdown: { target: 'PendingControlledShutdown' } },
    },
    /**
     * Controlled shutdown (KafkaServer.controlledShutdown): ask the controller to move this
     * broker's leaderships away, again until it leads nothing or the time is up.
     */
    PendingControlledShutdown: {
      initial: 'Asking',
      after: { controlledShutdownTimeout: { target: 'ShuttingDown' } },
      on: { ControlledShutdownResponse: { guard: 'leadsNothing', target: 'ShuttingDown' } },
      states: {
        Asking: {
          entry: 'askControlledShutdown',
          after: { retry: { target: 'Asking', reenter: true } },
        },
      },
    },
    /** Flush, write the clean-shutdown marker, exit. */
    ShuttingDown: {
      entry: 'exitCleanly',
    },
  },
});
