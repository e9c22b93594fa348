/**
 * `serve --history FILE`: the real clients' operations, as the server saw them, written as a
 * Jepsen-shaped history in JSON Lines (spec/history.md), which `kafka-model check` judges.
 *
 * - A key is a topic-partition (`orders-0`); a value is the record's value as UTF-8 text (the
 *   workload must send each value at most once per key, as Jepsen's does), or `#N`, the
 *   server's number for the record, when the value is null.
 * - Each partition of a Produce request is one `send` op: `ok` with the offsets the model's
 *   leader assigned, else `info` (an error, a connection lost, acks=0). Never `fail`: the
 *   server sees each retry of a client's send as a new request, so even a refusal that
 *   guarantees nothing was appended (NOT_LEADER_OR_FOLLOWER) does not end the client's
 *   operation, which a retry may still complete. So the history cannot show G1a (aborted
 *   reads) for plain sends.
 * - Each Fetch that returned records is one `poll` op of its connection.
 * - Process ids: a send's is its (connection, partition), a poll's its connection; an `info`
 *   retires the process (the next op gets a new id), as Jepsen requires.
 * Time is wall nanoseconds since the server started.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

type Micro = readonly unknown[];

export interface SendHandle {
  /** Each record's offset, in the order the records were sent. */
  ok(offsets: readonly number[]): void;
  /** A Kafka error code. */
  error(code: number): void;
  /** No answer (connection lost, timeout, acks=0). */
  unknown(reason: string): void;
}

export class WireHistory {
  private fd: number | undefined;
  private index = 0;
  private nextProcess = 0;
  private readonly processes = new Map<string, number>();
  /** Ops written, by type and f (for the summary line). */
  readonly counts = { sendOk: 0, sendFail: 0, sendInfo: 0, polls: 0 };

  constructor(
    readonly file: string,
    private readonly now: () => number,
  ) {
    this.fd = openSync(file, 'w');
  }

  private process(slot: string): number {
    let p = this.processes.get(slot);
    if (p === undefined) {
      p = this.nextProcess++;
      this.processes.set(slot, p);
    }
    return p;
  }

  private write(op: Record<string, unknown>): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify({ index: this.index++, time: Math.round(this.now() * 1e6), ...op })}\n`);
  }

  static valueOf(value: Buffer | null, n: number): string {
    return value === null ? `#${n}` : value.toString('utf8');
  }

  send(connection: string, key: string, values: readonly string[]): SendHandle {
    const slot = `${connection}/${key}`;
    const process = this.process(slot);
    const invoked: Micro[] = values.map((v) => ['send', key, v]);
    this.write({ process, type: 'invoke', f: 'send', value: invoked });
    let done = false;
    const finish = (type: 'ok' | 'fail' | 'info', value: unknown, error?: string) => {
      if (done) return;
      done = true;
      this.write({ process, type, f: 'send', value, ...(error === undefined ? {} : { error }) });
      if (type === 'info') this.processes.delete(slot);
      this.counts[type === 'ok' ? 'sendOk' : type === 'fail' ? 'sendFail' : 'sendInfo']++;
    };
    return {
      ok: (offsets) => finish('ok', values.map((v, i) => ['send', key, [offsets[i], v]])),
      // Even an error that guarantees the leader appended nothing is `info`, not `fail`: the
      // client retries the same record in a request the server cannot tie to this one, so the
      // client's operation may still succeed (Jepsen records the client's op, retries inside it).
      error: (code) => finish('info', invoked, `kafka error ${code}`),
      unknown: (reason) => finish('info', invoked, reason),
    };
  }

  /** A fetch that returned records: one poll op, invoked and completed at once (the server sees it whole). */
  poll(connection: string, read: ReadonlyMap<string, readonly (readonly [number, string])[]>): void {
    if (read.size === 0) return;
    const process = this.process(connection);
    this.write({ process, type: 'invoke', f: 'poll', value: [['poll']] });
    this.write({ process, type: 'ok', f: 'poll', value: [['poll', Object.fromEntries(read)]] });
    this.counts.polls++;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
