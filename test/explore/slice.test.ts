import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { inSlice, parseShard, runsInSlice, shardName, subSlice } from '../../src/explore/slice.js';

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

  it('the W workers of a shard partition exactly the shard\'s runs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.nat(100), (n, w, at) => {
        const k = at % n;
        const shard = { index: k, count: n };
        for (let i = 0; i < 120; i++) {
          const owners = Array.from({ length: w }, (_, p) => subSlice(shard, p, w)).filter((s) => inSlice(s, i));
          expect(owners).toHaveLength(inSlice(shard, i) ? 1 : 0);
        }
      }),
    );
  });
});
