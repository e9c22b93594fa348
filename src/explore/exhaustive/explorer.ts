import { InputError } from '../../errors.js';
import { buildWorld } from '../../cluster/run.js';
import { parseScenario, type Scenario } from '../../cluster/scenario.js';
import type { ScriptedChoice } from '../../sim/scripted-chooser.js';
import { scriptedChooser } from '../../sim/scripted-chooser.js';
import type { Chooser, Violation, World } from '../../sim/world.js';
import { propertyIds, storyFocusOf } from '../search.js';
import { storyOf, type StoryStep } from '../story.js';
import { exhaustiveSpace, faultOptions, type ExhaustiveOptions, type ExhaustiveSpace } from './space.js';
import { stateHash } from './state-hash.js';

export interface ExhaustiveResult {
  readonly property: string;
  readonly kafka: string;
  readonly config: string;
  readonly brokers: number;
  readonly records: number;
  readonly budget: number;
  /** The bound: choices off the World's own order per run. */
  readonly depth: number;
  /**
   * Distinct world states hashed (each explored once): every choice point of a run that has
   * choices left, and the first one after a run's last choice (the rest of such a run has no
   * choice, so it is run and checked, not hashed).
   */
  readonly states: number;
  /** Choice points reached (a state generated), counting those found already visited. */
  readonly transitions: number;
  /** Runs executed (each re-executes its choices from the initial state). */
  readonly runs: number;
  /** The most choices any explored run made. */
  readonly depthReached: number;
  /** Every choice at every reachable state of fewer than `depth` choices was explored. */
  readonly exhausted: boolean;
  readonly found: boolean;
  readonly violation: Violation | undefined;
  /** The counterexample: the base scenario with its `choices`, replayable. */
  readonly scenario: Scenario | undefined;
  readonly story: readonly StoryStep[] | undefined;
}

/** Thrown by the explorer's chooser to end a run whose state was explored already. */
const visitedAlready = Symbol('visited');

interface Seen {
  /** Choices left when the state was explored. */
  readonly left: number;
  readonly at: number;
}

/**
 * Bounded exhaustive exploration (issue 17, item 4), as TLC and Stateright explore: every run
 * whose choices (the event run next among those enabled, a fault episode striking before a
 * step) leave the World's own order at most `depth` times, breadth-first by the number of
 * choices, each world state explored once (its hash, and the choices left to it).
 *
 * Restoring a state is re-executing its choices from the initial state (a scripted chooser):
 * simple and exactly deterministic, and cheap at these depths. XState actors could be restored
 * from persisted snapshots too, but the kernel's timers hold XState's callbacks, which a
 * snapshot does not.
 */
export function exploreExhaustive(opts: ExhaustiveOptions): ExhaustiveResult {
  if (!opts.check && opts.property !== 'all' && !propertyIds().includes(opts.property)) throw new InputError(`--property: unknown property "${opts.property}" (expected all or one of ${propertyIds().join(', ')})`);
  const space = exhaustiveSpace(opts);
  const maxStates = opts.maxStates ?? Number.POSITIVE_INFINITY;
  const visited = new Map<string, Seen>();
  let transitions = 0;
  let runs = 0;
  let depthReached = 0;
  let level: ScriptedChoice[][] = [[]];
  for (let k = 0; k <= opts.depth && level.length > 0; k++) {
    const next: ScriptedChoice[][] = [];
    for (const script of level) {
      if (visited.size >= maxStates) return verdict(opts, space, { states: visited.size, transitions, runs, depthReached, exhausted: false });
      runs++;
      depthReached = Math.max(depthReached, script.length);
      const v = runOne(space, script, opts.depth - script.length, visited, (child) => next.push(child), () => transitions++);
      opts.onProgress?.({ states: visited.size, transitions, runs, level: k });
      if (v) return verdict(opts, space, { states: visited.size, transitions, runs, depthReached, exhausted: false }, script, v);
    }
    level = next;
  }
  return verdict(opts, space, { states: visited.size, transitions, runs, depthReached, exhausted: true });
}

/**
 * One run: follow `script`, then at every choice point after it note the state, stop if it was
 * explored already with as many choices left, and queue one child script per other choice.
 */
function runOne(space: ExhaustiveSpace, script: readonly ScriptedChoice[], left: number, visited: Map<string, Seen>, child: (s: ScriptedChoice[]) => void, transition: () => void): Violation | undefined {
  const world = worldOf(space, space.base, 'off');
  const follow = scriptedChooser(script);
  const lastStep = script.length === 0 ? -1 : script[script.length - 1]!.step;
  let checkedOnce = false;
  const chooser: Chooser = {
    choose(w, point) {
      if (point.step <= lastStep) return follow.choose(w, point);
      // With no choice left the rest of the run is determined: it is explored, not hashed,
      // once its first state is known to be new.
      if (left === 0 && checkedOnce) return undefined;
      checkedOnce = true;
      transition();
      const key = stateHash(w);
      const seen = visited.get(key);
      // Seen at this instant or earlier with as many choices left: everything from here was
      // explored (a later instant only shortens what is left before the horizon).
      if (seen && seen.left >= left && seen.at <= point.now) throw visitedAlready;
      visited.set(key, { left: Math.max(left, seen?.left ?? 0), at: Math.min(point.now, seen?.at ?? point.now) });
      if (left > 0) {
        for (let pick = 1; pick < point.enabled.length; pick++) child([...script, { step: point.step, pick }]);
        for (const faults of faultOptions(w, space)) child([...script, { step: point.step, faults }]);
      }
      return undefined;
    },
  };
  world.setChooser(chooser);
  world.start();
  try {
    return world.run({ until: space.base.durationMs });
  } catch (e) {
    if (e === visitedAlready) return undefined;
    throw e;
  }
}

/** The world of a scenario of this space, with the caller's check installed if there is one. */
function worldOf(space: ExhaustiveSpace, scenario: Scenario, trace: 'full' | 'off'): World {
  const { world, config } = buildWorld(scenario, trace);
  if (space.check) world.addInvariant(space.check(config ?? space.config));
  return world;
}

function verdict(
  opts: ExhaustiveOptions,
  space: ExhaustiveSpace,
  counts: { states: number; transitions: number; runs: number; depthReached: number; exhausted: boolean },
  script?: readonly ScriptedChoice[],
  violation?: Violation,
): ExhaustiveResult {
  const head = { property: opts.property, kafka: space.kafka, config: opts.preset, brokers: space.brokers.length, records: opts.records ?? 1, budget: space.budget, depth: opts.depth, ...counts };
  if (!script || !violation) return { ...head, found: false, violation: undefined, scenario: undefined, story: undefined };
  // Through the schema, as a file would be read: the counterexample is a valid scenario.
  const found = parseScenario({ ...space.base, choices: script });
  // Replayed with the trace on, as `replay` will: its hash is what the file expects.
  const replayed = worldOf(space, found, 'full');
  replayed.start();
  replayed.run({ until: found.durationMs });
  const traceHash = replayed.trace.hash();
  const scenario: Scenario = { ...found, expect: { violation: replayed.violation?.property ?? opts.property, ...(traceHash ? { traceHash } : {}) } };
  return { ...head, found: true, violation: replayed.violation ?? violation, scenario, story: storyOf(replayed.trace.events(), storyFocusOf(opts.property)) };
}
