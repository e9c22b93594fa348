import fc from 'fast-check';
import { groupPropertyIds } from '../check/groups.js';
import { keyOrderSpaceFor, type KeyOrderCase } from './key-order-space.js';
import { consumerNode } from '../cluster/kafka.js';
import type { ScenarioInput } from '../cluster/scenario.js';
import type { CommitPolicy } from '../machines/consumer.js';
import { faultOverBy, type Fault } from '../sim/faults.js';
import { caseToScenario, configFields, budgetFor, episodesArb, episodesToFaults, exploreCaseArb, type Episode, type ExploreCase, type SearchBase, type SearchSpace } from '../workload/arbitraries.js';

/**
 * Search spaces for the consumer-group properties: a case is a produce workload with one or two
 * consumer groups, broker fault episodes (the search's `episodeArb`, within the budget) and
 * consumer episodes (crash and restart, a stop-the-world stall longer than the session
 * timeout, a clean leave), all shrinkable.
 */
export type ConsumerEpisodeKind = 'crash' | 'stall' | 'leave';

export interface ConsumerEpisode {
  kind: ConsumerEpisodeKind;
  consumer: number;
  at: number;
  durationMs: number;
}

export interface GroupCase {
  seed: number;
  records: number;
  intervalMs: number;
  consumers: number;
  commit: CommitPolicy;
  protocol: 'eager' | 'cooperative' | undefined;
  processingMs: number;
  /** A second group (independent-groups, replay): it starts later, reading from earliest. */
  secondGroupAt: number | undefined;
  episodes: Episode[];
  consumerEpisodes: ConsumerEpisode[];
}

export interface GroupSpaceOptions {
  /** The commit policy under test; 'any' lets the search choose. */
  readonly commit?: CommitPolicy | 'any';
  readonly protocol?: 'eager' | 'cooperative' | 'any';
  readonly consumerKinds?: readonly ConsumerEpisodeKind[];
  /** Broker fault episodes (within the space's budget); default true. */
  readonly brokerFaults?: boolean;
  readonly maxConsumers?: number;
  readonly secondGroup?: boolean;
}

export type Base = SearchBase;

/** Consumer episodes happen in the first part of the run, so the rest can settle. */
const consumerHorizon = (space: SearchSpace) => Math.max(100, Math.floor(space.horizonMs * 0.6));

export function consumerEpisodeArb(space: SearchSpace, kinds: readonly ConsumerEpisodeKind[], maxConsumers: number): fc.Arbitrary<ConsumerEpisode> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    consumer: fc.integer({ min: 0, max: maxConsumers - 1 }),
    at: fc.integer({ min: 100, max: consumerHorizon(space) }),
    // Stalls longer than session.timeout.ms make zombies; crashes last until a restart.
    durationMs: fc.integer({ min: 1, max: space.consumerOutageMaxMs }),
  });
}

export function groupCaseArb(space: SearchSpace, o: GroupSpaceOptions = {}): fc.Arbitrary<GroupCase> {
  const maxConsumers = o.maxConsumers ?? 3;
  const kinds = o.consumerKinds ?? ['crash', 'stall', 'leave'];
  return fc.record({
    seed: fc.nat({ max: 1_000_000 }),
    records: fc.integer({ min: 1, max: 40 }),
    intervalMs: fc.integer({ min: 1, max: 15 }),
    consumers: fc.integer({ min: 1, max: maxConsumers }),
    commit: o.commit === undefined || o.commit === 'any' ? fc.constantFrom<CommitPolicy>('after-process', 'before-process', 'auto') : fc.constant(o.commit),
    protocol: o.protocol === 'any' ? fc.constantFrom<'eager' | 'cooperative' | undefined>('eager', 'cooperative') : fc.constant(o.protocol),
    processingMs: fc.integer({ min: 1, max: 20 }),
    secondGroupAt: o.secondGroup ? fc.integer({ min: 0, max: consumerHorizon(space) }) : fc.constant(undefined),
    episodes: o.brokerFaults === false ? fc.constant([]) : episodesArb(space),
    consumerEpisodes: kinds.length === 0 ? fc.constant([]) : fc.array(consumerEpisodeArb(space, kinds, maxConsumers), { maxLength: 3 }),
  });
}

/** Time after the last fault (and the last record) for rebalances to finish and consumers to catch up. */
const SETTLE_MS = 700;

/** The scenario a group case runs: a produce workload with groups, faults within the budget. */
export function groupCaseToScenario(c: GroupCase, space: SearchSpace, base: Base): ScenarioInput {
  // A partitioned broker is cut off from the consumers too.
  const consumers = [
    ...Array.from({ length: c.consumers }, (_, i) => consumerNode(0, i)),
    ...(c.secondGroupAt === undefined ? [] : [consumerNode(1, 0), consumerNode(1, 1)]),
  ];
  const brokerFaults = episodesToFaults(c.episodes, { ...space, others: [...space.others, ...consumers] });
  const consumerFaults: Fault[] = [];
  const stalls: { consumer: number; at: number; durationMs: number }[] = [];
  const closes: { consumer: number; at: number }[] = [];
  for (const e of c.consumerEpisodes) {
    if (e.consumer >= c.consumers) continue;
    const node = consumerNode(0, e.consumer);
    if (e.kind === 'crash') consumerFaults.push({ at: e.at, type: 'crash', node }, { at: e.at + e.durationMs, type: 'restart', node });
    else if (e.kind === 'stall') stalls.push({ consumer: e.consumer, at: e.at, durationMs: e.durationMs });
    else closes.push({ consumer: e.consumer, at: e.at });
  }
  const faults = [...brokerFaults, ...consumerFaults].sort((a, b) => a.at - b.at);
  const lastFault = Math.max(0, ...faults.map(faultOverBy), ...stalls.map((s) => s.at + s.durationMs));
  const durationMs = Math.max(base.durationMs, Math.max(c.records * c.intervalMs, lastFault, c.secondGroupAt ?? 0) + SETTLE_MS);
  const group = {
    consumers: c.consumers,
    commit: c.commit,
    reset: 'earliest' as const,
    processingMs: c.processingMs,
    ...(c.protocol ? { protocol: c.protocol } : {}),
    stalls,
    closes,
  };
  const second =
    c.secondGroupAt === undefined
      ? []
      : [{ consumers: 2, commit: 'after-process' as const, reset: 'earliest' as const, processingMs: c.processingMs, startAtMs: [c.secondGroupAt, c.secondGroupAt] }];
  return {
    seed: c.seed,
    durationMs,
    config: configFields(base),
    // Eight keys, so that every partition gets records (murmur2 of k0..k2 may all land on one).
    workload: { kind: 'produce', producers: 1, records: c.records, intervalMs: c.intervalMs, keys: 8, groups: [group, ...second] },
    faults,
    ...budgetFor(faults, space),
  };
}

/** Which commit policy, consumer faults and groups each property is searched with. */
const spaceOptions: Record<string, GroupSpaceOptions> = {
  'processed-at-least-once': { commit: 'after-process' },
  'processed-at-most-once': { commit: 'after-process' },
  'stale-commit-fenced': { commit: 'after-process', consumerKinds: ['stall'] },
  'no-concurrent-processing': { commit: 'after-process', consumerKinds: ['stall'] },
  'group-exclusive-ownership': { commit: 'after-process', protocol: 'any' },
  'idle-consumers': { commit: 'after-process', maxConsumers: 4, protocol: 'any' },
  // Liveness: a group whose consumers all left owes nothing, so leaves are not searched here.
  'independent-groups': { commit: 'after-process', secondGroup: true, consumerKinds: ['crash', 'stall'] },
  replay: { commit: 'after-process', secondGroup: true, consumerKinds: ['crash', 'stall'] },
};

/**
 * The search space for a consumer-group property, or undefined for any other property.
 * `explore` uses `arb` in place of `exploreCaseArb(space)` and `toScenario` in place of
 * `caseToScenario`; `overrides.commit` (not a cluster setting) is not needed: the policy
 * under test is `options.commit` (after-process unless given).
 */
export function exploreSpaceFor(
  property: string,
  space: SearchSpace,
  base: Base,
  options: GroupSpaceOptions = {},
): { arb: fc.Arbitrary<GroupCase>; toScenario: (c: GroupCase) => ScenarioInput } | undefined {
  if (!(groupPropertyIds as readonly string[]).includes(property)) return undefined;
  const o = { ...spaceOptions[property], ...options };
  return { arb: groupCaseArb(space, o), toScenario: (c) => groupCaseToScenario(c, space, base) };
}

/**
 * The case space `explore` searches for any property: the group space for a consumer-group
 * property, else the produce-only space of src/workload/arbitraries.ts. So the search needs one
 * call: `const { arb, toScenario } = caseSpaceFor(opts.property, space, base)`.
 */
export function caseSpaceFor(property: string, space: SearchSpace, base: Base): { arb: fc.Arbitrary<unknown>; toScenario: (c: unknown) => ScenarioInput } {
  const k = keyOrderSpaceFor(property, base);
  if (k) return { arb: k.arb, toScenario: (c) => k.toScenario(c as KeyOrderCase) };
  const g = exploreSpaceFor(property, space, base);
  if (g) return { arb: g.arb, toScenario: (c) => g.toScenario(c as GroupCase) };
  return { arb: exploreCaseArb(space), toScenario: (c) => caseToScenario(c as ExploreCase, space, base) };
}
