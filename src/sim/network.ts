import type { Rng } from './rng.js';

/** Node identifiers are strings: 'b1', 'controller', 'p0', ... */
export type NodeId = string;

export interface NetworkConfig {
  /** One-way latency of a message, drawn uniformly from [minLatencyMs, maxLatencyMs]. */
  readonly minLatencyMs: number;
  readonly maxLatencyMs: number;
}

export const defaultNetworkConfig: NetworkConfig = { minLatencyMs: 1, maxLatencyMs: 5 };

/**
 * One direction of a TCP connection. Messages on it arrive in the order they were sent
 * (design decision 3): a message never arrives before one sent earlier on the same connection.
 * `generation` changes when the connection breaks, which drops everything still in flight.
 */
interface Connection {
  lastArrival: number;
  generation: number;
  inFlight: number;
}

export type SendDecision =
  | { readonly deliver: true; readonly at: number; readonly generation: number }
  | { readonly deliver: false; readonly reason: 'partitioned' };

/**
 * The network's state: which directions are cut, how much latency each node adds, and the
 * connections. It decides; the World schedules and delivers.
 */
const linkKey = (a: NodeId, b: NodeId) => (a < b ? `${a}|${b}` : `${b}|${a}`);

export class Network {
  private readonly connections = new Map<NodeId, Map<NodeId, Connection>>();
  /** blocked.get(a).has(b): nothing a sends reaches b. */
  private readonly blocked = new Map<NodeId, Set<NodeId>>();
  private readonly extraLatency = new Map<NodeId, number>();
  /** Extra latency of one link (both directions), keyed `a|b` with a < b. */
  private readonly linkLatency = new Map<string, number>();

  constructor(
    private readonly config: NetworkConfig,
    private readonly rng: Rng,
  ) {}

  private connection(from: NodeId, to: NodeId): Connection {
    let byTo = this.connections.get(from);
    if (!byTo) {
      byTo = new Map();
      this.connections.set(from, byTo);
    }
    let c = byTo.get(to);
    if (!c) {
      c = { lastArrival: 0, generation: 0, inFlight: 0 };
      byTo.set(to, c);
    }
    return c;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.get(from)?.has(to) ?? false;
  }

  send(from: NodeId, to: NodeId, now: number): SendDecision {
    if (this.isBlocked(from, to)) return { deliver: false, reason: 'partitioned' };
    const c = this.connection(from, to);
    let latency = this.rng.int(this.config.minLatencyMs, this.config.maxLatencyMs);
    latency += (this.extraLatency.get(from) ?? 0) + (this.extraLatency.get(to) ?? 0);
    if (this.linkLatency.size > 0) latency += this.linkLatency.get(linkKey(from, to)) ?? 0;
    const at = Math.max(now + latency, c.lastArrival);
    c.lastArrival = at;
    c.inFlight++;
    return { deliver: true, at, generation: c.generation };
  }

  /** Called when a scheduled message comes due: false if its connection broke meanwhile. */
  arrive(from: NodeId, to: NodeId, generation: number): boolean {
    const c = this.connection(from, to);
    c.inFlight--;
    return c.generation === generation;
  }

  /** Break the connection in both directions: whatever is in flight is lost. */
  breakConnection(a: NodeId, b: NodeId): void {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const c = this.connections.get(x)?.get(y);
      if (c) c.generation++;
    }
  }

  /** Every node `node` has ever exchanged messages with, sorted. */
  peers(node: NodeId): NodeId[] {
    const out = new Set<NodeId>();
    for (const to of this.connections.get(node)?.keys() ?? []) out.add(to);
    for (const [from, byTo] of this.connections) if (byTo.has(node)) out.add(from);
    return [...out].sort();
  }

  /** Messages sent and not yet arrived or dropped, on one direction. */
  inFlight(from: NodeId, to: NodeId): number {
    return this.connections.get(from)?.get(to)?.inFlight ?? 0;
  }

  /**
   * Cut every direction from a node in `from` to a node in `to` (and back, unless one-way).
   * Connections across the cut break: what was in flight on them is lost, as TCP gives up.
   */
  partition(from: readonly NodeId[], to: readonly NodeId[], oneWay: boolean): void {
    const cut = (a: NodeId, b: NodeId) => {
      if (a === b) return;
      let s = this.blocked.get(a);
      if (!s) {
        s = new Set();
        this.blocked.set(a, s);
      }
      s.add(b);
      const c = this.connections.get(a)?.get(b);
      if (c) c.generation++;
    };
    for (const a of from) for (const b of to) cut(a, b);
    if (!oneWay) for (const a of to) for (const b of from) cut(a, b);
  }

  /** Heal every cut (or only those touching `nodes`). */
  heal(nodes?: readonly NodeId[]): void {
    if (!nodes) {
      this.blocked.clear();
      return;
    }
    const touched = new Set(nodes);
    for (const [a, s] of this.blocked) {
      if (touched.has(a)) s.clear();
      else for (const b of touched) s.delete(b);
    }
  }

  /** A slow link: extra latency on messages between a and b, both ways (0 ends it). */
  setLinkLatency(a: NodeId, b: NodeId, ms: number): void {
    if (ms === 0) this.linkLatency.delete(linkKey(a, b));
    else this.linkLatency.set(linkKey(a, b), ms);
  }

  setExtraLatency(node: NodeId, ms: number): void {
    if (ms <= 0) this.extraLatency.delete(node);
    else this.extraLatency.set(node, ms);
  }

  /**
   * Everything that decides what the network does next, with arrival times relative to `now`
   * (the state hash of exhaustive exploration: two runs at different instants with the same
   * relative network are in the same state). Sorted, so insertion order does not show.
   */
  state(now: number): unknown {
    const conns: [NodeId, NodeId, number, number, number][] = [];
    for (const [from, byTo] of this.connections) for (const [to, c] of byTo) conns.push([from, to, Math.max(0, c.lastArrival - now), c.generation, c.inFlight]);
    conns.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const blocked = [...this.blocked].filter(([, s]) => s.size > 0).map(([a, s]) => [a, [...s].sort()] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    const sortedEntries = (m: Map<string, number>) => [...m].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    return { conns, blocked, extra: sortedEntries(this.extraLatency), links: sortedEntries(this.linkLatency) };
  }

  /** Nodes some direction from which is cut, for fault-budget accounting. */
  cutNodes(): NodeId[] {
    const out = new Set<NodeId>();
    for (const [a, s] of this.blocked) {
      if (s.size === 0) continue;
      out.add(a);
      for (const b of s) out.add(b);
    }
    return [...out].sort();
  }
}
