import { xmlText } from '../diagrams/escape.js';
import type { ViewerData } from './replay.js';

/*
 * The viewer's timeline as SVG: virtual time left to right, one lane per node that a fault
 * touched (down, cut off, slowed), and a tick per story step that selects it. The page moves
 * the `#cursor` line to the selected step; nothing here is computed in the browser.
 */

const W = 1200;
const RIGHT = 16;
const LANE_H = 18;
const TICKS_H = 26;
const spanFill = { down: '#e53935', cut: '#fb8c00', slow: '#fdd835' } as const;

const r1 = (x: number) => String(Math.round(x * 10) / 10);

export function timelineSvg(d: ViewerData): string {
  // The lane labels' column is as wide as the longest node name.
  const LEFT = Math.max(48, 14 + 7 * Math.max(0, ...d.lanes.map((l) => l.node.length)));
  const end = Math.max(1, d.durationMs);
  const x = (t: number) => LEFT + ((W - LEFT - RIGHT) * Math.min(t, end)) / end;
  const H = TICKS_H + d.lanes.length * LANE_H + 22;
  const out: string[] = [
    `<svg id="timeline-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" font-family="Helvetica, Arial, sans-serif" font-size="11" role="img" aria-label="timeline of faults and story steps">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="4" y="16" fill="#555">steps</text>`,
  ];
  d.lanes.forEach((lane, i) => {
    const y = TICKS_H + i * LANE_H;
    out.push(`<text x="4" y="${y + 13}" font-weight="bold">${xmlText(lane.node)}</text>`, `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y + 9}" y2="${y + 9}" stroke="#cfd8dc"/>`);
    for (const s of lane.spans) {
      const label = `${lane.node} ${s.kind === 'down' ? 'down' : s.kind === 'cut' ? 'cut off' : 'slowed'} ${s.from}-${s.to} ms`;
      out.push(`<rect class="span ${s.kind}" x="${r1(x(s.from))}" y="${y + 3}" width="${r1(Math.max(2, x(s.to) - x(s.from)))}" height="12" fill="${spanFill[s.kind]}"><title>${xmlText(label)}</title></rect>`);
    }
    for (const m of lane.marks) out.push(`<path d="M${r1(x(m.t))},${y + 2} v14" stroke="#6a1b9a" stroke-width="2"><title>${xmlText(`t=${m.t} ${lane.node}: ${m.text}`)}</title></path>`);
  });
  const axisY = TICKS_H + d.lanes.length * LANE_H + 4;
  out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${axisY}" y2="${axisY}" stroke="#90a4ae"/>`);
  for (let k = 0; k <= 4; k++) {
    const t = Math.round((end * k) / 4);
    out.push(`<text x="${r1(x(t))}" y="${axisY + 14}" text-anchor="${k === 0 ? 'start' : k === 4 ? 'end' : 'middle'}" fill="#555">${t} ms</text>`);
  }
  for (const s of d.steps) {
    const color = s.kind === 'fault' ? '#e65100' : s.kind === 'violation' ? '#c62828' : '#1565c0';
    out.push(`<g class="tick" data-n="${s.n}" data-x="${r1(x(s.t))}"><title>${xmlText(`${s.n}. t=${s.t} ${s.text}`)}</title><rect x="${r1(x(s.t) - 4)}" y="2" width="8" height="${TICKS_H - 4}" fill="transparent"/><line x1="${r1(x(s.t))}" x2="${r1(x(s.t))}" y1="4" y2="${TICKS_H - 4}" stroke="${color}" stroke-width="2"/></g>`);
  }
  out.push(`<line id="cursor" x1="${LEFT}" x2="${LEFT}" y1="0" y2="${axisY}" stroke="#000" stroke-width="1.5" stroke-dasharray="3,2"/>`, '</svg>');
  return out.join('\n');
}
