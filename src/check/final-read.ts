import type { ClusterConfig } from '../config/schema.js';
import { controllerImage, dataPartitionState } from '../machines/controller-view.js';
import { brokerNode, partitionName } from '../machines/protocol.js';
import type { ReplicaContext } from '../machines/replica.js';
import type { HistoryOp } from '../sim/history.js';
import type { World } from '../sim/world.js';

/** The process id of the final reader (after the clients' own ids). */
export const FINAL_READER = 1_000_000;

/**
 * Jepsen's final reads: after the run, read every partition from its acting leader, from the
 * log start up to the high watermark (what a consumer may see), and record it as one `poll`
 * so the history checker can tell what survived. Partitions with no acting leader are read as
 * empty (the checker then reports acknowledged records there as lost, which they are, for as
 * long as the partition stays offline).
 */
export function finalReads(world: World, config: ClusterConfig): HistoryOp[] {
  const controller = controllerImage(world);
  const read: Record<string, [number, number][]> = Object.create(null) as Record<string, [number, number][]>;
  for (let p = 0; p < config.partitions; p++) {
    const state = dataPartitionState(controller, p);
    const ref = state && state.leader >= 0 ? world.actor(brokerNode(state.leader), partitionName(p)) : undefined;
    const ctx = (ref?.getSnapshot() as { context: ReplicaContext } | undefined)?.context;
    const log = ctx?.log;
    read[String(p)] = log ? log.read(log.logStartOffset, Infinity, 'HIGH_WATERMARK').map((r) => [r.offset, r.value.value]) : [];
  }
  const time = world.now;
  return [
    { index: world.history.length, time, process: FINAL_READER, type: 'invoke', f: 'poll', value: [['poll']] },
    { index: world.history.length + 1, time, process: FINAL_READER, type: 'ok', f: 'poll', value: [['poll', read]] },
  ];
}

/**
 * Before Jepsen's final reads, the nemesis stops: the network heals, crashed nodes restart, and
 * the cluster gets time to elect leaders and catch up. Without this, a run whose horizon falls
 * inside a fault reads a partition with no live leader as empty, which is not a loss.
 */
export function settleForFinalReads(world: World, settleMs: number): void {
  const now = world.now;
  const down = world.nodeIds().filter((n) => !world.isUp(n));
  world.scheduleFaults([{ at: now, type: 'heal' }, ...down.map((node) => ({ at: now, type: 'restart' as const, node }))]);
  world.run({ until: now + settleMs });
}
