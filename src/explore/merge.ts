import { z } from 'zod';
import { InputError } from '../errors.js';
import type { Scenario } from '../cluster/scenario.js';
import type { Violation } from '../sim/world.js';
import { parseShard, runsInSlice, shardName, wholeSearch, type Slice } from './slice.js';
import type { StoryStep } from './story.js';

/**
 * What identifies a search, whoever runs which part of it: `merge` combines only results whose
 * searches are equal (the same runs, so that the shards partition one search).
 */
export interface SearchParameters {
  readonly property: string;
  readonly config: string;
  readonly kafka: string;
  readonly budget: number;
  /** The search's --runs (a shard runs its slice of them). */
  readonly runs: number;
  readonly seed: number;
  readonly faults: readonly string[];
  readonly correlated: boolean;
  readonly tear: boolean;
  /** Swarm testing (absent in results written before it existed: false). */
  readonly swarm: boolean;
  /** Crashed brokers restart after their ZooKeeper session expired (absent before it existed: false). */
  readonly restartAfterSession: boolean;
  readonly maxEpisodes: number;
  /** --max-shrinks, or null: shrink to the end. */
  readonly maxShrinks?: number | null;
  readonly duration: number;
  readonly commit: string | null;
}

/** What a search's verdict says in JSON, shard or whole: `explore --json` and `merge --json` alike. */
interface VerdictJson {
  readonly property: string;
  readonly kafka: string;
  readonly config: string;
  readonly budget: number;
  /** Runs tried: up to and including the counterexample, or all of them (a shard: of its runs only). */
  readonly runs: number;
  readonly found: boolean;
  readonly seed: number;
  /** 0-based index, in the whole search from `seed`, of the run that broke the property. */
  readonly runIndex: number | null;
}

/** `explore --json`: what a shard hands to `merge`. */
export interface ExploreJson extends VerdictJson {
  /** `K/N` when this is a shard of the search, else null (the whole search, 1/1). */
  readonly shard: string | null;
  readonly workers: number;
  readonly search: SearchParameters;
  readonly shrunkSteps: number | null;
  readonly foundMs: number | null;
  readonly elapsedMs: number;
  readonly scenario: Scenario | null;
  readonly violation: Violation | null;
  readonly story: readonly StoryStep[] | null;
}

/** `merge --json`: the verdict of the whole search (`runs` as the unsharded search reports it). */
export interface MergedJson extends VerdictJson {
  readonly shards: number;
  /** Runs the shards tried between them (more than `runs` when a shard went past the counterexample). */
  readonly explored: number;
  readonly search: SearchParameters;
  readonly shrunkSteps: number | null;
  readonly scenario: Scenario | null;
  readonly violation: Violation | null;
  readonly story: readonly StoryStep[] | null;
}

const count = z.number().int().nonnegative();
const searchSchema = z.object({
  property: z.string(),
  config: z.string(),
  kafka: z.string(),
  budget: count,
  runs: count,
  seed: z.number().int(),
  faults: z.array(z.string()),
  correlated: z.boolean(),
  tear: z.boolean(),
  swarm: z.boolean().default(false),
  restartAfterSession: z.boolean().default(false),
  maxEpisodes: count,
  maxShrinks: count.nullable().optional(),
  duration: count,
  commit: z.string().nullable(),
});
const shardSchema = z.object({
  runs: count,
  found: z.boolean(),
  runIndex: count.nullable(),
  shard: z.string().nullable(),
  search: searchSchema,
  shrunkSteps: count.nullable(),
  scenario: z.record(z.string(), z.unknown()).nullable(),
  violation: z.record(z.string(), z.unknown()).nullable(),
  story: z.array(z.unknown()).nullable(),
});

export interface ShardResult {
  readonly file: string;
  readonly json: unknown;
}

/**
 * The verdict of a search from the verdicts of all its shards. Shard K/N ran the runs i with
 * i mod N = K-1 and stopped at its first failing run, so the whole search's first failing run
 * is the lowest run index any shard reports: its counterexample (shrunk by that shard, the
 * same as the whole search would shrink it) is the merged one. "First in shard order" is
 * this order, the order of the runs in the unsharded search. Every shard must be there exactly
 * once, of the same search: a missing shard could hold an earlier counterexample, or the
 * only one.
 */
export function mergeShards(results: readonly ShardResult[]): MergedJson {
  if (results.length === 0) throw new InputError('merge: no files (expected the explore --json --shard K/N output of every shard)');
  const shards = results.map(({ file, json }) => {
    const parsed = shardSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`${file}: not an explore --json result: ${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'invalid'}`);
    }
    const slice: Slice = parsed.data.shard === null ? wholeSearch : parseShardOf(file, parsed.data.shard);
    return { file, r: parsed.data, full: json as ExploreJson, slice };
  });
  const first = shards[0]!;
  for (const s of shards) {
    const field = (Object.keys(first.r.search) as (keyof SearchParameters)[]).find((k) => JSON.stringify(s.r.search[k]) !== JSON.stringify(first.r.search[k]));
    if (field !== undefined) {
      throw new InputError(`${s.file}: a shard of another search than ${first.file} (${field} ${JSON.stringify(s.r.search[field])}, not ${JSON.stringify(first.r.search[field])})`);
    }
    if (s.slice.count !== first.slice.count) throw new InputError(`${s.file}: shard ${shardName(s.slice)}, but ${first.file} is shard ${shardName(first.slice)}: every shard must be of the same N`);
  }
  const n = first.slice.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const other = byIndex.get(s.slice.index);
    if (other !== undefined) throw new InputError(`merge: shard ${shardName(s.slice)} given twice (${other} and ${s.file})`);
    byIndex.set(s.slice.index, s.file);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const names = missing.slice(0, 5).map((i) => `${i + 1}/${n}`).join(', ') + (missing.length > 5 ? `, ... (${missing.length} in all)` : '');
    throw new InputError(`merge: shard${missing.length === 1 ? '' : 's'} ${names} missing: the verdict needs every shard of the search`);
  }
  const search = first.r.search;
  for (const { file, r, slice } of shards) {
    const name = shardName(slice);
    if (r.found !== (r.runIndex !== null) || r.found !== (r.scenario !== null)) throw new InputError(`${file}: found is ${r.found}, but runIndex is ${r.runIndex} and the scenario is ${r.scenario === null ? 'absent' : 'present'}`);
    if (r.runIndex !== null && (r.runIndex >= search.runs || r.runIndex % n !== slice.index)) throw new InputError(`${file}: run ${r.runIndex} is not a run of shard ${name} of ${search.runs} runs`);
    const expected = runsInSlice(slice, r.runIndex === null ? search.runs : r.runIndex + 1);
    if (r.runs !== expected) throw new InputError(`${file}: ${r.runs} runs, but shard ${name} of ${search.runs} runs has ${expected}${r.runIndex === null ? '' : ` up to run ${r.runIndex}`}: an incomplete or altered result`);
  }
  const explored = shards.reduce((a, s) => a + s.r.runs, 0);
  const failing = shards.filter((s) => s.r.runIndex !== null).sort((a, b) => a.r.runIndex! - b.r.runIndex!);
  const winner = failing[0];
  const base = { property: search.property, kafka: search.kafka, config: search.config, budget: search.budget, seed: search.seed, shards: n, explored, search };
  if (!winner) return { ...base, runs: explored, found: false, runIndex: null, shrunkSteps: null, scenario: null, violation: null, story: null };
  const runIndex = winner.r.runIndex!;
  return {
    ...base,
    runs: runIndex + 1,
    found: true,
    runIndex,
    shrunkSteps: winner.r.shrunkSteps,
    scenario: winner.full.scenario,
    violation: winner.full.violation,
    story: winner.full.story,
  };
}

function parseShardOf(file: string, text: string): Slice {
  try {
    return parseShard(text);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${file}: shard: ${e.message.replace(/^--shard: /, '')}`);
    throw e;
  }
}
