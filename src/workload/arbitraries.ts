import fc from 'fast-check';
import { enforceBudget, faultOverBy, withMinDowntime, type Aim, type AimedAction, type AimedFault, type Fault, type FaultBudget } from '../sim/faults.js';
import type { NodeId } from '../sim/network.js';
import type { ScenarioInput } from '../cluster/scenario.js';

/**
 * The kinds of fault an exploration may inject (`--faults`): `crash` is a power loss (unflushed
 * writes lost), `process-crash` keeps the page cache, `shutdown` is a controlled shutdown (as in
 * a rolling restart), each followed by a restart.
 */
export const episodeKinds = [
  'crash',
  'process-crash',
  'shutdown',
  'partition',
  'latency',
  'disconnect',
  'controller-crash',
  'controller-partition',
  'aim-leader',
  'aim-isr-followers',
  'aim-isr',
  'aim-rejoined',
  'aim-group-coordinator',
  'aim-txn-coordinator',
] as const;
export type EpisodeKind = (typeof episodeKinds)[number];
/**
 * What a search injects unless told otherwise. A power loss is the harsher crash (it loses what a
 * process crash keeps), so the default keeps to it; the default set is also what every recorded
 * search result in spec/ was measured with.
 */
export const defaultEpisodeKinds: readonly EpisodeKind[] = ['crash', 'partition', 'latency', 'disconnect'];
/**
 * In KRaft mode the controller nodes fail too (`controller-crash`: a crash and restart;
 * `controller-partition`: a voter cut off from everyone, from the other voters only, or from the
 * brokers only), within their own budget.
 */
export const controllerEpisodeKinds: readonly EpisodeKind[] = ['controller-crash', 'controller-partition'];
/**
 * Faults aimed at a role, resolved from the model's state when they are due (Jepsen's nemeses;
 * src/cluster/aims.ts): the partition's leader (crashed, isolated, or cut from the controller),
 * the ISR's followers (isolated together, so the ISR shrinks to the leader), the broker that has
 * just rejoined the ISR (bounced), the whole ISR once it has shrunk (crashed), and the coordinators in the middle of a rebalance or a commit.
 */
export const aimedEpisodeKinds: readonly EpisodeKind[] = ['aim-leader', 'aim-isr-followers', 'aim-isr', 'aim-rejoined', 'aim-group-coordinator', 'aim-txn-coordinator'];
/** The aimed kinds that have a target in a run with only producers (the coordinators need groups or transactions). */
export const replicationAimedKinds: readonly EpisodeKind[] = ['aim-leader', 'aim-isr-followers', 'aim-isr', 'aim-rejoined'];

/**
 * One fault episode: a fault and its repair. Generated as data so fast-check can shrink it
 * (fewer episodes, earlier, shorter, on a lower-numbered node).
 */
export interface Episode {
  kind: EpisodeKind | 'correlated-crash';
  /**
   * When it starts: `gap` ms after the previous episode started or ended (`anchor`). Chaining
   * makes the coincidences that break protocols (a crash just after a heal) likely, and
   * shrinking brings faults closer together.
   */
  anchor: 'start' | 'end';
  gap: number;
  node: number;
  other: number;
  durationMs: number;
  oneWay: boolean;
  /**
   * Whom a partition cuts the node off from: everyone, only the controller (a broker that
   * loses its controller session but still talks to its peers, as in KAFKA-6361), or one peer.
   */
  scope: 'all' | 'controller' | 'peer';
}

export interface SearchSpace {
  /** Brokers, in budget order. */
  readonly nodes: readonly NodeId[];
  /** Every other node (controllers, clients): a partitioned broker is cut off from them too. */
  readonly others: readonly NodeId[];
  /** The control plane's nodes: ZooKeeper mode's controller, or KRaft's voters (a `controller` cut is from them). */
  readonly controlPlane: readonly NodeId[];
  /** KRaft's voters, which controller episodes target (empty in ZooKeeper mode). */
  readonly controllers: readonly NodeId[];
  /** The nodes of one partition's replica set, crashed together by a correlated failure. */
  readonly correlatedGroup: readonly NodeId[];
  readonly budget: FaultBudget;
  readonly kinds: readonly EpisodeKind[];
  readonly correlated: boolean;
  /** Swarm testing: each run uses a random subset of `kinds` (`episodesArb`). */
  readonly swarm?: boolean;
  /**
   * A power loss may keep part of what was not flushed (the OS had written some of it back) and
   * tear the last write: each replica comes back with its own prefix (`--tear`).
   */
  readonly tear?: boolean;
  readonly horizonMs: number;
  readonly maxEpisodes: number;
  /** The shortest time a crashed or shut-down broker stays down (`restartAfterSession`); none by default. */
  readonly minDowntimeMs?: number;
  /**
   * The longest consumer stall or crash the group and transaction searches draw: past the
   * consumers' session.timeout.ms by 300 ms, so that about half the stalls make zombies on any
   * release's session timeout (10 s before Kafka 3.0, 45 s since; KIP-735).
   */
  readonly consumerOutageMaxMs: number;
}

/** The kinds of episode a search draws from: its fault kinds, and the correlated crash when allowed. */
function kindsOf(space: SearchSpace): Episode['kind'][] {
  return space.correlated ? [...space.kinds, 'correlated-crash'] : [...space.kinds];
}

/**
 * A run's fault episodes. With `swarm`, each run first draws the subset of kinds it may use
 * (swarm testing, Groce et al., ISSTA 2012): a run of only leader crashes and ISR isolations
 * makes the coincidences a uniform mix of every kind dilutes. Without it every run draws from
 * every kind, as every search did before swarm testing.
 */
export function episodesArb(space: SearchSpace): fc.Arbitrary<Episode[]> {
  const kinds = kindsOf(space);
  if (!space.swarm || kinds.length < 2) return fc.array(episodeArb(space), { maxLength: space.maxEpisodes });
  return fc.subarray(kinds, { minLength: 1 }).chain((chosen) => fc.array(episodeArb(space, chosen), { maxLength: space.maxEpisodes }));
}

export function episodeArb(space: SearchSpace, kinds: readonly Episode['kind'][] = kindsOf(space)): fc.Arbitrary<Episode> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    anchor: fc.constantFrom('start' as const, 'end' as const),
    // Half the time short: protocol races live in the few milliseconds after a fault.
    gap: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: Math.floor(space.horizonMs / 3) })),
    node: fc.integer({ min: 0, max: space.nodes.length - 1 }),
    other: fc.integer({ min: 0, max: space.nodes.length - 1 }),
    durationMs: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: Math.max(1, Math.floor(space.horizonMs / 2)) })),
    oneWay: fc.boolean(),
    scope: fc.constantFrom('all' as const, 'controller' as const, 'peer' as const),
  });
}

/** Episodes to a fault schedule, within the budget (faults over it are dropped). */
export function episodesToFaults(episodes: readonly Episode[], space: SearchSpace): Fault[] {
  const faults: Fault[] = [];
  const torn = space.tear ? { tear: true } : {};
  let prevStart = 0;
  let prevEnd = 0;
  for (const episode of episodes) {
    const at = (episode.anchor === 'start' ? prevStart : prevEnd) + episode.gap;
    const e = { ...episode, at };
    const node = space.nodes[e.node]!;
    const down = e.kind === 'crash' || e.kind === 'process-crash' || e.kind === 'shutdown' || e.kind === 'correlated-crash';
    const end = e.at + (down ? Math.max(e.durationMs, space.minDowntimeMs ?? 0) : e.durationMs);
    prevStart = at;
    prevEnd = e.kind === 'disconnect' ? at : end;
    switch (e.kind) {
      case 'crash':
        faults.push({ at: e.at, type: 'crash', node, ...torn }, { at: end, type: 'restart', node });
        break;
      case 'process-crash':
        faults.push({ at: e.at, type: 'crash', node, kind: 'process' }, { at: end, type: 'restart', node });
        break;
      case 'shutdown':
        faults.push({ at: e.at, type: 'shutdown', node }, { at: end, type: 'restart', node });
        break;
      case 'correlated-crash':
        for (const n of space.correlatedGroup) faults.push({ at: e.at, type: 'crash', node: n, ...torn });
        for (const n of space.correlatedGroup) faults.push({ at: end, type: 'restart', node: n });
        break;
      case 'partition': {
        const everyone = [...space.nodes.filter((n) => n !== node), ...space.others];
        const other = space.nodes[e.other]!;
        const to = e.scope === 'all' ? everyone : e.scope === 'controller' ? [...space.controlPlane] : other === node ? everyone : [other];
        faults.push({ at: e.at, type: 'partition', from: [node], to, ...(e.oneWay ? { oneWay: true } : {}) });
        faults.push({ at: end, type: 'heal', nodes: [node] });
        break;
      }
      case 'latency':
        faults.push({ at: e.at, type: 'latency', node, ms: 50 + (e.durationMs % 400), durationMs: e.durationMs });
        break;
      case 'disconnect': {
        const other = space.nodes[e.other]!;
        if (other !== node) faults.push({ at: e.at, type: 'disconnect', a: node, b: other });
        break;
      }
      case 'controller-crash': {
        if (space.controllers.length === 0) {
          prevEnd = zkController(faults, e, space);
          break;
        }
        const voter = space.controllers[e.node % space.controllers.length]!;
        faults.push({ at: e.at, type: 'crash', node: voter, ...torn }, { at: end, type: 'restart', node: voter });
        break;
      }
      case 'aim-leader':
      case 'aim-isr-followers':
      case 'aim-isr':
      case 'aim-rejoined':
      case 'aim-group-coordinator':
      case 'aim-txn-coordinator':
        faults.push(aimedFault(e, e.at, space));
        // The episode ends when its fault can be over at the latest.
        prevEnd = faultOverBy(faults[faults.length - 1]!);
        break;
      case 'controller-partition': {
        if (space.controllers.length === 0) {
          prevEnd = zkController(faults, e, space);
          break;
        }
        const voter = space.controllers[e.node % space.controllers.length]!;
        // From everyone; from the other voters only (it may still think it leads: KAFKA-15489's
        // shape); or from the brokers only.
        const peers = space.controllers.filter((n) => n !== voter);
        const to = e.scope === 'all' ? [...space.nodes, ...space.others.filter((n) => n !== voter)] : e.scope === 'controller' ? peers : [...space.nodes];
        faults.push({ at: e.at, type: 'partition', from: [voter], to, ...(e.oneWay ? { oneWay: true } : {}) });
        faults.push({ at: end, type: 'heal', nodes: [voter] });
        break;
      }
    }
  }
  const min = space.minDowntimeMs ?? 0;
  if (min <= 0) return enforceBudget(faults, space.budget);
  // Dropping an early restart keeps a node down longer, which the budget may refuse in turn.
  let kept = enforceBudget(faults, space.budget);
  for (let next = withMinDowntime(kept, min); next.length !== kept.length; next = withMinDowntime(kept, min)) kept = enforceBudget(next, space.budget);
  return kept;
}

/**
 * A controller episode in ZooKeeper mode (pushed to `faults`; returns when it is over at the latest): the active controller's broker crashed (`scope` peer or
 * all; a process crash when `oneWay`, else a power loss) or cut off from ZooKeeper (`scope`
 * controller: its session expires and another broker is elected) or from everyone (`partition`
 * with `scope` all). It strikes at once, or not at all when no broker is the controller.
 */
function zkController(faults: Fault[], e: Episode & { at: number }, space: SearchSpace): number {
  const crash: AimedAction = e.oneWay ? 'process-crash' : 'crash';
  const action: AimedAction = e.kind === 'controller-crash' ? crash : e.scope === 'all' ? 'isolate' : 'isolate-from-controller';
  const f: AimedFault = {
    at: e.at,
    type: 'aimed',
    aim: 'controller',
    action,
    durationMs: downtime(e.durationMs, action, space),
    upTo: 1,
    windowMs: 0,
    ...(space.tear && action === 'crash' ? { tear: true } : {}),
  };
  faults.push(f);
  // The episode ends when its fault can be over at the latest.
  return faultOverBy(f);
}

/** An aimed crash stays down at least the search's minimum downtime (`restartAfterSession`). */
const downtime = (ms: number, action: AimedAction, space: SearchSpace) => (action === 'crash' || action === 'process-crash' ? Math.max(ms, space.minDowntimeMs ?? 0) : ms);

/**
 * An aimed episode's fault. The episode's fields choose the action, so that an aimed episode is
 * drawn from the same record as any other (a search without aimed kinds draws exactly as before):
 * `scope` all isolates the target, `controller` cuts it from the control plane, `peer` crashes it
 * (a power loss, or a process crash when `oneWay`). Bounces and coordinators are crashed. A role
 * that must wait for its moment (a shrunk ISR, a rejoin, a rebalance, a commit) waits up to a third of the
 * horizon; one aimed at the leader or the ISR strikes at once, or not at all when there is none.
 */
function aimedFault(e: Episode, at: number, space: SearchSpace): AimedFault {
  const aim = e.kind.slice('aim-'.length) as Aim;
  const upTo = aim === 'isr' ? Math.max(1, space.budget.maxFaulty) : aim === 'isr-followers' ? 1 + (e.other % Math.max(1, space.correlatedGroup.length - 1)) : 1;
  // Losing power on more machines at once than the budget allows (a correlated failure) would be
  // dropped: such a crash kills the processes instead.
  const powerLoss = !e.oneWay && upTo <= (space.budget.maxPowerLost ?? upTo);
  const crash: AimedAction = powerLoss ? 'crash' : 'process-crash';
  const action: AimedAction = aim === 'leader' || aim === 'isr-followers' ? (e.scope === 'all' ? 'isolate' : e.scope === 'controller' ? 'isolate-from-controller' : crash) : crash;
  const waits = aim !== 'leader' && aim !== 'isr-followers';
  return {
    at,
    type: 'aimed',
    aim,
    action,
    durationMs: downtime(e.durationMs, action, space),
    // Some or all of the followers (`other` picks how many): isolating one of two lets the ISR
    // shrink to the leader and the other follower, which is how an unclean election loses data.
    // The whole ISR is struck once it is no larger than the budget.
    upTo,
    windowMs: waits ? Math.floor(space.horizonMs / 3) : 0,
    ...(space.tear && action === 'crash' ? { tear: true } : {}),
  };
}

/**
 * A schedule with aimed faults carries its budget, which the World keeps while the run goes (the
 * aimed faults' targets are not known before): `{ faultBudget }` to spread into its scenario.
 */
export function budgetFor(faults: readonly Fault[], space: SearchSpace): Pick<ScenarioInput, 'faultBudget'> {
  if (!faults.some((f) => f.type === 'aimed')) return {};
  const b = space.budget;
  return {
    faultBudget: {
      nodes: [...b.nodes],
      maxFaulty: b.maxFaulty,
      ...(b.maxPowerLost === undefined ? {} : { maxPowerLost: b.maxPowerLost }),
      ...(b.recoveryMs === undefined ? {} : { recoveryMs: b.recoveryMs }),
      ...(b.controllers ? { controllers: { nodes: [...b.controllers.nodes], maxFaulty: b.controllers.maxFaulty } } : {}),
    },
  };
}

export interface ExploreCase {
  seed: number;
  records: number;
  intervalMs: number;
  episodes: Episode[];
}

export function exploreCaseArb(space: SearchSpace): fc.Arbitrary<ExploreCase> {
  return fc.record({
    seed: fc.nat({ max: 1_000_000 }),
    records: fc.integer({ min: 1, max: 40 }),
    intervalMs: fc.integer({ min: 1, max: 20 }),
    episodes: episodesArb(space),
  });
}

/** The scenario an explored case runs. */
/**
 * What every run of one search shares: the release (the search always names it, so that a
 * written scenario keeps it when a newer release is added), preset, overrides, length.
 */
export interface SearchBase {
  readonly kafka?: string | undefined;
  readonly preset: string;
  readonly overrides: Record<string, unknown>;
  readonly durationMs: number;
}

/** A search's scenario config: its release, preset and overrides (`extra` added under the base's). */
export function configFields(base: SearchBase, extra: Record<string, unknown> = {}): { kafka?: string; preset: string; overrides: Record<string, unknown> } {
  return { ...(base.kafka === undefined ? {} : { kafka: base.kafka }), preset: base.preset, overrides: { ...extra, ...base.overrides } };
}

export function caseToScenario(c: ExploreCase, space: SearchSpace, base: SearchBase): ScenarioInput {
  const faults = episodesToFaults(c.episodes, space);
  // Once production is over and the last fault repaired, a run only heartbeats; 400 ms more
  // (four session timeouts) lets every election and ISR change that the faults set off play out.
  const quiet = Math.max(c.records * c.intervalMs, ...faults.map(faultOverBy)) + 400;
  return {
    seed: c.seed,
    durationMs: Math.min(base.durationMs, quiet),
    config: configFields(base),
    workload: { kind: 'produce', producers: 1, records: c.records, intervalMs: c.intervalMs, keys: 3 },
    faults,
    ...budgetFor(faults, space),
  };
}
