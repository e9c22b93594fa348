import fc from 'fast-check';
import { buildWorld, runScenario } from '../../src/cluster/run.js';
import { parseScenario, type Scenario } from '../../src/cluster/scenario.js';
import { searchSpace } from '../../src/explore/search.js';
import { exploreSpaceFor, type GroupCase, type GroupSpaceOptions } from '../../src/groups/scenarios.js';
import { formatGroupStory, groupStoryOf, type GroupStoryStep } from '../../src/groups/story.js';

export interface Search {
  readonly property: string;
  readonly preset?: string;
  readonly overrides?: Record<string, unknown>;
  readonly options?: GroupSpaceOptions;
  readonly runs: number;
  readonly seed?: number;
  readonly durationMs?: number;
  /** Shrinking steps to try after the first failure (a deterministic bound on the test's time). */
  readonly maxShrinks?: number;
}

export interface Found {
  readonly failed: boolean;
  readonly runs: number;
  readonly scenario: Scenario | undefined;
  readonly message: string | undefined;
  readonly story: readonly GroupStoryStep[];
}

/**
 * Search with fast-check for a run breaking `property`, checking only it; shrink what is found.
 * Asynchronous, yielding to the event loop after every run: a search holds its test worker for
 * tens of seconds, and the test runner's own messages must get through meanwhile.
 */
export async function search(s: Search): Promise<Found> {
  const preset = s.preset ?? 'default';
  const durationMs = s.durationMs ?? 1200;
  const space = searchSpace({ property: s.property, preset, overrides: s.overrides ?? {}, runs: s.runs, seed: s.seed ?? 1, durationMs, maxEpisodes: 3 });
  const g = exploreSpaceFor(s.property, space, { preset, overrides: s.overrides ?? {}, durationMs }, s.options)!;
  const toScenario = (c: GroupCase) => parseScenario({ ...g.toScenario(c), properties: [s.property] });
  let runs = 0;
  let failedAt: number | undefined;
  const maxShrinks = s.maxShrinks ?? 60;
  const details = await fc.check(
    fc.asyncProperty(g.arb, async (c) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Past the shrinking budget every candidate counts as passing: fast-check keeps the
      // smallest failure found so far.
      if (failedAt !== undefined && runs - failedAt >= maxShrinks) return true;
      runs++;
      const scenario = toScenario(c);
      const { world } = buildWorld(scenario, 'off');
      world.start();
      const holds = world.run({ until: scenario.durationMs })?.property !== s.property;
      if (!holds && failedAt === undefined) failedAt = runs;
      return holds;
    }),
    { numRuns: s.runs, seed: s.seed ?? 1, endOnFailure: false },
  );
  const c = details.counterexample?.[0];
  if (!details.failed || !c) return { failed: false, runs, scenario: undefined, message: undefined, story: [] };
  const scenario = toScenario(c);
  const replay = runScenario(scenario, 'full');
  return { failed: true, runs, scenario, message: replay.summary.violation?.message, story: groupStoryOf(replay.world.trace.events()) };
}

/** What a failing "holds" test prints: the violation, its story, and the scenario to replay. */
export function report(f: Found): string {
  return `${f.message}\n${formatGroupStory(f.story)}replay: kafka-model replay with this scenario:\n${JSON.stringify(f.scenario)}`;
}
