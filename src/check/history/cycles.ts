/**
 * Cycle search over the transaction dependency graph, after Elle (`elle.txn`): split the
 * graph into strongly connected components (Tarjan), then in each component look for the
 * mildest anomaly first. A component with a cycle of ww edges alone is G0 (and Elle, since
 * G0 implies G1c, looks no further there); otherwise every cycle in it has a wr edge, and
 * one such cycle is G1c. One cycle is reported per component and anomaly, as Elle does.
 *
 * Vertices are dense integers; edges are appended to growable typed arrays, so a graph of
 * millions of edges stays a few tens of megabytes.
 */

export const WW = 1;
export const WR = 2;

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

/** Compressed adjacency: the out-edges of v are dst[off[v]] .. dst[off[v+1]-1]. */
interface Csr {
  readonly n: number;
  readonly off: Int32Array;
  readonly dst: Int32Array;
  readonly rel: Uint8Array;
}

function toCsr(n: number, edges: EdgeList): Csr {
  const off = new Int32Array(n + 1);
  for (let i = 0; i < edges.length; i++) off[edges.src[i]! + 1]!++;
  for (let v = 0; v < n; v++) off[v + 1]! += off[v]!;
  const fill = off.slice(0, n);
  const dst = new Int32Array(edges.length);
  const rel = new Uint8Array(edges.length);
  for (let i = 0; i < edges.length; i++) {
    const at = fill[edges.src[i]!]!++;
    dst[at] = edges.dst[i]!;
    rel[at] = edges.rel[i]!;
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

/** A cycle v0 -> v1 -> ... -> v0, with the relation bits of each edge taken. */
export interface FoundCycle {
  readonly type: 'G0' | 'G1c';
  readonly vertices: readonly number[];
  readonly rels: readonly number[];
}

/**
 * Shortest path from `from` to `to` over edges with a bit of relMask between members,
 * as [vertices, rels] with vertices[0] = from; null if none.
 */
function bfsPath(g: Csr, from: number, to: number, member: (v: number) => boolean, relMask: number): { vs: number[]; rels: number[] } | null {
  const parent = new Map<number, [number, number]>();
  parent.set(from, [-1, 0]);
  let frontier = [from];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const v of frontier) {
      for (let e = g.off[v]!; e < g.off[v + 1]!; e++) {
        const w = g.dst[e]!;
        const r = g.rel[e]!;
        if ((r & relMask) === 0 || !member(w) || parent.has(w)) continue;
        parent.set(w, [v, r]);
        if (w === to) {
          const vs: number[] = [];
          const rels: number[] = [];
          let x = to;
          while (x !== from) {
            const [p, pr] = parent.get(x)!;
            vs.push(x);
            rels.push(pr);
            x = p;
          }
          vs.push(from);
          vs.reverse();
          rels.reverse();
          return { vs, rels };
        }
        next.push(w);
      }
    }
    frontier = next;
  }
  return null;
}

/** A cycle through s: an edge s -> w, then the shortest path w -> s. */
function cycleThrough(g: Csr, s: number, member: (v: number) => boolean, relMask: number, firstRel: number): { vs: number[]; rels: number[] } | null {
  let best: { vs: number[]; rels: number[] } | null = null;
  // Each search is linear in the component; a few tries find a short cycle without making
  // a giant component quadratic.
  let tries = 0;
  for (let e = g.off[s]!; e < g.off[s + 1]!; e++) {
    const w = g.dst[e]!;
    const r = g.rel[e]!;
    if ((r & firstRel) === 0 || !member(w)) continue;
    if (w === s) continue;
    if (tries++ === 4) break;
    const back = bfsPath(g, w, s, member, relMask);
    if (back !== null && (best === null || back.vs.length + 1 < best.vs.length)) {
      // s -> w -> ... -> s; drop the final s (the cycle closes implicitly)
      best = { vs: [s, ...back.vs.slice(0, -1)], rels: [r, ...back.rels] };
      if (best.vs.length === 2) break;
    }
  }
  return best;
}

/** The same cycle, starting from its earliest vertex (so reports read in history order). */
function rotate(c: FoundCycle): FoundCycle {
  let at = 0;
  c.vertices.forEach((v, i) => {
    if (v < c.vertices[at]!) at = i;
  });
  if (at === 0) return c;
  return {
    type: c.type,
    vertices: [...c.vertices.slice(at), ...c.vertices.slice(0, at)],
    rels: [...c.rels.slice(at), ...c.rels.slice(0, at)],
  };
}

export function findCycles(n: number, edges: EdgeList): FoundCycle[] {
  if (edges.length === 0) return [];
  const g = toCsr(n, edges);
  const tarjan = new Tarjan(g);
  const all = (): boolean => true;
  const roots = function* (): Generator<number> {
    for (let v = 0; v < n; v++) if (g.off[v + 1]! > g.off[v]!) yield v;
  };
  const comps = tarjan.run(roots(), all, WW | WR);
  const compOf = new Int32Array(n).fill(-1);
  const found: FoundCycle[] = [];
  comps.forEach((comp, c) => {
    for (const v of comp) compOf[v] = c;
    const inComp = (v: number): boolean => compOf[v] === c;
    // G0: a cycle of ww edges alone.
    const wwComps = tarjan.run(comp, inComp, WW);
    const ww = wwComps[0];
    if (ww !== undefined) {
      const sub = new Set(ww);
      const inSub = (v: number): boolean => sub.has(v);
      const cyc = cycleThrough(g, ww[0]!, inSub, WW, WW);
      if (cyc !== null) {
        found.push(rotate({ type: 'G0', vertices: cyc.vs, rels: cyc.rels.map(() => WW) }));
        return;
      }
    }
    // G1c: no ww-only cycle here, so any cycle has a wr edge; find one through a wr edge.
    for (const s of comp) {
      const cyc = cycleThrough(g, s, inComp, WW | WR, WR);
      if (cyc !== null) {
        found.push(rotate({ type: 'G1c', vertices: cyc.vs, rels: cyc.rels }));
        return;
      }
    }
  });
  return found;
}
