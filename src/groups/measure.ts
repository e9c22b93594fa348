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
  consumer?: string;
  group?: string;
  assigned?: number[];
  revoked?: number[];
}

/**
 * Each partition's owners over time, fed one trace event at a time (`apply`): the consumers'
 * `assigned` / `revoked` notes and crashes of consumer nodes. It keeps every interval a
 * partition had no owner after its first assignment.
 */
export class Ownership {
  private readonly owners = new Map<number, Set<string>>();
  /** Per partition, the time it lost its last owner (absent: owned, or never assigned). */
  private readonly since = new Map<number, number>();
  /** Per partition, the closed intervals it had no owner. */
  private readonly gaps = new Map<number, [number, number][]>();

  ownedBy(consumer: string): number[] {
    return [...this.owners].filter(([, s]) => s.has(consumer)).map(([p]) => p);
  }

  /** The consumers that own partition p now. */
  ownersOf(p: number): string[] {
    return [...(this.owners.get(p) ?? [])];
  }

  /** Every partition ever assigned, in order of first assignment. */
  partitions(): number[] {
    return [...this.owners.keys()];
  }

  private own(p: number, consumer: string, t: number): void {
    let s = this.owners.get(p);
    if (!s) this.owners.set(p, (s = new Set()));
    const from = this.since.get(p);
    if (s.size === 0 && from !== undefined) this.gaps.set(p, [...(this.gaps.get(p) ?? []), [from, t]]);
    this.since.delete(p);
    s.add(consumer);
  }

  private disown(p: number, consumer: string, t: number): void {
    const s = this.owners.get(p);
    if (s?.delete(consumer) && s.size === 0) this.since.set(p, t);
  }

  apply(ev: TraceEvent, group: string): void {
    if (ev.e === 'fault' && ev.fault.type === 'crash' && ev.fault.node.startsWith(`${group}-c`)) {
      for (const p of this.ownedBy(ev.fault.node)) this.disown(p, ev.fault.node, ev.t);
      return;
    }
    if (ev.e !== 'note' || !ev.data || typeof ev.data !== 'object') return;
    const d = ev.data as OwnershipNote;
    if (d.group !== group || typeof d.consumer !== 'string') return;
    for (const p of d.revoked ?? []) this.disown(p, d.consumer, ev.t);
    if (d.assigned) {
      // An assignment replaces what the consumer owned.
      for (const p of this.ownedBy(d.consumer)) if (!d.assigned.includes(p)) this.disown(p, d.consumer, ev.t);
      for (const p of d.assigned) this.own(p, d.consumer, ev.t);
    }
  }

  /** The unowned time of partition p within [from, to); a gap still open counts up to `to`. */
  pauseWithin(p: number, from: number, to: number): number {
    const open = this.since.get(p);
    const spans = [...(this.gaps.get(p) ?? []), ...(open !== undefined ? [[open, to] as [number, number]] : [])];
    return spans.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
  }
}

export function ownershipGaps(trace: readonly TraceEvent[], group: string, endMs?: number): OwnershipGaps {
  const own = new Ownership();
  for (const ev of trace) own.apply(ev, group);
  const end = endMs ?? trace[trace.length - 1]?.t ?? 0;
  const unownedMs = new Map(own.partitions().map((p) => [p, own.pauseWithin(p, 0, end)] as const));
  const stopped = [...unownedMs].filter(([, ms]) => ms > 0).map(([p]) => p).sort((a, b) => a - b);
  return { unownedMs, stopped, totalMs: [...unownedMs.values()].reduce((a, b) => a + b, 0) };
}
