import { buildWorld, runScenario, type RunSummary } from '../cluster/run.js';
import type { Scenario } from '../cluster/scenario.js';
import { traceToSvgSequence } from '../diagrams/sequence-svg.js';
import { nodeOf } from '../diagrams/sequence.js';
import { storyFocusOf } from '../explore/search.js';
import { describeFault, storyOf, type StoryStep } from '../explore/story.js';
import type { HistoryOp } from '../sim/history.js';
import type { TraceEvent } from '../sim/trace.js';
import { snapshotAt, type ModelSnapshot } from './snapshots.js';
import { faultLanes, type FaultLane } from './timeline.js';

/** Everything the viewer page shows, taken from a replay of the scenario. */
export interface ViewerData {
  readonly title: string;
  readonly kafka: string;
  readonly preset: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly traceHash: string | undefined;
  readonly violation: { readonly property: string; readonly message: string; readonly time: number } | null;
  /** The story's numbered steps; `snapshot` indexes `snapshots` (steps of one event share one). */
  readonly steps: readonly (StoryStep & { readonly kind: 'fault' | 'violation' | 'step'; readonly snapshot: number })[];
  readonly snapshots: readonly ModelSnapshot[];
  /** Every fault of the run, for the timeline: instants, and per node the intervals it was down or cut off. */
  readonly faults: readonly { readonly t: number; readonly text: string }[];
  readonly lanes: readonly FaultLane[];
  /** The run's history (client operations), one line each; a step shows the first `historyLength`. */
  readonly history: readonly string[];
  /** The sequence diagram of the story's entries and the messages that caused them; rows carry `data-step`. */
  readonly sequenceSvg: string;
  /** Per story step number, the diagram rows (their `data-step`) that belong to it. */
  readonly rowsOfStep: Readonly<Record<number, readonly number[]>>;
}

export function formatHistoryOp(op: HistoryOp): string {
  return `${op.index ?? '?'} t=${op.time} ${String(op.process)} ${op.type} ${op.f} ${JSON.stringify(op.value)}${op.error ? ` (${op.error})` : ''}`;
}

/**
 * The entry that caused a story step, when it is a note a node made on receiving a message: the
 * last delivery to that node in the same instant before it. Faults and violations have none.
 */
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

/**
 * Replay `scenario` twice: once to tell its story (which steps there are), then again, bit for bit
 * the same run, reading the model's state after the event of each step. The second run must
 * give the same trace (the determinism contract); if it does not, that is a model bug.
 */
export function viewerData(scenario: Scenario, title: string): ViewerData {
  const first = runScenario(scenario, 'full', title);
  const trace = first.world.trace.events();
  const summary: RunSummary = first.summary;
  const story = storyOf(trace, summary.violation ? storyFocusOf(summary.violation.property) : 'replication');

  const { world } = buildWorld(scenario, 'full', title);
  const shots = snapshotAt(
    world,
    story.map((s) => s.traceIndex),
  );
  world.start();
  world.run({ until: scenario.durationMs });
  shots.finish();
  if (world.trace.hash() !== summary.traceHash) throw new Error(`${title}: the second replay's trace differs from the first (determinism broken)`);

  const snapshots: ModelSnapshot[] = [];
  const index = new Map<ModelSnapshot, number>();
  const steps = story.map((s, i) => {
    const snap = shots.snapshots[i]!;
    let k = index.get(snap);
    if (k === undefined) {
      k = snapshots.length;
      snapshots.push(snap);
      index.set(snap, k);
    }
    const e = trace[s.traceIndex]!.e;
    return { ...s, kind: e === 'fault' ? ('fault' as const) : e === 'violation' ? ('violation' as const) : ('step' as const), snapshot: k };
  });

  // The diagram: each step's entry, with the message that caused it, in trace order.
  const picked = new Map<number, number>();
  for (const s of story) {
    const c = causeOf(trace, s.traceIndex);
    if (c !== undefined && !picked.has(c)) picked.set(c, s.n);
    picked.set(s.traceIndex, s.n);
  }
  const order = [...picked.keys()].sort((a, b) => a - b);
  const sub = order.map((i) => historyNote(trace[i]!));
  const violationAt = summary.violation ? order.indexOf(summary.violation.step) : -1;
  const sequenceSvg = traceToSvgSequence(sub, { maxEvents: sub.length + 1, rowSteps: true, ...(violationAt >= 0 ? { violationStep: violationAt } : {}) });
  const rowsOfStep: Record<number, number[]> = {};
  order.forEach((traceIdx, row) => (rowsOfStep[picked.get(traceIdx)!] ??= []).push(row));

  const faults = trace.flatMap((ev) => (ev.e === 'fault' ? [{ t: ev.t, text: describeFault(ev.fault) + (ev.effect ? ` (${ev.effect})` : '') }] : []));
  return {
    title,
    kafka: summary.kafka,
    preset: summary.preset,
    seed: summary.seed,
    durationMs: Math.max(scenario.durationMs, summary.virtualTimeMs),
    traceHash: summary.traceHash,
    violation: summary.violation ? { property: summary.violation.property, message: summary.violation.message, time: summary.violation.time } : null,
    steps,
    snapshots,
    faults,
    lanes: faultLanes(trace, Math.max(scenario.durationMs, summary.virtualTimeMs)),
    history: world.history.map(formatHistoryOp),
    sequenceSvg,
    rowsOfStep,
  };
}
