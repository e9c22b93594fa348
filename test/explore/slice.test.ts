import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { claimer, closeIfIdle, lowerLimit, sharedRuns } from '../../src/explore/share.js';
import { inSlice, parseShard, runsInSlice, shardName, wholeSearch } from '../../src/explore/slice.js';

describe('slices of a search', () => {
  it('--shard K/N is the K-th of N (1-based); anything else is an input error', () => {
    expect(parseShard('1/2')).toEqual({ index: 0, count: 2 });
    expect(parseShard('100/100')).toEqual({ index: 99, count: 100 });
    expect(shardName(parseShard('7/100'))).toBe('7/100');
    for (const bad of ['3/2', '0/2', '1/0', '2', 'a/b', '-1/2', '1/2/3', '']) expect(() => parseShard(bad), bad).toThrow(InputError);
  });

  it('the N shards partition the runs: each run in exactly one, and runsInSlice counts them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 200 }), (n, runs) => {
        const shards = Array.from({ length: n }, (_, k) => parseShard(`${k + 1}/${n}`));
        for (let i = 0; i < runs; i++) expect(shards.filter((s) => inSlice(s, i))).toHaveLength(1);
        for (const s of shards) expect(runsInSlice(s, runs)).toBe(Array.from({ length: runs }, (_, i) => i).filter((i) => inSlice(s, i)).length);
      }),
    );
  });

  it('searchers claiming runs partition the slice\'s runs, however their steps interleave; none claims past the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.nat(4), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 400 }), fc.option(fc.nat(60)), (n, at, w, schedule, stop) => {
        const runs = 60;
        const slice = { index: at % n, count: n };
        const shared = sharedRuns(runs, w);
        const take = Array.from({ length: w }, (_, s) => claimer(shared, slice, s));
        const next = new Array<number>(w).fill(0);
        const taken = new Map<number, number>();
        if (stop !== null) lowerLimit(shared, stop);
        // Each searcher is offered every index in order; the schedule says who moves next.
        const step = (s: number) => {
          const i = next[s]!++;
          if (take[s]!(i)) taken.set(i, (taken.get(i) ?? 0) + 1);
        };
        for (const s of schedule) if (next[s % w]! < runs) step(s % w);
        for (let s = 0; s < w; s++) while (next[s]! < runs) step(s);
        const limit = stop ?? runs;
        expect([...taken.values()].every((c) => c === 1)).toBe(true);
        expect([...taken.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: limit }, (_, i) => i).filter((i) => inSlice(slice, i)));
      }),
    );
  });

  it('a searcher closed before it started takes no run; one that started is not closed', () => {
    const shared = sharedRuns(10, 3);
    const started = claimer(shared, wholeSearch, 1);
    expect(started(0)).toBe(true);
    expect(closeIfIdle(shared, 1)).toBe(false);
    expect(closeIfIdle(shared, 2)).toBe(true);
    const closed = claimer(shared, wholeSearch, 2);
    expect(Array.from({ length: 10 }, (_, i) => closed(i))).toEqual(new Array(10).fill(false));
  });
});
