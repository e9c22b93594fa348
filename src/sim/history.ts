/**
 * One client operation, in the shape of Jepsen's Kafka workload history (design decision 8):
 * an `invoke`, then `ok`, `fail` (it definitely did not happen) or `info` (unknown). `value`
 * holds micro-ops: `["send", key, value]` on invoke, `["send", key, [offset, value]]` on ok;
 * `["poll"]` / `["poll", {key: [[offset, value], ...]}]`. Keys are partitions.
 */
export interface HistoryOp {
  index?: number;
  time: number;
  process: number | string;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: 'send' | 'poll' | 'txn' | 'assign' | 'subscribe' | 'crash';
  value: unknown;
  error?: string;
}
