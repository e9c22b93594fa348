import { runScenario } from '../cluster/run.js';
import type { Scenario } from '../cluster/scenario.js';
import { exploreAsync, type ExploreOptions, type ExploreResult } from '../explore/search.js';
import { fixOf, type HistoricalBug } from './catalogue.js';

/** How hard `kafka-model bugs` looks: runs to find each bug, and runs the fix must hold over. */
export interface BugBudget {
  readonly name: 'quick' | 'full';
  readonly findRuns: number;
  readonly heldRuns: number;
}

export const bugBudgets: Record<BugBudget['name'], BugBudget> = {
  quick: { name: 'quick', findRuns: 2500, heldRuns: 100 },
  full: { name: 'full', findRuns: 2500, heldRuns: 300 },
};

/** Shrunk counterexamples longer than this are reported as not short enough to read. */
export const maxStorySteps = 15;

/** What one bug's two searches found, with the evidence: runs, time, the counterexample. */
export interface BugResult {
  readonly bug: HistoricalBug;
  readonly fix: { readonly ref: string; readonly setting: string; readonly value: unknown };
  readonly foundOnBuggy: boolean;
  /** Runs the search on the buggy release took to find it (or all of them). */
  readonly runs: number;
  /** Wall time until found, before shrinking (the clock the caller gave). */
  readonly foundMs: number | undefined;
  readonly shrunkSteps: number | undefined;
  readonly scenario: Scenario | undefined;
  /** The counterexample, run again, gives the same violation and the same trace hash. */
  readonly replays: boolean;
  /**
   * The counterexample, on the buggy release with only the fix's switch turned on, holds: the
   * violation is this bug's and no other's.
   */
  readonly fixAloneRepairs: boolean;
  readonly heldOnFixed: boolean;
  /** Runs the same search made on the fixed release (all of them when it held). */
  readonly heldRuns: number;
  /** When the fixed release broke the property after all: its counterexample. */
  readonly fixedCounterexample: Scenario | undefined;
  readonly ok: boolean;
}

export interface BugRunOptions {
  readonly budget: BugBudget;
  /** A search seed other than the catalogue's. */
  readonly seed?: number;
  /** Wall-clock milliseconds (the CLI passes one; nothing on the simulation path reads time). */
  readonly clock?: () => number;
  readonly onPhase?: (bug: HistoricalBug, phase: 'buggy' | 'fixed', progress: { runs: number; shrinks: number }) => void;
}

function searchOf(bug: HistoricalBug, kafka: string, runs: number, seed: number): ExploreOptions {
  const s = bug.search;
  return {
    property: bug.property,
    preset: s.preset,
    kafka,
    runs,
    seed,
    ...(s.budget === undefined ? {} : { budget: s.budget }),
    ...(s.faults === undefined ? {} : { faults: s.faults }),
    ...(s.correlated ? { correlated: true } : {}),
    ...(s.maxEpisodes === undefined ? {} : { maxEpisodes: s.maxEpisodes }),
    ...(s.durationMs === undefined ? {} : { durationMs: s.durationMs }),
    ...(s.restartAfterSession ? { restartAfterSession: true } : {}),
    ...(s.aim ? { aim: true } : {}),
  };
}

/** The counterexample run again on its release with `overrides` added: the property it broke, if any. */
function violationWith(scenario: Scenario, overrides: Record<string, unknown>): string | undefined {
  const again: Scenario = { ...scenario, config: { ...scenario.config, overrides: { ...scenario.config.overrides, ...overrides } } };
  delete (again as { expect?: unknown }).expect;
  return runScenario(again, 'off').summary.violation?.property;
}

/**
 * Search the buggy release for the bug, check its counterexample (replay, and repaired by the
 * fix alone), then run the same search on the fixed release.
 */
export async function runBug(bug: HistoricalBug, opts: BugRunOptions): Promise<BugResult> {
  const fix = fixOf(bug);
  const seed = opts.seed ?? bug.search.seed;
  const clock = opts.clock ?? (() => 0);
  const start = clock();
  let foundAt: number | undefined;
  const onBuggy: ExploreResult = await exploreAsync({
    ...searchOf(bug, bug.buggy, opts.budget.findRuns, seed),
    onFound: () => void (foundAt = clock() - start),
    onProgress: (p) => opts.onPhase?.(bug, 'buggy', p),
  });
  const scenario = onBuggy.scenario;
  let replays = false;
  let fixAloneRepairs = false;
  if (scenario) {
    const again = runScenario(scenario, 'full');
    replays = again.summary.violation?.property === bug.property && again.summary.traceHash === scenario.expect?.traceHash;
    fixAloneRepairs = violationWith(scenario, { [fix.setting]: fix.value }) !== bug.property;
  }
  const onFixed = await exploreAsync({ ...searchOf(bug, bug.fixed, opts.budget.heldRuns, seed), onProgress: (p) => opts.onPhase?.(bug, 'fixed', p) });
  const foundOnBuggy = onBuggy.found;
  const heldOnFixed = !onFixed.found;
  const shortEnough = (onBuggy.shrunkSteps ?? Number.POSITIVE_INFINITY) <= maxStorySteps;
  return {
    bug,
    fix: { ref: fix.ref, setting: fix.setting, value: fix.value },
    foundOnBuggy,
    runs: onBuggy.runs,
    foundMs: foundAt === undefined ? undefined : Math.round(foundAt),
    shrunkSteps: onBuggy.shrunkSteps,
    scenario,
    replays,
    fixAloneRepairs,
    heldOnFixed,
    heldRuns: onFixed.runs,
    fixedCounterexample: onFixed.scenario,
    ok: foundOnBuggy && heldOnFixed && replays && fixAloneRepairs && shortEnough,
  };
}
