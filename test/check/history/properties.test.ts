import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../src/check/history/checker.js';
import { type GenerateOptions, generateHistory } from '../../../src/check/history/generate.js';
import type { HistoryOp, Mop, OffsetValue } from '../../../src/oracle/history/types.js';

const options = fc.record({
  ops: fc.integer({ min: 20, max: 600 }),
  seed: fc.nat(),
  processes: fc.integer({ min: 1, max: 5 }),
  keys: fc.integer({ min: 1, max: 5 }),
  keysPerProcess: fc.integer({ min: 1, max: 5 }),
  maxPoll: fc.integer({ min: 1, max: 4 }),
  sendRate: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
  txnRate: fc.double({ min: 0, max: 1, noNaN: true }),
  gapRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

const checkOptions = fc.record({
  subVia: fc.constantFrom<('assign' | 'subscribe')[]>(['assign'], ['subscribe'], ['assign', 'subscribe']),
  wwDeps: fc.boolean(),
  order: fc.constantFrom<'realtime' | 'process' | 'none'>('realtime', 'process', 'none'),
});

const TXN_FS = new Set(['send', 'poll', 'txn']);

/**
 * Whether Elle's order graph has an edge, worked out apart from the checker: realtime, an ok
 * send / poll / txn completed before another one was invoked (and that one completed); process,
 * a process has two ok ones.
 */
function hasOrderEdge(ops: readonly HistoryOp[], order: 'realtime' | 'process' | 'none'): boolean {
  const client = ops.filter((op) => TXN_FS.has(op.f) && typeof op.process === 'number');
  if (order === 'process') {
    const oks = new Map<unknown, number>();
    for (const op of client) if (op.type === 'ok') oks.set(op.process, (oks.get(op.process) ?? 0) + 1);
    return [...oks.values()].some((n) => n > 1);
  }
  if (order === 'none') return false;
  let anOkDone = false;
  const pending = new Map<unknown, boolean>();
  for (const op of client) {
    if (op.type === 'invoke') pending.set(op.process, anOkDone);
    else {
      if (pending.get(op.process) === true) return true;
      pending.delete(op.process);
      if (op.type === 'ok') anOkDone = true;
    }
  }
  return false;
}

/** Deep copy, so a test may edit a history freely. */
const copy = (ops: HistoryOp[]): HistoryOp[] => JSON.parse(JSON.stringify(ops)) as HistoryOp[];

/**
 * Whether some op depends on another, worked out apart from the checker: an ok poll (or txn) read
 * a value another op sent (ok or info); with ww-deps, two ops sent values seen at offsets of one key.
 */
function hasDependency(ops: readonly HistoryOp[], wwDeps: boolean): boolean {
  const writer = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.type === 'invoke' || op.type === 'fail') return;
    for (const m of (op.value ?? []) as Mop[]) if (m[0] === 'send') writer.set(`${String(m[1])}/${String(Array.isArray(m[2]) ? m[2][1] : m[2])}`, i);
  });
  const readers: [string, number][] = [];
  ops.forEach((op, i) => {
    if (op.type !== 'ok') return;
    for (const m of (op.value ?? []) as Mop[]) {
      if (m[0] !== 'poll' || !m[1]) continue;
      for (const [k, pairs] of Object.entries(m[1] as Record<string, OffsetValue[]>)) for (const [, v] of pairs) readers.push([`${k}/${String(v)}`, i]);
    }
  });
  if (readers.some(([kv, i]) => writer.has(kv) && writer.get(kv) !== i)) return true;
  if (!wwDeps) return false;
  // ww: values of one key at known offsets (acknowledged sends, reads), written by two ops.
  const writersOfKey = new Map<string, Set<number>>();
  const placed = (k: string, v: unknown) => {
    const w = writer.get(`${k}/${String(v)}`);
    if (w === undefined) return;
    if (!writersOfKey.has(k)) writersOfKey.set(k, new Set());
    writersOfKey.get(k)!.add(w);
  };
  for (const op of ops) {
    if (op.type !== 'ok') continue;
    for (const m of (op.value ?? []) as Mop[]) if (m[0] === 'send' && Array.isArray(m[2])) placed(String(m[1]), m[2][1]);
  }
  for (const [kv] of readers) placed(kv.slice(0, kv.indexOf('/')), kv.slice(kv.indexOf('/') + 1));
  return [...writersOfKey.values()].some((w) => w.size > 1);
}

function replay(o: GenerateOptions): string {
  return `generateHistory(${JSON.stringify(o)})`;
}

describe('history checker properties', () => {
  it('finds nothing in a well-behaved history, under any options', () => {
    fc.assert(
      fc.property(options, checkOptions, (o, c) => {
        const ops = [...generateHistory(o)];
        const r = checkHistory(ops, c);
        // Short histories may have no dependency at all: Jepsen's empty-transaction-graph, exactly then.
        const anomalies = r['error-types'].filter((t) => t !== 'empty-transaction-graph');
        if (anomalies.length > 0) throw new Error(`${replay(o)} ${JSON.stringify(c)}: ${JSON.stringify(r.errors).slice(0, 400)}`);
        expect(r['error-types'].includes('empty-transaction-graph'), replay(o)).toBe(!hasDependency(ops, c.wwDeps) && !hasOrderEdge(ops, c.order));
      }),
      { numRuns: 150 },
    );
  });

  it('flags lost-write when an acknowledged value read by its only reader loses that read', () => {
    fc.assert(
      fc.property(options, fc.nat(), (o0, pick) => {
        // One process per key, so each value has exactly one reader.
        const o = { ...o0, processes: o0.keys, keysPerProcess: 1 };
        const ops = copy([...generateHistory(o)]);
        // Candidate reads: every read with a higher read of the same key after it.
        const maxOffset = new Map<string, number>();
        const reads: { pairs: OffsetValue[]; at: number; key: string }[] = [];
        for (const op of ops) {
          if (op.type !== 'ok' || op.f !== 'poll') continue;
          for (const mop of op.value as Mop[]) {
            if (mop.length !== 2) continue;
            for (const [k, pairs] of Object.entries(mop[1])) {
              pairs.forEach((p, at) => {
                reads.push({ pairs: pairs as OffsetValue[], at, key: k });
                maxOffset.set(k, Math.max(maxOffset.get(k) ?? -1, p[0]!));
              });
            }
          }
        }
        const candidates = reads.filter((r) => r.pairs[r.at]![0]! < maxOffset.get(r.key)!);
        fc.pre(candidates.length > 0);
        const victim = candidates[pick % candidates.length]!;
        const [, value] = victim.pairs[victim.at]!;
        victim.pairs.splice(victim.at, 1);
        const r = checkHistory(ops);
        expect(r.valid, replay(o)).toBe(false);
        expect(r.errors['lost-write']?.map((c) => [String(c.key), c.value]), replay(o)).toEqual([[victim.key, value]]);
      }),
      { numRuns: 100 },
    );
  });

  it('flags G1a when a send that was read is recorded as failed', () => {
    fc.assert(
      fc.property(options, fc.nat(), (o, pick) => {
        const ops = copy([...generateHistory(o)]);
        const sends = ops.filter((op) => op.type === 'ok' && op.f === 'send');
        fc.pre(sends.length > 0);
        const victim = sends[pick % sends.length]! as { type: string };
        victim.type = 'fail';
        const r = checkHistory(ops);
        // Every value is read by the final polls, so the failed send's value was read.
        expect(r.errors.G1a?.length ?? 0, replay(o)).toBeGreaterThan(0);
        expect(r.valid).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('judges keys by their string form: integer and string keys give the same verdict', () => {
    fc.assert(
      fc.property(options, (o) => {
        const ops = copy([...generateHistory(o)]);
        const stringKeys = copy(ops).map((op) => {
          if (op.f !== 'send' && op.f !== 'txn') return op;
          const value = (op.value as Mop[]).map((m) => (m[0] === 'send' ? (['send', String(m[1]), m[2]] as Mop) : m));
          return { ...op, value };
        });
        const a = checkHistory(ops);
        const b = checkHistory(stringKeys);
        expect(b['error-types']).toEqual(a['error-types']);
        expect(b.stats.keys).toBe(a.stats.keys);
      }),
      { numRuns: 40 },
    );
  });
});
