/**
 * A search worker (worker_threads): searches the runs it claims of the slice for the first that
 * breaks the property, and reports it unshrunk; the coordinator (parallel.ts) shrinks. The
 * search is synchronous, so progress goes out as messages, and claims and the stop limit go
 * through shared memory (a worker busy in fast-check never reads its message port).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { findFirst, type ExploreOptions } from './search.js';
import { claimer, lowerLimit, type SharedRuns } from './share.js';
import type { Slice } from './slice.js';

export interface WorkerInput {
  readonly opts: ExploreOptions;
  readonly slice: Slice;
  readonly shared: SharedRuns;
  /** This searcher's number (its gate in `shared`); the coordinator's thread is 0. */
  readonly searcher: number;
}

export type WorkerMessage = { readonly kind: 'progress'; readonly tried: number } | { readonly kind: 'done'; readonly tried: number; readonly runIndex: number | undefined };

const port = parentPort;
if (!port) throw new Error('src/explore/worker.ts is a worker_threads entry');
const input = workerData as WorkerInput;
const post = (m: WorkerMessage) => port.postMessage(m);

const found = findFirst({ ...input.opts, onProgress: (p) => post({ kind: 'progress', tried: p.runs }) }, claimer(input.shared, input.slice, input.searcher));
if (found.runIndex !== undefined) lowerLimit(input.shared, found.runIndex);
post({ kind: 'done', tried: found.tried, runIndex: found.runIndex });
