import { buildWorld } from '../cluster/run.js';
import { parseScenario, type ScenarioInput } from '../cluster/scenario.js';
import { controllerImage, zkControllerView } from '../machines/controller-view.js';
import { BROKER_ACTOR, DATA_TOPIC, brokerNode, topicOf, type PartitionState } from '../machines/protocol.js';
import { controllerNode } from '../machines/raft-protocol.js';
import type { World } from '../sim/world.js';

/**
 * The ZooKeeper-vs-KRaft measurements (issue 19, item 5; spec/controller.md, "Failover
 * measurements"): in virtual time, Kafka's own timings, a 3-broker cluster of either control
 * plane, with `controlPlanePartitions` charging the control plane's per-partition work for the
 * partition count measured while the model runs only a few partitions' replicas.
 */
export type ControlPlaneMode = 'zookeeper' | 'kraft';

export interface ControlPlaneSample {
  readonly mode: ControlPlaneMode;
  readonly partitions: number;
  readonly seed: number;
  /** The active controller's crash -> the new active controller acts (ZooKeeper: its failover read is done and its first LeaderAndIsr goes out; KRaft: its LeaderChange is committed). */
  readonly failoverMs: number | undefined;
  /** A broker's crash -> every partition it led has a new leader in the decided metadata. */
  readonly electionMs: number | undefined;
  /** That decision -> every live broker's metadata cache has it. */
  readonly propagationMs: number | undefined;
}

/** The release both modes run on: 3.9, the last with ZooKeeper mode (KRaft its default). */
export const MEASURED_RELEASE = '3.9';
/** Partitions whose replicas the model runs (the rest are cost only). */
const RUN_PARTITIONS = 3;
/** When the fault strikes: the cluster has elected its controller and leaders long before. */
const STRIKE_AT = 5_000;
/** How long after the strike a measurement waits at most (a ZooKeeper session is 18 s). */
const WAIT_MS = 40_000;

function scenario(mode: ControlPlaneMode, partitions: number, seed: number): ScenarioInput {
  return {
    seed,
    durationMs: STRIKE_AT + WAIT_MS,
    config: { kafka: MEASURED_RELEASE, preset: 'default', overrides: { controlPlane: mode, timings: 'kafka', partitions: RUN_PARTITIONS, controlPlanePartitions: partitions, ...sessionOf[mode] } },
    workload: { kind: 'produce', producers: 1, records: 3, intervalMs: 10, keys: 3 },
  };
}

/**
 * Each mode's own failure detection, as Kafka 3.9 sets it: ZooKeeper's session
 * (zookeeper.session.timeout.ms, 18 s since KIP-537) with the client's pings every third of it;
 * KRaft's broker session (broker.session.timeout.ms 9 s, heartbeats every 2 s, KIP-631).
 */
const sessionOf: Record<ControlPlaneMode, Record<string, number>> = {
  zookeeper: { brokerSessionTimeoutMs: 18_000, brokerHeartbeatIntervalMs: 6_000 },
  kraft: { brokerSessionTimeoutMs: 9_000, brokerHeartbeatIntervalMs: 2_000 },
};

/** A cluster run up to just before the strike, its trace off (the measurements read state). */
function upToStrike(mode: ControlPlaneMode, partitions: number, seed: number): World {
  const { world } = buildWorld(parseScenario(scenario(mode, partitions, seed)), 'off');
  world.start();
  world.run({ until: STRIKE_AT - 1 });
  return world;
}

/**
 * Run on, checking `observe` after every event (as an invariant is checked), until it says it
 * is done or WAIT_MS have passed. Runs in slices so that it stops soon after.
 */
function runObserving(world: World, from: number, observe: (now: number) => boolean): void {
  let done = false;
  world.addInvariant({ id: 'control-plane-measurement', check: (w) => void (done ||= observe(w.now)) });
  for (let t = from; !done && t < from + WAIT_MS; t += 250) world.run({ until: t + 250 });
}

const contextOf = <T>(world: World, node: string, actor?: string): T | undefined => (world.actor(node, actor)?.getSnapshot() as { context: T } | undefined)?.context;

/**
 * The active controller's node, once it acts: the broker whose controller has loaded the cluster
 * (its image is set after the failover read), or the KRaft voter whose LeaderChange is committed
 * (QuorumController's claim sets its image).
 */
function activeController(world: World, mode: ControlPlaneMode, voters: number): { node: string; epoch: number } | undefined {
  if (mode === 'zookeeper') {
    const c = zkControllerView(world);
    return c ? { node: brokerNode(c.brokerId), epoch: c.controllerEpoch } : undefined;
  }
  let best: { node: string; epoch: number } | undefined;
  for (let i = 1; i <= voters; i++) {
    const c = contextOf<{ image?: unknown; epoch: number }>(world, controllerNode(i));
    if (c?.image && (!best || c.epoch > best.epoch)) best = { node: controllerNode(i), epoch: c.epoch };
  }
  return best;
}

function failover(mode: ControlPlaneMode, partitions: number, seed: number): number | undefined {
  const world = upToStrike(mode, partitions, seed);
  const voters = 3;
  const before = activeController(world, mode, voters);
  if (!before) return undefined;
  world.scheduleFaults([{ at: STRIKE_AT, type: 'crash', node: before.node, kind: 'process' }]);
  let at: number | undefined;
  runObserving(world, STRIKE_AT - 1, (now) => {
    const c = activeController(world, mode, voters);
    if (c !== undefined && c.node !== before.node && c.epoch > before.epoch) at = now;
    return at !== undefined;
  });
  return at === undefined ? undefined : at - STRIKE_AT;
}

const dataPartitions = (world: World) => controllerImage(world)?.partitions.filter((p) => topicOf(p) === DATA_TOPIC) ?? [];

function election(mode: ControlPlaneMode, partitions: number, seed: number): { electionMs: number | undefined; propagationMs: number | undefined } {
  const none = { electionMs: undefined, propagationMs: undefined };
  const world = upToStrike(mode, partitions, seed);
  // A broker that leads a partition and is not the controller: its failure is a broker failure only.
  const controller = mode === 'zookeeper' ? zkControllerView(world)?.brokerId : undefined;
  const led = dataPartitions(world).filter((p) => p.leader >= 0 && p.leader !== controller);
  const victim = led[0]?.leader;
  if (victim === undefined) return none;
  const its = led.filter((p) => p.leader === victim).map((p) => p.partition);
  world.scheduleFaults([{ at: STRIKE_AT, type: 'crash', node: brokerNode(victim), kind: 'process' }]);
  const live = [1, 2, 3].filter((b) => b !== victim);
  let elected: { at: number; partitions: readonly PartitionState[] } | undefined;
  let propagated: number | undefined;
  runObserving(world, STRIKE_AT - 1, (now) => {
    if (!elected) {
      const ps = dataPartitions(world).filter((p) => its.includes(p.partition));
      if (ps.length === its.length && ps.every((p) => p.leader >= 0 && p.leader !== victim)) elected = { at: now, partitions: ps };
    }
    if (elected && everyBrokerKnows(world, live, elected.partitions)) propagated = now;
    return propagated !== undefined;
  });
  if (!elected) return none;
  return { electionMs: elected.at - STRIKE_AT, propagationMs: propagated === undefined ? undefined : propagated - elected.at };
}

/** Every live broker's metadata cache has these partitions' leaders, at their leader epochs or later. */
function everyBrokerKnows(world: World, brokers: readonly number[], decided: readonly PartitionState[]): boolean {
  return brokers.every((b) => {
    const cache = contextOf<{ metadata: readonly PartitionState[] }>(world, brokerNode(b), BROKER_ACTOR)?.metadata ?? [];
    return decided.every((d) => cache.some((m) => topicOf(m) === DATA_TOPIC && m.partition === d.partition && m.leader === d.leader && m.leaderEpoch >= d.leaderEpoch));
  });
}

export function measureControlPlane(mode: ControlPlaneMode, partitions: number, seed: number): ControlPlaneSample {
  return { mode, partitions, seed, failoverMs: failover(mode, partitions, seed), ...election(mode, partitions, seed) };
}

export interface ControlPlaneRow {
  readonly mode: ControlPlaneMode;
  readonly partitions: number;
  readonly metric: 'failoverMs' | 'electionMs' | 'propagationMs';
  readonly median: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** Seeds whose run did not reach the event within WAIT_MS. */
  readonly missing: number;
}

export const controlPlaneMetrics = ['failoverMs', 'electionMs', 'propagationMs'] as const;

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median, smallest and largest of each metric over the seeds, per mode and partition count. */
export function summarise(samples: readonly ControlPlaneSample[]): ControlPlaneRow[] {
  const rows: ControlPlaneRow[] = [];
  const keys = [...new Set(samples.map((s) => `${s.mode}|${s.partitions}`))];
  for (const key of keys) {
    const group = samples.filter((s) => `${s.mode}|${s.partitions}` === key);
    const first = group[0]!;
    for (const metric of controlPlaneMetrics) {
      const xs = group.map((s) => s[metric]).filter((x): x is number => x !== undefined);
      rows.push({ mode: first.mode, partitions: first.partitions, metric, median: median(xs), min: xs.length ? Math.min(...xs) : undefined, max: xs.length ? Math.max(...xs) : undefined, missing: group.length - xs.length });
    }
  }
  return rows;
}
