import { expect } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { exploreAsync, type ExploreOptions, type ExploreResult } from '../../src/explore/search.js';
import { formatStory } from '../../src/explore/story.js';

/** On an unexpected outcome, say what to run to see it (the replay command of the scenario). */
export function explain(r: ExploreResult): string {
  if (!r.scenario) return `no counterexample (${r.runs} runs)`;
  return `counterexample (save it and run kafka-model replay FILE):\n${JSON.stringify(r.scenario)}\n${formatStory(r.story ?? [])}`;
}

/**
 * The search finds a run breaking `opts.property`, shrinks it to at most `maxSteps` story steps,
 * and the written scenario replays to the same violation and the same trace, byte for byte.
 * Returns the search's result and the replayed run.
 */
export async function expectFoundAndShrunk(opts: ExploreOptions, maxSteps = 15): Promise<{ result: ExploreResult; replay: ReturnType<typeof runScenario> }> {
  const r = await exploreAsync(opts);
  expect(r.found, explain(r)).toBe(true);
  expect(r.violation?.property).toBe(opts.property);
  expect(r.shrunkSteps, explain(r)).toBeLessThanOrEqual(maxSteps);
  const again = runScenario(r.scenario!, 'full');
  expect(again.summary.violation?.property).toBe(opts.property);
  expect(again.summary.traceHash).toBe(r.scenario!.expect!.traceHash);
  return { result: r, replay: again };
}
