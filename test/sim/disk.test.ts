import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Disk } from '../../src/sim/disk.js';
import { Rng } from '../../src/sim/rng.js';

type Op = { op: 'append'; n: number } | { op: 'fsync' } | { op: 'truncate'; len: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('fsync' as const) }),
  fc.record({ op: fc.constant('truncate' as const), len: fc.nat({ max: 20 }) }),
);

/** Apply ops to a disk and to a reference that knows what was fsynced. */
function play(ops: Op[]) {
  const disk = new Disk<number>();
  let view: number[] = [];
  let durable: number[] = [];
  let next = 0;
  for (const o of ops) {
    if (o.op === 'append') {
      const entries = Array.from({ length: o.n }, () => next++);
      disk.append('f', entries);
      view = [...view, ...entries];
    } else if (o.op === 'truncate') {
      disk.truncate('f', o.len);
      view = view.slice(0, o.len);
    } else {
      disk.fsync('f');
      durable = view.slice();
    }
  }
  return { disk, view, durable };
}

describe('Disk', () => {
  it('reads see every write, flushed or not (the page cache)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const { disk, view } = play(ops);
        expect(disk.read('f')).toEqual(view);
      }),
    );
  });

  it('sim-crash-unflushed: a crash drops exactly the unflushed suffix: what is left is what the last fsync made durable', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const { disk, durable } = play(ops);
        disk.crash();
        expect(disk.read('f')).toEqual(durable);
        expect(disk.unflushedWrites('f')).toBe(0);
      }),
    );
  });

  it('a tearing crash leaves, on an append-only file, a prefix of what was written that extends what was durable', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 20 }), fc.nat({ max: 20 }), fc.nat(), (appends, flushAfter, seed) => {
        const disk = new Disk<number>();
        const all: number[] = [];
        let durable: number[] = [];
        appends.forEach((n, i) => {
          const entries = Array.from({ length: n }, () => all.length + 0).map((_, j) => all.length + j);
          disk.append('f', entries);
          all.push(...entries);
          if (i === flushAfter) {
            disk.fsync('f');
            durable = all.slice();
          }
        });
        disk.crash(Rng.seeded(seed));
        const after = disk.read('f');
        expect(all.slice(0, after.length)).toEqual(after);
        expect(after.length).toBeGreaterThanOrEqual(durable.length);
      }),
    );
  });

  it('replace is atomic with respect to fsync', () => {
    const disk = new Disk<string>();
    disk.replace('checkpoint', ['a']);
    disk.fsync('checkpoint');
    disk.replace('checkpoint', ['b']);
    expect(disk.read('checkpoint')).toEqual(['b']);
    disk.crash();
    expect(disk.read('checkpoint')).toEqual(['a']);
  });
});
