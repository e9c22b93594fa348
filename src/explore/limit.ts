/**
 * The searchers of one search share a limit: run indices at or after it need not run, because a
 * searcher found that run breaking the property. It lives in shared memory (one Int32) because a
 * worker thread busy in a synchronous search never reads its message port.
 */
export type SharedLimit = Int32Array;

export function sharedLimit(runs: number): SharedLimit {
  if (runs > 0x7fffffff) throw new Error('a search on several threads has at most 2^31 - 1 runs');
  const limit = new Int32Array(new SharedArrayBuffer(4));
  limit[0] = runs;
  return limit;
}

export function readLimit(limit: SharedLimit): number {
  return Atomics.load(limit, 0);
}

/** Lower the limit to run `runIndex`, unless a searcher already lowered it further. */
export function lowerLimit(limit: SharedLimit, runIndex: number): void {
  for (let seen = Atomics.load(limit, 0); runIndex < seen; seen = Atomics.load(limit, 0)) {
    if (Atomics.compareExchange(limit, 0, seen, runIndex) === seen) return;
  }
}
