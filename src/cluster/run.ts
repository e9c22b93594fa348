import { ZOOKEEPER } from '../machines/zk-protocol.js';
import { FeatureUnavailable, InputError } from '../errors.js';
import type { Fault } from '../sim/faults.js';
import type { NodeId } from '../sim/network.js';
import type { TraceMode } from '../sim/trace.js';
import { World, type Violation } from '../sim/world.js';
import { scriptedChooser } from '../sim/scripted-chooser.js';
import { installPingPong } from '../workload/ping-pong.js';
import { replicationInvariants } from '../check/replication.js';
import { controlPlaneInvariants, controlPlanePropertyIds } from '../check/controller.js';
import { zkControlPlaneInvariants, zkControlPlanePropertyIds } from '../check/zk-controller.js';
import { isControllerNode } from '../machines/raft-protocol.js';
import { groupInvariants, type GroupInvariant } from '../check/groups.js';
import { transactionInvariants } from '../check/transactions.js';
import { releaseFor, requireFeature, resolveConfig, type ClusterConfig } from '../config/index.js';
import { keyOrderInvariants } from '../check/key-order.js';
import { dataPartitionsHosted, installKafka } from './kafka.js';
import { kafkaAimResolver } from './aims.js';
import type { Scenario } from './scenario.js';

export interface RunSummary {
  readonly seed: number;
  /** The Kafka release the run modelled. */
  readonly kafka: string;
  readonly preset: string;
  readonly virtualTimeMs: number;
  readonly events: number;
  readonly traceEntries: number;
  readonly faults: number;
  readonly traceHash: string | undefined;
  readonly violation: Violation | undefined;
  readonly nodes: readonly NodeId[];
  /** Client operations by outcome (produce workloads). */
  readonly sends: { readonly invoked: number; readonly ok: number; readonly fail: number; readonly info: number };
  /**
   * KRaft, with the trace kept: each time a controller node became the active controller (the
   * quorum's first election, then every failover), in order.
   */
  readonly activeControllers?: readonly { readonly node: NodeId; readonly epoch: number; readonly at: number }[];
}

/**
 * The controller activations a trace records: KRaft's `is the active controller (epoch N` notes
 * of controller nodes, ZooKeeper mode's `is the controller (controller epoch N` notes of brokers.
 */
function activationsOf(world: World): { node: NodeId; epoch: number; at: number }[] {
  const out: { node: NodeId; epoch: number; at: number }[] = [];
  for (const e of world.trace.events()) {
    if (e.e !== 'note') continue;
    const m = isControllerNode(e.node) ? /is the active controller \(epoch (\d+)/.exec(e.text) : /is the controller \(controller epoch (\d+)/.exec(e.text);
    if (m) out.push({ node: e.node, epoch: Number(m[1]), at: e.t });
  }
  return out;
}

export interface BuiltWorld {
  readonly world: World;
  readonly config: ClusterConfig | undefined;
  /** Nodes that count towards the fault budget (brokers), or every node for kernel workloads. */
  readonly budgetNodes: readonly NodeId[];
}

/** The configuration a scenario runs: its release, preset and overrides. */
export function configOf(scenario: Scenario, where = 'scenario'): ClusterConfig {
  return resolveConfig(scenario.config.preset, scenario.config.overrides, `${where}: config`, scenario.config.kafka);
}

/** Wire a scenario into a fresh World: nodes, invariants, faults. Nothing has run yet. */
export function buildWorld(scenario: Scenario, trace: TraceMode = 'full', where = 'scenario'): BuiltWorld {
  const world = new World({ seed: scenario.seed, network: scenario.network, trace });
  let config: ClusterConfig | undefined;
  let budgetNodes: readonly NodeId[];
  if (scenario.workload.kind === 'ping-pong') {
    budgetNodes = installPingPong(world, scenario.workload).nodes;
  } else {
    config = configOf(scenario, where);
    if (scenario.workload.transactional || scenario.workload.groups?.some((g) => g.commit === 'transactional')) {
      requireFeature(releaseFor(scenario.config.preset, scenario.config.kafka, `${where}: config`), 'transactions', `${where}: workload`);
    }
    const kafka = installKafka(world, config, scenario.workload);
    budgetNodes = kafka.brokers;
    world.setAimResolver(kafkaAimResolver(kafka));
    // Consumer-group properties exist only when the scenario has groups (spec/consumer-groups.md).
    // The data-topic properties cover every partition the run may have (CreatePartitions adds some).
    const checked = { ...config, partitions: dataPartitionsHosted(config, scenario.workload) };
    const all: GroupInvariant[] = [...replicationInvariants(checked), ...controlPlaneInvariants(config, scenario.faults), ...zkControlPlaneInvariants(config), ...groupInvariants(checked, scenario.workload), ...keyOrderInvariants(checked, scenario.workload), ...transactionInvariants(checked, scenario.workload)];
    const wanted = scenario.properties;
    if (wanted) {
      const known = all.map((i) => i.id);
      wanted.forEach((id, i) => {
        if (!known.includes(id) && (controlPlanePropertyIds as readonly string[]).includes(id)) {
          throw new FeatureUnavailable(`${where}: properties[${i}]: ${id} is a property of KRaft mode; this configuration runs ZooKeeper mode (Kafka before 3.3, or controlPlane: zookeeper)`);
        }
        if (!known.includes(id) && (zkControlPlanePropertyIds as readonly string[]).includes(id)) {
          throw new FeatureUnavailable(`${where}: properties[${i}]: ${id} is a property of ZooKeeper mode; this configuration runs KRaft mode (Kafka 3.3 or later, or controlPlane: kraft)`);
        }
        if (!known.includes(id)) throw new InputError(`${where}: properties[${i}]: unknown property "${id}" (expected one of ${known.join(', ')})`);
      });
    }
    const chosen = all.filter((inv) => !wanted || wanted.includes(inv.id));
    for (const inv of chosen) world.addInvariant(inv);
    // Whole-run properties are judged when the run reaches its horizon.
    const atEnd = chosen.filter((inv) => inv.atEnd);
    if (atEnd.length > 0) {
      world.at(scenario.durationMs, () => {
        for (const inv of atEnd) {
          const message = inv.atEnd!(world);
          if (message !== undefined) return world.reportViolation(inv.id, message);
        }
      });
    }
  }
  checkFaultNodes(scenario.faults, world.nodeIds(), where);
  if (scenario.faultBudget) world.setFaultBudget(scenario.faultBudget);
  world.scheduleFaults(scenario.faults);
  if (scenario.choices) world.setChooser(scriptedChooser(scenario.choices));
  return { world, config, budgetNodes };
}

/** A fault that names a node the scenario does not have is a mistake in the file, not a no-op. */
function checkFaultNodes(faults: readonly Fault[], nodes: readonly NodeId[], where: string): void {
  const known = new Set(nodes);
  const check = (id: NodeId, path: string) => {
    if (!known.has(id)) throw new InputError(`${where}: ${path}: unknown node "${id}" (this scenario has ${nodes.join(', ')})`);
  };
  faults.forEach((f, i) => {
    const p = `faults[${i}]`;
    switch (f.type) {
      case 'shutdown':
        // Only a broker knows how to shut down cleanly (the kernel would tell any other node in vain).
        if (!/^b\d+$/.test(f.node)) throw new InputError(`${where}: ${p}.node: only a broker shuts down cleanly (got "${f.node}"; crash it instead)`);
        check(f.node, `${p}.node`);
        return;
      case 'crash':
      case 'restart':
      case 'latency':
        check(f.node, `${p}.node`);
        if (f.type === 'latency' && f.peer !== undefined) check(f.peer, `${p}.peer`);
        return;
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
      case 'aimed':
        return;
    }
  });
}

export function runScenario(scenario: Scenario, trace: TraceMode = 'full', where = 'scenario'): { world: World; summary: RunSummary } {
  const { world } = buildWorld(scenario, trace, where);
  world.start();
  world.run({ until: scenario.durationMs });
  const count = (type: string) => world.history.filter((o) => o.f === 'send' && o.type === type).length;
  const summary: RunSummary = {
    seed: scenario.seed,
    kafka: releaseFor(scenario.config.preset, scenario.config.kafka, `${where}: config`).version,
    preset: scenario.config.preset,
    virtualTimeMs: world.now,
    events: world.eventsProcessed,
    traceEntries: world.trace.length,
    faults: world.faults.length,
    traceHash: world.trace.hash(),
    violation: world.violation,
    nodes: world.nodeIds(),
    sends: { invoked: count('invoke'), ok: count('ok'), fail: count('fail'), info: count('info') },
    ...(trace === 'full' && world.nodeIds().some((n) => isControllerNode(n) || n === ZOOKEEPER) ? { activeControllers: activationsOf(world) } : {}),
  };
  return { world, summary };
}
