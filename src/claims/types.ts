import type { Scenario } from '../cluster/scenario.js';
import type { Check, SearchOptions, SearchResult } from './search.js';

export const verdicts = ['holds', 'holds-if', 'refuted', 'not-modelled'] as const;
export type Verdict = (typeof verdicts)[number];

/** One claim of the catalogue (spec/claims.json). */
export interface Claim {
  readonly id: string;
  /** The section of the seed (spec/seed/kafka-notes.md) the sentence is in. */
  readonly section: string;
  /** The sentence, quoted as the notes have it (test/claims/seed.test.ts checks it is there). */
  readonly quote: string;
  /** What the model checks, precisely. */
  readonly statement: string;
  /** The property or experiment that checks it (a name in src/claims/experiments). */
  readonly experiment: string;
  /** The verdict recorded in the catalogue: the one `kafka-model claims` expects. */
  readonly expected: Verdict;
  /** For not-modelled claims: why the model cannot check them. */
  readonly reason?: string;
}

/**
 * How hard to look. `holdRuns`: runs of a search that is expected to find nothing (the safe
 * configuration). `findRuns`: the cap for a search that looks for a counterexample (it stops
 * at the first). Both budgets share `findRuns`, `maxShrinks` and the seed, so quick and full
 * runs find the same counterexamples and write the same files; they differ in how long they
 * try to break what holds. 1,000 finding runs: the rarest counterexample a claim rests on, a
 * zombie consumer processing beside the new owner (`no-concurrent-processing`), needs 896 from
 * seed 1.
 */
export interface Budget {
  readonly name: 'quick' | 'full';
  readonly holdRuns: number;
  readonly findRuns: number;
  readonly maxShrinks: number;
  readonly seed: number;
}

export const budgets: Record<Budget['name'], Budget> = {
  quick: { name: 'quick', holdRuns: 20, findRuns: 1000, maxShrinks: 150, seed: 1 },
  full: { name: 'full', holdRuns: 400, findRuns: 1000, maxShrinks: 150, seed: 1 },
};

/** A run an experiment points at: a counterexample, or a witness that something is possible. */
export interface Exhibit {
  readonly check: Check;
  readonly scenario: Scenario;
  /** What it shows, one sentence. */
  readonly caption: string;
}

/** Measurements an experiment shows as a table and a plot (an SVG document). */
export interface Figure {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly svg: string;
}

export interface Outcome {
  readonly verdict: Verdict;
  /** For holds-if: the conditions under which it holds. */
  readonly conditions: readonly string[];
  /** What was measured, one line each. */
  readonly evidence: readonly string[];
  readonly counterexample?: Exhibit;
  readonly witness?: Exhibit;
  readonly reason?: string;
  readonly figure?: Figure;
}

export type SearchRequest = Omit<SearchOptions, 'runs' | 'seed' | 'maxShrinks'> & {
  /** `hold`: expected to find nothing, runs holdRuns; `find`: looks for a failure, up to findRuns. */
  readonly mode: 'hold' | 'find';
  /** Shrink what is found (only for what the report shows). Default true. */
  readonly shrink?: boolean;
};

export interface ExperimentContext {
  readonly budget: Budget;
  /** The Kafka release the claims are checked on (`--kafka`); presets with a release of their own keep it. */
  readonly kafka: string;
  /** A scenario's `config` on that release: the default preset unless named. */
  config(preset?: string, overrides?: Record<string, unknown>): { kafka?: string; preset: string; overrides: Record<string, unknown> };
  /** Searches are memoized per run of the catalogue: claims that share one share its cost. */
  search(req: SearchRequest): SearchResult;
}

export type Experiment = (ctx: ExperimentContext) => Outcome;
