import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * The kernel's one source of randomness (design decision 1). Seeded, and splittable: `split()`
 * hands out an independent stream (xoroshiro128+'s jump), so a component that draws more or
 * fewer numbers does not shift the numbers every other component sees.
 */
export class Rng {
  private constructor(private readonly gen: JumpableRandomGenerator) {}

  static seeded(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    // pure-rand seeds from a 32-bit int; fold the high bits in so 2^32 + 1 differs from 1.
    const folded = (seed | 0) ^ Math.floor(seed / 0x1_0000_0000);
    return new Rng(xoroshiro128plus(folded));
  }

  /** An independent stream; this one moves past it. */
  split(): Rng {
    const child = this.gen.clone();
    this.gen.jump();
    this.gen.jump();
    return new Rng(child);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`empty range [${min}, ${max}]`);
    if (min === max) return min;
    return uniformInt(this.gen, min, max);
  }

  /** True with probability `p` (resolution 1e-6). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.int(0, 999_999) < Math.round(p * 1_000_000);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** The generator state, for tests that compare streams. */
  state(): readonly number[] {
    return this.gen.getState();
  }
}
