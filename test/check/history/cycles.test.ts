import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../src/check/history/checker.js';
import type { CheckResult } from '../../../src/check/history/types.js';
import type { HistoryOp, Mop } from '../../../src/oracle/history/types.js';

/** The cycle anomalies of a result (the other analyses judge these histories too). */
const cycleTypes = (r: CheckResult): string[] => r['error-types'].filter((t) => t.startsWith('G0') || t.startsWith('G1c'));

/** An op as Jepsen's tests write one: (o index process type f value). */
const o = (index: number, process: number, type: HistoryOp['type'], f: 'send' | 'poll' | 'txn', value: Mop[]): HistoryOp =>
  ({ index, time: index, process, type, f, value }) as HistoryOp;

describe('the op a cycle starts from, as in Jepsen (jepsen.tests.kafka-test)', () => {
  // Two concurrent transactions in each: no realtime edge between them.
  it('g0-test: a write cycle, reported from the later op', () => {
    const wa = o(0, 0, 'invoke', 'send', [['send', 'x', 'a'], ['send', 'y', 'a']]);
    const wb = o(1, 1, 'invoke', 'send', [['send', 'x', 'b'], ['send', 'y', 'b']]);
    const wa2 = o(2, 0, 'ok', 'send', [['send', 'x', [0, 'a']], ['send', 'y', [1, 'a']]]);
    const wb2 = o(3, 1, 'ok', 'send', [['send', 'x', [1, 'b']], ['send', 'y', [0, 'b']]]);
    expect(checkHistory([wa, wb, wa2, wb2], { wwDeps: true }).errors.G0).toEqual([
      {
        type: 'G0',
        cycle: [wb2, wa2, wb2],
        steps: [
          { type: 'ww', key: 'y', value: 'b', "value'": 'a', 'a-mop-index': 1, 'b-mop-index': 1 },
          { type: 'ww', key: 'x', value: 'a', "value'": 'b', 'a-mop-index': 0, 'b-mop-index': 0 },
        ],
      },
    ]);
  });

  it('g1c-pure-wr-test: each transaction saw the other', () => {
    const t1 = o(0, 0, 'invoke', 'txn', [['send', 'x', 'a'], ['poll']]);
    const t2 = o(1, 1, 'invoke', 'txn', [['send', 'y', 'b'], ['poll']]);
    const t1b = o(2, 0, 'ok', 'txn', [['send', 'x', [0, 'a']], ['poll', { y: [[0, 'b']] }]]);
    const t2b = o(3, 1, 'ok', 'txn', [['send', 'y', [0, 'b']], ['poll', { x: [[0, 'a']] }]]);
    expect(checkHistory([t1, t2, t1b, t2b]).errors.G1c).toEqual([
      {
        type: 'G1c',
        cycle: [t2b, t1b, t2b],
        steps: [
          { type: 'wr', key: 'y', value: 'b', 'a-mop-index': 0, 'b-mop-index': 1 },
          { type: 'wr', key: 'x', value: 'a', 'a-mop-index': 0, 'b-mop-index': 1 },
        ],
      },
    ]);
  });

  it('g1c-ww-wr-test: the search may not start along a ww edge, so the cycle starts at the earlier op', () => {
    const t1 = o(0, 0, 'invoke', 'txn', [['send', 'x', 'a'], ['send', 'y', 'c']]);
    const t2 = o(1, 1, 'invoke', 'txn', [['poll'], ['send', 'y', 'b']]);
    const t1b = o(2, 0, 'ok', 'txn', [['send', 'x', [0, 'a']], ['send', 'y', [2, 'c']]]);
    const t2b = o(3, 1, 'ok', 'txn', [['poll', { x: [[0, 'a']] }], ['send', 'y', [1, 'b']]]);
    expect(checkHistory([t1, t2, t1b, t2b], { wwDeps: true }).errors.G1c).toEqual([
      {
        type: 'G1c',
        cycle: [t1b, t2b, t1b],
        steps: [
          { type: 'wr', key: 'x', value: 'a', 'a-mop-index': 0, 'b-mop-index': 0 },
          { type: 'ww', key: 'y', value: 'b', "value'": 'c', 'a-mop-index': 1, 'b-mop-index': 1 },
        ],
      },
    ]);
  });
});

/**
 * t1 completes, then t2 is invoked: t1 precedes t2 in real time. t1's poll read y=b, which t2
 * sent: information flowed backwards in time. Processes p1 and p2.
 */
function readFromTheFuture(p1: number, p2: number): { ops: HistoryOp[]; t1: HistoryOp; t2: HistoryOp } {
  const t1 = o(1, p1, 'ok', 'txn', [['send', 'x', [0, 'a']], ['poll', { y: [[0, 'b']] }]]);
  const t2 = o(3, p2, 'ok', 'txn', [['send', 'y', [0, 'b']], ['poll', {}]]);
  const check = o(5, 9, 'ok', 'poll', [['poll', { x: [[0, 'a']] }]]);
  const ops = [o(0, p1, 'invoke', 'txn', [['send', 'x', 'a'], ['poll']]), t1, o(2, p2, 'invoke', 'txn', [['send', 'y', 'b'], ['poll']]), t2, o(4, 9, 'invoke', 'poll', [['poll']]), check];
  return { ops, t1, t2 };
}

/** t1 sends x=a, acknowledged at offset 1; after it completes, t2 sends x=b, acknowledged at offset 0. */
function writeBeforeInTime(p1: number, p2: number): { ops: HistoryOp[]; t1: HistoryOp; t2: HistoryOp } {
  const t1 = o(1, p1, 'ok', 'send', [['send', 'x', [1, 'a']]]);
  const t2 = o(3, p2, 'ok', 'send', [['send', 'x', [0, 'b']]]);
  const poll = o(5, 9, 'ok', 'poll', [['poll', { x: [[0, 'b'], [1, 'a']] }]]);
  const ops = [o(0, p1, 'invoke', 'send', [['send', 'x', 'a']]), t1, o(2, p2, 'invoke', 'send', [['send', 'x', 'b']]), t2, o(4, 9, 'invoke', 'poll', [['poll']]), poll];
  return { ops, t1, t2 };
}

describe('G1c-realtime and G1c-process (Elle: realtime and process orders as edges)', () => {
  it('G1c-realtime: a read from an op that began after the reader completed', () => {
    const { ops, t1, t2 } = readFromTheFuture(0, 1);
    const r = checkHistory(ops);
    expect(r.errors['G1c-realtime']).toEqual([
      {
        type: 'G1c-realtime',
        cycle: [t2, t1, t2],
        steps: [
          { type: 'wr', key: 'y', value: 'b', 'a-mop-index': 0, 'b-mop-index': 1 },
          { type: 'realtime', "a'": t1, b: { index: 2, time: 2, process: 1, type: 'invoke', f: 'txn' } },
        ],
      },
    ]);
    expect(r.errors.G1c).toBeUndefined();
    expect(r['bad-error-types']).toEqual(['G1c-realtime']);
    // Jepsen allows every G1c with ww dependencies on; without an order there is no cycle at all.
    expect(checkHistory(ops, { wwDeps: true }).valid).toBe(true);
    expect(cycleTypes(checkHistory(ops, { order: 'none' }))).toEqual([]);
    // Two processes: no process order joins them.
    expect(cycleTypes(checkHistory(ops, { order: 'process' }))).toEqual([]);
  });

  it('G1c-process: the same, with one process doing both', () => {
    const { ops, t1, t2 } = readFromTheFuture(0, 0);
    const r = checkHistory(ops, { order: 'process' });
    expect(r.errors['G1c-process']).toEqual([
      {
        type: 'G1c-process',
        cycle: [t2, t1, t2],
        steps: [
          { type: 'wr', key: 'y', value: 'b', 'a-mop-index': 0, 'b-mop-index': 1 },
          { type: 'process', process: 0 },
        ],
      },
    ]);
    expect(r['bad-error-types']).toEqual(['G1c-process']);
    // In real time it is the realtime variant (Elle adds one order graph, never both).
    expect(cycleTypes(checkHistory(ops))).toEqual(['G1c-realtime']);
  });

  it('finds no cycle when the reads go forwards in time', () => {
    const t1 = o(1, 0, 'ok', 'txn', [['send', 'x', [0, 'a']], ['poll', {}]]);
    const t2 = o(3, 1, 'ok', 'txn', [['send', 'y', [0, 'b']], ['poll', { x: [[0, 'a']] }]]);
    const t3 = o(5, 0, 'ok', 'poll', [['poll', { y: [[0, 'b']] }]]);
    const ops = [o(0, 0, 'invoke', 'txn', []), t1, o(2, 1, 'invoke', 'txn', []), t2, o(4, 0, 'invoke', 'poll', [['poll']]), t3];
    for (const order of ['realtime', 'process', 'none'] as const) {
      const r = checkHistory(ops, { order });
      expect(r['error-types'], order).toEqual([]);
    }
  });
});

describe('G0-realtime and G0-process', () => {
  it('G0-realtime: a send ordered in the log before one that had completed before it began', () => {
    const { ops, t1, t2 } = writeBeforeInTime(0, 1);
    const r = checkHistory(ops, { wwDeps: true });
    expect(r.errors['G0-realtime']).toEqual([
      {
        type: 'G0-realtime',
        cycle: [t1, t2, t1],
        steps: [
          { type: 'realtime', "a'": t1, b: { index: 2, time: 2, process: 1, type: 'invoke', f: 'send' } },
          { type: 'ww', key: 'x', value: 'b', "value'": 'a', 'a-mop-index': 0, 'b-mop-index': 0 },
        ],
      },
    ]);
    // Jepsen allows G0 in every variant: Kafka does not isolate writes.
    expect(r.valid).toBe(true);
    expect(cycleTypes(checkHistory(ops, { wwDeps: false }))).toEqual([]);
  });

  it('G0-process: the same, with one process sending both', () => {
    const { ops, t1, t2 } = writeBeforeInTime(0, 0);
    const r = checkHistory(ops, { wwDeps: true, order: 'process' });
    expect(r.errors['G0-process']).toEqual([
      {
        type: 'G0-process',
        cycle: [t1, t2, t1],
        steps: [
          { type: 'process', process: 0 },
          { type: 'ww', key: 'x', value: 'b', "value'": 'a', 'a-mop-index': 0, 'b-mop-index': 0 },
        ],
      },
    ]);
    expect(cycleTypes(r)).toEqual(['G0-process']);
    expect(cycleTypes(checkHistory(ops, { wwDeps: true }))).toEqual(['G0-realtime']);
  });

  it('reports a plain G0 alone where one exists: it implies its variants (Elle does not look for them)', () => {
    const wa = o(0, 0, 'invoke', 'send', [['send', 'x', 'a'], ['send', 'y', 'a']]);
    const wa2 = o(1, 0, 'ok', 'send', [['send', 'x', [0, 'a']], ['send', 'y', [1, 'a']]]);
    const wb = o(2, 1, 'invoke', 'send', [['send', 'x', 'b'], ['send', 'y', 'b']]);
    const wb2 = o(3, 1, 'ok', 'send', [['send', 'x', [1, 'b']], ['send', 'y', [0, 'b']]]);
    const r = checkHistory([wa, wa2, wb, wb2], { wwDeps: true });
    expect(cycleTypes(r)).toEqual(['G0']);
  });
});
