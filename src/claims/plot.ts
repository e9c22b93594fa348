/**
 * The claims report's two small SVG charts: a line plot of series of (x, y) points with optional
 * min-max whiskers, x on a log scale (partition counts 10 to 10,000), and a grouped bar chart
 * (one group per protocol). Hand-written because the report needs these two and the diagrams'
 * SVG writers are for sequence diagrams; a plotting library would be a runtime dependency for a
 * few dozen lines each.
 */
export interface PlotPoint {
  readonly x: number;
  readonly y: number;
  readonly low?: number;
  readonly high?: number;
}

export interface PlotSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly points: readonly PlotPoint[];
}

export interface Plot {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly PlotSeries[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The plot as a standalone SVG document (deterministic: same data, same bytes). */
export function plotSvg(plot: Plot): string {
  const W = 640;
  const H = 360;
  const m = { left: 64, right: 180, top: 36, bottom: 48 };
  const pts = plot.series.flatMap((s) => s.points);
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => [p.y, p.high ?? p.y]);
  const x0 = Math.log10(Math.min(...xs));
  const x1 = Math.log10(Math.max(...xs));
  const yMax = niceCeil(Math.max(...ys, 1));
  const px = (x: number) => m.left + ((Math.log10(x) - x0) / Math.max(1e-9, x1 - x0)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - (y / yMax) * (H - m.top - m.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.right / 2}" y="20" text-anchor="middle" font-size="14">${esc(plot.title)}</text>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
  ];
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${px(x).toFixed(1)}" y1="${H - m.bottom}" x2="${px(x).toFixed(1)}" y2="${H - m.bottom + 4}" stroke="black"/>`);
    out.push(`<text x="${px(x).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${x.toLocaleString('en-US')}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${m.left - 4}" y1="${py(y).toFixed(1)}" x2="${W - m.right}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${num(y)}</text>`);
  }
  out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(plot.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(plot.yLabel)}</text>`);
  plot.series.forEach((s, i) => {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const line = s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${line}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
      if (p.low !== undefined && p.high !== undefined) out.push(`<line x1="${px(p.x).toFixed(1)}" y1="${py(p.low).toFixed(1)}" x2="${px(p.x).toFixed(1)}" y2="${py(p.high).toFixed(1)}" stroke="${s.color}"/>`);
    }
    const ly = m.top + 10 + i * 18;
    out.push(`<line x1="${W - m.right + 12}" y1="${ly}" x2="${W - m.right + 36}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - m.right + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The next of 1, 2, 5 times a power of ten at or above `v`. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

/**
 * A grouped bar chart: one group per category (a rebalance protocol), one bar per series in
 * each, with the values as labels. Bars are horizontal so that long category names fit.
 */
export interface BarChart {
  readonly title: string;
  readonly valueLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly color: string; readonly values: readonly number[] }[];
}

/** The chart as a standalone SVG document (deterministic: same data, same bytes). */
export function barsSvg(chart: BarChart): string {
  const bar = 14;
  const group = chart.series.length * bar + 12;
  // The legend, a line per series, sits under the title.
  const m = { left: 140, right: 40, top: 40 + chart.series.length * 16, bottom: 44 };
  const W = 640;
  const H = m.top + chart.categories.length * group + m.bottom;
  const vMax = niceCeil(Math.max(1, ...chart.series.flatMap((s) => s.values)));
  const px = (v: number) => m.left + (v / vMax) * (W - m.left - m.right);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(chart.title)}</text>`,
  ];
  chart.series.forEach((s, i) => {
    const ly = 30 + i * 16;
    out.push(`<rect x="${m.left}" y="${ly}" width="12" height="12" fill="${s.color}"/>`, `<text x="${m.left + 18}" y="${ly + 10}">${esc(s.name)}</text>`);
  });
  for (let i = 0; i <= 4; i++) {
    const v = (vMax * i) / 4;
    out.push(`<line x1="${px(v).toFixed(1)}" y1="${m.top - 4}" x2="${px(v).toFixed(1)}" y2="${H - m.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${px(v).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${num(v)}</text>`);
  }
  out.push(`<line x1="${m.left}" y1="${m.top - 4}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`);
  out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(chart.valueLabel)}</text>`);
  chart.categories.forEach((c, k) => {
    const y0 = m.top + k * group;
    out.push(`<text x="${m.left - 8}" y="${y0 + (chart.series.length * bar) / 2 + 4}" text-anchor="end">${esc(c)}</text>`);
    chart.series.forEach((s, i) => {
      const v = s.values[k] ?? 0;
      const y = y0 + i * bar;
      out.push(`<rect class="bar" x="${m.left}" y="${y}" width="${(px(v) - m.left).toFixed(1)}" height="${bar - 2}" fill="${s.color}"/>`);
      out.push(`<text x="${(px(v) + 4).toFixed(1)}" y="${y + bar - 4}" font-size="10">${num(v)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
