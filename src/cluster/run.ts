import { InputError } from '../cli/errors.js';
import type { Fault } from '../sim/faults.js';
import type { NodeId } from '../sim/network.js';
import type { TraceMode } from '../sim/trace.js';
import { World, type Violation } from '../sim/world.js';
import { installPingPong } from '../workload/ping-pong.js';
import type { Scenario } from './scenario.js';

export interface RunSummary {
  readonly seed: number;
  readonly virtualTimeMs: number;
  readonly events: number;
  readonly traceEntries: number;
  readonly faults: number;
  readonly traceHash: string | undefined;
  readonly violation: Violation | undefined;
  readonly nodes: readonly NodeId[];
}

/** Wire a scenario into a fresh World: nodes, faults. Nothing has run yet. */
export function buildWorld(scenario: Scenario, trace: TraceMode = 'full'): World {
  const world = new World({ seed: scenario.seed, network: scenario.network, trace });
  const { nodes } = installPingPong(world, scenario.workload);
  checkFaultNodes(scenario.faults, nodes);
  world.scheduleFaults(scenario.faults);
  return world;
}

/** A fault that names a node the scenario does not have is a mistake in the file, not a no-op. */
function checkFaultNodes(faults: readonly Fault[], nodes: readonly NodeId[]): void {
  const known = new Set(nodes);
  const check = (id: NodeId, path: string) => {
    if (!known.has(id)) throw new InputError(`scenario: ${path}: unknown node "${id}" (this scenario has ${nodes.join(', ')})`);
  };
  faults.forEach((f, i) => {
    const p = `faults[${i}]`;
    switch (f.type) {
      case 'crash':
      case 'restart':
      case 'latency':
        return check(f.node, `${p}.node`);
      case 'partition':
        f.from.forEach((n, j) => check(n, `${p}.from[${j}]`));
        f.to.forEach((n, j) => check(n, `${p}.to[${j}]`));
        return;
      case 'heal':
        f.nodes?.forEach((n, j) => check(n, `${p}.nodes[${j}]`));
        return;
      case 'disconnect':
        check(f.a, `${p}.a`);
        check(f.b, `${p}.b`);
        return;
    }
  });
}

export function runScenario(scenario: Scenario, trace: TraceMode = 'full'): { world: World; summary: RunSummary } {
  const world = buildWorld(scenario, trace);
  world.start();
  world.run({ until: scenario.durationMs });
  const summary: RunSummary = {
    seed: scenario.seed,
    virtualTimeMs: world.now,
    events: world.eventsProcessed,
    traceEntries: world.trace.length,
    faults: world.faults.length,
    traceHash: world.trace.hash(),
    violation: world.violation,
    nodes: world.nodeIds(),
  };
  return { world, summary };
}
