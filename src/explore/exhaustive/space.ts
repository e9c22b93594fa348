import { InputError } from '../../errors.js';
import { releaseFor, resolveConfig, type ClusterConfig } from '../../config/index.js';
import { parseScenario, type Scenario } from '../../cluster/scenario.js';
import { brokerNode } from '../../machines/protocol.js';
import type { Fault } from '../../sim/faults.js';
import type { NodeId } from '../../sim/network.js';
import type { Invariant, World } from '../../sim/world.js';

/** The fault episodes exhaustive exploration may start at a choice point, on any broker. */
export const exhaustiveFaultKinds = ['crash', 'isolate'] as const;
export type ExhaustiveFaultKind = (typeof exhaustiveFaultKinds)[number];

export interface ExhaustiveOptions {
  readonly property: string;
  readonly preset: string;
  readonly kafka?: string;
  /** Brokers (and the replication factor): 2 or 3. */
  readonly brokers?: number;
  /** Records the one producer sends: 1 or 2. */
  readonly records?: number;
  /** Choices that leave the World's own order (a reordered event, a fault) per run, at most. */
  readonly depth: number;
  /** Brokers that may be faulty (down or cut off) at once. */
  readonly budget?: number;
  readonly faults?: readonly ExhaustiveFaultKind[];
  /** How long a fault episode lasts before its repair (restart, heal); default twice the broker session timeout. */
  readonly repairMs?: number;
  /** Virtual ms per run. */
  readonly durationMs?: number;
  /** Stop (the bound then not exhausted) after this many distinct states. */
  readonly maxStates?: number;
  readonly onProgress?: (p: ExhaustiveProgress) => void;
  /**
   * Explore for a check of the caller's instead of a model property (`property` is then its id),
   * as the random search's `check`: a fresh invariant per run, installed on the replay too.
   */
  readonly check?: (config: ClusterConfig) => Invariant;
}

export interface ExhaustiveProgress {
  readonly states: number;
  readonly transitions: number;
  readonly runs: number;
  /** Choices of the runs being explored now. */
  readonly level: number;
}

/** What one exhaustive exploration searches: its scenario, and the faults it may inject. */
export interface ExhaustiveSpace {
  readonly kafka: string;
  readonly config: ClusterConfig;
  readonly base: Scenario;
  readonly brokers: readonly NodeId[];
  readonly budget: number;
  readonly faults: readonly ExhaustiveFaultKind[];
  readonly repairMs: number;
  readonly check: ((config: ClusterConfig) => Invariant) | undefined;
}

/**
 * The small configuration exhaustive exploration runs: the preset with `brokers` brokers and as
 * many replicas, min.insync.replicas at most that, one producer sending `records` records to
 * one key, and a network of fixed latency. The latency is fixed so that the only
 * nondeterminism is the explorer's choices (random latencies would be choices hidden from it);
 * reordering the events due at one instant stands for the latencies' spread.
 */
export function exhaustiveSpace(opts: ExhaustiveOptions): ExhaustiveSpace {
  const brokers = opts.brokers ?? 2;
  const records = opts.records ?? 1;
  if (brokers < 2 || brokers > 3) throw new InputError(`--brokers: exhaustive exploration runs 2 or 3 brokers, got ${brokers}`);
  if (records < 1 || records > 2) throw new InputError(`--records: exhaustive exploration sends 1 or 2 records, got ${records}`);
  if (!Number.isInteger(opts.depth) || opts.depth < 0) throw new InputError(`--depth: must be a whole number, got ${opts.depth}`);
  const preset = resolveConfig(opts.preset, {}, 'config', opts.kafka);
  const overrides = { brokers, replicationFactor: brokers, minInsyncReplicas: Math.min(preset.minInsyncReplicas, brokers) };
  const config = resolveConfig(opts.preset, overrides, 'config', opts.kafka);
  const budget = opts.budget ?? 1;
  if (budget < 0 || budget > brokers) throw new InputError(`--budget: must be between 0 and ${brokers} (the number of brokers), got ${budget}`);
  const durationMs = opts.durationMs ?? 600;
  const kafka = releaseFor(opts.preset, opts.kafka).version;
  const base = parseScenario({
    seed: 1,
    durationMs,
    config: { kafka, preset: opts.preset, overrides },
    network: { minLatencyMs: 1, maxLatencyMs: 1 },
    workload: { kind: 'produce', producers: 1, records, intervalMs: 10, keys: 1 },
    // Only the property explored is checked (all of them for `all`), as in the random search.
    ...(opts.property === 'all' ? {} : { properties: opts.check ? [] : [opts.property] }),
  });
  return {
    kafka,
    config,
    base,
    brokers: Array.from({ length: brokers }, (_, i) => brokerNode(i + 1)),
    budget,
    faults: opts.faults ?? exhaustiveFaultKinds,
    // Long enough for the control plane to see the broker gone (its session expires) and act.
    repairMs: opts.repairMs ?? 2 * config.brokerSessionTimeoutMs,
    check: opts.check,
  };
}

/**
 * The fault episodes that may strike now: each kind on each broker that is up and not cut off,
 * while fewer than `budget` brokers are faulty. Each is a fault now and its repair later, so a
 * choice is one episode (its length fixed: `repairMs`).
 */
export function faultOptions(world: World, space: ExhaustiveSpace): Fault[][] {
  const cut = new Set(world.network.cutNodes());
  const faulty = space.brokers.filter((b) => !world.isUp(b) || cut.has(b)).length;
  if (faulty >= space.budget) return [];
  const now = world.now;
  const end = now + space.repairMs;
  const out: Fault[][] = [];
  for (const b of space.brokers) {
    if (!world.isUp(b) || cut.has(b)) continue;
    for (const kind of space.faults) {
      if (kind === 'crash') out.push([{ at: now, type: 'crash', node: b, kind: 'process' }, { at: end, type: 'restart', node: b }]);
      else out.push([{ at: now, type: 'partition', from: [b], to: world.nodeIds().filter((n) => n !== b) }, { at: end, type: 'heal', nodes: [b] }]);
    }
  }
  return out;
}
