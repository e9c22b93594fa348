import type { TraceEvent } from '../sim/trace.js';

/**
 * How long a group's partitions went unprocessed because nobody owned them, measured from a
 * run's trace (the consumers' `assigned` / `revoked` / `lost` notes, and crashes of consumer
 * nodes). A partition counts from its first assignment on; the end of the run closes it.
 *
 * Eager rebalancing revokes every partition of every member before it rejoins, so every
 * partition stops for the whole rebalance; cooperative (KIP-429) stops only those that move.
 */
export interface OwnershipGaps {
  /** Per partition: virtual ms with no owner, after its first assignment. */
  readonly unownedMs: ReadonlyMap<number, number>;
  /** Partitions that had any gap. */
  readonly stopped: readonly number[];
  readonly totalMs: number;
}

interface OwnershipNote {
  consumer: string;
  group: string;
  assigned?: number[];
  revoked?: number[];
}

export function ownershipGaps(trace: readonly TraceEvent[], group: string, endMs?: number): OwnershipGaps {
  const owners = new Map<number, Set<string>>();
  const since = new Map<number, number>();
  const unowned = new Map<number, number>();
  let last = 0;
  const own = (p: number, consumer: string, t: number) => {
    let s = owners.get(p);
    if (!s) owners.set(p, (s = new Set()));
    if (s.size === 0 && since.has(p)) unowned.set(p, (unowned.get(p) ?? 0) + t - since.get(p)!);
    if (!unowned.has(p)) unowned.set(p, 0);
    s.add(consumer);
    since.delete(p);
  };
  const disown = (p: number, consumer: string, t: number) => {
    const s = owners.get(p);
    if (!s?.delete(consumer)) return;
    if (s.size === 0) since.set(p, t);
  };
  for (const ev of trace) {
    last = ev.t;
    if (ev.e === 'fault' && ev.fault.type === 'crash' && ev.fault.node.startsWith(`${group}-c`)) {
      for (const [p, s] of owners) if (s.has(ev.fault.node)) disown(p, ev.fault.node, ev.t);
      continue;
    }
    if (ev.e !== 'note' || !ev.data || typeof ev.data !== 'object') continue;
    const d = ev.data as OwnershipNote;
    if (d.group !== group || typeof d.consumer !== 'string') continue;
    for (const p of d.revoked ?? []) disown(p, d.consumer, ev.t);
    if (d.assigned) {
      // An assignment replaces what the consumer owned.
      for (const [p, s] of owners) if (s.has(d.consumer) && !d.assigned.includes(p)) disown(p, d.consumer, ev.t);
      for (const p of d.assigned) own(p, d.consumer, ev.t);
    }
  }
  const end = endMs ?? last;
  for (const [p, t] of since) unowned.set(p, (unowned.get(p) ?? 0) + end - t);
  const stopped = [...unowned].filter(([, ms]) => ms > 0).map(([p]) => p).sort((a, b) => a - b);
  return { unownedMs: unowned, stopped, totalMs: [...unowned.values()].reduce((a, b) => a + b, 0) };
}
