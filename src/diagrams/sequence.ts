import type { Fault } from '../sim/faults.js';
import type { TraceEvent } from '../sim/trace.js';
import { mermaidText } from './escape.js';

/**
 * A run's trace as a sequence diagram. One rule for lifelines: a participant is a simulated
 * node (`b1`, `controller`, `ping1`); an actor inside a node (the replica actor `t-0` on
 * broker `b1`, traced as `b1/t-0`) is not a lifeline of its own but is named in the label
 * (`Fetch [t-0]`, `b1/t-0: Follower -> Leader`). Kafka clusters have few nodes and many
 * partitions, so this keeps the diagram as wide as the cluster.
 *
 * The trace is first reduced to rows (a message, or a note over some lifelines); the Mermaid
 * and SVG writers draw the same rows.
 */
export interface SequenceOptions {
  /**
   * Index (0-based) in the trace of the entry at which a property broke. That entry is shown
   * whatever its kind, highlighted, and the window of a long trace ends near it. Without it, the
   * first `violation` entry, if any, plays that role.
   */
  readonly violationStep?: number;
  /** At most this many trace entries are drawn (default 200); a note says how many were left out. */
  readonly maxEvents?: number;
  /** Order of the lifelines. Nodes not listed follow, in order of first appearance. */
  readonly participants?: readonly string[];
  /** Also draw `timer` entries (default false: they are many and say little). */
  readonly timers?: boolean;
  /** Also draw `disk` entries (default false). */
  readonly disk?: boolean;
  /** Draw `state` entries (default true). */
  readonly states?: boolean;
  /** Draw `note` entries (default true). */
  readonly notes?: boolean;
  /** Prefix each row with its virtual time, `t=12` (default true). */
  readonly time?: boolean;
  /**
   * SVG only: give each row's group a `data-step` attribute, its index in the trace (the
   * counterexample viewer selects a story step's rows by it). Default false.
   */
  readonly rowSteps?: boolean;
  /** A label put before each entry's text, by its index in the trace (a story step's number). */
  readonly labels?: readonly (string | undefined)[];
}

export type RowStyle = 'fault' | 'state' | 'note' | 'timer' | 'disk' | 'violation' | 'gap';

export type SequenceRow =
  | { readonly kind: 'message'; readonly step: number; readonly from: string; readonly to: string; readonly text: string; readonly lost?: string; readonly highlight: boolean }
  | { readonly kind: 'note'; readonly step: number; readonly over: readonly string[]; readonly text: string; readonly style: RowStyle; readonly highlight: boolean };

export interface SequenceModel {
  readonly participants: readonly string[];
  readonly rows: readonly SequenceRow[];
}

export const defaultMaxEvents = 200;

/** The node (lifeline) of a traced node label: `b1/t-0` -> `b1`. */
export function nodeOf(label: string): string {
  const i = label.indexOf('/');
  return i < 0 ? label : label.slice(0, i);
}

function short(v: unknown): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v.length > 20 ? `${v.slice(0, 19)}…` : v;
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.length}]`;
  return undefined;
}

/**
 * The label of a message: its type, the addressed actor in brackets, then up to four scalar
 * fields as `key=value` (arrays as their length), in the message's own field order.
 */
export function messageSummary(msg: unknown): string {
  if (msg === null || typeof msg !== 'object') return short(msg) ?? 'message';
  const m = msg as Record<string, unknown>;
  let s = typeof m['type'] === 'string' ? m['type'] : 'message';
  if (typeof m['actor'] === 'string') s += ` [${m['actor']}]`;
  const fields: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (k === 'type' || k === 'actor' || k === 'from' || k === 'to') continue;
    const sv = short(v);
    if (sv !== undefined) fields.push(`${k}=${sv}`);
    if (fields.length === 4) break;
  }
  if (fields.length > 0) s += ` ${fields.join(' ')}`;
  return s.length > 72 ? `${s.slice(0, 71)}…` : s;
}

/** A state value as text: `Leader`, `Online.Leader`, `(a.x, b.y)` for parallel states. */
export function stateText(v: unknown): string {
  if (v === null || v === undefined) return 'start';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) =>
      x === null || x === undefined || (typeof x === 'object' && Object.keys(x).length === 0) ? k : `${k}.${stateText(x)}`,
    );
    return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
  }
  return JSON.stringify(v);
}

/** A fault as note text, and the nodes it is drawn over (empty: all of them). */
export function faultNote(f: Fault, effect?: string): { text: string; nodes: string[] } {
  let r: { text: string; nodes: string[] };
  switch (f.type) {
    case 'crash':
      r = { text: f.tear ? 'crash (torn write)' : 'crash', nodes: [f.node] };
      break;
    case 'restart':
      r = { text: 'restart', nodes: [f.node] };
      break;
    case 'partition':
      r = { text: `partition ${f.from.join(',')} ${f.oneWay ? '-/->' : '<-/->'} ${f.to.join(',')}`, nodes: [...f.from, ...f.to] };
      break;
    case 'heal':
      r = { text: f.nodes ? `heal ${f.nodes.join(',')}` : 'heal all', nodes: f.nodes ? [...f.nodes] : [] };
      break;
    case 'latency':
      r = { text: `latency +${f.ms}ms for ${f.durationMs}ms`, nodes: [f.node] };
      break;
    case 'disconnect':
      r = { text: `disconnect ${f.a} - ${f.b}`, nodes: [f.a, f.b] };
      break;
    default: {
      const unknownFault = f as { type?: unknown; node?: unknown };
      r = { text: `fault ${String(unknownFault.type)}`, nodes: typeof unknownFault.node === 'string' ? [unknownFault.node] : [] };
    }
  }
  if (effect) r.text += ` (${effect})`;
  return r;
}

/** Reduce a trace to the rows of a sequence diagram. */
export function sequenceModel(trace: readonly TraceEvent[], opts: SequenceOptions = {}): SequenceModel {
  const maxEvents = Math.max(1, opts.maxEvents ?? defaultMaxEvents);
  const showTime = opts.time ?? true;
  const shown = (ev: TraceEvent): boolean =>
    ev.e === 'timer' ? Boolean(opts.timers) : ev.e === 'disk' ? Boolean(opts.disk) : ev.e === 'state' ? opts.states ?? true : ev.e === 'note' ? opts.notes ?? true : true;

  const focus = opts.violationStep ?? trace.findIndex((ev) => ev.e === 'violation');
  const hasFocus = focus >= 0 && focus < trace.length;
  const selected: number[] = [];
  trace.forEach((ev, i) => {
    if (shown(ev) || (hasFocus && i === focus)) selected.push(i);
  });

  // The window: the first maxEvents entries, or, when a property broke, the entries leading up to
  // it and a few after.
  let from = 0;
  let to = selected.length;
  if (selected.length > maxEvents) {
    const pos = hasFocus ? selected.indexOf(focus) : -1;
    if (pos < 0) to = maxEvents;
    else {
      const after = Math.min(Math.floor(maxEvents / 10), selected.length - pos - 1);
      to = pos + 1 + after;
      from = Math.max(0, to - maxEvents);
    }
  }
  const window = selected.slice(from, to);

  const order: string[] = [...(opts.participants ?? [])];
  const seen = new Set(order);
  const meet = (n: string) => {
    if (!seen.has(n)) {
      seen.add(n);
      order.push(n);
    }
  };
  for (const i of window) {
    const ev = trace[i]!;
    switch (ev.e) {
      case 'deliver':
      case 'drop':
        meet(nodeOf(ev.from));
        meet(nodeOf(ev.to));
        break;
      case 'state':
      case 'timer':
      case 'disk':
      case 'note':
        meet(nodeOf(ev.node));
        break;
      case 'fault':
        for (const n of faultNote(ev.fault).nodes) meet(nodeOf(n));
        break;
      default:
        break;
    }
  }

  const rows: SequenceRow[] = [];
  const everyone: string[] = order;
  const gap = (n: number, where: string) =>
    rows.push({ kind: 'note', step: -1, over: everyone, text: `… ${n} ${n === 1 ? 'entry' : 'entries'} ${where} not shown`, style: 'gap', highlight: false });
  if (from > 0) gap(from, 'before');

  for (const i of window) {
    const ev = trace[i]!;
    const highlight = hasFocus && i === focus;
    const label = opts.labels?.[i];
    const at = (s: string, t = ev.t) => (label ? `${label} ` : '') + (showTime ? `t=${t} ${s}` : s);
    switch (ev.e) {
      case 'deliver': {
        const when = (label ? `${label} ` : '') + (showTime && ev.sent !== ev.t ? `t=${ev.sent}→${ev.t} ` : showTime ? `t=${ev.t} ` : '');
        rows.push({ kind: 'message', step: i, from: nodeOf(ev.from), to: nodeOf(ev.to), text: when + messageSummary(ev.msg), highlight });
        break;
      }
      case 'drop':
        rows.push({ kind: 'message', step: i, from: nodeOf(ev.from), to: nodeOf(ev.to), text: at(messageSummary(ev.msg)), lost: ev.reason, highlight });
        break;
      case 'state':
        rows.push({ kind: 'note', step: i, over: [nodeOf(ev.node)], text: at(`${ev.node}: ${stateText(ev.from)} -> ${stateText(ev.to)}`), style: 'state', highlight });
        break;
      case 'timer':
        rows.push({ kind: 'note', step: i, over: [nodeOf(ev.node)], text: at(`timer ${ev.node}`), style: 'timer', highlight });
        break;
      case 'disk':
        rows.push({ kind: 'note', step: i, over: [nodeOf(ev.node)], text: at(`disk ${ev.op} ${ev.file} (${ev.n})`), style: 'disk', highlight });
        break;
      case 'note':
        rows.push({ kind: 'note', step: i, over: [nodeOf(ev.node)], text: at(`${ev.node}: ${ev.text}`), style: 'note', highlight });
        break;
      case 'fault': {
        const f = faultNote(ev.fault, ev.effect);
        const over = f.nodes.length > 0 ? f.nodes.map(nodeOf) : everyone;
        rows.push({ kind: 'note', step: i, over, text: at(f.text), style: 'fault', highlight });
        break;
      }
      case 'violation':
        rows.push({ kind: 'note', step: i, over: everyone, text: at(`VIOLATION ${ev.property}: ${ev.message}`), style: 'violation', highlight: true });
        break;
    }
    if (highlight && ev.e !== 'violation') {
      rows.push({ kind: 'note', step: i, over: everyone, text: at(`property broke here (step ${i})`), style: 'violation', highlight: true });
    }
  }
  if (to < selected.length) gap(selected.length - to, 'after');
  return { participants: order, rows };
}

/** Leftmost and rightmost of `over` in lifeline order. */
export function span(participants: readonly string[], over: readonly string[]): [number, number] {
  const idx = over.map((n) => participants.indexOf(n)).filter((i) => i >= 0);
  if (idx.length === 0) return [0, Math.max(0, participants.length - 1)];
  return [Math.min(...idx), Math.max(...idx)];
}

/**
 * A Mermaid `sequenceDiagram` of a run: nodes as lifelines (aliased `P1`, `P2`, ... so that any
 * node name is safe), deliveries as `->>` arrows, lost messages as `-x` arrows with the reason,
 * faults, state changes and notes as notes, and the step where a property broke inside
 * `rect rgb(255,220,220)`.
 */
export function traceToMermaidSequence(trace: readonly TraceEvent[], opts: SequenceOptions = {}): string {
  const model = sequenceModel(trace, opts);
  const alias = new Map(model.participants.map((p, i) => [p, `P${i + 1}`]));
  const out: string[] = ['sequenceDiagram'];
  for (const p of model.participants) out.push(`  participant ${alias.get(p)} as ${mermaidText(p, 'sequence')}`);
  if (model.participants.length === 0) {
    out.push('  participant P0 as (empty trace)');
    return out.join('\n') + '\n';
  }
  let inRect = false;
  for (const r of model.rows) {
    if (r.highlight && !inRect) {
      out.push('  rect rgb(255,220,220)');
      inRect = true;
    } else if (!r.highlight && inRect) {
      out.push('  end');
      inRect = false;
    }
    const ind = inRect ? '    ' : '  ';
    if (r.kind === 'message') {
      const text = r.lost ? `${r.text} (lost: ${r.lost})` : r.text;
      out.push(`${ind}${alias.get(r.from)}${r.lost ? '-x' : '->>'}${alias.get(r.to)}: ${mermaidText(text, 'sequence')}`);
    } else {
      const [a, b] = span(model.participants, r.over);
      const over = a === b ? alias.get(model.participants[a]!) : `${alias.get(model.participants[a]!)},${alias.get(model.participants[b]!)}`;
      out.push(`${ind}Note over ${over}: ${mermaidText(r.text, 'sequence')}`);
    }
  }
  if (inRect) out.push('  end');
  return out.join('\n') + '\n';
}
