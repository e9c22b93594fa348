import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/rng.js';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.int(0, 1_000_000));

describe('Rng', () => {
  it('the same seed gives the same stream', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        expect(draw(Rng.seeded(seed), 50)).toEqual(draw(Rng.seeded(seed), 50));
      }),
    );
  });

  it('a split stream is independent: how much a child draws does not move its parent', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 100 }), (seed, childDraws) => {
        const a = Rng.seeded(seed);
        const b = Rng.seeded(seed);
        const ca = a.split();
        const cb = b.split();
        draw(ca, childDraws);
        draw(cb, 3);
        expect(draw(a, 20)).toEqual(draw(b, 20));
      }),
    );
  });

  it('different seeds give different streams, including seeds that differ above 32 bits', () => {
    expect(draw(Rng.seeded(1), 10)).not.toEqual(draw(Rng.seeded(2), 10));
    expect(draw(Rng.seeded(1), 10)).not.toEqual(draw(Rng.seeded(2 ** 32 + 1), 10));
  });

  it('int stays in range and covers it', () => {
    const r = Rng.seeded(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(-3, 3);
      expect(v).toBeGreaterThanOrEqual(-3);
      expect(v).toBeLessThanOrEqual(3);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
    expect(() => r.int(2, 1)).toThrow(/empty range/);
  });
});
