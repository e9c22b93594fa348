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
  return fitText(gv.dot(dot, 'svg'));
}

/**
 * Graphviz sizes every box for Helvetica's widths (it has no fonts of its own), but a browser
 * without Helvetica draws in its fallback, up to a tenth wider (DejaVu Sans, Debian's): text
 * then runs past its box and into its neighbours. Drawing the text at 90% of the size laid out
 * for keeps it inside its box in either (test/diagrams/layout.test.ts renders every diagram in
 * Chromium with DejaVu Sans and checks that no text overlaps another, leaves its box, or the
 * picture).
 */
export const TEXT_SCALE = 0.9;

function fitText(svg: string): string {
  return svg.replace(/(<text\b[^>]*font-size=")([0-9.]+)"/g, (_m, head: string, size: string) => `${head}${(Number(size) * TEXT_SCALE).toFixed(2)}"`);
}
