import { describe, expect, it } from 'vitest';
import { buildWorld, runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { exploreExhaustive } from '../../src/explore/exhaustive/explorer.js';
import { exhaustiveSpace, faultOptions } from '../../src/explore/exhaustive/space.js';
import { stateHash } from '../../src/explore/exhaustive/state-hash.js';
import type { Invariant } from '../../src/sim/world.js';

// Short horizons keep these tests to seconds; spec/simulation.md records the full bounds' times.
const small = { property: 'replica-consistency', brokers: 2, records: 1 } as const;

describe('bounded exhaustive exploration', () => {
  it('depth 0 is the one run in the World\'s own order: one run, and only its first state hashed (no choice is left to tell states apart for)', () => {
    const r = exploreExhaustive({ ...small, preset: 'kip101-only', depth: 0, durationMs: 300 });
    expect(r).toMatchObject({ runs: 1, depthReached: 0, exhausted: true, found: false, states: 1, transitions: 1 });
  });

  it('on default, 2 brokers, 1 record, depth 1, every order of the events due at once (budget 0, 60 virtual ms: the record is acknowledged at 56 ms): exhausts the bound with no violation', () => {
    const a = exploreExhaustive({ ...small, preset: 'default', depth: 1, durationMs: 60, budget: 0 });
    expect(a).toMatchObject({ found: false, exhausted: true, depthReached: 1, brokers: 2, records: 1, budget: 0 });
    // Every choice point of the run in the World's order is a state, each of its other choices a run.
    expect(a.states).toBeGreaterThan(100);
    expect(a.runs).toBeGreaterThan(10);
    expect(a.transitions).toBeGreaterThanOrEqual(a.states);
  });

  it('the same exploration gives the same counts; a deeper bound explores more', () => {
    const opts = { ...small, preset: 'kip101-only', depth: 1, durationMs: 30 };
    const a = exploreExhaustive(opts);
    const b = exploreExhaustive(opts);
    expect([b.states, b.transitions, b.runs, b.exhausted]).toEqual([a.states, a.transitions, a.runs, true]);
    const shallow = exploreExhaustive({ ...opts, depth: 0 });
    expect(shallow.states).toBeLessThan(a.states);
    expect(a.depthReached).toBe(1);
  });

  it('--max-states stops early and says the bound was not exhausted', () => {
    const r = exploreExhaustive({ ...small, preset: 'kip101-only', depth: 1, durationMs: 120, maxStates: 10 });
    expect(r.exhausted).toBe(false);
    expect(r.states).toBeLessThanOrEqual(10 + 200);
  });

  it('finds a run that needs a fault at one precise step, writes it as choices, and the scenario replays it', () => {
    // A check of the test's own: broken only if b2 is cut off while b1 leads with the record on
    // its log, i.e. a fault episode chosen after the record was written and before it was replicated or the run ended.
    const check = (): Invariant => ({
      id: 'b2-isolated-after-append',
      check: (w) => {
        if (!w.network.cutNodes().includes('b2') || !w.isUp('b1')) return undefined;
        const log = w.disk('b1').read('t-0/00000000000000000000.log');
        return log.length > 0 && w.disk('b2').read('t-0/00000000000000000000.log').length === 0 ? 'b2 cut off before it fetched the record' : undefined;
      },
    });
    const r = exploreExhaustive({ ...small, property: 'b2-isolated-after-append', preset: 'kip101-only', depth: 1, durationMs: 200, check });
    expect(r.found).toBe(true);
    expect(r.violation?.property).toBe('b2-isolated-after-append');
    const choices = r.scenario!.choices!;
    expect(choices).toHaveLength(1);
    expect(choices[0]).toMatchObject({ faults: [{ type: 'partition', from: ['b2'] }, { type: 'heal', nodes: ['b2'] }] });
    // The file replays it: same violation, same trace.
    const { world } = buildWorld(parseScenario(JSON.parse(JSON.stringify(r.scenario))), 'full');
    world.addInvariant(check());
    world.start();
    world.run({ until: r.scenario!.durationMs });
    expect(world.violation?.property).toBe('b2-isolated-after-append');
    expect(world.trace.hash()).toBe(r.scenario!.expect!.traceHash);
    // Not found without a choice: the World's own order never cuts b2 off.
    expect(exploreExhaustive({ ...small, property: 'b2-isolated-after-append', preset: 'kip101-only', depth: 0, durationMs: 200, check }).found).toBe(false);
  });

  it('the state hash is the same for the same state and changes with a step; fault episodes respect the budget', () => {
    const space = exhaustiveSpace({ ...small, preset: 'kip101-only', depth: 1, durationMs: 100 });
    const hashes = () => {
      const { world } = buildWorld(space.base, 'off');
      const out: string[] = [];
      world.setChooser({ choose: (w) => void out.push(stateHash(w)) });
      world.start();
      world.run({ until: 100 });
      return out;
    };
    const a = hashes();
    expect(hashes()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(a.length / 2);
    const { world } = buildWorld(space.base, 'off');
    world.start();
    world.run({ until: 50 });
    expect(faultOptions(world, space)).toHaveLength(4);
    world.network.partition(['b1'], ['b2'], false);
    // Both brokers are cut off now: over a budget of 1, no episode may start.
    expect(faultOptions(world, space)).toEqual([]);
  });

  it('runs with a chooser that keeps the World\'s order match the plain run of the exploration\'s scenario', () => {
    const space = exhaustiveSpace({ ...small, preset: 'default', depth: 0, durationMs: 200 });
    const plain = runScenario(space.base, 'full').summary.traceHash;
    expect(runScenario(parseScenario({ ...space.base, choices: [] }), 'full').summary.traceHash).toBe(plain);
  });
});
