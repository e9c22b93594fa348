import type { HistoryOp, Key, Mop, OffsetValue, OpType, Value } from '../../../src/oracle/history/types.js';

type Completion = Exclude<OpType, 'invoke'>;

/**
 * Writes histories the way Jepsen records them: each call appends an invoke and its
 * completion and returns the completion, so tests can expect the exact op in a report.
 */
export class H {
  readonly ops: HistoryOp[] = [];

  private push(op: Omit<HistoryOp, 'index' | 'time'>): HistoryOp {
    const full = { index: this.ops.length, time: this.ops.length * 1000, ...op } as HistoryOp;
    this.ops.push(full);
    return full;
  }

  /** A send of v to k acknowledged at offset (ok), or with the outcome given. */
  send(process: number, k: Key, v: Value, offset: number | null, type: Completion = 'ok'): HistoryOp {
    this.push({ process, type: 'invoke', f: 'send', value: [['send', k, v]] });
    const value: Mop[] = type === 'ok' || offset !== null ? [['send', k, [offset, v]]] : [['send', k, v]];
    return this.push({ process, type, f: 'send', value });
  }

  /** A poll returning the given results (by key). */
  poll(process: number, result: Record<string, OffsetValue[]>, type: Completion = 'ok', extra: Partial<HistoryOp> = {}): HistoryOp {
    this.push({ process, type: 'invoke', f: 'poll', value: [['poll']] });
    return this.push({ process, type, f: 'poll', value: [['poll', result]], ...extra });
  }

  /** A transaction with the given completed micro-ops. */
  txn(process: number, mops: Mop[], type: Completion = 'ok', extra: Partial<HistoryOp> = {}): HistoryOp {
    const invoked: Mop[] = mops.map((m) => (m[0] === 'send' ? ['send', m[1], Array.isArray(m[2]) ? (m[2] as OffsetValue)[1] : m[2]] : ['poll']));
    this.push({ process, type: 'invoke', f: 'txn', value: invoked });
    return this.push({ process, type, f: 'txn', value: mops, ...extra });
  }

  assign(process: number, keys: Key[], type: Completion = 'ok'): HistoryOp {
    this.push({ process, type: 'invoke', f: 'assign', value: keys });
    return this.push({ process, type, f: 'assign', value: keys });
  }

  subscribe(process: number, keys: Key[], type: Completion = 'ok'): HistoryOp {
    this.push({ process, type: 'invoke', f: 'subscribe', value: keys });
    return this.push({ process, type, f: 'subscribe', value: keys });
  }
}
