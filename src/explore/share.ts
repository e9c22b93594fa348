import { inSlice, type Slice } from './slice.js';

/**
 * What the searchers (threads) of one search share, in shared memory because a worker thread
 * busy in a synchronous search never reads its message port. Int32s:
 * - the limit: run indices at or after it need not run, because a searcher found that run
 *   breaking the property (the first counterexample can only be earlier);
 * - the next position of the slice no searcher has claimed yet;
 * - a gate per searcher: 0 before it starts, 1 once it has, -1 when the coordinator closed it
 *   before it started (every run was claimed while its thread was still loading).
 */
export type SharedRuns = Int32Array;

const LIMIT = 0;
const NEXT = 1;
const GATES = 2;

export function sharedRuns(runs: number, searchers: number): SharedRuns {
  if (runs > 0x7fffffff) throw new Error('a search on several threads has at most 2^31 - 1 runs');
  const shared = new Int32Array(new SharedArrayBuffer(4 * (GATES + searchers)));
  shared[LIMIT] = runs;
  return shared;
}

/**
 * Close searcher `searcher` if it has not started: returns true if it will take no run (it can
 * be stopped), false if it started and must be waited for.
 */
export function closeIfIdle(shared: SharedRuns, searcher: number): boolean {
  return Atomics.compareExchange(shared, GATES + searcher, 0, -1) !== 1;
}

export function readLimit(shared: SharedRuns): number {
  return Atomics.load(shared, LIMIT);
}

/** Lower the limit to run `runIndex`, unless a searcher already lowered it further. */
export function lowerLimit(shared: SharedRuns, runIndex: number): void {
  for (let seen = Atomics.load(shared, LIMIT); runIndex < seen; seen = Atomics.load(shared, LIMIT)) {
    if (Atomics.compareExchange(shared, LIMIT, seen, runIndex) === seen) return;
  }
}

/**
 * One searcher's share of a slice, decided as it goes: it is offered every run index in
 * increasing order (fast-check's order) and takes a run of the slice when it claims that run's
 * position first. Claims go out in increasing order, one at a time, so the searchers partition
 * the slice's runs, each run once, and a searcher that started late (a thread still loading)
 * or runs slowly simply claims fewer: no searcher waits for another's fixed share. Which
 * searcher runs a run does not change the run (slice.ts), so neither does the verdict.
 *
 * Returns whether the searcher should run run `i`. Must be called for every index, in order.
 */
export function claimer(shared: SharedRuns, slice: Slice, searcher: number): (i: number) => boolean {
  let claimed = -1;
  let open: boolean | undefined;
  return (i) => {
    open ??= Atomics.compareExchange(shared, GATES + searcher, 0, 1) === 0;
    if (!open || !inSlice(slice, i) || i >= Atomics.load(shared, LIMIT)) return false;
    const position = (i - slice.index) / slice.count;
    // Claim when at or past the last claim: the claim is at or after this position, since
    // every claim so far (this searcher's included) is before it.
    if (position > claimed) claimed = Atomics.add(shared, NEXT, 1);
    return position === claimed;
  };
}
