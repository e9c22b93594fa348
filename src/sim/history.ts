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

/** One record a poll returned: its partition (the history's key) and offset. */
export interface PolledRecord {
  readonly partition: number;
  readonly offset: number;
}

/**
 * The records a completed poll returned, in the order it handed them over (partitions in
 * ascending order within a micro-op); none for any other operation.
 */
export function polledRecords(op: HistoryOp): PolledRecord[] {
  if (op.f !== 'poll' || op.type !== 'ok') return [];
  const out: PolledRecord[] = [];
  for (const mop of op.value as [string, Record<string, [number, unknown][]>?][]) {
    for (const [p, recs] of Object.entries(mop[1] ?? {})) for (const [offset] of recs) out.push({ partition: Number(p), offset });
  }
  return out;
}
