import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { parseScenario } from '../../src/cluster/scenario.js';
import { runScenario } from '../../src/cluster/run.js';
import { randomFaultSchedule } from '../../src/sim/faults.js';
import { Rng } from '../../src/sim/rng.js';
import { World } from '../../src/sim/world.js';
import { cliProcess } from '../helpers/cli.js';

const timed = setup({}).createMachine({
  initial: 'a',
  states: {
    a: { after: { 100: 'b' }, on: { X: 'c' } },
    b: { after: { 1_000_000: 'd' } },
    c: {},
    d: {},
  },
});

function states(world: World, node: string) {
  return world.trace
    .events()
    .filter((e) => e.e === 'state' && e.node === node)
    .map((e) => (e.e === 'state' ? `${e.t}:${String(e.to)}` : ''));
}

describe('World hosting XState actors', () => {
  it("sim-virtual-timers: runs an actor's delayed transitions on virtual time, not wall time", () => {
    const world = new World({ seed: 1 });
    world.addNode({ id: 'n', boot: () => ({ logic: timed }) });
    world.start();
    const wall = process.hrtime.bigint();
    world.run();
    expect(Number(process.hrtime.bigint() - wall) / 1e6).toBeLessThan(1000);
    expect(states(world, 'n')).toEqual(['0:a', '100:b', '1000100:d']);
  });

  it('cancels a delayed transition when its state is left', () => {
    const world = new World({ seed: 1 });
    world.addNode({ id: 'n', boot: () => ({ logic: timed }) });
    world.addNode({ id: 'm', boot: () => ({ logic: timed }) });
    world.start();
    world.at(50, () => world.send('m', 'n', { type: 'X' }));
    world.run();
    expect(states(world, 'n')).toEqual(['0:a', `${world.trace.events().find((e) => e.e === 'deliver')!.t}:c`]);
  });

  it('a cancelled timer is not an event: not counted, and no invariant is checked after it', () => {
    const world = new World({ seed: 1 });
    world.addNode({ id: 'n', boot: () => ({ logic: timed }) });
    world.addNode({ id: 'm', boot: () => ({ logic: setup({}).createMachine({}) }) });
    let checks = 0;
    world.addInvariant({ id: 'counting', check: () => void checks++ });
    world.start();
    world.at(50, () => world.send('m', 'n', { type: 'X' }));
    world.run();
    // The call at 50 and the delivery of X; the `after: 100` of state a was cancelled.
    expect(world.trace.events().some((e) => e.e === 'deliver')).toBe(true);
    expect(world.eventsProcessed).toBe(2);
    expect(checks).toBe(2);
  });

  it("a crashed node's timers never fire; a restarted node starts afresh", () => {
    const world = new World({ seed: 1 });
    world.addNode({ id: 'n', boot: () => ({ logic: timed }) });
    world.start();
    world.scheduleFaults([
      { at: 50, type: 'crash', node: 'n' },
      { at: 120, type: 'restart', node: 'n' },
    ]);
    world.run({ until: 10_000 });
    expect(states(world, 'n')).toEqual(['0:a', '120:a', '220:b']);
  });

  it('stops at the first broken invariant and marks the step', () => {
    const world = new World({ seed: 1 });
    world.addNode({ id: 'n', boot: () => ({ logic: timed }) });
    world.addInvariant({ id: 'never-b', check: (w) => (w.now >= 100 ? 'reached b' : undefined) });
    world.start();
    const v = world.run();
    expect(v).toMatchObject({ property: 'never-b', time: 100 });
    expect(world.trace.events()[v!.step]).toMatchObject({ e: 'violation', property: 'never-b' });
  });
});

describe('determinism', () => {
  const scenarioArb = fc
    .record({
      seed: fc.nat(),
      pingers: fc.integer({ min: 1, max: 5 }),
      intervalMs: fc.integer({ min: 1, max: 30 }),
      faultSeed: fc.nat(),
      episodes: fc.nat({ max: 6 }),
      maxLatencyMs: fc.integer({ min: 1, max: 40 }),
    })
    .map((r) => {
      const nodes = ['pong', ...Array.from({ length: r.pingers }, (_, i) => `ping${i + 1}`)];
      const faults = randomFaultSchedule(Rng.seeded(r.faultSeed), {
        budget: { nodes, maxFaulty: 2 },
        horizonMs: 400,
        episodes: r.episodes,
        tear: r.faultSeed % 2 === 0,
      });
      return parseScenario({
        seed: r.seed,
        durationMs: 500,
        network: { minLatencyMs: 0, maxLatencyMs: r.maxLatencyMs },
        workload: { kind: 'ping-pong', pingers: r.pingers, intervalMs: r.intervalMs, timeoutMs: 20 },
        faults,
      });
    });

  it('sim-deterministic: the same scenario gives the same trace, byte for byte (hundreds of scenarios, each run twice)', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const a = runScenario(scenario).world.trace.serialize();
        const b = runScenario(scenario).world.trace.serialize();
        expect(a).toBe(b);
      }),
      { numRuns: 200 },
    );
  });

  it('different seeds give different traces', () => {
    const a = runScenario(parseScenario({ seed: 1 })).summary.traceHash;
    const b = runScenario(parseScenario({ seed: 2 })).summary.traceHash;
    expect(a).not.toBe(b);
  });

  it('the same seed gives the same trace hash across two processes', () => {
    const one = cliProcess('run', '--seed', '42', '--json');
    const two = cliProcess('run', '--seed', '42', '--json');
    expect(one.code, one.stderr).toBe(0);
    const h1 = JSON.parse(one.stdout).traceHash;
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(two.stdout).traceHash).toBe(h1);
    expect(h1).toBe(runScenario(parseScenario({ seed: 42 })).summary.traceHash);
  });
});
