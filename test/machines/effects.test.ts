/**
 * `react` (src/machines/effects.ts) is built in the shape of XState's own actions, not through
 * its public API. If an XState upgrade stops running it, every machine goes quiet; this test
 * says so by name, instead of leaving it to be guessed from hundreds of failing runs.
 */
import { createActor, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { react } from '../../src/machines/effects.js';

interface Ctx {
  count: number;
  seen: number[];
}

const counter = setup({
  types: {} as { context: Ctx; events: { type: 'add'; n: number } },
  actions: {
    add: react<Ctx, { type: 'add'; n: number }>((c, e, out) => {
      out.note(`adding ${e.n} to ${c.count}`);
      out.send('peer', { type: 'Added', n: e.n });
      return { count: c.count + e.n, seen: [...c.seen, e.n] };
    }),
    // A second action of the same transition sees the first one's patch.
    check: react<Ctx, { type: 'add'; n: number }>((c, _e, out) => {
      out.note(`now ${c.count}`);
    }),
  },
}).createMachine({
  // Built by a function, as react requires: each actor gets its own context object.
  context: () => ({ count: 0, seen: [] }),
  on: { add: { actions: ['add', 'check'] } },
});

describe('react: a handler as an XState action', () => {
  it('applies the context patch and emits the effects in order, action after action', () => {
    const actor = createActor(counter);
    const effects: unknown[] = [];
    actor.on('*', (e) => effects.push(e));
    actor.start();
    actor.send({ type: 'add', n: 2 });
    actor.send({ type: 'add', n: 3 });
    expect(actor.getSnapshot().context).toEqual({ count: 5, seen: [2, 3] });
    const texts = effects.map((e) => (e as { type: string; text?: string; msg?: { n: number } }).text ?? `${(e as { type: string }).type} ${(e as { msg?: { n: number } }).msg?.n}`);
    expect(texts).toEqual(['adding 2 to 0', 'net.send 2', 'now 2', 'adding 3 to 2', 'net.send 3', 'now 5']);
  });
});
