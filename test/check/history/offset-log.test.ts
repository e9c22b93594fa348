import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetLog } from '../../../src/check/history/offset-log.js';

/** The version order's log as the checker first built it: a Map of offset -> distinct values in order first noted. */
function reference(notes: readonly (readonly [number, number])[]): { offsets: number[]; groups: number[][] } {
  const m = new Map<number, number[]>();
  for (const [off, v] of notes) {
    const cur = m.get(off);
    if (cur === undefined) m.set(off, [v]);
    else if (!cur.includes(v)) cur.push(v);
  }
  const offsets = [...m.keys()].sort((a, b) => a - b);
  return { offsets, groups: offsets.map((o) => m.get(o)!) };
}

function grouped(notes: readonly (readonly [number, number])[]): { offsets: number[]; groups: number[][] } {
  const log = new OffsetLog();
  for (const [off, v] of notes) log.note(off, v);
  const { offsets, start, vals } = log.groups();
  return { offsets: [...offsets], groups: [...offsets].map((_, i) => [...vals.subarray(start[i]!, start[i + 1]!)]) };
}

describe('OffsetLog', () => {
  it('groups notes by ascending offset, values distinct in the order first noted (dense offsets: counting sort)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5 })), { maxLength: 200 }), (notes) => {
        expect(grouped(notes)).toEqual(reference(notes));
      }),
    );
  });

  it('the same with offsets far apart (comparison sort)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 5 })), { maxLength: 200 }), (notes) => {
        const spread = [...notes, [2 ** 50, 0] as const, [0, 1] as const];
        expect(grouped(spread)).toEqual(reference(spread));
      }),
    );
  });

  it('a log with nothing noted has no offsets', () => {
    expect(grouped([])).toEqual({ offsets: [], groups: [] });
  });
});
