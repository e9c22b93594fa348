import type { HistoryOp, Key, Value } from '../../oracle/history/types.js';
import type { CycleAnomaly } from './cycles.js';

/**
 * The anomalies of Jepsen's Kafka checker (`jepsen.tests.kafka/analysis`), with Jepsen's
 * names and Jepsen's fields. spec/history.md defines each one.
 */
export type AnomalyName =
  | 'G0'
  | 'G0-process'
  | 'G0-realtime'
  | 'G1a'
  | 'G1c'
  | 'G1c-process'
  | 'G1c-realtime'
  | 'duplicate'
  | 'empty-transaction-graph'
  | 'inconsistent-offsets'
  | 'int-nonmonotonic-poll'
  | 'int-nonmonotonic-send'
  | 'int-poll-skip'
  | 'int-send-skip'
  | 'lost-write'
  | 'nonmonotonic-poll'
  | 'nonmonotonic-send'
  | 'poll-skip'
  | 'precommitted-read'
  | 'unseen';

export const ANOMALY_NAMES: readonly AnomalyName[] = [
  'G0',
  'G0-process',
  'G0-realtime',
  'G1a',
  'G1c',
  'G1c-process',
  'G1c-realtime',
  'duplicate',
  'empty-transaction-graph',
  'inconsistent-offsets',
  'int-nonmonotonic-poll',
  'int-nonmonotonic-send',
  'int-poll-skip',
  'int-send-skip',
  'lost-write',
  'nonmonotonic-poll',
  'nonmonotonic-send',
  'poll-skip',
  'precommitted-read',
  'unseen',
];

/** Why the dependency graph is empty: how many completions there were, and how many were ok. */
export interface EmptyTransactionGraph {
  readonly completions: number;
  readonly ok: number;
}

/** One offset of one key was seen holding more than one value. */
export interface InconsistentOffsets {
  readonly key: Key;
  readonly offset: number;
  /** Dense index of that offset (offsets with nothing observed are not counted). */
  readonly index: number;
  /** The values seen there, sorted. */
  readonly values: readonly Value[];
}

/** One value was seen at more than one offset of a key. */
export interface Duplicate {
  readonly key: Key;
  readonly value: Value;
  readonly count: number;
  readonly offsets: readonly number[];
}

/** A committed write below the highest read index of its key that no ok poll observed. */
export interface LostWrite {
  readonly key: Key;
  readonly value: Value;
  readonly index: number;
  readonly 'max-read-index': number;
  readonly writer: HistoryOp;
  /** An op that read the value at max-read-index (null if Jepsen could not name one). */
  readonly 'max-read': HistoryOp | null;
}

/** An ok read observed a value whose send failed (an aborted read). */
export interface G1a {
  readonly key: Key;
  readonly value: Value;
  readonly writer: HistoryOp | null;
  readonly reader: HistoryOp;
}

/** A transaction observed a value it sent itself, before committing. */
export interface PrecommittedRead {
  readonly op: HistoryOp;
  readonly key: Key;
  readonly value: Value;
}

/** Two successive polls of one process skipped over values of a key. */
export interface PollSkip {
  readonly key: Key;
  readonly delta: number;
  readonly skipped: readonly Value[];
  readonly ops: readonly [HistoryOp, HistoryOp];
}

/** A process's poll (or send) went backwards, or stayed put, relative to its previous one. */
export interface NonmonotonicAcrossOps {
  readonly key: Key;
  readonly values: readonly [Value | null, Value | null];
  readonly delta: number;
  readonly ops: readonly [HistoryOp, HistoryOp];
}

/** Within one op, two successive reads (or sends) of a key skipped values of the log. */
export interface InternalSkip {
  readonly key: Key;
  readonly values: readonly [Value, Value];
  readonly delta: number;
  readonly skipped: readonly Value[];
  readonly op: HistoryOp;
}

/** Within one op, two successive reads (or sends) of a key went backwards or repeated. */
export interface InternalNonmonotonic {
  readonly key: Key;
  readonly values: readonly [Value, Value];
  readonly delta: number;
  readonly op: HistoryOp;
}

/**
 * Acknowledged sends that no ok poll ever observed. Jepsen reports one map, not a list:
 * it is the single element of `errors.unseen`. `unseen` and `messages` are keyed by the
 * key's string form.
 */
export interface Unseen {
  /** Time of the last ok send / poll / txn of the history. */
  readonly time: number | null;
  readonly unseen: Readonly<Record<string, number>>;
  readonly messages: Readonly<Record<string, readonly Value[]>>;
}

export type CycleStep =
  | {
      readonly type: 'ww';
      readonly key: Key;
      readonly value: Value;
      readonly "value'": Value;
      readonly 'a-mop-index': number;
      readonly 'b-mop-index': number;
    }
  | {
      readonly type: 'wr';
      readonly key: Key;
      readonly value: Value;
      readonly 'a-mop-index': number;
      readonly 'b-mop-index': number;
    }
  | {
      /** Elle's RealtimeExplainer: a' completed before b (the invocation of the next op) began. */
      readonly type: 'realtime';
      readonly "a'": HistoryOp;
      readonly b: HistoryOp;
    }
  | {
      /** Elle's ProcessExplainer: one process performed both, in this order. */
      readonly type: 'process';
      readonly process: number;
    };

/** A dependency cycle, as Elle explains one: the ops (first repeated last) and each step. */
export interface Cycle {
  /** G0 or G1c as Elle names cycles: by the steps' kinds, with -realtime or -process if one step is one. */
  readonly type: CycleAnomaly;
  readonly cycle: readonly HistoryOp[];
  readonly steps: readonly CycleStep[];
}

export interface HistoryErrors {
  G0?: Cycle[];
  'G0-process'?: Cycle[];
  'G0-realtime'?: Cycle[];
  G1a?: G1a[];
  G1c?: Cycle[];
  'G1c-process'?: Cycle[];
  'G1c-realtime'?: Cycle[];
  duplicate?: Duplicate[];
  /**
   * Elle's `:empty-transaction-graph` (elle/txn.clj, `cycles`): not one dependency between ops
   * could be inferred (no ok poll read an ok send; with ww-deps, no two sends ordered), so no
   * cycle could have been found. Jepsen's Kafka checker does not allow it: the history is
   * invalid, there was nothing to check (an empty history, every op failed, sends never read).
   */
  'empty-transaction-graph'?: EmptyTransactionGraph[];
  'inconsistent-offsets'?: InconsistentOffsets[];
  'int-nonmonotonic-poll'?: InternalNonmonotonic[];
  'int-nonmonotonic-send'?: InternalNonmonotonic[];
  'int-poll-skip'?: InternalSkip[];
  'int-send-skip'?: InternalSkip[];
  'lost-write'?: LostWrite[];
  'nonmonotonic-poll'?: NonmonotonicAcrossOps[];
  'nonmonotonic-send'?: NonmonotonicAcrossOps[];
  'poll-skip'?: PollSkip[];
  'precommitted-read'?: PrecommittedRead[];
  unseen?: Unseen[];
}

export type SubVia = 'assign' | 'subscribe';

/** Jepsen's test options that decide which anomalies count against validity. */
export interface CheckOptions {
  /**
   * How consumers got their partitions (Jepsen's `:sub-via`, a set). With `subscribe` the
   * group may rebalance between polls, so poll-skip and nonmonotonic-poll are expected.
   * Default: ['assign'].
   */
  readonly subVia?: readonly SubVia[];
  /** Infer write-write dependencies from log order (Jepsen's `:ww-deps`). Default false. */
  readonly wwDeps?: boolean;
  /**
   * Which order between ops joins the dependency graph, as Elle adds it (elle/txn.clj,
   * additional-graphs): `realtime` (an op that completed before another was invoked precedes
   * it; Jepsen's Kafka checker asks Elle for strict serializability, so this is its graph),
   * `process` (each process's successive ok ops: Elle's strong-session models), or `none`.
   * The cycles found through those edges are G0-realtime, G1c-realtime (or -process).
   * Default realtime.
   */
  readonly order?: 'realtime' | 'process' | 'none';
  /** Jepsen's `:txn?`. It shapes the generator only; accepted and recorded, judged nothing. */
  readonly txn?: boolean;
}

export interface CheckStats {
  /** Every op read, invocations and nemesis ops included. */
  readonly ops: number;
  /** Completions (ok / fail / info) of client send / poll / txn / assign / subscribe ops. */
  readonly completions: number;
  readonly keys: number;
  /** Values read or sent whose writer is nowhere in the history; Jepsen aborts on these. */
  readonly 'values-without-writer': number;
}

export interface CheckResult {
  readonly valid: boolean;
  /** Every anomaly found, sorted. */
  readonly 'error-types': readonly AnomalyName[];
  /** Those that count against validity under the options. */
  readonly 'bad-error-types': readonly AnomalyName[];
  readonly errors: HistoryErrors;
  readonly stats: CheckStats;
}

/**
 * Anomalies Jepsen's Kafka checker tolerates (`allowed-error-types`): sends interleave in
 * Kafka's transaction model (int-send-skip), writes are never isolated (G0, G0-process,
 * G0-realtime); with subscribe, rebalances move consumers (poll-skip, nonmonotonic-poll); with
 * ww dependencies inferred, t0 <ww t1 <wr t0 cycles are expected (G1c and its variants).
 */
export function allowedAnomalies(options: CheckOptions): ReadonlySet<AnomalyName> {
  const allowed = new Set<AnomalyName>(['int-send-skip', 'G0', 'G0-process', 'G0-realtime']);
  if ((options.subVia ?? ['assign']).includes('subscribe')) {
    allowed.add('poll-skip');
    allowed.add('nonmonotonic-poll');
  }
  if (options.wwDeps === true) for (const g of ['G1c', 'G1c-process', 'G1c-realtime'] as const) allowed.add(g);
  return allowed;
}
