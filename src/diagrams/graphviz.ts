import type { Graphviz } from '@hpcc-js/wasm-graphviz';

let loading: Promise<Graphviz> | undefined;

/**
 * Lay out a DOT graph and return the SVG, with Graphviz compiled to WebAssembly (no system
 * binary). The module (800 kB of embedded WebAssembly) is imported on first use, so commands
 * that only draw sequence diagrams never load it, and is loaded once per process. Same DOT,
 * same Graphviz version: same SVG.
 */
export async function dotToSvg(dot: string): Promise<string> {
  loading ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load());
  const gv = await loading;
  return gv.dot(dot, 'svg');
}
