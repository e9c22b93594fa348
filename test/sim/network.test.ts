import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import type { Fault } from '../../src/sim/faults.js';
import { World } from '../../src/sim/world.js';

const sink = setup({}).createMachine({ initial: 'up', states: { up: {} } });
const nodes = ['a', 'b', 'c', 'd'];
const nodeArb = fc.constantFrom(...nodes);

interface Send {
  at: number;
  from: string;
  to: string;
}
const sendArb: fc.Arbitrary<Send> = fc.record({ at: fc.nat({ max: 300 }), from: nodeArb, to: nodeArb });
const cutArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    at: fc.nat({ max: 300 }),
    type: fc.constant('partition' as const),
    from: fc.subarray(nodes, { minLength: 1 }),
    to: fc.subarray(nodes, { minLength: 1 }),
    oneWay: fc.boolean(),
  }),
  fc.record({ at: fc.nat({ max: 300 }), type: fc.constant('heal' as const) }),
  fc.record({ at: fc.nat({ max: 300 }), type: fc.constant('disconnect' as const), a: nodeArb, b: nodeArb }),
);

/** A world of four sink nodes; the test sends numbered messages at chosen times. */
function simulate(seed: number, sends: Send[], faults: Fault[], maxLatencyMs: number) {
  const world = new World({ seed, network: { minLatencyMs: 0, maxLatencyMs } });
  for (const id of nodes) world.addNode({ id, boot: () => ({ logic: sink }) });
  world.start();
  world.scheduleFaults(faults);
  sends.forEach((s, id) =>
    world.at(s.at, () => {
      world.trace.record({ t: world.now, e: 'note', node: s.from, text: 'send', data: id });
      world.send(s.from, s.to, { type: 'Msg', id });
    }),
  );
  world.run();
  return world;
}

describe('network', () => {
  it('sim-fifo: delivers in FIFO order per connection, whatever the latencies', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(sendArb, { maxLength: 80 }), fc.integer({ min: 0, max: 100 }), (seed, sends, lat) => {
        const world = simulate(seed, sends, [], lat);
        const lastId = new Map<string, number>();
        let delivered = 0;
        const sendOrder: number[] = [];
        for (const ev of world.trace.events()) {
          if (ev.e === 'note') sendOrder.push(ev.data as number);
          if (ev.e !== 'deliver') continue;
          delivered++;
          const id = (ev.msg as { id: number }).id;
          const key = `${ev.from}>${ev.to}`;
          const prev = lastId.get(key);
          // FIFO: a later delivery on the same connection was sent later.
          if (prev !== undefined) expect(sendOrder.indexOf(id)).toBeGreaterThan(sendOrder.indexOf(prev));
          lastId.set(key, id);
        }
        expect(delivered).toBe(sends.length); // no faults: nothing is lost
      }),
      { numRuns: 200 },
    );
  });

  it('sim-partition: nothing crosses a partition, and a broken connection loses what was in flight', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(sendArb, { maxLength: 80 }),
        fc.array(cutArb, { maxLength: 10 }),
        (seed, sends, faults) => {
          const world = simulate(seed, sends, faults, 40);
          const blocked = new Set<string>();
          // Messages whose direction was cut or whose connection broke while in flight.
          const doomed = new Set<number>();
          const inFlight = new Map<number, string>();
          for (const ev of world.trace.events()) {
            if (ev.e === 'note') {
              const s = sends[ev.data as number]!;
              const dir = `${s.from}>${s.to}`;
              if (blocked.has(dir)) doomed.add(ev.data as number);
              else inFlight.set(ev.data as number, dir);
            } else if (ev.e === 'fault') {
              const f = ev.fault;
              const cutDirs: string[] = [];
              if (f.type === 'partition') {
                for (const a of f.from) for (const b of f.to) if (a !== b) cutDirs.push(`${a}>${b}`);
                if (!f.oneWay) for (const a of f.to) for (const b of f.from) if (a !== b) cutDirs.push(`${a}>${b}`);
                for (const d of cutDirs) blocked.add(d);
              } else if (f.type === 'heal') {
                blocked.clear();
              } else if (f.type === 'disconnect') {
                cutDirs.push(`${f.a}>${f.b}`, `${f.b}>${f.a}`);
              }
              for (const [id, dir] of inFlight) if (cutDirs.includes(dir)) doomed.add(id);
            } else if (ev.e === 'deliver') {
              const id = (ev.msg as { id: number }).id;
              expect(doomed.has(id), `message ${id} ${ev.from}>${ev.to} crossed a cut`).toBe(false);
              inFlight.delete(id);
            } else if (ev.e === 'drop') {
              inFlight.delete((ev.msg as { id: number }).id);
            }
          }
          // and every message not doomed was delivered
          const delivered = world.trace.events().filter((e) => e.e === 'deliver').length;
          expect(delivered).toBe(sends.length - doomed.size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a crashed node receives nothing and its peers are told the connection broke', () => {
    const seen: string[] = [];
    const listener = setup({}).createMachine({
      initial: 'up',
      states: { up: { on: { '*': { actions: ({ event }) => void seen.push(event.type) } } } },
    });
    const world = new World({ seed: 1 });
    world.addNode({ id: 'a', boot: () => ({ logic: listener }) });
    world.addNode({ id: 'b', boot: () => ({ logic: sink }) });
    world.start();
    world.at(1, () => world.send('a', 'b', { type: 'Hello' }));
    world.scheduleFaults([{ at: 2, type: 'crash', node: 'b' }]);
    world.at(3, () => world.send('a', 'b', { type: 'Again' }));
    world.run();
    const drops = world.trace.events().filter((e) => e.e === 'drop');
    expect(drops.map((d) => d.e === 'drop' && d.reason)).toEqual(['connection-lost', 'receiver-down']);
    expect(seen).toContain('net.disconnected');
  });
});
