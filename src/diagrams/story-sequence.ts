import type { HistoryOp } from '../sim/history.js';
import type { TraceEvent } from '../sim/trace.js';
import { nodeOf } from './sequence.js';

/**
 * The part of a trace a story tells, for a sequence diagram of a readable size: each step's
 * entry, and the message that caused it (the delivery to the same node, at the same instant,
 * just before the note it made). A counterexample's full trace is hundreds of entries; its story
 * is a dozen. Each row is labelled with its step's number, so the diagram and the story match.
 */
export interface StoryTrace {
  /** The entries drawn, in trace order (history entries reworded with the operation they record). */
  readonly events: readonly TraceEvent[];
  /** Per entry drawn, the number of the story step it belongs to. */
  readonly stepOf: readonly number[];
  /** Per entry drawn, its label: `3.` on a step's own entry, `(3)` on the message that caused it. */
  readonly labels: readonly string[];
  /** Index in `events` of the violation entry, or -1. */
  readonly violationAt: number;
}

/** The entry that caused a note: the last delivery to its node in the same instant before it. */
function causeOf(trace: readonly TraceEvent[], i: number): number | undefined {
  const ev = trace[i]!;
  if (ev.e !== 'note') return undefined;
  const node = nodeOf(ev.node);
  for (let j = i - 1; j >= 0; j--) {
    const d = trace[j]!;
    if (d.t !== ev.t) return undefined;
    if (d.e === 'deliver' && nodeOf(d.to) === node) return j;
  }
  return undefined;
}

/** A history entry drawn with the operation it records, not only its kind ("history ok send"). */
function historyNote(ev: TraceEvent): TraceEvent {
  if (ev.e !== 'note' || !ev.text.startsWith('history ')) return ev;
  const op = ev.data as HistoryOp;
  return { t: ev.t, e: 'note', node: ev.node, text: `${op.type} ${op.f} ${JSON.stringify(op.value)}${op.error ? ` (${op.error})` : ''}` };
}

export function storyTrace(trace: readonly TraceEvent[], steps: readonly { readonly n: number; readonly traceIndex: number }[]): StoryTrace {
  const picked = new Map<number, { n: number; own: boolean }>();
  for (const s of steps) {
    const c = causeOf(trace, s.traceIndex);
    if (c !== undefined && !picked.has(c)) picked.set(c, { n: s.n, own: false });
    picked.set(s.traceIndex, { n: s.n, own: true });
  }
  const order = [...picked.keys()].sort((a, b) => a - b);
  return {
    events: order.map((i) => historyNote(trace[i]!)),
    stepOf: order.map((i) => picked.get(i)!.n),
    labels: order.map((i) => (picked.get(i)!.own ? `${picked.get(i)!.n}.` : `(${picked.get(i)!.n})`)),
    violationAt: order.findIndex((i) => trace[i]!.e === 'violation'),
  };
}
