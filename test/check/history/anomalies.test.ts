import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../src/check/history/checker.js';
import { H } from './builder.js';

/*
 * One positive case and at least one near miss per anomaly, written from the definitions
 * in jepsen.tests.kafka (see spec/history.md). Keys are 1 ("x") and 2 ("y").
 */

describe('inconsistent-offsets', () => {
  it('flags two values acknowledged at one offset', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.send(1, 1, 11, 0);
    const r = checkHistory(h.ops);
    expect(r.errors['inconsistent-offsets']).toEqual([{ key: 1, offset: 0, index: 0, values: [10, 11] }]);
    expect(r.valid).toBe(false);
  });

  it('counts a poll seeing another value at an acknowledged offset, even a failed poll', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.poll(1, { '1': [[0, 99]] }, 'fail');
    expect(checkHistory(h.ops).errors['inconsistent-offsets']).toEqual([{ key: 1, offset: 0, index: 0, values: [10, 99] }]);
  });

  it('ignores an info send at the same offset that no ok poll proves committed', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.send(1, 1, 11, 0, 'info');
    h.send(2, 1, 12, 0, 'fail');
    h.poll(3, { '1': [[0, 10]] });
    expect(checkHistory(h.ops).errors['inconsistent-offsets']).toBeUndefined();
  });

  it('counts an info send once an ok poll read one of its values', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.txn(1, [['send', 1, [0, 11]], ['send', 2, [0, 20]]], 'info');
    h.poll(3, { '2': [[0, 20]] });
    expect(checkHistory(h.ops).errors['inconsistent-offsets']).toEqual([{ key: 1, offset: 0, index: 0, values: [10, 11] }]);
  });

  it('uses dense indices: offsets where nothing was seen do not count', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.send(0, 1, 11, 5);
    h.poll(1, { '1': [[5, 12]] });
    expect(checkHistory(h.ops).errors['inconsistent-offsets']).toEqual([{ key: 1, offset: 5, index: 1, values: [11, 12] }]);
  });
});

describe('duplicate', () => {
  it('flags one value at two offsets, with the offsets', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.poll(1, { '1': [[0, 10], [1, 10]] });
    expect(checkHistory(h.ops).errors.duplicate).toEqual([{ key: 1, value: 10, count: 2, offsets: [0, 1] }]);
  });

  it('does not flag a value read twice at the same offset', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.poll(1, { '1': [[0, 10]] });
    h.poll(2, { '1': [[0, 10]] });
    const r = checkHistory(h.ops);
    expect(r.errors.duplicate).toBeUndefined();
    expect(r.valid).toBe(true);
  });
});

describe('lost-write', () => {
  it('flags an acknowledged send below the highest read that no ok poll saw', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    const w11 = h.send(0, 1, 11, 1);
    h.send(0, 1, 12, 2);
    h.poll(1, { '1': [[0, 10]] });
    const reader = h.poll(2, { '1': [[2, 12]] });
    const r = checkHistory(h.ops);
    expect(r.errors['lost-write']).toEqual([{ key: 1, value: 11, index: 1, 'max-read-index': 2, writer: w11, 'max-read': reader }]);
    expect(r['bad-error-types']).toContain('lost-write');
  });

  it('does not flag an unread send above the highest read (that is unseen)', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.send(0, 1, 11, 1);
    h.poll(1, { '1': [[0, 10]] });
    const r = checkHistory(h.ops);
    expect(r.errors['lost-write']).toBeUndefined();
    expect(r.errors.unseen?.[0]?.messages).toEqual({ '1': [11] });
  });

  it('does not flag an info send that nothing proves committed', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.send(0, 1, 11, 1, 'info');
    h.send(0, 1, 12, 2);
    h.poll(1, { '1': [[0, 10]] });
    h.poll(2, { '1': [[2, 12]] });
    expect(checkHistory(h.ops).errors['lost-write']).toBeUndefined();
  });

  it('flags the unread send of an info txn once one of its other sends was read', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    const info = h.txn(0, [['send', 1, [1, 11]], ['send', 2, [0, 20]]], 'info');
    h.send(0, 1, 12, 2);
    h.poll(1, { '1': [[0, 10]] });
    const reader = h.poll(2, { '1': [[2, 12]], '2': [[0, 20]] });
    expect(checkHistory(h.ops).errors['lost-write']).toEqual([
      { key: 1, value: 11, index: 1, 'max-read-index': 2, writer: info, 'max-read': reader },
    ]);
  });

  it('does not count a read by a failed poll as a read', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    const w11 = h.send(0, 1, 11, 1);
    h.send(0, 1, 12, 2);
    h.poll(1, { '1': [[0, 10]] });
    h.poll(3, { '1': [[1, 11]] }, 'fail');
    const reader = h.poll(2, { '1': [[2, 12]] });
    expect(checkHistory(h.ops).errors['lost-write']).toEqual([{ key: 1, value: 11, index: 1, 'max-read-index': 2, writer: w11, 'max-read': reader }]);
  });
});

describe('G1a', () => {
  it('flags an ok poll that saw a value whose send failed', () => {
    const h = new H();
    const writer = h.send(0, 1, 10, null, 'fail');
    const reader = h.poll(1, { '1': [[0, 10]] });
    const r = checkHistory(h.ops);
    expect(r.errors.G1a).toEqual([{ key: 1, value: 10, writer, reader }]);
    expect(r.valid).toBe(false);
  });

  it('does not flag a read of an info send', () => {
    const h = new H();
    h.send(0, 1, 10, null, 'info');
    h.poll(1, { '1': [[0, 10]] });
    const r = checkHistory(h.ops);
    expect(r.errors.G1a).toBeUndefined();
    expect(r.valid).toBe(true);
  });

  it("does not flag an aborted transaction's read of a failed send", () => {
    const h = new H();
    h.send(0, 1, 10, null, 'fail');
    h.txn(1, [['poll', { '1': [[0, 10]] }]], 'fail');
    expect(checkHistory(h.ops).errors.G1a).toBeUndefined();
  });
});

describe('precommitted-read', () => {
  it('flags a transaction that read its own send', () => {
    const h = new H();
    const op = h.txn(0, [['send', 1, [0, 10]], ['poll', { '1': [[0, 10]] }]]);
    expect(checkHistory(h.ops).errors['precommitted-read']).toEqual([{ op, key: 1, value: 10 }]);
  });

  it("does not flag a transaction that read another op's send", () => {
    const h = new H();
    h.send(1, 1, 10, 0);
    h.txn(0, [['send', 1, [1, 11]], ['poll', { '1': [[0, 10]] }]]);
    h.poll(2, { '1': [[0, 10], [1, 11]] });
    const r = checkHistory(h.ops);
    expect(r.errors['precommitted-read']).toBeUndefined();
    expect(r.valid).toBe(true);
  });
});

describe('poll-skip', () => {
  const skipping = (between?: (h: H) => void, first: 'ok' | 'info' = 'ok') => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    h.send(9, 1, 12, 2);
    h.poll(8, { '1': [[0, 10], [1, 11], [2, 12]] });
    h.assign(0, [1]);
    const p1 = h.poll(0, { '1': [[0, 10]] }, first);
    between?.(h);
    const p2 = h.poll(0, { '1': [[2, 12]] });
    return { h, p1, p2 };
  };

  it("flags a process's successive polls that skip a value", () => {
    const { h, p1, p2 } = skipping();
    const r = checkHistory(h.ops);
    expect(r.errors['poll-skip']).toEqual([{ key: 1, delta: 2, skipped: [11], ops: [p1, p2] }]);
    expect(r.valid).toBe(false);
  });

  it('is allowed when consumers subscribe (rebalances move them)', () => {
    const { h } = skipping();
    const r = checkHistory(h.ops, { subVia: ['subscribe'] });
    expect(r['error-types']).toEqual(['poll-skip']);
    expect(r.valid).toBe(true);
  });

  it('is not flagged across an assign that dropped the key', () => {
    const { h } = skipping((x) => x.assign(0, [2]));
    expect(checkHistory(h.ops).errors['poll-skip']).toBeUndefined();
  });

  it('is not flagged across a subscribe that dropped the key', () => {
    const { h } = skipping((x) => x.subscribe(0, [2], 'info'));
    expect(checkHistory(h.ops).errors['poll-skip']).toBeUndefined();
  });

  it('is still flagged across an assign that kept the key, or one that failed', () => {
    expect(checkHistory(skipping((x) => x.assign(0, [1, 2])).h.ops).errors['poll-skip']).toHaveLength(1);
    expect(checkHistory(skipping((x) => x.assign(0, [2], 'fail')).h.ops).errors['poll-skip']).toHaveLength(1);
  });

  it('takes no baseline from a poll that did not complete ok', () => {
    const { h } = skipping(undefined, 'info');
    expect(checkHistory(h.ops).errors['poll-skip']).toBeUndefined();
  });

  it('is judged per process', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    h.send(9, 1, 12, 2);
    h.poll(0, { '1': [[0, 10], [1, 11]] });
    h.poll(1, { '1': [[2, 12]] });
    expect(checkHistory(h.ops).valid).toBe(true);
  });
});

describe('nonmonotonic-poll', () => {
  it('flags a poll that starts at or before where the previous one ended', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    const p1 = h.poll(0, { '1': [[0, 10], [1, 11]] });
    const p2 = h.poll(0, { '1': [[1, 11]] });
    const r = checkHistory(h.ops);
    expect(r.errors['nonmonotonic-poll']).toEqual([{ key: 1, values: [11, 11], delta: 0, ops: [p1, p2] }]);
    expect(checkHistory(h.ops, { subVia: ['subscribe'] }).valid).toBe(true);
  });

  it('is not flagged after a subscribe that dropped the key', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    h.poll(0, { '1': [[0, 10], [1, 11]] });
    h.subscribe(0, [2]);
    h.poll(0, { '1': [[0, 10]] });
    expect(checkHistory(h.ops).errors['nonmonotonic-poll']).toBeUndefined();
  });

  it('compares against nothing after an ok poll that returned the key with no messages', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    h.poll(0, { '1': [[0, 10], [1, 11]] });
    h.poll(0, { '1': [] });
    h.poll(0, { '1': [[0, 10]] });
    expect(checkHistory(h.ops).errors['nonmonotonic-poll']).toBeUndefined();
  });
});

describe('nonmonotonic-send', () => {
  it("flags a process's send that landed before its previous send to the key", () => {
    const h = new H();
    const s1 = h.send(0, 1, 11, 1);
    const s2 = h.send(0, 1, 10, 0);
    h.poll(1, { '1': [[0, 10], [1, 11]] });
    expect(checkHistory(h.ops).errors['nonmonotonic-send']).toEqual([{ key: 1, values: [11, 10], delta: -1, ops: [s1, s2] }]);
  });

  it('is not flagged across an assign that dropped the key, nor for a failed send', () => {
    const h = new H();
    h.send(0, 1, 11, 1);
    h.assign(0, [2]);
    h.send(0, 1, 10, 0);
    h.poll(1, { '1': [[0, 10], [1, 11]] });
    expect(checkHistory(h.ops).errors['nonmonotonic-send']).toBeUndefined();

    const g = new H();
    g.send(0, 1, 11, 1);
    g.send(0, 1, 10, 0, 'fail');
    g.poll(1, { '1': [[1, 11]] });
    expect(checkHistory(g.ops).errors['nonmonotonic-send']).toBeUndefined();
  });

  it('is not flagged for sends of different processes', () => {
    const h = new H();
    h.send(0, 1, 11, 1);
    h.send(1, 1, 10, 0);
    h.poll(2, { '1': [[0, 10], [1, 11]] });
    expect(checkHistory(h.ops).valid).toBe(true);
  });
});

describe('int-poll-skip and int-nonmonotonic-poll', () => {
  it('flags reads within one poll that skip a value', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    h.send(9, 1, 12, 2);
    h.poll(1, { '1': [[1, 11]] });
    const op = h.poll(0, { '1': [[0, 10], [2, 12]] });
    expect(checkHistory(h.ops).errors['int-poll-skip']).toEqual([{ key: 1, values: [10, 12], delta: 2, skipped: [11], op }]);
  });

  it('flags reads within one txn that go backwards, across its poll micro-ops', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    const op = h.txn(0, [['poll', { '1': [[1, 11]] }], ['poll', { '1': [[0, 10]] }]]);
    expect(checkHistory(h.ops).errors['int-nonmonotonic-poll']).toEqual([{ key: 1, values: [11, 10], delta: -1, op }]);
  });

  it('exempts keys named in the rebalance-log', () => {
    const h = new H();
    h.send(9, 1, 10, 0);
    h.send(9, 1, 11, 1);
    h.send(9, 1, 12, 2);
    h.poll(1, { '1': [[0, 10], [1, 11], [2, 12]] });
    h.poll(0, { '1': [[0, 10], [2, 12], [1, 11]] }, 'ok', { 'rebalance-log': [{ keys: [1, 2] }] });
    const r = checkHistory(h.ops);
    expect(r.errors['int-poll-skip']).toBeUndefined();
    expect(r.errors['int-nonmonotonic-poll']).toBeUndefined();
    expect(r.valid).toBe(true);
  });
});

describe('int-send-skip and int-nonmonotonic-send', () => {
  it('flags sends within one txn that were not adjacent, and allows it', () => {
    const h = new H();
    h.send(1, 1, 11, 1);
    const op = h.txn(0, [['send', 1, [0, 10]], ['send', 1, [2, 12]]]);
    h.poll(2, { '1': [[0, 10], [1, 11], [2, 12]] });
    const r = checkHistory(h.ops);
    expect(r.errors['int-send-skip']).toEqual([{ key: 1, values: [10, 12], delta: 2, skipped: [11], op }]);
    expect(r['bad-error-types']).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('flags sends within one txn that went backwards', () => {
    const h = new H();
    const op = h.txn(0, [['send', 1, [1, 11]], ['send', 1, [0, 10]]]);
    h.poll(2, { '1': [[0, 10], [1, 11]] });
    const r = checkHistory(h.ops);
    expect(r.errors['int-nonmonotonic-send']).toEqual([{ key: 1, values: [11, 10], delta: -1, op }]);
    expect(r.valid).toBe(false);
  });

  it('does not flag adjacent sends', () => {
    const h = new H();
    h.txn(0, [['send', 1, [0, 10]], ['send', 1, [1, 11]]]);
    h.poll(2, { '1': [[0, 10], [1, 11]] });
    expect(checkHistory(h.ops)['error-types']).toEqual([]);
  });
});

describe('unseen', () => {
  it('reports acknowledged sends no ok poll saw, as one map with the last ok time', () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.send(0, 1, 11, 1);
    h.send(0, 2, 20, 0);
    const last = h.poll(1, { '1': [[0, 10]] });
    const r = checkHistory(h.ops);
    expect(r.errors.unseen).toEqual([{ time: last.time, unseen: { '1': 1, '2': 1 }, messages: { '1': [11], '2': [20] } }]);
    expect(r.valid).toBe(false);
  });

  it('does not count info or failed sends, nor a value seen before its send was acknowledged', () => {
    const h = new H();
    h.send(0, 1, 10, null, 'info');
    h.send(0, 1, 11, null, 'fail');
    h.poll(1, { '1': [[0, 12]] });
    h.send(0, 1, 12, 0);
    expect(checkHistory(h.ops).errors.unseen).toBeUndefined();
  });
});

describe('G0 and G1c', () => {
  const writeCycle = () => {
    const h = new H();
    const t1 = h.txn(0, [['send', 1, [0, 10]], ['send', 2, [1, 21]]]);
    const t2 = h.txn(1, [['send', 1, [1, 11]], ['send', 2, [0, 20]]]);
    h.poll(2, { '1': [[0, 10], [1, 11]], '2': [[0, 20], [1, 21]] });
    return { h, t1, t2 };
  };

  // These histories are sequential (H runs one op at a time), so realtime edges would join
  // them: order 'none' keeps to ww and wr (test/check/history/cycles.test.ts has the orders).
  it('finds a write cycle (G0) with ww dependencies on, and allows it', () => {
    const { h, t1, t2 } = writeCycle();
    const r = checkHistory(h.ops, { wwDeps: true, order: 'none' });
    expect(r.errors.G0).toEqual([
      {
        type: 'G0',
        cycle: [t2, t1, t2],
        steps: [
          { type: 'ww', key: 2, value: 20, "value'": 21, 'a-mop-index': 1, 'b-mop-index': 1 },
          { type: 'ww', key: 1, value: 10, "value'": 11, 'a-mop-index': 0, 'b-mop-index': 0 },
        ],
      },
    ]);
    expect(r.valid).toBe(true);
  });

  it('infers no G0 with ww dependencies off', () => {
    const { h } = writeCycle();
    expect(checkHistory(h.ops).errors.G0).toBeUndefined();
  });

  const readCycle = (t2Reads: boolean) => {
    const h = new H();
    const t1 = h.txn(0, [['send', 1, [0, 10]], ['poll', { '2': [[0, 20]] }]]);
    const t2 = h.txn(1, [['send', 2, [0, 20]], ['poll', { '1': t2Reads ? [[0, 10]] : [] }]]);
    h.poll(2, { '1': [[0, 10]] });
    return { h, t1, t2 };
  };

  it('finds circular information flow (G1c) and counts it without ww dependencies', () => {
    const { h, t1, t2 } = readCycle(true);
    const r = checkHistory(h.ops, { order: 'none' });
    expect(r.errors.G1c).toEqual([
      {
        type: 'G1c',
        cycle: [t2, t1, t2],
        steps: [
          { type: 'wr', key: 2, value: 20, 'a-mop-index': 0, 'b-mop-index': 1 },
          { type: 'wr', key: 1, value: 10, 'a-mop-index': 0, 'b-mop-index': 1 },
        ],
      },
    ]);
    expect(r['bad-error-types']).toEqual(['G1c']);
    expect(checkHistory(h.ops, { wwDeps: true, order: 'none' }).valid).toBe(true);
  });

  it('finds no cycle when one side did not see the other', () => {
    const { h } = readCycle(false);
    const r = checkHistory(h.ops, { order: 'none' });
    expect(r.errors.G1c).toBeUndefined();
    expect(r.valid).toBe(true);
    // In real time, though, t1 finished before t2 began and still read t2's send.
    expect(checkHistory(h.ops)['bad-error-types']).toEqual(['G1c-realtime']);
  });

  it('finds a G1c mixing ww and wr edges when no ww-only cycle exists', () => {
    const h = new H();
    // t1 sends x=10; t2 sends x=11 after it (ww t1 -> t2) and y=20; t1 read y=20 (wr t2 -> t1).
    const t1 = h.txn(0, [['send', 1, [0, 10]], ['poll', { '2': [[0, 20]] }]]);
    const t2 = h.txn(1, [['send', 1, [1, 11]], ['send', 2, [0, 20]]]);
    h.poll(2, { '1': [[0, 10], [1, 11]] });
    const r = checkHistory(h.ops, { wwDeps: true, order: 'none' });
    expect(r.errors.G0).toBeUndefined();
    // The first step of a G1c is a wr edge (Elle's BFS), so the cycle starts at t2.
    expect(r.errors.G1c).toEqual([
      {
        type: 'G1c',
        cycle: [t2, t1, t2],
        steps: [
          { type: 'wr', key: 2, value: 20, 'a-mop-index': 1, 'b-mop-index': 1 },
          { type: 'ww', key: 1, value: 10, "value'": 11, 'a-mop-index': 0, 'b-mop-index': 0 },
        ],
      },
    ]);
    expect(checkHistory(h.ops, { order: 'none' }).errors.G1c).toBeUndefined();
  });
});

describe('keys', () => {
  it('treats an integer key and its string form in a poll result as one key', () => {
    const h = new H();
    h.send(0, 3, 10, 0);
    h.poll(1, { '3': [[0, 10]] });
    const r = checkHistory(h.ops);
    expect(r.valid).toBe(true);
    expect(r.stats.keys).toBe(1);
  });

  it('handles keys named like Object.prototype members as plain keys', () => {
    const h = new H();
    h.send(0, '__proto__', 10, 0);
    h.send(0, '__proto__', 11, 1);
    h.send(0, 'constructor', 12, 0);
    h.send(0, 'toString', 13, 0);
    h.poll(1, JSON.parse('{"__proto__": [[0, 10]], "constructor": [[0, 12]]}') as Record<string, [number, number][]>);
    const r = checkHistory(h.ops);
    expect(r.errors.unseen?.[0]?.messages).toEqual(Object.assign(Object.create(null) as object, { ['__proto__']: [11], toString: [13] }));
    expect(Object.keys(r.errors.unseen![0]!.unseen).sort()).toEqual(['__proto__', 'toString']);
    expect(JSON.parse(JSON.stringify(r.errors.unseen![0]!.unseen))).toEqual(JSON.parse('{"__proto__": 1, "toString": 1}'));
  });
});
