import type { TraceEvent } from '../sim/trace.js';

/**
 * A node's row on the viewer's timeline: the intervals it was down (crashed or shut down until
 * restarted), cut off by a partition (the smaller side, until healed) or slowed (a latency spike). Read from the
 * faults the trace records as applied (an "already down" crash changes nothing, so it opens no
 * interval), so the timeline shows what happened, not what the schedule asked for.
 */
export interface FaultLane {
  readonly node: string;
  readonly spans: readonly { readonly from: number; readonly to: number; readonly kind: 'down' | 'cut' | 'slow' }[];
  /** Instant faults on the node: a dropped connection. */
  readonly marks: readonly { readonly t: number; readonly text: string }[];
}

export function faultLanes(trace: readonly TraceEvent[], end: number): FaultLane[] {
  const lanes = new Map<string, { spans: { from: number; to: number; kind: 'down' | 'cut' | 'slow' }[]; marks: { t: number; text: string }[] }>();
  const lane = (node: string) => {
    let l = lanes.get(node);
    if (!l) lanes.set(node, (l = { spans: [], marks: [] }));
    return l;
  };
  const downSince = new Map<string, number>();
  const cutSince = new Map<string, number>();
  const close = (open: Map<string, number>, node: string, t: number, kind: 'down' | 'cut') => {
    const from = open.get(node);
    if (from === undefined) return;
    open.delete(node);
    lane(node).spans.push({ from, to: t, kind });
  };
  for (const ev of trace) {
    if (ev.e === 'note' && ev.text === 'process exited after a clean shutdown' && !downSince.has(ev.node)) downSince.set(ev.node, ev.t);
    if (ev.e !== 'fault') continue;
    const f = ev.fault;
    const noEffect = ev.effect === 'already down' || ev.effect === 'already up';
    switch (f.type) {
      case 'crash':
        lane(f.node);
        if (!noEffect && !downSince.has(f.node)) downSince.set(f.node, ev.t);
        break;
      case 'shutdown':
        // Down once the process has exited (the note above), not when it was asked to stop.
        lane(f.node);
        break;
      case 'restart':
        if (!noEffect && ev.effect === undefined) close(downSince, f.node, ev.t, 'down');
        break;
      case 'partition': {
        // The side that is cut off is the smaller one (a broker isolated from the controllers,
        // not the controllers from it); an even split cuts both.
        const cut = f.from.length < f.to.length ? f.from : f.to.length < f.from.length ? f.to : [...f.from, ...f.to];
        for (const n of cut) if (!cutSince.has(n)) cutSince.set(n, ev.t);
        for (const n of cut) lane(n);
        break;
      }
      case 'heal':
        for (const n of [...cutSince.keys()]) if (!f.nodes || f.nodes.includes(n)) close(cutSince, n, ev.t, 'cut');
        break;
      case 'latency':
        lane(f.node).spans.push({ from: ev.t, to: Math.min(end, ev.t + f.durationMs), kind: 'slow' });
        if (f.peer !== undefined) lane(f.peer).spans.push({ from: ev.t, to: Math.min(end, ev.t + f.durationMs), kind: 'slow' });
        break;
      case 'disconnect':
        lane(f.a).marks.push({ t: ev.t, text: `connection to ${f.b} drops` });
        lane(f.b).marks.push({ t: ev.t, text: `connection to ${f.a} drops` });
        break;
    }
  }
  for (const n of [...downSince.keys()]) close(downSince, n, end, 'down');
  for (const n of [...cutSince.keys()]) close(cutSince, n, end, 'cut');
  return [...lanes].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([node, l]) => ({ node, spans: l.spans, marks: l.marks }));
}
