import { availableParallelism } from 'node:os';
import { historicalBugs } from '../src/bugs/catalogue.js';
import { defaultEpisodeKinds } from '../src/workload/arbitraries.js';
import { exploreParallel } from '../src/explore/parallel.js';
import { exploreAsync, type ExploreOptions } from '../src/explore/search.js';

/**
 * Time to find (issue #17, item 6): for each refuted preset and each `kafka-model bugs` entry,
 * the wall time until the search's first failing run, from seeds 1 to 5. The baseline is the
 * previous search (uniform fault kinds, one worker), run on the same seeds in the same process;
 * beside it the search with faults aimed at roles (`--aim`), on one worker and on every core,
 * each with its ratio to the baseline's median. Shrinking is left out (it is the same work
 * whatever finds the run). A seed that finds nothing within the cap counts as above it.
 *
 * `BENCH_FIND_ONLY=acks1,KIP-966` runs some targets; `BENCH_FIND_RUNS` sets the cap (2,500, as
 * `kafka-model bugs`); `BENCH_FIND_SEEDS` the seeds (1,2,3,4,5).
 */
interface Target {
  readonly name: string;
  readonly opts: Omit<ExploreOptions, 'runs' | 'seed'>;
}

const presetTargets: readonly Target[] = [
  { name: 'acks1', opts: { property: 'no-acked-loss', preset: 'acks1' } },
  { name: 'min-isr-1 (budget 2)', opts: { property: 'no-acked-loss', preset: 'min-isr-1', budget: 2, faults: defaultEpisodeKinds } },
  { name: 'unclean (budget 2)', opts: { property: 'no-acked-loss', preset: 'unclean', budget: 2 } },
  { name: 'hw-truncation (budget 2)', opts: { property: 'no-acked-loss', preset: 'hw-truncation', budget: 2 } },
  { name: 'kip101-only', opts: { property: 'replica-consistency', preset: 'kip101-only' } },
  { name: 'default, correlated', opts: { property: 'no-acked-loss', preset: 'default', correlated: true, budget: 3 } },
];

const bugTargets: readonly Target[] = historicalBugs.map((b) => {
  const { seed: _catalogueSeed, ...search } = b.search;
  return { name: `${b.id} (${b.buggy})`, opts: { property: b.property, kafka: b.buggy, ...search } };
});

const cap = Number(process.env.BENCH_FIND_RUNS ?? 2500);
const seeds = (process.env.BENCH_FIND_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const only = process.env.BENCH_FIND_ONLY?.split(',');

/** Wall ms until the first failing run, or Infinity when none within the cap. */
async function timeToFind(t: Target, seed: number, workers: number, aim: boolean): Promise<number> {
  const t0 = performance.now();
  let foundAt = Infinity;
  const opts: ExploreOptions = { ...t.opts, ...(aim ? { aim: true } : {}), runs: cap, seed, maxShrinks: 0, onFound: () => (foundAt = performance.now() - t0) };
  const r = workers === 1 ? await exploreAsync(opts) : await exploreParallel(opts, workers);
  // The parallel search reports the winning run after its threads stop: time it to there.
  if (r.found && foundAt === Infinity) foundAt = performance.now() - t0;
  return r.found ? foundAt : Infinity;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (ms: number) => (ms === Infinity ? `>${cap} runs` : `${(ms / 1000).toFixed(1)} s`);

export default async function run(): Promise<void> {
  const cores = availableParallelism();
  const targets = [...presetTargets, ...bugTargets].filter((t) => !only || only.some((o) => t.name.startsWith(o)));
  console.log(`time to find: seeds ${seeds.join(',')}, at most ${cap} runs each, median wall time to the first failing run; the previous search (uniform faults, 1 worker: the baseline), and with --aim on 1 worker and on ${cores}`);
  const ratio = (base: number, m: number) => (Number.isFinite(base) && Number.isFinite(m) ? `  ${(base / m).toFixed(2)}x` : '');
  for (const t of targets) {
    const uniform: number[] = [];
    const aimed: number[] = [];
    const aimedAll: number[] = [];
    for (const seed of seeds) {
      uniform.push(await timeToFind(t, seed, 1, false));
      aimed.push(await timeToFind(t, seed, 1, true));
      if (cores > 1) aimedAll.push(await timeToFind(t, seed, cores, true));
    }
    const base = median(uniform);
    const m1 = median(aimed);
    const line = [
      `  ${t.name.padEnd(26)} uniform: ${show(base).padStart(12)} (${uniform.map(show).join(', ')})`,
      `--aim: ${show(m1).padStart(12)}${ratio(base, m1)} (${aimed.map(show).join(', ')})`,
    ];
    if (cores > 1) {
      const mN = median(aimedAll);
      line.push(`--aim, ${cores} workers: ${show(mN).padStart(12)}${ratio(base, mN)}`);
    }
    console.log(line.join('   '));
  }
  console.log('  bar (issue #17): every target found from seeds 1-5 within 30 s on one core, median under 5 s');
}
