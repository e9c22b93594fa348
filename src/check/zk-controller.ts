import type { ClusterConfig } from '../config/index.js';
import { brokerNode } from '../machines/protocol.js';
import type { ZkBrokerContext } from '../machines/zk-broker.js';
import type { ZkControllerContext } from '../machines/zk-controller.js';
import { ZK_CONTROLLER_ACTOR } from '../machines/zk-protocol.js';
import type { World } from '../sim/world.js';
import type { GroupInvariant } from './groups.js';

/**
 * The control plane's properties in ZooKeeper mode (spec/controller.md), checked after every
 * event: one controller per controller epoch, and brokers that act only on control requests
 * addressed to their current registration (KIP-380).
 */
export const zkControlPlanePropertyIds = ['one-controller-per-epoch', 'broker-acts-on-own-registration'] as const;

function context<C>(world: World, node: string, actor?: string): C | undefined {
  return (world.actor(node, actor)?.getSnapshot() as { context: C } | undefined)?.context;
}

export function zkControlPlaneInvariants(config: ClusterConfig): GroupInvariant[] {
  if (config.controlPlane !== 'zookeeper') return [];
  const controllerOfEpoch = new Map<number, number>();
  return [
    {
      id: 'one-controller-per-epoch',
      check: (world) => {
        // The ephemeral /controller and the epoch bump are one multi, conditional on the
        // epoch's zkVersion: two brokers cannot win the same epoch.
        for (let b = 1; b <= config.brokers; b++) {
          const c = context<ZkControllerContext>(world, brokerNode(b), ZK_CONTROLLER_ACTOR);
          if (!c?.image) continue;
          const seen = controllerOfEpoch.get(c.controllerEpoch);
          if (seen === undefined) controllerOfEpoch.set(c.controllerEpoch, b);
          else if (seen !== b) return `brokers ${seen} and ${b} were both the controller in controller epoch ${c.controllerEpoch}`;
        }
        return undefined;
      },
    },
    {
      id: 'broker-acts-on-own-registration',
      check: (world) => {
        // A control request decided for an earlier registration of a broker (a bounce the
        // controller missed, KAFKA-1120) must not be acted on by the broker's new self.
        for (let b = 1; b <= config.brokers; b++) {
          const c = context<ZkBrokerContext>(world, brokerNode(b));
          const stale = c?.staleActedOn?.[0];
          if (stale) return `broker ${b} acted on a ${stale.request} addressed to its broker epoch ${stale.addressed}, while registered with broker epoch ${stale.current} (a bounce the controller had not seen)`;
        }
        return undefined;
      },
    },
  ];
}
