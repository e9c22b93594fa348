import type { World } from '../sim/world.js';
import type { ControllerContext } from './controller.js';
import { CONTROLLER, brokerNode } from './protocol.js';
import { isControllerNode, type MetadataImage } from './raft-protocol.js';
import type { QuorumControllerContext } from './quorum-controller.js';
import type { ZkControllerContext } from './zk-controller.js';
import { ZK_CONTROLLER_ACTOR, ZOOKEEPER } from './zk-protocol.js';

/**
 * The cluster's metadata as the control plane has decided it: in ZooKeeper mode the state of the
 * active controller with the newest controller epoch (undefined while there is none); in KRaft mode the image of the committed metadata log, from the running controller node
 * that has committed the most (committed records are the same on every node, so the furthest is
 * the newest). Properties and experiments read the metadata through this one function.
 */
export function controllerImage(world: World): MetadataImage | undefined {
  const one = world.actor(CONTROLLER);
  if (one) return (one.getSnapshot() as { context: ControllerContext }).context;
  if (world.nodeIds().includes(ZOOKEEPER)) return zkControllerView(world)?.image;
  let best: QuorumControllerContext | undefined;
  for (const node of world.nodeIds()) {
    if (!isControllerNode(node)) continue;
    const c = (world.actor(node)?.getSnapshot() as { context: QuorumControllerContext } | undefined)?.context;
    if (c && (!best || c.highWatermark > best.highWatermark)) best = c;
  }
  return best?.committed;
}

/** ZooKeeper mode: the running broker that is the active controller with the newest controller epoch. */
export function zkControllerView(world: World): ZkControllerContext | undefined {
  let best: ZkControllerContext | undefined;
  for (let b = 1; world.nodeIds().includes(brokerNode(b)); b++) {
    const c = (world.actor(brokerNode(b), ZK_CONTROLLER_ACTOR)?.getSnapshot() as { context: ZkControllerContext } | undefined)?.context;
    if (c?.image && (!best || c.controllerEpoch > best.controllerEpoch)) best = c;
  }
  return best;
}
