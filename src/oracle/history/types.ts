/**
 * One operation of a Kafka-workload history, in the shape Jepsen's `jepsen.tests.kafka`
 * records (see spec/history.md for the normative description of both file formats).
 *
 * Every client operation appears twice: an `invoke` and then one completion (`ok`, `fail` or
 * `info`). Reads and writes are micro-ops:
 *
 *   send  invoke [["send", k, v]]          ok [["send", k, [offset, v]]]
 *   poll  invoke [["poll"]]                ok [["poll", {"k": [[offset, v], ...]}]]
 *   txn   any mix of the two
 *   assign / subscribe   value [k, ...]    crash   value null
 *
 * The type is JSON-shaped on purpose: the model's simulated clients, Jepsen's EDN files and
 * live-cluster runs all come down to exactly this, so one checker judges all three.
 */

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** `debug-topic-partitions` is emitted by Jepsen's final-poll phase; the checker ignores it. */
export type OpF = 'send' | 'poll' | 'txn' | 'assign' | 'subscribe' | 'crash' | 'debug-topic-partitions';

export const OP_TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];
export const OP_FS: readonly OpF[] = ['send', 'poll', 'txn', 'assign', 'subscribe', 'crash', 'debug-topic-partitions'];

/**
 * A key names one topic-partition. Jepsen's keys are integers; a JSON poll result can only
 * carry them as object keys, i.e. strings, so keys are compared by their string form:
 * `3` and `"3"` are the same key.
 */
export type Key = number | string;

/** A message. Values are compared exactly (type and value): `1` and `"1"` differ. */
export type Value = number | string;

/** A Kafka offset; null where a send's outcome (and so its offset) is unknown. */
export type Offset = number | null;

export type OffsetValue = readonly [Offset, Value];

/** `["send", k, v]` as invoked; `["send", k, [offset, v]]` once acknowledged. */
export type SendMop = readonly ['send', Key, Value | OffsetValue];

/**
 * Poll results by key. The object has no prototype when built by our parsers, so a key
 * named `__proto__` is an ordinary entry; read it with Object.keys / Object.entries only.
 */
export type PollResult = { readonly [key: string]: readonly OffsetValue[] };

/** `["poll"]` as invoked; `["poll", {k: [[offset, v], ...]}]` once completed. */
export type PollMop = readonly ['poll'] | readonly ['poll', PollResult];

export type Mop = SendMop | PollMop;

/** A rebalance seen during an operation: the keys (partitions) assigned afterwards. */
export interface RebalanceEvent {
  readonly keys: readonly Key[];
}

export interface HistoryOp {
  /** Position in the history (0, 1, ...). Assigned from the op's order when absent. */
  readonly index: number;
  /** Nanoseconds since the test began, when known. */
  readonly time?: number;
  /**
   * The logical client. Integers are clients; anything else (Jepsen's `:nemesis`) is not a
   * client operation and the checker skips it, as Jepsen's `h/client-ops` does.
   */
  readonly process: number | string;
  readonly type: OpType;
  readonly f: OpF;
  /**
   * Micro-ops for send / poll / txn; keys for assign / subscribe; anything (usually null)
   * for crash and debug-topic-partitions.
   */
  readonly value: readonly Mop[] | readonly Key[] | unknown;
  /** Rebalances during the operation; keys named here are exempt from internal poll checks. */
  readonly 'rebalance-log'?: readonly RebalanceEvent[];
  /** Why a fail / info completed as it did, when the client said. */
  readonly error?: unknown;
}

/**
 * What the checker accepts: an op whose `index` may be absent (it is then its position). The
 * model's own history entries (the root export `HistoryOp`, src/sim/history.ts) are of this
 * shape too, so `checkHistory(world.history)` needs no cast; every op is validated at run time.
 */
export type HistoryInput = Omit<HistoryOp, 'index'> & { readonly index?: number };

/** Where an op came from, for error messages: a file (or stream name) and a 1-based line. */
export interface OpLocation {
  readonly source: string;
  readonly line: number;
}
