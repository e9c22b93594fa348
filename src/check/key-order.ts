import { groupId, type ProduceWorkload } from '../cluster/kafka.js';
import type { ClusterConfig } from '../config/schema.js';
import { brokerNode, partitionName, type ProducedValue } from '../machines/protocol.js';
import type { ReplicaContext } from '../machines/replica.js';
import { polledRecords } from '../sim/history.js';
import type { World } from '../sim/world.js';
import type { GroupInvariant } from './groups.js';

/**
 * `key-order` (spec/consumer-groups.md): a consumer group processes the records one producer
 * sent with one key in the order it sent them. Kafka orders records within a partition only;
 * the default partitioner sends a key to murmur2(key) modulo the partition count, so while the
 * count is fixed a key stays in one partition and its records keep their order. When partitions
 * are added (CreatePartitions) a key may move, and its newer records, in the new partition, can
 * be processed before older ones still waiting in the old one.
 *
 * Judged at the end of the run, over acknowledged records only (a send that failed promised
 * nothing): the first time the group processed each record, in processing order (the order of
 * the consumers' polls, and within a poll the order the records were handed over).
 */
export const keyOrderPropertyId = 'key-order';

/** The record at an offset of the data topic's partition p, from any replica that holds it below its HW. */
function recordAt(world: World, config: ClusterConfig, p: number, offset: number): ProducedValue | undefined {
  for (let b = 1; b <= config.brokers; b++) {
    const ctx = (world.actor(brokerNode(b), partitionName(p))?.getSnapshot() as { context: ReplicaContext } | undefined)?.context;
    if (!ctx || offset >= ctx.log.highWatermark) continue;
    const r = ctx.log.recordAt(offset);
    if (r) return r.value;
  }
  return undefined;
}

export function keyOrderViolation(world: World, config: ClusterConfig, g: number): string | undefined {
  const acked = new Set<string>();
  for (const op of world.history) {
    if (op.f !== 'send' || op.type !== 'ok') continue;
    const [, , v] = (op.value as [string, number, [number, number]][])[0]!;
    acked.add(`producer${op.process}:${v[1]}`);
  }
  const prefix = `${groupId(g)}-c`;
  // Per producer and key: the records in the order the group first processed them.
  const firstSeen = new Set<string>();
  const order = new Map<string, { value: number; partition: number; offset: number; time: number }[]>();
  for (const op of world.history) {
    if (typeof op.process !== 'string' || !op.process.startsWith(prefix)) continue;
    for (const { partition, offset } of polledRecords(op)) {
      const id = `${partition}:${offset}`;
      if (firstSeen.has(id)) continue;
      firstSeen.add(id);
      const r = recordAt(world, config, partition, offset);
      if (!r || r.control !== undefined || !acked.has(`${r.producer}:${r.value}`)) continue;
      const k = `${r.producer}:${r.key}`;
      let list = order.get(k);
      if (!list) order.set(k, (list = []));
      list.push({ value: r.value, partition, offset, time: op.time });
    }
  }
  for (const [k, list] of [...order].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let latest = list[0];
    for (const r of list.slice(1)) {
      if (latest && r.value < latest.value) {
        const [producer, key] = k.split(':');
        return `${groupId(g)} processed ${producer}'s key ${key} out of order: value ${latest.value} (${partitionName(latest.partition)} offset ${latest.offset}, at ${latest.time} ms) before value ${r.value} (${partitionName(r.partition)} offset ${r.offset}, at ${r.time} ms), which was sent first`;
      }
      if (!latest || r.value > latest.value) latest = r;
    }
  }
  return undefined;
}

/** The property for a workload with consumer groups (none otherwise). */
export function keyOrderInvariants(config: ClusterConfig, workload: ProduceWorkload): GroupInvariant[] {
  const groups = workload.groups ?? [];
  if (groups.length === 0) return [];
  return [
    {
      id: keyOrderPropertyId,
      check: () => undefined,
      atEnd: (world) => {
        for (let g = 0; g < groups.length; g++) {
          const v = keyOrderViolation(world, config, g);
          if (v) return v;
        }
        return undefined;
      },
    },
  ];
}
