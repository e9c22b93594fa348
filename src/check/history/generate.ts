import type { HistoryOp, Mop, OffsetValue, PollResult } from '../../oracle/history/types.js';

/**
 * A generator of well-behaved Kafka-workload histories, for the benchmark and for tests:
 * processes assigned to keys send unique values and poll each key in order from offset 0,
 * operations of different processes interleave (effects take place at completion), and a
 * final poll per process catches up so that every acknowledged value is seen. The result
 * has no anomaly under any options; tests break it on purpose.
 */
export interface GenerateOptions {
  /** Approximate number of ops (invocations and completions). */
  readonly ops: number;
  readonly seed?: number;
  readonly processes?: number;
  readonly keys?: number;
  /** Keys each process is assigned (round robin; keys left over are spread, so every key has a reader). */
  readonly keysPerProcess?: number;
  /** Most messages one poll returns per key. */
  readonly maxPoll?: number;
  /** Chance an op is a send (else a poll). */
  readonly sendRate?: number;
  /** Chance a send carries two micro-ops (to two keys) as a txn. */
  readonly txnRate?: number;
  /** Chance an offset is skipped after a send, as a transaction marker would. */
  readonly gapRate?: number;
}

/** mulberry32: small, fast, seeded; this generator is outside the simulation path. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* generateHistory(opts: GenerateOptions): Generator<HistoryOp> {
  const random = rng(opts.seed ?? 1);
  const P = opts.processes ?? 10;
  const K = opts.keys ?? 16;
  const perProcess = Math.min(opts.keysPerProcess ?? 4, K);
  const maxPoll = opts.maxPoll ?? 4;
  const sendRate = opts.sendRate ?? 0.5;
  const txnRate = opts.txnRate ?? 0;
  const gapRate = opts.gapRate ?? 0;

  // Per key: the values at each offset (null where a marker took the offset), next offset.
  const logs: (number | null)[][] = Array.from({ length: K }, () => []);
  let nextValue = 0;
  let index = 0;
  let time = 0;
  const assigned: number[][] = [];
  const position: number[][] = []; // process -> key -> next offset to read
  for (let p = 0; p < P; p++) {
    const ks: number[] = [];
    for (let j = 0; j < perProcess; j++) ks.push((p * perProcess + j) % K);
    // Keys the round robin did not reach go to processes in turn: every key has a reader.
    for (let k = P * perProcess + p; k < K; k += P) ks.push(k);
    assigned.push([...new Set(ks)]);
    position.push(new Array<number>(K).fill(0));
  }
  const pending: (HistoryOp | null)[] = new Array<HistoryOp | null>(P).fill(null);

  const op = (o: Omit<HistoryOp, 'index' | 'time'>): HistoryOp => ({ index: index++, time: (time += 1000), ...o });

  for (let p = 0; p < P; p++) yield op({ process: p, type: 'invoke', f: 'assign', value: assigned[p]! });
  for (let p = 0; p < P; p++) yield op({ process: p, type: 'ok', f: 'assign', value: assigned[p]! });

  const poll = (p: number, limit: number): PollResult => {
    const result = Object.create(null) as Record<string, OffsetValue[]>;
    for (const k of assigned[p]!) {
      const log = logs[k]!;
      const pairs: OffsetValue[] = [];
      let at = position[p]![k]!;
      while (at < log.length && pairs.length < limit) {
        const v = log[at];
        if (v !== null && v !== undefined) pairs.push([at, v]);
        at++;
      }
      position[p]![k] = at;
      result[String(k)] = pairs;
    }
    return result;
  };

  const finalOps = 2 * P;
  while (index < opts.ops - finalOps) {
    const p = Math.floor(random() * P);
    const inv = pending[p];
    if (inv === null || inv === undefined) {
      let value: Mop[];
      let f: 'send' | 'poll' | 'txn';
      if (random() < sendRate) {
        const n = random() < txnRate ? 2 : 1;
        value = [];
        for (let i = 0; i < n; i++) value.push(['send', Math.floor(random() * K), nextValue++]);
        f = n > 1 ? 'txn' : 'send';
      } else {
        value = [['poll']];
        f = 'poll';
      }
      const invoke = op({ process: p, type: 'invoke', f, value });
      pending[p] = invoke;
      yield invoke;
    } else {
      pending[p] = null;
      if (inv.f === 'poll') {
        yield op({ process: p, type: 'ok', f: 'poll', value: [['poll', poll(p, maxPoll)]] });
      } else {
        const done: Mop[] = (inv.value as Mop[]).map((m) => {
          const [, k, v] = m as readonly ['send', number, number];
          const log = logs[k]!;
          const offset = log.length;
          log.push(v);
          if (random() < gapRate) log.push(null);
          return ['send', k, [offset, v]];
        });
        yield op({ process: p, type: 'ok', f: inv.f, value: done });
      }
    }
  }
  // Complete what is pending, then each process reads to the end of its keys.
  for (let p = 0; p < P; p++) {
    const inv = pending[p];
    if (inv === null || inv === undefined) continue;
    if (inv.f === 'poll') yield op({ process: p, type: 'ok', f: 'poll', value: [['poll', poll(p, maxPoll)]] });
    else yield op({ process: p, type: 'fail', f: inv.f, value: inv.value });
  }
  for (let p = 0; p < P; p++) {
    yield op({ process: p, type: 'invoke', f: 'poll', value: [['poll']] });
    yield op({ process: p, type: 'ok', f: 'poll', value: [['poll', poll(p, Number.MAX_SAFE_INTEGER)]] });
  }
}
