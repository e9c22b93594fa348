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

  it('remove takes out any entry and keeps the rest in (time, insertion) order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 60 }), fc.array(fc.nat(), { maxLength: 20 }), (times, picks) => {
        const q = new EventQueue<number>();
        times.forEach((t, i) => q.push(t, i));
        let ref = q.entries();
        expect(ref.map((e) => e.item)).toEqual(times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.i));
        for (const p of picks) {
          if (ref.length === 0) break;
          const victim = ref[p % ref.length]!;
          expect(q.remove(victim)).toBe(true);
          expect(q.remove(victim)).toBe(false);
          ref = ref.filter((e) => e !== victim);
          expect(q.entriesAt(victim.time)).toEqual(ref.filter((e) => e.time === victim.time));
        }
        const popped = [];
        for (let e = q.pop(); e; e = q.pop()) popped.push(e);
        expect(popped).toEqual(ref);
      }),
      { numRuns: 200 },
    );
  });
});
