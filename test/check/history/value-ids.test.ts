import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueIds } from '../../../src/check/history/value-ids.js';
import type { Value } from '../../../src/oracle/history/types.js';

/** Interns every value, as KeyState does, in a Map and in ValueIds: the ids must agree. */
function agree(values: readonly Value[]): void {
  const map = new Map<Value, number>();
  const ids = new ValueIds();
  for (const v of values) {
    const want = map.get(v) ?? -1;
    expect(ids.get(v), String(v)).toBe(want);
    if (want < 0) {
      map.set(v, map.size);
      ids.set(v, map.size - 1);
    }
  }
  for (const [v, id] of map) expect(ids.get(v)).toBe(id);
}

describe('ValueIds', () => {
  it('gives the ids a Map would, for integers, fractions, big numbers and strings alike', () => {
    const value = fc.oneof(
      fc.integer({ min: -50, max: 50 }),
      fc.integer(),
      fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31), 2 ** 53, 0.5),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom('1', '-0', 'a'),
    );
    fc.assert(fc.property(fc.array(value, { maxLength: 300 }), (values) => agree(values)));
  });

  it('keeps every id through many growths of its table', () => {
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) values.push(i * 7919 - 70_000_000, i, (i * 65_536) | 0);
    agree(values);
  });
});
