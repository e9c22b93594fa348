import type { TraceEvent } from '../sim/trace.js';
import { xmlText } from './escape.js';
import { sequenceModel, span, type RowStyle, type SequenceOptions, type SequenceRow } from './sequence.js';

/*
 * A sequence diagram drawn directly as SVG, so a counterexample can be looked at without a
 * browser or Mermaid. Text is measured by an average character width (no font metrics are
 * available here); labels that would not fit are shortened with an ellipsis and keep their
 * full text in a <title> (shown on hover).
 */

const CHAR_W = 6.6;
const MARGIN = 16;
const HEAD_H = 28;
const LINE_H = 15;
const MIN_COL = 150;
const MAX_COL = 340;
/** A white outline under message labels, so lifelines do not run through the text. */
const HALO = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"';

const noteFill: Record<RowStyle, { fill: string; stroke: string; text: string }> = {
  fault: { fill: '#ffe0b2', stroke: '#e65100', text: '#4e2600' },
  state: { fill: '#e3f2fd', stroke: '#1565c0', text: '#0d2c54' },
  note: { fill: '#fff9c4', stroke: '#9e9d24', text: '#333300' },
  timer: { fill: '#eeeeee', stroke: '#9e9e9e', text: '#424242' },
  disk: { fill: '#eeeeee', stroke: '#9e9e9e', text: '#424242' },
  violation: { fill: '#ffcdd2', stroke: '#c62828', text: '#7f0000' },
  gap: { fill: '#ffffff', stroke: '#bdbdbd', text: '#757575' },
};

const n = (x: number) => String(Math.round(x * 10) / 10);
const width = (s: string) => s.length * CHAR_W;

function fit(s: string, maxChars: number): string {
  const m = Math.max(4, Math.floor(maxChars));
  return s.length <= m ? s : `${s.slice(0, m - 1)}…`;
}

/** Break `s` into lines of at most `maxChars`, at spaces where possible; at most `maxLines`. */
function wrapText(s: string, maxChars: number, maxLines = 4): string[] {
  const m = Math.max(8, Math.floor(maxChars));
  const lines: string[] = [];
  let rest = s;
  while (rest.length > m && lines.length < maxLines - 1) {
    let cut = rest.lastIndexOf(' ', m);
    if (cut < m / 2) cut = m;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(fit(rest, m));
  return lines;
}

function messageText(r: Extract<SequenceRow, { kind: 'message' }>): string {
  return r.lost ? `${r.text} (lost: ${r.lost})` : r.text;
}

/** The trace as a self-contained SVG sequence diagram (same rows as the Mermaid one). */
export function traceToSvgSequence(trace: readonly TraceEvent[], opts: SequenceOptions = {}): string {
  const model = sequenceModel(trace, opts);
  const ps = model.participants.length > 0 ? model.participants : ['(empty trace)'];
  const index = new Map(ps.map((p, i) => [p, i]));

  // Columns are as wide as the widest label needs, within limits.
  let col = MIN_COL;
  for (const p of ps) col = Math.max(col, width(p) + 24);
  for (const r of model.rows) {
    if (r.kind !== 'message') continue;
    const d = Math.abs((index.get(r.from) ?? 0) - (index.get(r.to) ?? 0));
    col = Math.max(col, (width(messageText(r)) + 24) / Math.max(1, d));
  }
  col = Math.min(col, MAX_COL);
  const x = (p: string) => MARGIN + col / 2 + (index.get(p) ?? 0) * col;
  const W = MARGIN * 2 + col * ps.length;

  const back: string[] = [];
  const body: string[] = [];
  let y = MARGIN + HEAD_H + 12;

  for (const r of model.rows) {
    const top = y;
    const step = opts.rowSteps && r.step >= 0 ? ` data-step="${r.step}"` : '';
    if (r.kind === 'message') {
      const x1 = x(r.from);
      const x2 = x(r.to);
      const full = messageText(r);
      const color = r.lost ? '#c62828' : '#212121';
      const dash = r.lost ? ' stroke-dasharray="5,3"' : '';
      if (r.from === r.to) {
        const label = fit(full, (col - 44) / CHAR_W);
        body.push(
          `<g class="message${r.lost ? ' lost' : ''}"${step}><title>${xmlText(full)}</title>`,
          `<text x="${n(x1 + 36)}" y="${n(y + 20)}" fill="${color}"${HALO}>${xmlText(label)}</text>`,
          `<path d="M${n(x1)},${n(y + 10)} H${n(x1 + 28)} V${n(y + 24)} H${n(x1 + 2)}" fill="none" stroke="${color}"${dash}${r.lost ? '' : ' marker-end="url(#arrow)"'}/>`,
          r.lost ? cross(x1 + 28, y + 24, color) : '',
          '</g>',
        );
        y += 34;
      } else {
        const d = Math.abs((index.get(r.from) ?? 0) - (index.get(r.to) ?? 0));
        const label = fit(full, (d * col - 16) / CHAR_W);
        const end = r.lost ? x1 + (x2 - x1) * 0.7 : x2 + (x2 > x1 ? -2 : 2);
        body.push(
          `<g class="message${r.lost ? ' lost' : ''}"${step}><title>${xmlText(full)}</title>`,
          `<text x="${n((x1 + x2) / 2)}" y="${n(y + 12)}" text-anchor="middle" fill="${color}"${HALO}>${xmlText(label)}</text>`,
          `<line x1="${n(x1)}" y1="${n(y + 18)}" x2="${n(end)}" y2="${n(y + 18)}" stroke="${color}"${dash}${r.lost ? '' : ' marker-end="url(#arrow)"'}/>`,
          r.lost ? cross(end, y + 18, color) : '',
          '</g>',
        );
        y += 28;
      }
    } else {
      const [a, b] = span(ps, r.over);
      const left = MARGIN + a * col + col * 0.06;
      const right = MARGIN + (b + 1) * col - col * 0.06;
      const lines = wrapText(r.text, (right - left - 12) / CHAR_W);
      const h = lines.length * LINE_H + 8;
      const c = noteFill[r.style];
      const extra = r.style === 'violation' ? ' stroke-width="1.5"' : '';
      const italic = r.style === 'gap' ? ' font-style="italic"' : '';
      body.push(
        `<g class="note ${r.style}"${step}><title>${xmlText(r.text)}</title>`,
        `<rect x="${n(left)}" y="${n(y + 3)}" width="${n(right - left)}" height="${n(h)}" rx="3" fill="${c.fill}" stroke="${c.stroke}"${extra}${r.style === 'gap' ? ' stroke-dasharray="3,3"' : ''}/>`,
        ...lines.map(
          (l, i) => `<text x="${n((left + right) / 2)}" y="${n(y + 3 + 4 + LINE_H * (i + 1) - 4)}" text-anchor="middle" fill="${c.text}"${italic}${r.style === 'violation' ? ' font-weight="bold"' : ''}>${xmlText(l)}</text>`,
        ),
        '</g>',
      );
      y += h + 8;
    }
    if (r.highlight) back.push(`<rect class="highlight" x="${n(MARGIN / 2)}" y="${n(top - 2)}" width="${n(W - MARGIN)}" height="${n(y - top + 2)}" fill="rgb(255,220,220)"/>`);
  }

  const bottom = y + 10;
  const H = bottom + HEAD_H + MARGIN;
  const heads: string[] = [];
  for (const p of ps) {
    const cx = x(p);
    const bw = Math.min(col - 12, width(p) + 20);
    const label = fit(p, (bw - 8) / CHAR_W);
    heads.push(`<line class="lifeline" x1="${n(cx)}" y1="${n(MARGIN + HEAD_H)}" x2="${n(cx)}" y2="${n(bottom)}" stroke="#90a4ae" stroke-dasharray="4,4"/>`);
    for (const top of [MARGIN, bottom]) {
      heads.push(
        `<g class="participant"><rect x="${n(cx - bw / 2)}" y="${n(top)}" width="${n(bw)}" height="${HEAD_H}" rx="3" fill="#eceff1" stroke="#455a64"/>`,
        `<text x="${n(cx)}" y="${n(top + HEAD_H / 2 + 4)}" text-anchor="middle" font-weight="bold">${xmlText(label)}</text></g>`,
      );
    }
  }

  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${n(W)}" height="${n(H)}" viewBox="0 0 ${n(W)} ${n(H)}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
      '<title>kafka-model run</title>',
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#212121"/></marker></defs>',
      `<rect width="${n(W)}" height="${n(H)}" fill="#ffffff"/>`,
      ...back,
      ...heads,
      ...body.filter((l) => l !== ''),
      '</svg>',
    ].join('\n') + '\n'
  );
}

function cross(cx: number, cy: number, color: string): string {
  const s = 5;
  return `<path d="M${n(cx - s)},${n(cy - s)} L${n(cx + s)},${n(cy + s)} M${n(cx - s)},${n(cy + s)} L${n(cx + s)},${n(cy - s)}" stroke="${color}" stroke-width="2"/>`;
}
