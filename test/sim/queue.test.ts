import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/queue.js';

describe('EventQueue', () => {
  it('sim-queue-order: pops in (time, insertion order) order, whatever the interleaving of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1)), { maxLength: 300 }), (ops) => {
        const q = new EventQueue<number>();
        // Reference: a plain list kept sorted by (time, seq) with a stable sort.
        let ref: { time: number; seq: number }[] = [];
        let seq = 0;
        let floor = 0; // pushes never go back in time relative to what was popped, as in the kernel
        for (const op of ops) {
          if (op === -1) {
            const got = q.pop();
            const want = ref.shift();
            expect(got && { time: got.time, seq: got.item }).toEqual(want);
            if (want) floor = want.time;
          } else {
            const time = floor + op;
            q.push(time, seq);
            ref.push({ time, seq });
            seq++;
            ref = ref.sort((a, b) => a.time - b.time || a.seq - b.seq);
          }
          expect(q.size).toBe(ref.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
