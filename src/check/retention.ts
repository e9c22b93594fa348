import { consumerNode } from '../cluster/kafka.js';
import type { GroupSpec } from '../cluster/scenario.js';
import type { ConsumerContext } from '../machines/consumer.js';
import { partitionName } from '../machines/protocol.js';
import { polledRecords } from '../sim/history.js';
import type { World } from '../sim/world.js';

/**
 * What a consumer group that fell behind retention lost (spec/consumer-groups.md, "Retention and
 * auto.offset.reset"). A group whose position is below the log start offset is answered
 * OFFSET_OUT_OF_RANGE and resets by auto.offset.reset: the offsets it jumps over were either
 * already deleted (below the log start when it reset), or still retained and skipped (only
 * `latest` does that: it resets to the log end).
 *
 * Measured from the run: each reset the group's consumers made after they had read a
 * partition, the group's read position before it (one past the highest offset any member
 * processed), and the partition's log start at that time (the brokers' retention notes).
 */
export interface ResetLoss {
  readonly partition: number;
  readonly time: number;
  /** One past the highest offset the group had processed before the reset. */
  readonly from: number;
  /** Where the reset put the position. */
  readonly to: number;
  /** The partition's log start offset when the group reset. */
  readonly logStart: number;
  /** Offsets jumped over that retention had deleted: [from, min(logStart, to)). */
  readonly deleted: number;
  /** Offsets jumped over that were still retained: [max(from, logStart), to). */
  readonly skippedRetained: number;
}

/** The log start of each partition over time, from the replicas' retention notes (the furthest any replica reached). */
function logStartAt(world: World): (partition: number, time: number) => number {
  const moves: { t: number; partition: string; logStart: number }[] = [];
  for (const ev of world.trace.events()) {
    if (ev.e !== 'note' || !ev.data || typeof ev.data !== 'object') continue;
    const d = ev.data as { partition?: unknown; logStart?: unknown };
    if (typeof d.partition === 'string' && typeof d.logStart === 'number') moves.push({ t: ev.t, partition: d.partition, logStart: d.logStart });
  }
  return (p, time) => Math.max(0, ...moves.filter((m) => m.partition === partitionName(p) && m.t <= time).map((m) => m.logStart));
}

export function laggingGroupLoss(world: World, groups: readonly GroupSpec[], g: number): ResetLoss[] {
  const spec = groups[g];
  if (!spec) return [];
  const members = Array.from({ length: spec.consumers }, (_, i) => consumerNode(g, i));
  const processed: { time: number; partition: number; offset: number }[] = [];
  for (const op of world.history) {
    if (!members.includes(String(op.process))) continue;
    for (const r of polledRecords(op)) processed.push({ time: op.time, ...r });
  }
  const startAt = logStartAt(world);
  const out: ResetLoss[] = [];
  for (const node of members) {
    const ctx = (world.actor(node)?.getSnapshot() as { context: ConsumerContext } | undefined)?.context;
    for (const r of ctx?.resets ?? []) {
      const before = processed.filter((x) => x.partition === r.partition && x.time <= r.time);
      if (before.length === 0) continue; // the group's first position, not a fall behind
      const from = Math.max(...before.map((x) => x.offset)) + 1;
      if (r.offset <= from) continue;
      const logStart = startAt(r.partition, r.time);
      out.push({
        partition: r.partition,
        time: r.time,
        from,
        to: r.offset,
        logStart,
        deleted: Math.max(0, Math.min(logStart, r.offset) - from),
        skippedRetained: Math.max(0, r.offset - Math.max(from, logStart)),
      });
    }
  }
  return out.sort((a, b) => a.time - b.time || a.partition - b.partition);
}
