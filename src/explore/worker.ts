/**
 * A search worker (worker_threads): searches its slice of the search for the first run that
 * breaks the property, and reports it unshrunk; the coordinator (parallel.ts) shrinks. The
 * search is synchronous, so progress goes out as messages and the stop signal comes in through
 * shared memory (a worker busy in fast-check never reads its message port).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerLimit, readLimit, type SharedLimit } from './limit.js';
import { findInSlice, type ExploreOptions } from './search.js';
import type { Slice } from './slice.js';

export interface WorkerInput {
  readonly opts: ExploreOptions;
  readonly slice: Slice;
  /** Runs at or after this index are not needed (an earlier one broke the property). */
  readonly limit: SharedLimit;
}

export type WorkerMessage = { readonly kind: 'progress'; readonly tried: number } | { readonly kind: 'done'; readonly tried: number; readonly runIndex: number | undefined };

const port = parentPort;
if (!port) throw new Error('src/explore/worker.ts is a worker_threads entry');
const input = workerData as WorkerInput;
const post = (m: WorkerMessage) => port.postMessage(m);

const found = findInSlice({ ...input.opts, onProgress: (p) => post({ kind: 'progress', tried: p.runs }) }, input.slice, () => readLimit(input.limit));
if (found.runIndex !== undefined) lowerLimit(input.limit, found.runIndex);
post({ kind: 'done', tried: found.tried, runIndex: found.runIndex });
