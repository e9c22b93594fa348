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
  // A voter's high watermark is only what it has learned: a restarted voter starts from 0, and
  // one that missed fetches lags. So while the voters that know the newest commits are down, the
  // running ones may all know less than was committed. What was committed stays committed (log
  // matching), so the furthest image ever seen in this world is still the decided one.
  const seen = furthest.get(world);
  if (seen && (!best || seen.highWatermark >= best.highWatermark)) return seen.image;
  if (best) furthest.set(world, { highWatermark: best.highWatermark, image: best.committed });
  return best?.committed;
}

/** Per world, the furthest committed image read so far and its high watermark. */
const furthest = new WeakMap<World, { readonly highWatermark: number; readonly image: MetadataImage }>();
