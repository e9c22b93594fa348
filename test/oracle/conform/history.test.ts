import { describe, expect, it } from 'vitest';
import { parseHistory } from '../../../src/oracle/history/index.js';
import { HistoryRecorder, type Op, toEdn, toJsonLine } from '../../../src/oracle/conform/history.js';
import { Readable } from 'node:stream';

const ops: Op[] = [
  { index: 0, time: 0, process: 0, type: 'invoke', f: 'subscribe', value: [0, 1] },
  { index: 1, time: 5, process: 0, type: 'ok', f: 'subscribe', value: [0, 1] },
  { index: 2, time: 6, process: 0, type: 'invoke', f: 'send', value: [['send', 3, 1]] },
  { index: 3, time: 7, process: 0, type: 'ok', f: 'send', value: [['send', 3, [17, 1]]] },
  { index: 4, time: 8, process: 1, type: 'invoke', f: 'poll', value: [['poll']] },
  { index: 5, time: 9, process: 1, type: 'ok', f: 'poll', value: [['poll', { '3': [[17, 1], [18, 2]] }]] },
  { index: 6, time: 10, process: 1, type: 'invoke', f: 'crash', value: null },
  { index: 7, time: 11, process: 1, type: 'info', f: 'crash', value: null, error: 'closed "now"' },
];

describe('conform history format', () => {
  it('writes Jepsen EDN: keywords, integer map keys, nil', () => {
    expect(toEdn(ops[0]!)).toBe('{:index 0, :time 0, :type :invoke, :process 0, :f :subscribe, :value [0 1]}');
    expect(toEdn(ops[3]!)).toBe('{:index 3, :time 7, :type :ok, :process 0, :f :send, :value [[:send 3 [17 1]]]}');
    expect(toEdn(ops[4]!)).toBe('{:index 4, :time 8, :type :invoke, :process 1, :f :poll, :value [[:poll]]}');
    expect(toEdn(ops[5]!)).toBe('{:index 5, :time 9, :type :ok, :process 1, :f :poll, :value [[:poll {3 [[17 1] [18 2]]}]]}');
    expect(toEdn(ops[7]!)).toBe('{:index 7, :time 11, :type :info, :process 1, :f :crash, :value nil, :error "closed \\"now\\""}');
  });

  it('writes JSON Lines in the shared shape, fields in order', () => {
    expect(toJsonLine(ops[3]!)).toBe('{"index":3,"time":7,"process":0,"type":"ok","f":"send","value":[["send",3,[17,1]]]}');
  });

  it('reads back identically through the project history parser, in both formats', async () => {
    const edn = ops.map((op) => `${toEdn(op)}\n`).join('');
    const jsonl = ops.map((op) => `${toJsonLine(op)}\n`).join('');
    const fromEdn: unknown[] = [];
    const fromJsonl: unknown[] = [];
    for await (const op of parseHistory(Readable.from([edn]), 'edn')) fromEdn.push(op);
    for await (const op of parseHistory(Readable.from([jsonl]), 'jsonl')) fromJsonl.push(op);
    expect(fromEdn).toHaveLength(ops.length);
    expect(fromEdn).toEqual(fromJsonl);
    const poll = fromEdn[5] as { value: unknown };
    expect(JSON.stringify(poll.value)).toBe(JSON.stringify([['poll', { '3': [[17, 1], [18, 2]] }]]));
  });

  it('numbers ops in order with increasing times', () => {
    let t = 100n;
    const r = new HistoryRecorder(() => (t += 10n));
    r.record({ process: 0, type: 'invoke', f: 'poll', value: [['poll']] });
    r.record({ process: 0, type: 'ok', f: 'poll', value: [['poll', {}]] });
    expect(r.ops.map((o) => [o.index, o.time])).toEqual([
      [0, 10],
      [1, 20],
    ]);
  });
});
