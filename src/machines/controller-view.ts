import type { World } from '../sim/world.js';
import type { ControllerContext } from './controller.js';
import { CONTROLLER } from './protocol.js';
import { isControllerNode, type MetadataImage } from './raft-protocol.js';
import type { QuorumControllerContext } from './quorum-controller.js';

/**
 * The cluster's metadata as the control plane has decided it: ZooKeeper mode's controller's
 * state; in KRaft mode the image of the committed metadata log, from the running controller node
 * that has committed the most (committed records are the same on every node, so the furthest is
 * the newest). Properties and experiments read the metadata through this one function.
 */
export function controllerImage(world: World): MetadataImage | undefined {
  const zk = world.actor(CONTROLLER);
  if (zk) return (zk.getSnapshot() as { context: ControllerContext }).context;
  let best: QuorumControllerContext | undefined;
  for (const node of world.nodeIds()) {
    if (!isControllerNode(node)) continue;
    const c = (world.actor(node)?.getSnapshot() as { context: QuorumControllerContext } | undefined)?.context;
    if (c && (!best || c.highWatermark > best.highWatermark)) best = c;
  }
  return best?.committed;
}
