/**
 * The history the conformance runner records, in the shape of Jepsen's Kafka workload
 * (jepsen.tests.kafka): every client operation as an invoke followed by one completion
 * (ok, fail or info), each carrying micro-ops.
 *
 *   send  invoke [["send", k, v]]        ok [["send", k, [offset, v]]]
 *   poll  invoke [["poll"]]              ok [["poll", {"k": [[offset, v], ...]}]]
 *   assign / subscribe  value [k, ...]   (the keys whose partitions the consumer wants)
 *   crash invoke null                    info null; the process id is then retired
 *
 * As in Jepsen, an `info` completion means the outcome is unknown and the process is
 * considered crashed: the client is closed and a fresh one carries on as a new process.
 */

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';
export type OpF = 'send' | 'poll' | 'assign' | 'subscribe' | 'crash' | 'txn';

/** [offset, value]; offset is null when a send's outcome is unknown. */
export type OffsetValue = [number | null, number];
export type SendMop = ['send', number, number | OffsetValue];
export type PollMop = ['poll'] | ['poll', Record<string, OffsetValue[]>];
export type Mop = SendMop | PollMop;

export interface Op {
  index: number;
  /** Nanoseconds since the start of the run. */
  time: number;
  process: number;
  type: OpType;
  f: OpF;
  /** Micro-ops for send/poll/txn, keys for assign/subscribe, null for crash. */
  value: Mop[] | number[] | null;
  /** Why a fail/info completed as it did (the client's error), when known. */
  error?: string;
}

/** One op per line, keys in a stable order. */
export function toJsonLine(op: Op): string {
  return JSON.stringify(op);
}

/** EDN as Jepsen writes it: keywords for type, f and micro-op names; integer map keys. */
export function toEdn(op: Op): string {
  const parts = [
    `:index ${op.index}`,
    `:time ${op.time}`,
    `:type :${op.type}`,
    `:process ${op.process}`,
    `:f :${op.f}`,
    `:value ${ednValue(op)}`,
  ];
  if (op.error !== undefined) parts.push(`:error ${ednString(op.error)}`);
  return `{${parts.join(', ')}}`;
}

function ednValue(op: Op): string {
  if (op.value === null) return 'nil';
  if (op.f === 'assign' || op.f === 'subscribe') return `[${(op.value as number[]).join(' ')}]`;
  return `[${(op.value as Mop[]).map(ednMop).join(' ')}]`;
}

function ednMop(mop: Mop): string {
  if (mop[0] === 'send') {
    const v = mop[2];
    return `[:send ${mop[1]} ${Array.isArray(v) ? ednPair(v) : String(v)}]`;
  }
  if (mop.length === 1) return '[:poll]';
  const entries = Object.entries(mop[1]).map(([k, pairs]) => `${k} [${pairs.map(ednPair).join(' ')}]`);
  return `[:poll {${entries.join(', ')}}]`;
}

function ednPair([offset, value]: OffsetValue): string {
  return `[${offset === null ? 'nil' : offset} ${value}]`;
}

function ednString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Appends ops in order, numbering them and stamping times relative to the run's start. */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  private readonly start: bigint;

  constructor(private readonly now: () => bigint = process.hrtime.bigint) {
    this.start = now();
  }

  elapsedNs(): number {
    return Number(this.now() - this.start);
  }

  record(op: Omit<Op, 'index' | 'time'>): Op {
    const full: Op = {
      index: this.ops.length,
      time: this.elapsedNs(),
      process: op.process,
      type: op.type,
      f: op.f,
      value: op.value,
    };
    if (op.error !== undefined) full.error = op.error;
    this.ops.push(full);
    return full;
  }
}
