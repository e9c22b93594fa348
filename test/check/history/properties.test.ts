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
});

/** Deep copy, so a test may edit a history freely. */
const copy = (ops: HistoryOp[]): HistoryOp[] => JSON.parse(JSON.stringify(ops)) as HistoryOp[];

function replay(o: GenerateOptions): string {
  return `generateHistory(${JSON.stringify(o)})`;
}

describe('history checker properties', () => {
  it('finds nothing in a well-behaved history, under any options', () => {
    fc.assert(
      fc.property(options, checkOptions, (o, c) => {
        const r = checkHistory(generateHistory(o), c);
        if (r['error-types'].length > 0) throw new Error(`${replay(o)} ${JSON.stringify(c)}: ${JSON.stringify(r.errors).slice(0, 400)}`);
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
