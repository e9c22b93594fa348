import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import { zkControllerView } from '../../src/machines/controller-view.js';
import type { Fault } from '../../src/sim/faults.js';
import { searchSpace } from '../../src/explore/search.js';
import { episodesToFaults, type Episode } from '../../src/workload/arbitraries.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const faultEvents = (trace: readonly TraceEvent[]) => trace.filter((e): e is Extract<TraceEvent, { e: 'fault' }> => e.e === 'fault');
const notes = (trace: readonly TraceEvent[], re: RegExp) => trace.filter((e): e is Extract<TraceEvent, { e: 'note' }> => e.e === 'note' && re.test(e.text));
const base: ScenarioInput = { seed: 1, durationMs: 700, config: { kafka: '2.1', preset: 'default' }, workload: { kind: 'produce', records: 20, intervalMs: 10 } };
const episode = (kind: Episode['kind'], scope: Episode['scope'], oneWay = false): Episode => ({ kind, anchor: 'start', gap: 200, node: 2, other: 0, durationMs: 150, oneWay, scope });

describe('controller episodes in ZooKeeper mode (issue 19)', () => {
  it('are searched by default, and become faults aimed at the active controller', () => {
    const space = searchSpace({ property: 'no-acked-loss', preset: 'default', kafka: '2.1', runs: 1, seed: 1 });
    expect(space.kinds).toEqual(expect.arrayContaining(['controller-crash', 'controller-partition']));
    expect(episodesToFaults([episode('controller-crash', 'peer')], space)).toEqual([{ at: 200, type: 'aimed', aim: 'controller', action: 'crash', durationMs: 150, upTo: 1, windowMs: 0 }]);
    expect(episodesToFaults([episode('controller-crash', 'peer', true)], space)[0]).toMatchObject({ action: 'process-crash' });
    expect(episodesToFaults([episode('controller-partition', 'controller')], space)[0]).toMatchObject({ aim: 'controller', action: 'isolate-from-controller' });
    expect(episodesToFaults([episode('controller-partition', 'all')], space)[0]).toMatchObject({ aim: 'controller', action: 'isolate' });
  });

  it('a controller crash strikes the broker that is the controller when it is due, and another broker takes over in the next controller epoch', () => {
    const { world } = runScenario(parseScenario({ ...base, faults: [{ at: 200, type: 'aimed', aim: 'controller', action: 'process-crash', durationMs: 150 }] }));
    const trace = world.trace.events();
    const struck = faultEvents(trace).find((e) => e.effect === 'aimed at controller')!;
    const first = notes(trace, /is the controller \(controller epoch 1\)/)[0]!;
    expect(struck.fault).toMatchObject({ type: 'crash', node: first.node });
    const next = notes(trace, /is the controller \(controller epoch 2\)/)[0]!;
    expect(next.node).not.toBe(first.node);
    expect(next.t).toBeGreaterThan(200);
  });

  it('a cut from ZooKeeper expires the controller\'s session: it resigns and another broker is elected', () => {
    const { world } = runScenario(parseScenario({ ...base, faults: [{ at: 200, type: 'aimed', aim: 'controller', action: 'isolate-from-controller', durationMs: 200 }] }));
    const trace = world.trace.events();
    const cut = faultEvents(trace).find((e) => e.effect === 'aimed at controller')!.fault as Extract<Fault, { type: 'partition' }>;
    expect(cut.to).toEqual(['zookeeper']);
    const first = notes(trace, /is the controller \(controller epoch 1\)/)[0]!;
    expect(cut.from).toEqual([first.node]);
    expect(notes(trace, /resigning as controller/).map((e) => e.node)).toContain(first.node);
    expect(zkControllerView(world)!.controllerEpoch).toBeGreaterThanOrEqual(2);
  });

  it('counts against the broker budget: with another broker down, the strike waits and is dropped', () => {
    const { world } = runScenario(
      parseScenario({
        ...base,
        faults: [
          { at: 100, type: 'crash', node: 'b3', kind: 'process' },
          { at: 200, type: 'aimed', aim: 'controller', action: 'crash', durationMs: 100 },
          { at: 400, type: 'restart', node: 'b3' },
        ],
        faultBudget: { nodes: ['b1', 'b2', 'b3'], maxFaulty: 1 },
      }),
    );
    const events = faultEvents(world.trace.events());
    expect(events.filter((e) => e.effect === 'aimed at controller')).toHaveLength(0);
    expect(events.some((e) => /found no controller it could strike within the fault budget/.test(e.effect ?? ''))).toBe(true);
  });
});
