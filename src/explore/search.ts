import fc from 'fast-check';
import { InputError } from '../errors.js';
import { defaultBudget, releaseFor, resolveConfig, type ClusterConfig } from '../config/index.js';
import { buildWorld, configOf, runScenario } from '../cluster/run.js';
import { parseScenario, type Scenario } from '../cluster/scenario.js';
import { replicationInvariants } from '../check/replication.js';
import { controlPlanePropertyIds } from '../check/controller.js';
import { zkControlPlanePropertyIds } from '../check/zk-controller.js';
import { brokerNode } from '../machines/protocol.js';
import { ZOOKEEPER } from '../machines/zk-protocol.js';
import { controllerNode } from '../machines/raft-protocol.js';
import { initialReplicas } from '../machines/controller.js';
import type { Invariant, Violation } from '../sim/world.js';
import { zkTickMs } from '../machines/zookeeper.js';
import { caseToScenario, controllerEpisodeKinds, defaultEpisodeKinds, exploreCaseArb, replicationAimedKinds, type EpisodeKind, type ExploreCase, type SearchSpace } from '../workload/arbitraries.js';
import { groupPropertyIds } from '../check/groups.js';
import { keyOrderPropertyId } from '../check/key-order.js';
import { transactionPropertyIds } from '../check/transactions.js';
import { txnSpaceFor } from '../transactions/scenarios.js';
import { keyOrderSpaceFor } from '../groups/key-order-space.js';
import { exploreSpaceFor } from '../groups/scenarios.js';
import type { CommitPolicy } from '../machines/consumer.js';
import { minimizeFaults } from './minimize.js';
import { inSlice, wholeSearch, type Slice } from './slice.js';
import { storyOf, type StoryStep } from './story.js';
import { yieldToEventLoop } from './yield.js';

export interface ExploreOptions {
  readonly property: string;
  /** The Kafka release (`kafka-model versions`); absent: the preset's own, else the newest. */
  readonly kafka?: string;
  readonly preset: string;
  readonly overrides?: Record<string, unknown>;
  /** Runs to try before declaring that the property held. */
  readonly runs: number;
  /** Seed of the search (fast-check's), so a search is itself reproducible. */
  readonly seed: number;
  readonly faults?: readonly EpisodeKind[];
  /** Brokers that may be faulty at once; default RF - min.insync.replicas. */
  readonly budget?: number;
  /** Allow the correlated failure: every replica of the partition crashes at once. */
  readonly correlated?: boolean;
  /** A power loss may keep a random prefix of the unflushed writes (and tear the last one). */
  readonly tear?: boolean;
  /** Swarm testing: each run draws from a random subset of the fault kinds. */
  readonly swarm?: boolean;
  /**
   * Add the faults aimed at roles (`aimedKindsFor`) to the kinds searched: the leader, the ISR,
   * a rejoining broker, and the coordinators of a group or transaction property.
   */
  readonly aim?: boolean;
  readonly durationMs?: number;
  readonly maxEpisodes?: number;
  /**
   * A crashed broker restarts only once its old ZooKeeper session has expired (a session timeout
   * and a tick after the crash): in Kafka a broker restarted sooner fails its startup, since its
   * old /brokers/ids znode still exists (spec/versions.md, KAFKA-7128).
   */
  readonly restartAfterSession?: boolean;
  readonly onProgress?: (p: { readonly runs: number; readonly shrinks: number }) => void;
  /** Called once, when the first run breaking the property ends (before shrinking starts). */
  readonly onFound?: (runs: number) => void;
  /**
   * Search for a check of the caller's instead of a replication invariant (`property` is then
   * its id): a fresh invariant per run, and no replication invariant installed.
   */
  readonly check?: (config: ClusterConfig) => Invariant;
  /** Stop shrinking after this many attempts (default: shrink to the end). */
  readonly maxShrinks?: number;
  /** For consumer-group properties: the commit policy of the consumers (default after-process). */
  readonly commit?: CommitPolicy;
  /** Only the runs of this slice of the search (`--shard`, a worker's share); default every run. */
  readonly slice?: Slice;
  /** Called before each run of the search (never for a shrinking attempt) with its index and case. */
  readonly onRun?: (runIndex: number, c: unknown) => void;
}

export interface ExploreResult {
  readonly property: string;
  /** The Kafka release searched. */
  readonly kafka: string;
  readonly config: string;
  readonly budget: number;
  /** Runs tried before the violation (or all of them); of the slice's runs only, for a slice. */
  readonly runs: number;
  readonly found: boolean;
  /** The search's seed (fast-check's). */
  readonly seed: number;
  /**
   * Index (0-based) of the run that broke the property, in the order of the whole search from
   * `seed`: fast-check's replay path for that run. The same whatever the workers and shards.
   */
  readonly runIndex: number | undefined;
  readonly shrinks: number;
  readonly shrunkSteps: number | undefined;
  readonly violation: Violation | undefined;
  readonly scenario: Scenario | undefined;
  readonly story: readonly StoryStep[] | undefined;
}

/** Which notes a counterexample's story keeps, by the property it breaks. */
export function storyFocusOf(property: string): 'replication' | 'groups' | 'transactions' {
  if ((groupPropertyIds as readonly string[]).includes(property) || property === keyOrderPropertyId) return 'groups';
  if ((transactionPropertyIds as readonly string[]).includes(property)) return 'transactions';
  return 'replication';
}

export function propertyIds(): string[] {
  return [...replicationInvariants(resolveConfig('default')).map((i) => i.id), ...controlPlanePropertyIds, ...zkControlPlanePropertyIds, ...groupPropertyIds, keyOrderPropertyId, ...transactionPropertyIds];
}

/**
 * The aimed fault kinds that have a target in a search for this property: the replication ones
 * always, the group coordinator's for a group property, the transaction coordinator's for a
 * transaction property.
 */
export function aimedKindsFor(property: string): EpisodeKind[] {
  const focus = storyFocusOf(property);
  return [...replicationAimedKinds, ...(focus === 'groups' ? ['aim-group-coordinator' as const] : focus === 'transactions' ? ['aim-txn-coordinator' as const] : [])];
}

const withAims = (kinds: readonly EpisodeKind[], aimed: readonly EpisodeKind[]): EpisodeKind[] => [...kinds, ...aimed.filter((k) => !kinds.includes(k))];

export function searchSpace(opts: ExploreOptions): SearchSpace {
  const config = resolveConfig(opts.preset, opts.overrides ?? {}, 'config', opts.kafka);
  const budget = opts.budget ?? defaultBudget(config);
  if (budget < 0 || budget > config.brokers) throw new InputError(`--budget: must be between 0 and ${config.brokers} (the number of brokers), got ${budget}`);
  const nodes = Array.from({ length: config.brokers }, (_, i) => brokerNode(i + 1));
  const producers = ['producer0'];
  const correlatedGroup = initialReplicas(config, 0).map(brokerNode);
  const controllers = config.controlPlane === 'kraft' ? Array.from({ length: config.controllerQuorumVoters }, (_, i) => controllerNode(i + 1)) : [];
  // ZooKeeper mode: a broker cut off from ZooKeeper loses its session (and, if it is the
  // controller, its office); the controller is a broker, so broker faults are controller faults.
  const controlPlane = controllers.length > 0 ? controllers : [ZOOKEEPER];
  return {
    nodes,
    others: [...controlPlane, ...producers],
    controlPlane,
    controllers,
    correlatedGroup,
    // A correlated failure takes a whole replica set down: it needs a budget that large.
    // A restarted broker counts as faulty until it could have caught up (replica.lag.time.max.ms):
    // with no fsync it came back without its unflushed records (spec/replication.md).
    // Two machines that lose power at the same moment share a power supply: that is the
    // correlated failure, searched only when asked for. Otherwise at most one of the faulty
    // brokers is down from a power loss at a time (the others crashed, were cut off or slowed).
    budget: {
      nodes,
      maxFaulty: opts.correlated ? Math.max(budget, correlatedGroup.length) : budget,
      ...(opts.correlated ? {} : { maxPowerLost: 1 }),
      recoveryMs: config.replicaLagTimeMaxMs,
      // A quorum of 2f+1 voters tolerates f faulty ones (spec/controller.md).
      ...(controllers.length > 0 ? { controllers: { nodes: controllers, maxFaulty: Math.floor((controllers.length - 1) / 2) } } : {}),
    },
    // Controller episodes in both modes: KRaft's voters, or ZooKeeper mode's controller broker
    // (aimed at it when due, src/cluster/aims.ts), so that controllers fail over in every search.
    kinds: withAims(opts.faults ?? [...defaultEpisodeKinds, ...controllerEpisodeKinds], opts.aim ? aimedKindsFor(opts.property) : []),
    correlated: opts.correlated ?? false,
    ...(opts.tear ? { tear: true } : {}),
    ...(opts.swarm ? { swarm: true } : {}),
    horizonMs: Math.floor((opts.durationMs ?? 1500) * 0.7),
    maxEpisodes: opts.maxEpisodes ?? 6,
    ...(opts.restartAfterSession ? { minDowntimeMs: config.brokerSessionTimeoutMs + 2 * zkTickMs(config) } : {}),
    consumerOutageMaxMs: config.sessionTimeoutMs + 300,
  };
}

/** Everything a search needs, and what it has seen so far. */
export function prepareSearch(opts: ExploreOptions) {
  const known = propertyIds();
  const all = opts.property === 'all';
  if (!all && !opts.check && !known.includes(opts.property)) {
    throw new InputError(`--property: unknown property "${opts.property}" (expected all or one of ${known.join(', ')})`);
  }
  const space = searchSpace(opts);
  const kafka = releaseFor(opts.preset, opts.kafka).version;
  const base = { kafka, preset: opts.preset, overrides: opts.overrides ?? {}, durationMs: opts.durationMs ?? 1500 };
  // Only the property searched for is checked, so the search is not stopped by another one.
  const properties = opts.check ? [] : all ? undefined : [opts.property];
  // Consumer-group properties are searched with consumers and consumer faults in the case.
  // Transaction properties, with a transactional producer and a consume-transform-produce group.
  const special = keyOrderSpaceFor(opts.property, base) ?? exploreSpaceFor(opts.property, space, base, opts.commit ? { commit: opts.commit } : {}) ?? txnSpaceFor(opts.property, space, base);
  const arb: fc.Arbitrary<unknown> = special ? special.arb : exploreCaseArb(space);
  const toScenario = (c: unknown): Scenario =>
    parseScenario({ ...(special ? special.toScenario(c as never) : caseToScenario(c as ExploreCase, space, base)), ...(properties ? { properties } : {}) });
  /** The world of a scenario, with the caller's check installed if there is one. */
  const worldOf = (scenario: Scenario, trace: 'full' | 'off') => {
    const { world, config } = buildWorld(scenario, trace);
    if (opts.check) world.addInvariant(opts.check(config ?? configOf(scenario)));
    return world;
  };
  /** Whether a scenario breaks the property searched for. */
  const breaks = (scenario: Scenario): boolean => {
    const world = worldOf(scenario, 'off');
    world.start();
    const v = world.run({ until: scenario.durationMs });
    return v !== undefined && (all || v.property === opts.property);
  };
  /** `error`: what a run threw (bad input such as a feature the release lacks, or a model bug): never a verdict. */
  const seen = { tried: 0, shrinks: 0, failedAt: undefined as number | undefined, error: undefined as unknown };
  /** One run of the search: false when it broke the property. */
  const holds = (c: unknown): boolean => {
    if (seen.failedAt === undefined) seen.tried++;
    else if (seen.shrinks >= (opts.maxShrinks ?? Number.POSITIVE_INFINITY)) return true;
    else seen.shrinks++;
    opts.onProgress?.({ runs: seen.tried, shrinks: seen.shrinks });
    let broken: boolean;
    try {
      broken = breaks(toScenario(c));
    } catch (e) {
      seen.error ??= e;
      throw e;
    }
    if (broken && seen.failedAt === undefined) {
      seen.failedAt = seen.tried;
      opts.onFound?.(seen.tried);
    }
    return !broken;
  };
  const params = { numRuns: opts.runs, seed: opts.seed | 0, endOnFailure: false };
  return { kafka, space, arb, toScenario, worldOf, seen, holds, breaks, params };
}

type Search = ReturnType<typeof prepareSearch>;

/** The verdict of a search that held over `runs` runs. */
export function heldResult(opts: ExploreOptions, p: Search, runs: number): ExploreResult {
  return { property: opts.property, kafka: p.kafka, config: opts.preset, budget: p.space.budget.maxFaulty, runs, found: false, seed: p.params.seed, runIndex: undefined, shrinks: 0, shrunkSteps: undefined, violation: undefined, scenario: undefined, story: undefined };
}

/** Shrink fast-check's counterexample further, replay it, and tell its story. */
function conclude(opts: ExploreOptions, p: Search, counterexample: unknown, runs: number, runIndex: number): ExploreResult {
  const budget = p.space.budget.maxFaulty;
  const shrunk = minimizeFaults(p.toScenario(counterexample), p.breaks, p.space.budget, p.space.minDowntimeMs);
  const replayed = runScenario(shrunk, 'full');
  const story = storyOf(replayed.world.trace.events(), storyFocusOf(opts.property));
  const scenario: Scenario = {
    ...shrunk,
    expect: { violation: replayed.summary.violation?.property ?? opts.property, ...(replayed.summary.traceHash ? { traceHash: replayed.summary.traceHash } : {}) },
  };
  return {
    property: opts.property,
    kafka: p.kafka,
    config: opts.preset,
    budget,
    runs,
    found: true,
    seed: p.params.seed,
    runIndex,
    shrinks: p.seen.shrinks,
    shrunkSteps: story.length,
    violation: replayed.summary.violation,
    scenario,
    story,
  };
}

/**
 * Search for a run that breaks `property`: fast-check generates workloads and fault schedules
 * within the budget, runs each with only that invariant checked, and on a violation shrinks
 * the case (fewer faults, fewer records, earlier, smaller) to the shortest it can find.
 */
export function explore(opts: ExploreOptions): ExploreResult {
  const p = prepareSearch(opts);
  if (opts.slice) throw new Error('explore(): a slice of a search is searched with exploreAsync');
  const details = fc.check(fc.property(p.arb, p.holds), p.params);
  return wholeVerdict(opts, p, details.failed ? details.counterexample?.[0] : undefined);
}

/** The verdict of a whole search in one fast-check call: run `failedAt` is run index failedAt - 1. */
function wholeVerdict(opts: ExploreOptions, p: Search, counterexample: unknown): ExploreResult {
  // fast-check counts a run that threw as failed; the error is the answer, not a verdict.
  if (p.seen.error !== undefined) throw p.seen.error;
  const failedAt = p.seen.failedAt;
  if (counterexample === undefined || failedAt === undefined) return heldResult(opts, p, p.seen.tried);
  return conclude(opts, p, counterexample, failedAt, failedAt - 1);
}

/**
 * The same search, giving the event loop a turn every few runs (so a progress line is drawn,
 * and a test runner's heartbeats are answered during a long search). Same runs, same result.
 */
export async function exploreAsync(opts: ExploreOptions): Promise<ExploreResult> {
  const slice = opts.slice ?? wholeSearch;
  if (slice.count > 1) {
    const found = await findFirstAsync(opts, (i) => inSlice(slice, i));
    return found.runIndex === undefined ? heldResult(opts, prepareSearch(opts), found.tried) : shrinkRun(opts, found.runIndex, found.tried);
  }
  // The whole search, in one fast-check call that shrinks what it finds: the runs and the
  // counterexamples every generated document (claims, matrix, bugs) was made with.
  const p = prepareSearch(opts);
  let n = 0;
  const details = await fc.check(
    fc.asyncProperty(p.arb, async (c) => {
      if (++n % 8 === 0) await yieldToEventLoop();
      if (p.seen.failedAt === undefined) opts.onRun?.(p.seen.tried, c);
      return p.holds(c);
    }),
    p.params,
  );
  return wholeVerdict(opts, p, details.failed ? details.counterexample?.[0] : undefined);
}

/** What a slice of a search found: the runs it tried, and the first that broke the property. */
export interface SliceFinding {
  readonly tried: number;
  /** Index in the whole search of the slice's first run that broke the property. */
  readonly runIndex: number | undefined;
}

const skipped = Symbol('not this slice');

/**
 * fast-check's property, restricted to some runs: a run whose index is not taken is neither
 * generated nor run (it passes at once). Skipping a run's generation changes no other run: the
 * runner jumps its generator once per run and gives each run a copy (Tosser.ts, `new
 * Random(rng)` clones), so run i's case depends on (seed, i) alone. `runId` is the run's index
 * in the search (IRawProperty.generate), the same index fast-check's replay `path` names.
 */
function restricted<Ts, A extends boolean>(inner: fc.IRawProperty<Ts, A>, take: (runIndex: number) => boolean, onRun: (runIndex: number, v: Ts) => void): fc.IRawProperty<Ts, A> {
  let current = -1;
  const pass = (inner.isAsync() ? Promise.resolve(null) : null) as ReturnType<typeof inner.run>;
  return {
    isAsync: () => inner.isAsync(),
    generate: (mrng, runId) => {
      if (runId !== undefined && !take(runId)) return new fc.Value(skipped as unknown as Ts, undefined);
      current = runId ?? -1;
      return inner.generate(mrng, runId);
    },
    shrink: (value) => ((value.value_ as unknown) === skipped ? fc.Stream.nil() : inner.shrink(value)),
    run: (v) => {
      if ((v as unknown) === skipped) return pass;
      onRun(current, v);
      return inner.run(v);
    },
    runBeforeEach: () => inner.runBeforeEach(),
    runAfterEach: () => inner.runAfterEach(),
  };
}

function firstFailing(details: { readonly failed: boolean; readonly counterexamplePath: string | null }): number | undefined {
  // Without shrinking (endOnFailure), the path is the failing run's index alone.
  return details.failed && details.counterexamplePath !== null ? Number(details.counterexamplePath.split(':')[0]) : undefined;
}

/**
 * The first of the runs `take` takes that breaks the property, not shrunk (a searcher's part of
 * the search). `take(i)` is asked for every run index in order, before its case is generated.
 */
export function findFirst(opts: ExploreOptions, take: (runIndex: number) => boolean): SliceFinding {
  const p = prepareSearch(opts);
  const property = restricted(fc.property(p.arb, p.holds), take, (i, [c]) => opts.onRun?.(i, c));
  const details = fc.check(property, { ...p.params, endOnFailure: true });
  if (p.seen.error !== undefined) throw p.seen.error;
  return { tried: p.seen.tried, runIndex: firstFailing(details) };
}

/**
 * findFirst, giving the event loop a turn every few runs (a progress line in the CLI, the
 * messages of the worker threads searching beside this one).
 */
export async function findFirstAsync(opts: ExploreOptions, take: (runIndex: number) => boolean): Promise<SliceFinding> {
  const p = prepareSearch(opts);
  let n = 0;
  const inner = fc.asyncProperty(p.arb, async (c) => {
    if (++n % 8 === 0) await yieldToEventLoop();
    return p.holds(c);
  });
  const property = restricted(inner, take, (i, [c]) => opts.onRun?.(i, c));
  const details = await fc.check(property, { ...p.params, endOnFailure: true });
  if (p.seen.error !== undefined) throw p.seen.error;
  return { tried: p.seen.tried, runIndex: firstFailing(details) };
}

/**
 * Run `runIndex` of the search again (fast-check's replay path) and shrink it: the same value,
 * the same shrink tree, so the same counterexample as the whole search shrinking run
 * `runIndex` itself. `runs` is what the verdict reports as the runs tried.
 */
export async function shrinkRun(opts: ExploreOptions, runIndex: number, runs: number): Promise<ExploreResult> {
  // The failing run was found (and reported) already: this is its replay.
  const p = prepareSearch({ ...opts, onFound: undefined });
  let n = 0;
  const details = await fc.check(
    fc.asyncProperty(p.arb, async (c) => {
      if (++n % 8 === 0) await yieldToEventLoop();
      return p.holds(c);
    }),
    { ...p.params, numRuns: 1, path: String(runIndex) },
  );
  if (!details.failed) throw new Error(`run ${runIndex} of seed ${p.params.seed} broke ${opts.property} once and not on its replay: the search is not deterministic`);
  return conclude(opts, p, details.counterexample?.[0], runs, runIndex);
}
