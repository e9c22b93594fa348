/**
 * Cycle search over the transaction dependency graph, after Elle (elle/txn.clj, elle/bfs.clj,
 * elle/BFSPath.java): split the graph into strongly connected components (Tarjan), then in
 * each component look for each cycle anomaly in Elle's order, mildest first, skipping those
 * a found one implies (elle/consistency_model.clj, implied-anomalies):
 *
 *   G0            ww edges only
 *   G1c           ww and wr edges, at least one wr
 *   G0-process    ww and process edges, at least one process edge
 *   G0-realtime   ww and realtime edges, at least one realtime edge
 *   G1c-process   ww, wr and process edges, at least one wr and one process edge
 *   G1c-realtime  ww, wr and realtime edges, at least one wr and one realtime edge
 *
 * As Elle's BFS does, a cycle is looked for from each vertex of the component in turn, and
 * its first edge must be one of the required relations (BFSPath.step: with a relation still
 * wanted, a path of one op only steps along a wanted one); the first vertex from which one is
 * found starts the reported cycle. One cycle is reported per component and anomaly, as Elle does.
 *
 * Vertices are dense integers; edges are appended to growable typed arrays, or walked twice
 * where they are cheap to find again (edgeGraph), so a graph of millions of edges stays a few
 * tens of megabytes.
 */

export const WW = 1;
export const WR = 2;
/** Elle's realtime order (elle/core.clj, realtime-graph): a completed before b was invoked. */
export const RT = 4;
/** Elle's process order (elle/core.clj, process-graph): one process's successive ok ops. */
export const PROC = 8;

export class EdgeList {
  src = new Int32Array(1024);
  dst = new Int32Array(1024);
  rel = new Uint8Array(1024);
  length = 0;

  push(a: number, b: number, rel: number): void {
    if (this.length === this.src.length) {
      const grow = <T extends Int32Array | Uint8Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.src = grow(this.src);
      this.dst = grow(this.dst);
      this.rel = grow(this.rel);
    }
    this.src[this.length] = a;
    this.dst[this.length] = b;
    this.rel[this.length] = rel;
    this.length++;
  }
}

/**
 * Edges given by walking them, for edges cheap to find again: walked twice (to count each
 * vertex's, then to place them), and each walk must emit the same edges in the same order.
 */
export type EdgeWalk = (emit: (a: number, b: number, rel: number) => void) => void;

/** Compressed adjacency: the out-edges of v are dst[off[v]] .. dst[off[v+1]-1]. */
export interface Csr {
  readonly n: number;
  readonly off: Int32Array;
  readonly dst: Int32Array;
  readonly rel: Uint8Array;
}

/**
 * One adjacency of several edge lists and walks (the dependency edges, and an order's),
 * without merging them first. Each vertex's out-edges keep the order of the sources, then of
 * the edges within each.
 */
export function edgeGraph(n: number, sources: readonly (EdgeList | EdgeWalk)[]): Csr {
  const off = new Int32Array(n + 1);
  const count = (a: number): void => {
    off[a + 1]!++;
  };
  for (const edges of sources) {
    if (typeof edges === 'function') edges(count);
    else for (let i = 0; i < edges.length; i++) off[edges.src[i]! + 1]!++;
  }
  for (let v = 0; v < n; v++) off[v + 1]! += off[v]!;
  const total = off[n]!;
  const fill = off.slice(0, n);
  const dst = new Int32Array(total);
  const rel = new Uint8Array(total);
  const place = (a: number, b: number, r: number): void => {
    const at = fill[a]!++;
    dst[at] = b;
    rel[at] = r;
  };
  for (const edges of sources) {
    if (typeof edges === 'function') edges(place);
    else for (let i = 0; i < edges.length; i++) place(edges.src[i]!, edges.dst[i]!, edges.rel[i]!);
  }
  return { n, off, dst, rel };
}

/** Iterative Tarjan, with scratch arrays reused (and reset) across calls. */
class Tarjan {
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;

  constructor(private readonly g: Csr) {
    this.index = new Int32Array(g.n).fill(-1);
    this.low = new Int32Array(g.n);
    this.onStack = new Uint8Array(g.n);
  }

  /** Components of more than one vertex, among `roots`, following edges with a bit of relMask to members. */
  run(roots: Iterable<number>, member: (v: number) => boolean, relMask: number): number[][] {
    const { off, dst, rel } = this.g;
    const { index, low, onStack } = this;
    const visited: number[] = [];
    const stack: number[] = [];
    const callV: number[] = [];
    const callE: number[] = [];
    const comps: number[][] = [];
    let counter = 0;
    for (const root of roots) {
      if (index[root] !== -1 || !member(root)) continue;
      index[root] = low[root] = counter++;
      visited.push(root);
      stack.push(root);
      onStack[root] = 1;
      callV.push(root);
      callE.push(off[root]!);
      while (callV.length > 0) {
        const top = callV.length - 1;
        const v = callV[top]!;
        let e = callE[top]!;
        const end = off[v + 1]!;
        let descended = false;
        while (e < end) {
          const w = dst[e]!;
          const r = rel[e]!;
          e++;
          if ((r & relMask) === 0 || !member(w)) continue;
          if (index[w] === -1) {
            callE[top] = e;
            index[w] = low[w] = counter++;
            visited.push(w);
            stack.push(w);
            onStack[w] = 1;
            callV.push(w);
            callE.push(off[w]!);
            descended = true;
            break;
          } else if (onStack[w] === 1 && index[w]! < low[v]!) {
            low[v] = index[w]!;
          }
        }
        if (descended) continue;
        if (low[v] === index[v]) {
          const comp: number[] = [];
          for (;;) {
            const x = stack.pop()!;
            onStack[x] = 0;
            comp.push(x);
            if (x === v) break;
          }
          if (comp.length > 1) comps.push(comp);
        }
        callV.pop();
        callE.pop();
        if (callV.length > 0) {
          const u = callV[callV.length - 1]!;
          if (low[v]! < low[u]!) low[u] = low[v]!;
        }
      }
    }
    for (const v of visited) index[v] = -1;
    return comps;
  }
}

/** Elle's cycle anomalies, in the order Elle searches for them (anomaly-depth-compare). */
export type CycleAnomaly = 'G0' | 'G1c' | 'G0-process' | 'G0-realtime' | 'G1c-process' | 'G1c-realtime';

interface CycleSpec {
  readonly name: CycleAnomaly;
  /** Relations a step may take. */
  readonly rels: number;
  /** Relations the cycle must take at least once each. */
  readonly want: readonly number[];
}

/** elle/txn.clj, base-cycle-anomaly-specs and cycle-anomaly-spec-variant (for G0 and G1c). */
const SPECS: readonly CycleSpec[] = [
  { name: 'G0', rels: WW, want: [] },
  { name: 'G1c', rels: WW | WR, want: [WR] },
  { name: 'G0-process', rels: WW | PROC, want: [PROC] },
  { name: 'G0-realtime', rels: WW | RT, want: [RT] },
  { name: 'G1c-process', rels: WW | WR | PROC, want: [WR, PROC] },
  { name: 'G1c-realtime', rels: WW | WR | RT, want: [WR, RT] },
];

/** elle/consistency_model.clj, implied-anomalies, closed transitively (for these six). */
const IMPLIED: Readonly<Record<CycleAnomaly, readonly CycleAnomaly[]>> = {
  G0: ['G1c', 'G0-process', 'G0-realtime', 'G1c-process', 'G1c-realtime'],
  G1c: ['G1c-process', 'G1c-realtime'],
  'G0-process': ['G1c-process', 'G0-realtime', 'G1c-realtime'],
  'G0-realtime': ['G1c-realtime'],
  'G1c-process': ['G1c-realtime'],
  'G1c-realtime': [],
};

/** A cycle v0 -> v1 -> ... -> v0, with the relation bit each step took. */
export interface FoundCycle {
  /** The anomaly searched for (the reported name follows from the explained steps). */
  readonly spec: CycleAnomaly;
  readonly vertices: readonly number[];
  readonly rels: readonly number[];
}

/**
 * Elle's BFS for one spec from one start vertex, over states (vertex, wants still unmet):
 * the shortest cycle back to `s` that meets every want, whose first step takes a wanted
 * relation. A step along an edge of several relations takes one of them (Elle splits the path
 * per relation, wanted ones first). Only simple cycles are returned (Elle's paths never revisit
 * an op); null if none.
 */
function searchFrom(g: Csr, s: number, member: (v: number) => boolean, spec: CycleSpec): { vs: number[]; rels: number[] } | null {
  const full = (1 << spec.want.length) - 1;
  const wantMask = spec.want.reduce((a, b) => a | b, 0);
  // state = vertex * 4 + unmet wants (at most two wants: 2 bits)
  const parent = new Map<number, [number, number]>();
  const start = s * 4 + full;
  parent.set(start, [-1, 0]);
  let frontier = [start];
  let first = true;
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const st of frontier) {
      const v = st >> 2;
      const unmet = st & 3;
      for (let e = g.off[v]!; e < g.off[v + 1]!; e++) {
        const w = g.dst[e]!;
        if (!member(w)) continue;
        const r = g.rel[e]! & spec.rels;
        for (let bit = 1; bit <= PROC; bit <<= 1) {
          if ((r & bit) === 0) continue;
          if (first && unmet !== 0 && (bit & wantMask) === 0) continue;
          let left = unmet;
          spec.want.forEach((want, i) => {
            if ((want & bit) !== 0) left &= ~(1 << i);
          });
          const ws = w * 4 + left;
          if (w === s) {
            if (left !== 0) continue;
            const vs: number[] = [];
            const rels: number[] = [bit];
            for (let x = st; x !== start; ) {
              const [p, pr] = parent.get(x)!;
              vs.push(x >> 2);
              rels.push(pr);
              x = p;
            }
            vs.push(s);
            vs.reverse();
            rels.reverse();
            if (new Set(vs).size === vs.length) return { vs, rels };
            continue;
          }
          if (parent.has(ws)) continue;
          parent.set(ws, [st, bit]);
          next.push(ws);
        }
      }
    }
    first = false;
    frontier = next;
  }
  return null;
}

/** Start vertices tried per component and anomaly: Elle gives each search a timeout; a bound keeps a giant component linear. */
const MAX_STARTS = 64;

/**
 * The cycles of the graph: per strongly connected component, at most one per anomaly, in
 * Elle's order, skipping anomalies implied by one already found there.
 */
export function findCycles(g: Csr): FoundCycle[] {
  const n = g.n;
  if (g.dst.length === 0) return [];
  const tarjan = new Tarjan(g);
  const all = (): boolean => true;
  const roots = function* (): Generator<number> {
    for (let v = 0; v < n; v++) if (g.off[v + 1]! > g.off[v]!) yield v;
  };
  const comps = tarjan.run(roots(), all, WW | WR | RT | PROC);
  const compOf = new Int32Array(n).fill(-1);
  const found: FoundCycle[] = [];
  comps.forEach((comp, c) => {
    for (const v of comp) compOf[v] = c;
    const inComp = (v: number): boolean => compOf[v] === c;
    const skip = new Set<CycleAnomaly>();
    for (const spec of SPECS) {
      if (skip.has(spec.name)) continue;
      // A component of the spec's relations alone, if any, holds its cycles.
      const sub = tarjan.run(comp, inComp, spec.rels);
      const partOf = new Map<number, number>();
      sub.forEach((part, i) => {
        for (const v of part) partOf.set(v, i);
      });
      // The component's vertices in its order, as Elle walks the vertices of the component.
      let cycle: { vs: number[]; rels: number[] } | null = null;
      let tries = 0;
      for (const s of comp) {
        const part = partOf.get(s);
        if (part === undefined) continue;
        if (tries++ === MAX_STARTS) break;
        cycle = searchFrom(g, s, (v) => partOf.get(v) === part, spec);
        if (cycle !== null) break;
      }
      if (cycle === null) continue;
      found.push({ spec: spec.name, vertices: cycle.vs, rels: cycle.rels });
      for (const implied of IMPLIED[spec.name]) skip.add(implied);
    }
  });
  return found;
}
