import { describe, expect, it } from 'vitest';
import { runScenario, buildWorld } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import { InputError } from '../../src/errors.js';
import type { ChoicePoint } from '../../src/sim/world.js';

// A small cluster with a fixed latency, so that several events fall due at one instant.
const input: ScenarioInput = {
  seed: 3,
  durationMs: 300,
  config: { preset: 'kip101-only' },
  network: { minLatencyMs: 1, maxLatencyMs: 1 },
  workload: { kind: 'produce', producers: 1, records: 1, intervalMs: 10, keys: 1 },
};

/** The choice points of a run, as its chooser saw them (the chooser keeps the World's order). */
function pointsOf(extra: Partial<ScenarioInput> = {}): ChoicePoint[] {
  const { world } = buildWorld(parseScenario({ ...input, ...extra }), 'full');
  const points: ChoicePoint[] = [];
  world.setChooser({ choose: (_w, p) => void points.push(p) });
  world.start();
  world.run({ until: 300 });
  return points;
}

describe('the World\'s chooser', () => {
  it('sim-chooser-transparent: a chooser that always keeps the World\'s order gives the same trace, byte for byte, as no chooser', () => {
    const plain = runScenario(parseScenario(input), 'full').summary;
    const { world } = buildWorld(parseScenario(input), 'full');
    let asked = 0;
    world.setChooser({ choose: () => void asked++ });
    world.start();
    world.run({ until: input.durationMs! });
    expect(asked).toBe(world.eventsProcessed);
    expect(world.trace.hash()).toBe(plain.traceHash);
  });

  it('offers every event due at the earliest instant, at most one per connection, the World\'s own first', () => {
    const points = pointsOf();
    const many = points.filter((p) => p.enabled.length > 1);
    expect(many.length).toBeGreaterThan(0);
    for (const p of points) {
      const conns = p.enabled.filter((e) => e.kind === 'msg').map((e) => e.label.split(' ')[0]);
      expect(new Set(conns).size).toBe(conns.length);
      expect(p.enabled.filter((e) => e.kind === 'call').length).toBeLessThanOrEqual(1);
    }
    // Steps are counted as events: one point per event.
    expect(points.map((p) => p.step)).toEqual(points.map((_, i) => i));
  });

  it('sim-choices-replay: a scripted pick runs another enabled event: the trace changes, and the same choices replay it exactly', () => {
    const point = pointsOf().find((p) => p.enabled.length > 1 && p.enabled[1]!.kind === 'msg')!;
    const chosen = { ...input, choices: [{ step: point.step, pick: 1 }] };
    const a = runScenario(parseScenario(chosen), 'full');
    const b = runScenario(parseScenario(chosen), 'full');
    expect(a.summary.traceHash).toBe(b.summary.traceHash);
    expect(a.summary.traceHash).not.toBe(runScenario(parseScenario(input), 'full').summary.traceHash);
    // The event picked is the one delivered at that step.
    const delivered = a.world.trace.events().filter((e) => e.e === 'deliver' || e.e === 'timer');
    const label = point.enabled[1]!.label;
    expect(delivered.some((e) => e.e === 'deliver' && e.t === point.at && `${e.from}->${e.to} ${(e.msg as { type: string }).type}` === label)).toBe(true);
  });

  it('scripted faults strike at their step, and a later one (the repair) is scheduled', () => {
    const step = 100;
    const now = pointsOf()[step]!.now;
    const { world, summary } = runScenario(parseScenario({ ...input, choices: [{ step, faults: [{ at: now, type: 'crash', node: 'b1', kind: 'process' }, { at: now + 50, type: 'restart', node: 'b1' }] }] }), 'full');
    const faults = world.trace.events().filter((e) => e.e === 'fault');
    expect(faults.map((e) => [e.t, (e as { fault: { type: string } }).fault.type])).toEqual([
      [now, 'crash'],
      [now + 50, 'restart'],
    ]);
    expect(summary.faults).toBe(2);
  });

  it('a script that does not fit the run is an error in the file', () => {
    expect(() => runScenario(parseScenario({ ...input, choices: [{ step: 5, pick: 40 }] }))).toThrow(InputError);
    expect(() => parseScenario({ ...input, choices: [{ step: 5, pick: 1 }, { step: 5, pick: 1 }] })).toThrow(/choices: steps must strictly increase/);
  });
});
