import type { Scenario } from '../cluster/scenario.js';
import type { StoryStep } from '../explore/story.js';
import type { TraceEvent } from '../sim/trace.js';
import type { Violation } from '../sim/world.js';
import { experiments } from './experiments/index.js';
import { newestRelease, presets } from '../config/index.js';
import { checkId, replayCounterexample, searchCounterexample, type SearchResult } from './search.js';
import type { Budget, Claim, Exhibit, ExperimentContext, Figure, SearchRequest, Verdict } from './types.js';

/** A counterexample or witness, replayed: what the report tells, draws and writes. */
export interface ShownRun {
  readonly caption: string;
  readonly check: string;
  /** Where the scenario file goes, relative to the repository root (as the replay command names it). */
  readonly file: string;
  readonly scenario: Scenario;
  readonly story: readonly StoryStep[];
  readonly trace: readonly TraceEvent[];
  readonly violation: Violation | undefined;
  readonly replay: string;
}

export interface ClaimResult {
  readonly claim: Claim;
  readonly verdict: Verdict;
  readonly conditions: readonly string[];
  readonly evidence: readonly string[];
  readonly reason: string | undefined;
  readonly counterexample: ShownRun | undefined;
  readonly witness: ShownRun | undefined;
  /** The verdict is the one the catalogue records. */
  readonly matches: boolean;
  /** The Kafka release the verdict is about. */
  readonly kafka: string;
  /** Measurements shown as a table and a plot. */
  readonly figure?: Figure;
}

export interface RunOptions {
  readonly budget: Budget;
  /** The Kafka release to check the claims on (default: the newest). */
  readonly kafka?: string;
  /** Directory of counterexample files, relative to the repository root. */
  readonly cxDir: string;
  readonly onStart?: (claim: Claim, index: number, total: number) => void;
  readonly onResult?: (result: ClaimResult, index: number, total: number) => void;
}

function context(budget: Budget, kafka: string): ExperimentContext {
  const memo = new Map<string, SearchResult>();
  const key = (req: SearchRequest, shrink: boolean) => JSON.stringify({ ...req, check: checkId(req.check), shrink });
  // A preset about a release of its own (hw-truncation: 0.10.2) stays on it.
  const releaseOf = (preset: string): string | undefined => (presets.find((p) => p.name === preset)?.release ? undefined : kafka);
  return {
    budget,
    kafka,
    config: (preset = 'default', overrides = {}) => {
      const k = releaseOf(preset);
      return { ...(k === undefined ? {} : { kafka: k }), preset, overrides };
    },
    search(input) {
      const release = input.kafka ?? releaseOf(input.preset);
      const req = release === undefined ? input : { ...input, kafka: release };
      const shrink = req.shrink ?? true;
      const k = key(req, shrink);
      const hit = memo.get(k);
      if (hit) return hit;
      // Nothing found without shrinking is nothing found with it: reuse the search.
      const other = memo.get(key(req, !shrink));
      if (other && !other.found) return other;
      const { mode, shrink: _s, ...opts } = req;
      void _s;
      const r = searchCounterexample({
        ...opts,
        runs: mode === 'hold' ? budget.holdRuns : budget.findRuns,
        seed: budget.seed,
        maxShrinks: shrink ? budget.maxShrinks : 0,
      });
      memo.set(k, r);
      return r;
    },
  };
}

/** Run the claims (in catalogue order) and give each a verdict. Deterministic for a budget. */
export function runClaims(claims: readonly Claim[], opts: RunOptions): ClaimResult[] {
  const ctx = context(opts.budget, opts.kafka ?? newestRelease.version);
  const replays = new Map<string, ReturnType<typeof replayCounterexample>>();
  const show = (claim: Claim, ex: Exhibit | undefined, kind: 'counterexample' | 'witness'): ShownRun | undefined => {
    if (!ex) return undefined;
    const k = `${checkId(ex.check)}\n${JSON.stringify(ex.scenario)}`;
    let r = replays.get(k);
    if (!r) replays.set(k, (r = replayCounterexample(ex.scenario, ex.check)));
    const file = `${opts.cxDir}/${claim.id}${kind === 'witness' ? '.witness' : ''}.json`;
    return { caption: ex.caption, check: checkId(ex.check), file, scenario: r.scenario, story: r.story, trace: r.trace, violation: r.violation, replay: `kafka-model replay ${file}` };
  };
  const out: ClaimResult[] = [];
  claims.forEach((claim, i) => {
    opts.onStart?.(claim, i, claims.length);
    const experiment = experiments[claim.experiment];
    if (!experiment) throw new Error(`claim ${claim.id}: unknown experiment ${claim.experiment}`);
    const o = experiment(ctx);
    const result: ClaimResult = {
      claim,
      verdict: o.verdict,
      conditions: o.conditions,
      evidence: o.evidence,
      reason: o.reason,
      counterexample: show(claim, o.counterexample, 'counterexample'),
      witness: show(claim, o.witness, 'witness'),
      matches: o.verdict === claim.expected,
      kafka: ctx.kafka,
      ...(o.figure ? { figure: o.figure } : {}),
    };
    out.push(result);
    opts.onResult?.(result, i, claims.length);
  });
  return out;
}
