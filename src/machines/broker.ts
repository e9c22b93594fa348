import { setup } from 'xstate';

export { CLEAN_SHUTDOWN_FILE, cleanShutdownEpoch } from './broker-common.js';
import type { ClusterConfig } from '../config/schema.js';
import { react, type Outbox } from './effects.js';
import { applyMetadata, deleteCleanShutdownMarker, exitCleanly, type HostedCoordinator, type HostingBroker } from './broker-common.js';
import {
  CONTROLLER,
  type AlterPartition,
  type BrokerHeartbeat,
  type BrokerHeartbeatResponse,
  type BrokerId,
  type BrokerRegistration,
  type BrokerRegistrationResponse,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataUpdate,
  type PartitionState,
} from './protocol.js';

/**
 * A broker process (KRaft mode): it registers with the controller on every start, heartbeats,
 * keeps a metadata cache, answers clients' Metadata requests from it, and hands each of its
 * partition replicas the partition's state (leader, leader epoch, ISR) whenever it changes.
 * The replicas themselves are separate actors on the same node (src/machines/replica.ts).
 *
 * States follow Kafka's BrokerState: STARTING (registering), RECOVERY (registered but fenced
 * until its first heartbeat is answered), RUNNING, PENDING_CONTROLLED_SHUTDOWN, SHUTTING_DOWN.
 */
export interface BrokerContext extends HostingBroker {
  readonly config: ClusterConfig;
  readonly incarnation: number;
  /** The controller nodes (KRaft's controller.quorum.voters; ZooKeeper mode's one controller). */
  readonly controllers: readonly string[];
  /** The one it takes for the active controller: its requests go there. */
  readonly controller: string;
  /** A registration or heartbeat sent and not answered yet. */
  readonly awaitingController: boolean;
}

export type BrokerEvent =
  | (BrokerRegistrationResponse & { from: string })
  | (BrokerHeartbeatResponse & { from: string })
  | (MetadataUpdate & { from: string })
  | (MetadataRequest & { from: string })
  /** From one of its replicas: forwarded to the active controller (AlterPartitionManager). */
  | (AlterPartition & { from: string })
  | { type: 'net.disconnected'; peer: string }
  | { type: 'Shutdown' };

/**
 * KRaft: the broker's last request to the controller went unanswered for a heartbeat interval (its
 * node is down or cut off): the next goes to the next voter, as the controller channel's request
 * times out and it looks for the quorum's leader.
 */
function controllerFor(c: BrokerContext): Partial<BrokerContext> {
  if (!c.awaitingController || c.controllers.length < 2) return { awaitingController: true };
  return { ...switchController(c, {}), awaitingController: true };
}

function register(c: BrokerContext, _e: unknown, out: Outbox): Partial<BrokerContext> {
  const patch = controllerFor(c);
  out.send(patch.controller ?? c.controller, {
    type: 'BrokerRegistration',
    brokerId: c.brokerId,
    incarnation: c.incarnation,
    ...(c.previousBrokerEpoch >= 0 ? { previousBrokerEpoch: c.previousBrokerEpoch } : {}),
  } satisfies BrokerRegistration);
  return patch;
}

function sendHeartbeat(c: BrokerContext, _e: unknown, out: Outbox): Partial<BrokerContext> {
  const patch = controllerFor(c);
  out.send(patch.controller ?? c.controller, { type: 'BrokerHeartbeat', brokerId: c.brokerId, brokerEpoch: c.brokerEpoch } satisfies BrokerHeartbeat);
  return patch;
}

/** BrokerLifecycleManager.beginControlledShutdown: heartbeats now ask to shut down. */
function sendShutdownHeartbeat(c: BrokerContext, _e: unknown, out: Outbox): Partial<BrokerContext> {
  const patch = controllerFor(c);
  out.send(patch.controller ?? c.controller, { type: 'BrokerHeartbeat', brokerId: c.brokerId, brokerEpoch: c.brokerEpoch, wantShutDown: true } satisfies BrokerHeartbeat);
  return patch;
}

/**
 * KRaft: a controller node answered NOT_CONTROLLER, or the connection to it broke. The broker
 * turns to the node it named, else to the next voter (NodeToControllerChannelManager finds the
 * active controller from the quorum's leader).
 */
function switchController(c: BrokerContext, e: { leaderHint?: string | undefined }): Partial<BrokerContext> {
  const hinted = e.leaderHint !== undefined && c.controllers.includes(e.leaderHint) ? e.leaderHint : undefined;
  return { controller: hinted ?? c.controllers[(c.controllers.indexOf(c.controller) + 1) % c.controllers.length]! };
}




export const brokerMachine = setup({
  types: {} as {
    context: BrokerContext;
    input: {
      config: ClusterConfig;
      brokerId: BrokerId;
      incarnation: number;
      /** From the clean-shutdown marker on disk (`cleanShutdownEpoch`); absent or -1: unclean. */
      previousBrokerEpoch?: number;
      coordinators?: readonly HostedCoordinator[];
      txnCoordinators?: readonly HostedCoordinator[];
      /** The controller nodes; default ZooKeeper mode's one. */
      controllers?: readonly string[];
    };
    events: BrokerEvent;
  },
  delays: {
    heartbeatInterval: ({ context }) => context.config.brokerHeartbeatIntervalMs,
    registrationRetry: ({ context }) => context.config.requestTimeoutMs / 10,
    // How long a broker waits for the controller to move its leaderships away before it shuts
    // down anyway (the controller may be unreachable); Kafka waits for the shutdown future.
    controlledShutdownTimeout: ({ context }) => context.config.brokerSessionTimeoutMs,
  },
  guards: {
    notController: ({ event }) => 'error' in event && event.error === 'NOT_CONTROLLER',
    notControllerWithHint: ({ event }) => 'error' in event && event.error === 'NOT_CONTROLLER' && 'leaderHint' in event && event.leaderHint !== undefined,
    controllerDisconnected: ({ context, event }) => event.type === 'net.disconnected' && event.peer === context.controller && context.controllers.length > 1,
    registered: ({ event }) => event.type === 'BrokerRegistrationResponse' && event.error === undefined,
    shouldShutDown: ({ event }) => event.type === 'BrokerHeartbeatResponse' && event.shouldShutDown === true,
    unfenced: ({ event }) => event.type === 'BrokerHeartbeatResponse' && !event.fenced,
    fencedByController: ({ event }) => event.type === 'BrokerHeartbeatResponse' && event.fenced,
  },
  actions: {
    register: react(register),
    switchController: react<BrokerContext, BrokerEvent>((c, e) => ({ ...switchController(c, e as { leaderHint?: string }), awaitingController: false })),
    answered: react<BrokerContext, BrokerEvent>(() => ({ awaitingController: false })),
    forwardToController: react<BrokerContext, AlterPartition & { from: string }>((c, { from: _from, ...request }, out) => out.send(c.controller, request)),
    sendHeartbeat: react(sendHeartbeat),
    sendShutdownHeartbeat: react(sendShutdownHeartbeat),
    exitCleanly: react(exitCleanly),
    deleteCleanShutdownMarker: react(deleteCleanShutdownMarker),
    recordEpoch: react<BrokerContext, BrokerRegistrationResponse>((_c, e) => ({ brokerEpoch: e.brokerEpoch })),
    applyMetadata: react<BrokerContext, MetadataUpdate | BrokerHeartbeatResponse>((c, e, out) => applyMetadata(c, e.partitions, out, false, e.deletedTopics)),
    /** On unfencing, every replica is (re)told its partition's state with the current broker epoch. */
    pushAllToReplicas: react<BrokerContext, BrokerHeartbeatResponse>((c, e, out) => applyMetadata(c, e.partitions, out, true, e.deletedTopics)),
    answerMetadata: react<BrokerContext, MetadataRequest & { from: string }>((c, e, out) =>
      out.send(e.from, { type: 'MetadataResponse', requestId: e.requestId, partitions: c.metadata.filter((p) => p !== undefined) } satisfies MetadataResponse),
    ),
  },
}).createMachine({
  id: 'broker',
  context: ({ input }) => ({
    config: input.config,
    brokerId: input.brokerId,
    incarnation: input.incarnation,
    brokerEpoch: -1,
    previousBrokerEpoch: input.previousBrokerEpoch ?? -1,
    metadata: [],
    coordinators: input.coordinators ?? [],
    txnCoordinators: input.txnCoordinators ?? [],
    controllers: input.controllers ?? [CONTROLLER],
    controller: (input.controllers ?? [CONTROLLER])[0]!,
    awaitingController: false,
  }),
  initial: 'Starting',
  entry: 'deleteCleanShutdownMarker',
  on: {
    Metadata: { actions: 'answerMetadata' },
    AlterPartition: { actions: 'forwardToController' },
    // An answer no state takes (a refused registration, a heartbeat answered after the broker moved on).
    BrokerRegistrationResponse: { actions: 'answered' },
    BrokerHeartbeatResponse: { actions: 'answered' },
    'net.disconnected': { guard: 'controllerDisconnected', actions: 'switchController' },
  },
  states: {
    /**
     * Registering with the controller (BrokerRegistration), retried until accepted: the
     * controller refuses while the broker id's previous registration still has a valid session
     * (DuplicateBrokerRegistrationException), so a broker that restarts at once waits out its
     * old session (broker.session.timeout.ms).
     */
    Starting: {
      entry: 'register',
      after: { registrationRetry: { target: 'Starting', reenter: true } },
      on: {
        BrokerRegistrationResponse: [
          { guard: 'notControllerWithHint', target: 'Starting', reenter: true, actions: 'switchController' },
          { guard: 'notController', actions: 'switchController' },
          { guard: 'registered', target: 'Recovery', actions: ['answered', 'recordEpoch'] },
        ],
        Shutdown: { target: 'ShuttingDown' },
      },
    },
    /** Registered, fenced: heartbeating until the controller unfences it. */
    Recovery: {
      entry: 'sendHeartbeat',
      after: { heartbeatInterval: { target: 'Recovery', reenter: true } },
      on: {
        BrokerHeartbeatResponse: [
          { guard: 'notControllerWithHint', target: 'Recovery', reenter: true, actions: 'switchController' },
          { guard: 'notController', actions: 'switchController' },
          { guard: 'unfenced', target: 'Running', actions: ['answered', 'pushAllToReplicas'] },
        ],
        Shutdown: { target: 'PendingControlledShutdown' },
      },
    },
    /** Unfenced: serving, heartbeating, following metadata. */
    Running: {
      entry: 'sendHeartbeat',
      after: { heartbeatInterval: { target: 'Running', reenter: true } },
      on: {
        BrokerHeartbeatResponse: [
          { guard: 'notControllerWithHint', target: 'Running', reenter: true, actions: 'switchController' },
          { guard: 'notController', actions: 'switchController' },
          { guard: 'fencedByController', target: 'Recovery', actions: 'answered' },
          { actions: ['answered', 'applyMetadata'] },
        ],
        MetadataUpdate: { actions: 'applyMetadata' },
        Shutdown: { target: 'PendingControlledShutdown' },
      },
    },
    /**
     * Controlled shutdown (KRaft: BrokerHeartbeat with WantShutDown). The controller moves this
     * broker's leaderships away and takes it out of every ISR; once it leads nothing it answers
     * ShouldShutDown. Metadata keeps flowing, so the replicas learn that they lead no more.
     */
    PendingControlledShutdown: {
      initial: 'Asking',
      after: { controlledShutdownTimeout: { target: 'ShuttingDown' } },
      on: {
        BrokerHeartbeatResponse: [
          { guard: 'notControllerWithHint', target: '.Asking', reenter: true, actions: 'switchController' },
          { guard: 'notController', actions: 'switchController' },
          { guard: 'shouldShutDown', target: 'ShuttingDown', actions: ['answered', 'applyMetadata'] },
          { actions: ['answered', 'applyMetadata'] },
        ],
        MetadataUpdate: { actions: 'applyMetadata' },
      },
      states: {
        Asking: {
          entry: 'sendShutdownHeartbeat',
          after: { heartbeatInterval: { target: 'Asking', reenter: true } },
        },
      },
    },
    /** Flush, write the clean-shutdown marker, exit. */
    ShuttingDown: {
      entry: 'exitCleanly',
    },
  },
});
