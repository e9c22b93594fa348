import { Graphviz } from '@hpcc-js/wasm-graphviz';

let loading: Promise<Graphviz> | undefined;

/**
 * Lay out a DOT graph and return the SVG, with Graphviz compiled to WebAssembly (no system
 * binary). The module is loaded once per process. Same DOT, same Graphviz version: same SVG.
 */
export async function dotToSvg(dot: string): Promise<string> {
  loading ??= Graphviz.load();
  const gv = await loading;
  return gv.dot(dot, 'svg');
}
