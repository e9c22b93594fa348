import { InputError } from '../errors.js';

/**
 * A slice of a search: the runs whose index i (0-based, in the order fast-check generates them
 * from the search's seed) has i mod count = index. Run i's case depends only on the seed and i
 * (fast-check jumps its generator once per run and hands each run a copy), so a slice runs the
 * very cases the whole search would run at those indices, whoever runs the other slices.
 *
 * Slices are interleaved rather than contiguous blocks: fast-check biases early runs towards
 * small values, and the first counterexample of a search is the lowest failing index, so every
 * slice should start at the start: the shard holding the first counterexample f stops after
 * about f / count runs. (The worker threads within a search or a shard do not use fixed slices:
 * they claim runs as they go, share.ts.)
 */
export interface Slice {
  readonly index: number;
  readonly count: number;
}

export const wholeSearch: Slice = { index: 0, count: 1 };

/** Whether run `i` of the search belongs to the slice. */
export function inSlice(slice: Slice, i: number): boolean {
  return i % slice.count === slice.index;
}

/** How many of the runs 0 .. runs-1 belong to the slice. */
export function runsInSlice(slice: Slice, runs: number): number {
  return runs <= slice.index ? 0 : Math.floor((runs - 1 - slice.index) / slice.count) + 1;
}

/** `--shard K/N` (1-based K, as a Kubernetes completion index + 1 or a CI matrix value). */
export function parseShard(text: string): Slice {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`--shard: expected K/N (the K-th of N shards, 1 <= K <= N), got "${text}"`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`--shard: the number of shards must be at least 1, got "${text}"`);
  if (!Number.isSafeInteger(k) || k < 1 || k > n) throw new InputError(`--shard: K must be between 1 and ${n}, got "${text}"`);
  return { index: k - 1, count: n };
}

/** The slice as the user names it: `K/N`, 1-based. */
export function shardName(slice: Slice): string {
  return `${slice.index + 1}/${slice.count}`;
}
