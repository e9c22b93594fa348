import { controllerImage, zkControllerView } from '../machines/controller-view.js';
import { ZOOKEEPER } from '../machines/zk-protocol.js';
import { DATA_TOPIC, brokerNode, topicOf } from '../machines/protocol.js';
import { groupActor } from '../machines/group-protocol.js';
import type { AimedFault } from '../sim/faults.js';
import type { NodeId } from '../sim/network.js';
import type { AimResolver, World } from '../sim/world.js';
import { groupId, type KafkaNodes } from './kafka.js';

/**
 * The roles an aimed fault strikes, read from the model's state when the fault is due
 * (spec/simulation.md, "Aimed faults"), as Jepsen's nemeses target the leader or the ISR. Every
 * read is of committed metadata (`controllerImage`) or of a machine's own state, so a replay
 * resolves the same targets.
 */
export function kafkaAimResolver(nodes: KafkaNodes): AimResolver {
  return {
    controlPlane: () => nodes.controllers,
    arm: (world, fault) => probeFor(world, fault, nodes),
  };
}

/** The data partition, as the control plane has decided it last. */
const dataPartition = (world: World) => controllerImage(world)?.partitions.find((p) => topicOf(p) === DATA_TOPIC && p.partition === 0);

function probeFor(world: World, fault: AimedFault, nodes: KafkaNodes): () => readonly NodeId[] | undefined {
  switch (fault.aim) {
    // The leader the controller elected, which may not know it yet or may already be cut off: a
    // nemesis aims at the leader the cluster's metadata names.
    case 'leader':
      return () => {
        const p = dataPartition(world);
        return p && p.leader >= 0 ? [brokerNode(p.leader)] : undefined;
      };
    case 'isr-followers':
      return () => {
        const p = dataPartition(world);
        const followers = p && p.leader >= 0 ? p.isr.filter((b) => b !== p.leader) : [];
        return followers.length > 0 ? followers.map(brokerNode) : undefined;
      };
    case 'isr':
      return () => {
        const p = dataPartition(world);
        return p && p.leader >= 0 && p.isr.length <= fault.upTo ? p.isr.map(brokerNode) : undefined;
      };
    case 'rejoined': {
      // The ISR when the fault came due, shrunk as members leave: a broker outside it that then
      // appears in the ISR has just rejoined (an AlterPartition/ISR expansion was committed).
      let seen = new Set(dataPartition(world)?.isr ?? []);
      return () => {
        const isr = dataPartition(world)?.isr ?? [];
        const joined = isr.find((b) => !seen.has(b));
        seen = new Set(isr);
        return joined === undefined ? undefined : [brokerNode(joined)];
      };
    }
    case 'group-coordinator': {
      const actor = groupActor(groupId(0));
      return () => {
        const b = nodes.brokers.find((n) => inState(world.actor(n, actor), rebalancing));
        return b === undefined ? undefined : [b];
      };
    }
    case 'controller':
      return () => activeController(world, nodes);
    case 'txn-coordinator':
      return () => {
        for (const b of nodes.brokers) {
          for (const name of world.actorNames(b)) {
            if (name.startsWith('txn-') && inState(world.actor(b, name), completing)) return [b];
          }
        }
        return undefined;
      };
  }
}

/**
 * The active controller's node. ZooKeeper mode: the running broker whose controller holds the
 * newest controller epoch (KafkaController runs in a broker). KRaft: the voter that is the Raft
 * leader of the newest epoch (the active controller is the leader, KIP-500).
 */
function activeController(world: World, nodes: KafkaNodes): readonly NodeId[] | undefined {
  if (nodes.controllers.includes(ZOOKEEPER)) {
    const c = zkControllerView(world);
    return c ? [brokerNode(c.brokerId)] : undefined;
  }
  let best: { node: NodeId; epoch: number } | undefined;
  for (const node of nodes.controllers) {
    const ref = world.actor(node);
    if (!inState(ref, leading)) continue;
    const epoch = (ref!.getSnapshot() as { context: { epoch: number } }).context.epoch;
    if (!best || epoch > best.epoch) best = { node, epoch };
  }
  return best ? [best.node] : undefined;
}

/** A KRaft voter that leads its epoch. */
const leading: readonly string[] = ['Leader'];

/** GroupCoordinator: a rebalance is under way (the join or the sync phase). */
const rebalancing: readonly string[] = ['PreparingRebalance', 'CompletingRebalance'];
/** TransactionCoordinator: the commit or abort is decided and its markers are being written. */
const completing: readonly string[] = ['PrepareCommit', 'PrepareAbort'];

function inState(ref: ReturnType<World['actor']>, states: readonly string[]): boolean {
  const value = (ref?.getSnapshot() as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' && states.includes(value);
}
