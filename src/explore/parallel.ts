import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { lowerLimit, readLimit, sharedLimit } from './limit.js';
import { exploreAsync, findInSliceAsync, heldResult, prepareSearch, shrinkRun, type ExploreOptions, type ExploreResult, type SliceFinding } from './search.js';
import { runsInSlice, subSlice, wholeSearch, type Slice } from './slice.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

/**
 * The search on `workers` searchers, with the verdict one would give: this thread and
 * `workers` - 1 worker threads (worker_threads).
 *
 * Searcher w of W searches the runs i of the search (or of `opts.slice`) with i = w (mod W):
 * the same cases, by index, that one searcher runs (slice.ts says why a run's case depends on
 * (seed, i) alone). Each stops at its first failing run; one that finds run f lowers a shared
 * limit to f, and the others stop once they pass it. The counterexample is then the lowest
 * failing index, the run one searcher would have stopped at, and this thread shrinks it from
 * fast-check's replay path: the same run, the same shrinking, so the same scenario whatever W.
 * Shrinking stays on one thread: each of its steps depends on the one before.
 *
 * This thread searches too (part 0), rather than only waiting: it has the code loaded and
 * compiled already, while a new thread spends a few hundred milliseconds loading it, and it
 * is warm for the shrinking afterwards. With one worker the search is the one-thread search
 * that was there before workers.
 */
export async function exploreParallel(opts: ExploreOptions, workers: number): Promise<ExploreResult> {
  const slice = opts.slice ?? wholeSearch;
  // Input errors (a property, a preset, a budget) are thrown here, before any thread starts.
  const p = prepareSearch(opts);
  const total = runsInSlice(slice, opts.runs);
  const parts = Math.max(1, Math.min(workers, total));
  if (parts === 1) return exploreAsync(opts);
  if (opts.check) throw new Error('exploreParallel: a search with a caller\'s check (a function) runs on one thread');

  const limit = sharedLimit(opts.runs);
  const { onProgress, onFound, onRun: _onRun, check: _check, ...plain } = opts;
  const tried = new Array<number>(parts).fill(0);
  const progress = (part: number, n: number) => {
    tried[part] = n;
    onProgress?.({ runs: tried.reduce((a, b) => a + b, 0), shrinks: 0 });
  };
  const threads = Array.from({ length: parts - 1 }, (_, t) => runWorker({ opts: plain, slice: subSlice(slice, t + 1, parts), limit }, (n) => progress(t + 1, n)));
  let findings: SliceFinding[];
  try {
    const here = await findInSliceAsync({ ...opts, onFound: undefined, onProgress: (q) => progress(0, q.runs) }, subSlice(slice, 0, parts), () => readLimit(limit));
    if (here.runIndex !== undefined) lowerLimit(limit, here.runIndex);
    // A thread whose first run is at or past the limit has nothing left to search: do not wait
    // for it to load only to skip every run.
    const others = await Promise.all(threads.map(async (t) => (t.slice.index < readLimit(limit) ? unwrap(await t.done) : (await t.stop(), { tried: 0, runIndex: undefined }))));
    findings = [here, ...others];
  } catch (e) {
    // A searcher failed (a bug, not a verdict): stop the threads, so the process can exit.
    await Promise.all(threads.map((t) => t.stop()));
    throw e;
  }
  const failing = findings.flatMap((f) => (f.runIndex === undefined ? [] : [f.runIndex]));
  if (failing.length === 0) return heldResult(opts, p, findings.reduce((a, f) => a + f.tried, 0));
  const runIndex = Math.min(...failing);
  // Every run of the slice before runIndex was tried (and held): the runs one searcher reports.
  const runs = runsInSlice(slice, runIndex + 1);
  onFound?.(runs);
  return shrinkRun({ ...opts, onProgress: (s) => onProgress?.({ runs, shrinks: s.shrinks }) }, runIndex, runs);
}

type Settled = { readonly ok: true; readonly finding: SliceFinding } | { readonly ok: false; readonly error: unknown };

function unwrap(s: Settled): SliceFinding {
  if (!s.ok) throw s.error;
  return s.finding;
}

/**
 * A worker thread searching a slice. `done` never rejects: a thread's failure is kept until the
 * coordinator asks, since it may be busy with its own slice then (an unhandled rejection would
 * end the process first).
 */
function runWorker(input: WorkerInput, onTried: (n: number) => void): { slice: Slice; done: Promise<Settled>; stop: () => Promise<void> } {
  const worker = startWorker(input);
  let stopped = false;
  const finished = new Promise<SliceFinding>((resolve, reject) => {
    let result: SliceFinding | undefined;
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onTried(m.tried);
      else result = { tried: m.tried, runIndex: m.runIndex };
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result || stopped ? resolve(result ?? { tried: 0, runIndex: undefined }) : reject(new Error(`search worker for slice ${input.slice.index} mod ${input.slice.count} exited with code ${code} before it finished`))));
  });
  const done = finished.then(
    (finding): Settled => ({ ok: true, finding }),
    (error: unknown): Settled => ({ ok: false, error }),
  );
  const stop = async () => {
    stopped = true;
    await worker.terminate();
  };
  return { slice: input.slice, done, stop };
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
