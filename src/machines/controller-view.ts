import type { World } from '../sim/world.js';
import type { ControllerContext, ControllerPartition } from './controller.js';
import { CONTROLLER, brokerNode, topicOf, type PartitionState } from './protocol.js';
import { isControllerNode, type MetadataImage } from './raft-protocol.js';
import type { QuorumControllerContext } from './quorum-controller.js';
import type { ZkControllerContext } from './zk-controller.js';
import { ZK_CONTROLLER_ACTOR, ZOOKEEPER, partitionStatePath } from './zk-protocol.js';
import type { ZookeeperContext } from './zookeeper.js';

/**
 * The cluster's metadata as the control plane has decided it: in ZooKeeper mode the state of the
 * active controller with the newest controller epoch (undefined while there is none); in KRaft mode the image of the committed metadata log, from the running controller node
 * that has committed the most (committed records are the same on every node, so the furthest is
 * the newest). Properties and experiments read the metadata through this one function.
 */
export function controllerImage(world: World): MetadataImage | undefined {
  const one = world.actor(CONTROLLER);
  if (one) return (one.getSnapshot() as { context: ControllerContext }).context;
  if (world.nodeIds().includes(ZOOKEEPER)) return zkDecidedImage(world);
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

/**
 * Partition p of the data topic in an image, or undefined while it does not exist (CreatePartitions
 * adds partitions during a run). The data topic's partitions come first in every image, in order.
 */
export function dataPartitionState(image: MetadataImage | undefined, p: number): MetadataImage['partitions'][number] | undefined {
  const s = image?.partitions[p];
  return s && s.topic === undefined && s.partition === p ? s : undefined;
}

/** Per world, the furthest committed image read so far and its high watermark. */
const furthest = new WeakMap<World, { readonly highWatermark: number; readonly image: MetadataImage }>();

/**
 * ZooKeeper mode: the active controller's image, with each partition's leader, ISR and epochs as
 * its state znode holds them. Before KIP-497 (2.7) leaders write their ISR changes to ZooKeeper
 * themselves (Partition.updateIsr), and the controller's cache learns of them only later
 * (/isr_change_notification, not modelled): the znode is the decided ISR, as in Kafka, where
 * every controller reads it on failover. Without this a property would judge a shrunk ISR by
 * the controller's stale cache, or a decision whose write ZooKeeper refused.
 */
function zkDecidedImage(world: World): MetadataImage | undefined {
  const image = zkControllerView(world)?.image;
  if (!image) return undefined;
  const store = (world.actor(ZOOKEEPER)?.getSnapshot() as { context: ZookeeperContext } | undefined)?.context.store;
  if (!store) return image;
  let partitions: ControllerPartition[] | undefined;
  image.partitions.forEach((p, i) => {
    const z = store.znodes.get(partitionStatePath(topicOf(p), p.partition));
    // The znode, not the image, even at the same or an older version: the controller's image
    // holds its decisions from before they are written, and a write can still fail on a stale
    // zkVersion (a leader's own ISR write got there first), so until then it decided nothing.
    if (!z) return;
    const s = z.data as PartitionState;
    partitions ??= image.partitions.slice();
    partitions[i] = { ...p, leader: s.leader, isr: s.isr, leaderEpoch: s.leaderEpoch, partitionEpoch: z.stat.version };
  });
  return partitions ? { ...image, partitions } : image;
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
