import { buildWorld, runScenario, type RunSummary } from '../cluster/run.js';
import type { Scenario } from '../cluster/scenario.js';
import { traceToSvgSequence } from '../diagrams/sequence-svg.js';
import { storyTrace } from '../diagrams/story-sequence.js';
import { storyFocusOf } from '../explore/search.js';
import { describeFault, storyOf, type StoryStep } from '../explore/story.js';
import type { HistoryOp } from '../sim/history.js';
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

  // The diagram: each step's entry, with the message that caused it, numbered as the story.
  const told = storyTrace(trace, story);
  const sequenceSvg = traceToSvgSequence(told.events, { maxEvents: told.events.length + 1, rowSteps: true, labels: told.labels, ...(told.violationAt >= 0 ? { violationStep: told.violationAt } : {}) });
  const rowsOfStep: Record<number, number[]> = {};
  told.stepOf.forEach((n, row) => (rowsOfStep[n] ??= []).push(row));

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
