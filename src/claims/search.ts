import fc from 'fast-check';
import { resolveConfig, type ClusterConfig } from '../config/index.js';
import { buildWorld, configOf, runScenario } from '../cluster/run.js';
import type { Scenario } from '../cluster/scenario.js';
import { prepareSearch, propertyIds, type ExploreOptions } from '../explore/search.js';
import { storyOf, type StoryStep } from '../explore/story.js';
import type { TraceEvent } from '../sim/trace.js';
import type { Invariant, Violation, World } from '../sim/world.js';

/**
 * A check a claim adds to the replication invariants: a fresh, stateful invariant per run,
 * checked after every event like the others. Its id is the claim's name for what broke.
 */
export interface ClaimCheck {
  readonly id: string;
  readonly make: (config: ClusterConfig) => Invariant;
}

/** A replication invariant (by its id in spec/) or a claim's own check. */
export type Check = string | ClaimCheck;

export const checkId = (c: Check): string => (typeof c === 'string' ? c : c.id);

/**
 * A claim's search: explore()'s options, with a claim check in place of the property and a
 * cap on shrinking. explore() shrinks to the end; claims cap it so the whole catalogue runs
 * within its time budget, deterministically (a cap in attempts, never in wall time).
 */
export type SearchOptions = Omit<ExploreOptions, 'property' | 'check' | 'onProgress' | 'maxShrinks'> & {
  readonly check: Check;
  readonly maxShrinks: number;
};

export interface SearchResult {
  readonly options: SearchOptions;
  readonly found: boolean;
  /** Runs tried before the failure (or all of them). */
  readonly runs: number;
  readonly shrinks: number;
  /** The shrunk failing scenario, as its file is written. */
  readonly scenario: Scenario | undefined;
}

function exploreOptions(opts: SearchOptions): ExploreOptions {
  const { check, ...rest } = opts;
  return { ...rest, property: checkId(check), ...(typeof check === 'string' ? {} : { check: check.make }) };
}

/** Build a world for a scenario with the check installed (a claim check, or only that invariant). */
function worldWith(scenario: Scenario, check: Check, trace: 'full' | 'off'): World {
  const { world, config } = buildWorld(scenario, trace);
  if (typeof check !== 'string') world.addInvariant(check.make(config ?? configOf(scenario)));
  return world;
}

/**
 * Search for a run that breaks `check` with explore's search (the same space, arbitraries and
 * scenario shape), with a cap on shrinking. Deterministic: fast-check's seed is fixed.
 */
export function searchCounterexample(opts: SearchOptions): SearchResult {
  if (typeof opts.check === 'string' && !propertyIds().includes(opts.check)) throw new Error(`unknown property ${opts.check}`);
  const p = prepareSearch(exploreOptions(opts));
  const details = fc.check(fc.property(p.arb, p.holds), p.params);
  if (!details.failed || !details.counterexample) return { options: opts, found: false, runs: p.seen.tried, shrinks: 0, scenario: undefined };
  return { options: opts, found: true, runs: p.seen.tried, shrinks: p.seen.shrinks, scenario: p.toScenario(details.counterexample[0]) };
}

/** A counterexample replayed in full: what the report tells and draws. */
export interface Replayed {
  readonly scenario: Scenario;
  readonly violation: Violation | undefined;
  readonly story: readonly StoryStep[];
  readonly trace: readonly TraceEvent[];
}

/**
 * Replay a found scenario with its check and the full trace, and fill in what a replay must
 * reproduce. A claim check is not a replication invariant, so `kafka-model replay` runs the
 * file with no invariant on (its `properties` is empty) for the whole duration: the file
 * expects that run's trace hash, and the violation is the claim's (told in the story).
 */
export function replayCounterexample(scenario: Scenario, check: Check): Replayed {
  const world = worldWith(scenario, check, 'full');
  world.start();
  world.run({ until: scenario.durationMs });
  const trace = world.trace.events();
  const violation = world.violation;
  const plain = typeof check === 'string' ? undefined : runScenario(scenario, 'full');
  const hash = plain ? plain.summary.traceHash : world.trace.hash();
  const { expect: _old, ...rest } = scenario;
  void _old;
  const expect = {
    ...(typeof check === 'string' && violation ? { violation: violation.property } : {}),
    ...(hash ? { traceHash: hash } : {}),
  };
  return { scenario: { ...rest, expect }, violation, story: storyOf(trace), trace };
}
