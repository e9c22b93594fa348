import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { exploreAsync, findFirstAsync, heldResult, prepareSearch, shrinkRun, type ExploreOptions, type ExploreResult, type SliceFinding } from './search.js';
import { claimer, closeIfIdle, lowerLimit, sharedRuns } from './share.js';
import { runsInSlice, wholeSearch } from './slice.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

/**
 * The search on `workers` searchers, with the verdict one would give: this thread and
 * `workers` - 1 worker threads (worker_threads).
 *
 * The searchers share the runs of the search (or of `opts.slice`): each claims the next run no
 * searcher has claimed (share.ts), so a thread that starts late or runs slowly takes fewer, and
 * none waits at the end for another's fixed share. Run i is the same case whoever runs it
 * (slice.ts). Each searcher stops at its first failing run; one that finds run f lowers a
 * shared limit to f, and the others stop claiming past it. Runs are claimed in order, so every
 * run before f was claimed, and is run unless its claimer found an even earlier one: the
 * counterexample is the lowest failing index, the run one searcher stops at. This thread
 * shrinks it from fast-check's replay path: the same run, the same shrinking, so the same
 * scenario whatever the number of workers. Shrinking stays on one thread: each of its steps
 * depends on the one before.
 *
 * This thread searches too, rather than only waiting: it has the code loaded and compiled,
 * while a new thread spends a few hundred milliseconds loading it, and it is warm for the
 * shrinking afterwards. With one worker the search is the one-thread search that was there
 * before workers.
 */
export async function exploreParallel(opts: ExploreOptions, workers: number, how: { readonly searchHere?: boolean } = {}): Promise<ExploreResult & { readonly runsBySearcher?: readonly number[] }> {
  const slice = opts.slice ?? wholeSearch;
  // Input errors (a property, a preset, a budget) are thrown here, before any thread starts.
  const p = prepareSearch(opts);
  const total = runsInSlice(slice, opts.runs);
  const searchers = Math.max(1, Math.min(workers, total));
  if (searchers === 1) return exploreAsync(opts);
  if (opts.check) throw new Error('exploreParallel: a search with a caller\'s check (a function) runs on one thread');

  const shared = sharedRuns(opts.runs, searchers);
  const { onProgress, onFound, onRun: _onRun, check: _check, ...plain } = opts;
  const tried = new Array<number>(searchers).fill(0);
  const progress = (searcher: number, n: number) => {
    tried[searcher] = n;
    onProgress?.({ runs: tried.reduce((a, b) => a + b, 0), shrinks: 0 });
  };
  // Searcher 0 is this thread, unless `searchHere` is false (the tests, to have only threads
  // search); the others are worker threads.
  const here = how.searchHere ?? true;
  const first = here ? 1 : 0;
  const threads = Array.from({ length: searchers - first }, (_, t) => runWorker({ opts: plain, slice, shared, searcher: t + first }, (n) => progress(t + first, n)));
  let findings: SliceFinding[];
  try {
    const mine = here ? [await findFirstAsync({ ...opts, onFound: undefined, onProgress: (q) => progress(0, q.runs) }, claimer(shared, slice, 0))] : [];
    for (const f of mine) if (f.runIndex !== undefined) lowerLimit(shared, f.runIndex);
    // Every run this thread did not run was claimed by a thread that started: one still loading
    // has nothing left to do, so it is stopped rather than waited for.
    const others = await Promise.all(threads.map(async (t, i) => (here && closeIfIdle(shared, i + first) ? (await t.stop(), { tried: 0, runIndex: undefined }) : unwrap(await t.done))));
    findings = [...mine, ...others];
  } catch (e) {
    // A searcher failed (a bug, not a verdict): stop the threads, so the process can exit.
    await Promise.all(threads.map((t) => t.stop()));
    throw e;
  }
  const runsBySearcher = findings.map((f) => f.tried);
  const failing = findings.flatMap((f) => (f.runIndex === undefined ? [] : [f.runIndex]));
  if (failing.length === 0) return { ...heldResult(opts, p, findings.reduce((a, f) => a + f.tried, 0)), runsBySearcher };
  const runIndex = Math.min(...failing);
  // Every run of the slice before runIndex was tried (and held): the runs one searcher reports.
  const runs = runsInSlice(slice, runIndex + 1);
  onFound?.(runs);
  return { ...(await shrinkRun({ ...opts, onProgress: (s) => onProgress?.({ runs, shrinks: s.shrinks }) }, runIndex, runs)), runsBySearcher };
}

type Settled = { readonly ok: true; readonly finding: SliceFinding } | { readonly ok: false; readonly error: unknown };

function unwrap(s: Settled): SliceFinding {
  if (!s.ok) throw s.error;
  return s.finding;
}

/**
 * A worker thread searching beside this one. `done` never rejects: a thread's failure is kept until the
 * coordinator asks, since it may be busy with its own slice then (an unhandled rejection would
 * end the process first).
 */
function runWorker(input: WorkerInput, onTried: (n: number) => void): { done: Promise<Settled>; stop: () => Promise<void> } {
  const worker = startWorker(input);
  let stopped = false;
  const finished = new Promise<SliceFinding>((resolve, reject) => {
    let result: SliceFinding | undefined;
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onTried(m.tried);
      else result = { tried: m.tried, runIndex: m.runIndex };
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result || stopped ? resolve(result ?? { tried: 0, runIndex: undefined }) : reject(new Error(`search worker ${input.searcher} exited with code ${code} before it finished`))));
  });
  const done = finished.then(
    (finding): Settled => ({ ok: true, finding }),
    (error: unknown): Settled => ({ ok: false, error }),
  );
  const stop = async () => {
    stopped = true;
    await worker.terminate();
  };
  return { done, stop };
}

/**
 * The worker runs compiled code: dist/explore/worker.js beside this file when the command runs
 * from dist/. Under the tests (vitest on the TypeScript sources) this file is parallel.ts, and
 * the worker loads worker.ts through tsx's loader (a devDependency): Node 20 applies no
 * `--import` hooks from a worker's execArgv to the worker's own entry, so the entry registers
 * them itself and then imports the sources.
 */
function startWorker(input: WorkerInput): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: input });
  // tsx's ESM API sits beside its CommonJS one (whose register() mis-resolves from a worker).
  const tsxApi = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', here).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData: input });
}
