import type { NodeId } from './network.js';
import type { Rng } from './rng.js';

/**
 * A fault, at a virtual time. Faults are data, so a schedule can be generated, shrunk,
 * written to a scenario file and replayed.
 */
export type Fault =
  /**
   * The node stops at once. `kind: 'process'`: the process dies (kill -9, an OOM, a JVM crash)
   * and the OS keeps running, so the page cache survives and every write stays, flushed or not.
   * `kind: 'power-loss'` (also when `kind` is absent, as every crash was before process crashes
   * were modelled, so older scenario files keep their meaning): the machine loses power and its
   * unflushed writes are lost (`tear`: only partly lost). Either way no clean-shutdown marker is
   * written, so Kafka sees an unclean shutdown when the node comes back.
   */
  | { at: number; type: 'crash'; node: NodeId; kind?: CrashKind; tear?: boolean }
  /**
   * A controlled shutdown, as a rolling restart does it: the broker asks the controller to move
   * its leaderships away, then flushes its logs, writes its clean-shutdown marker and exits
   * (src/machines/broker.ts). It stays down until restarted.
   */
  | { at: number; type: 'shutdown'; node: NodeId }
  /** The node starts again from what its disk kept. */
  | { at: number; type: 'restart'; node: NodeId }
  /** Cut `from` off from `to` (both ways unless `oneWay`). */
  | { at: number; type: 'partition'; from: NodeId[]; to: NodeId[]; oneWay?: boolean }
  /** Heal every cut, or only those touching `nodes`. */
  | { at: number; type: 'heal'; nodes?: NodeId[] }
  /** Messages to and from `node` take `ms` longer, for `durationMs`. */
  /** Extra latency on every message to or from `node`, or, with `peer`, only on the link between the two. */
  | { at: number; type: 'latency'; node: NodeId; ms: number; durationMs: number; peer?: NodeId }
  /** The TCP connection between `a` and `b` breaks: what is in flight on it is lost. */
  | { at: number; type: 'disconnect'; a: NodeId; b: NodeId }
  /**
   * A fault aimed at a role, as Jepsen's nemeses aim theirs: the World resolves `aim` to nodes
   * from the model's state when the fault is due (through the cluster's AimResolver), so a
   * replay, or a shrunk schedule, strikes whoever holds the role in that run. An aim that finds
   * no target waits for one (checked after every event) for at most `windowMs`; `rejoined` and
   * the coordinator aims always wait for their moment. The action lasts `durationMs` and is
   * then repaired (restart, heal). At most `upTo` nodes are struck.
   */
  | { at: number; type: 'aimed'; aim: Aim; action: AimedAction; durationMs: number; upTo: number; windowMs?: number; tear?: boolean };

/**
 * Whom an aimed fault strikes:
 * - `leader`: the leader of the data partition, as the control plane has it;
 * - `isr-followers`: the ISR's members other than the leader (isolated together, the ISR shrinks
 *   to the leader);
 * - `isr`: every member of the data partition's ISR, once it has shrunk to `upTo` members (so
 *   that only replicas outside the ISR are left: the unclean election's moment);
 * - `rejoined`: the first broker to rejoin the data partition's ISR after the fault is due;
 * - `group-coordinator`: the coordinator of the first consumer group, once the group is
 *   rebalancing (PreparingRebalance or CompletingRebalance);
 * - `txn-coordinator`: the coordinator of a transactional.id, once it is completing a commit or
 *   an abort (PrepareCommit, PrepareAbort);
 * - `controller`: the active controller: in ZooKeeper mode the broker that holds `/controller`
 *   (the controller runs in a broker), in KRaft mode the Raft leader among the voters.
 */
export const aims = ['leader', 'isr-followers', 'isr', 'rejoined', 'group-coordinator', 'txn-coordinator', 'controller'] as const;
export type Aim = (typeof aims)[number];
/**
 * What an aimed fault does to its targets: a power loss (`crash`), a process crash, a cut from
 * every other node (`isolate`), or a cut from the control plane only.
 */
export const aimedActions = ['crash', 'process-crash', 'isolate', 'isolate-from-controller'] as const;
export type AimedAction = (typeof aimedActions)[number];
export type AimedFault = Extract<Fault, { type: 'aimed' }>;

/**
 * When a latency spike's last delayed message has arrived: one sent as the spike ends still takes
 * the spike's extra latency. Until then the spike still acts on the run (a ping it delayed can
 * expire a session after the spike is over), so the budget counts it until then.
 */
export const latencyOverBy = (f: { readonly at: number; readonly durationMs: number; readonly ms: number }): number => f.at + f.durationMs + f.ms;

/** When a fault is over at the latest: a latency spike once its delayed messages arrived, an aimed fault may wait its window and then last. */
export function faultOverBy(f: Fault): number {
  if (f.type === 'latency') return latencyOverBy(f);
  if (f.type === 'aimed') return f.at + (f.windowMs ?? 0) + f.durationMs;
  return f.at;
}

export type CrashKind = 'process' | 'power-loss';
export const crashKinds: readonly CrashKind[] = ['process', 'power-loss'];
/** What a crash does to the disk: a crash without a kind is a power loss. */
export const crashKindOf = (f: { readonly kind?: CrashKind | undefined }): CrashKind => f.kind ?? 'power-loss';

export type FaultType = Fault['type'];
export const faultTypes: readonly FaultType[] = ['crash', 'shutdown', 'restart', 'partition', 'heal', 'latency', 'disconnect', 'aimed'];

/**
 * The fault budget (design decision 7): at most `maxFaulty` of the `nodes` may be faulty at
 * once, where faulty means crashed or shut down (until restarted), cut off by a partition (until
 * healed) or slowed by a latency spike (while it lasts, and until the last message it delayed has
 * arrived: `latencyOverBy`). A single connection loss is not counted.
 */
export interface FaultBudget {
  readonly nodes: readonly NodeId[];
  readonly maxFaulty: number;
  /**
   * At most this many of the faulty nodes may be down from a power loss at once (default: no
   * limit beyond `maxFaulty`). Machines that lose power together share a power supply: that is a
   * correlated failure, which a search allows only when asked to (`--correlated`). A node that
   * lost power counts until it is whole again (`recoveryMs` after its restart), since until then
   * its unflushed writes are still missing: a second power loss in that window is as good as a
   * simultaneous one.
   */
  readonly maxPowerLost?: number;
  /**
   * How long a restarted node still counts as faulty: a node that lost its unflushed writes is
   * not whole again until it has caught up. Default 0: faulty only while down.
   */
  readonly recoveryMs?: number;
  /**
   * KRaft: the controller nodes, counted apart from the brokers (a quorum of 2f+1 voters
   * tolerates f faulty ones). A broker cut off from a minority of the voters is not counted: the
   * quorum still answers it. Absent: one controller that never fails (ZooKeeper mode), and a
   * broker cut off from it counts as faulty.
   */
  readonly controllers?: { readonly nodes: readonly NodeId[]; readonly maxFaulty: number };
}

/**
 * Whether a partition whose one side has no budgeted node cuts the other side's budgeted nodes
 * off: for brokers, when that side holds the control plane (ZooKeeper mode's controller, or a
 * majority of the KRaft voters); for controllers, when it holds most of the brokers (an active
 * controller that no broker reaches is as good as down; one cut off from a single broker is not).
 */
type CutsOff = (side: readonly NodeId[]) => boolean;

/** Which budgeted nodes are faulty, as a schedule's faults are applied in time order. */
function tracker(recoveryMs = 0, cutsOff: CutsOff = () => true) {
  const crashed = new Set<NodeId>();
  /** Down from a power loss, until restarted. */
  const unpowered = new Set<NodeId>();
  /** Restarted after a power loss, until when it still lacks what it lost. */
  const refilling = new Map<NodeId, number>();
  /** Shut down (controlled) and not crashed since: counted as down, but still up until it exits. */
  const stopping = new Set<NodeId>();
  const cut = new Set<NodeId>();
  /** Slowed nodes, until when. */
  const slow = new Map<NodeId, number>();
  return {
    faulty(budgetNodes: ReadonlySet<NodeId>, now: number): number {
      let n = 0;
      for (const x of budgetNodes) if (crashed.has(x) || cut.has(x) || (slow.get(x) ?? -1) > now) n++;
      return n;
    },
    powerLost(budgetNodes: ReadonlySet<NodeId>, now: number): number {
      let n = 0;
      for (const x of budgetNodes) if (unpowered.has(x) || (refilling.get(x) ?? -1) > now) n++;
      return n;
    },
    apply(f: Fault, budgetNodes: ReadonlySet<NodeId>): void {
      switch (f.type) {
        case 'crash':
          // A crash of a node already down changes nothing (the World ignores it too); a node
          // still shutting down is up, and a power loss then costs it its unflushed writes.
          if (crashed.has(f.node) && !stopping.has(f.node)) return;
          crashed.add(f.node);
          stopping.delete(f.node);
          if (crashKindOf(f) === 'power-loss') unpowered.add(f.node);
          return;
        case 'shutdown':
          if (crashed.has(f.node)) return;
          crashed.add(f.node);
          stopping.add(f.node);
          return;
        case 'restart':
          crashed.delete(f.node);
          stopping.delete(f.node);
          if (unpowered.delete(f.node) && recoveryMs > 0) refilling.set(f.node, f.at + recoveryMs);
          if (recoveryMs > 0) slow.set(f.node, Math.max(slow.get(f.node) ?? -1, f.at + recoveryMs));
          return;
        case 'partition': {
          // The side with fewer budgeted nodes is the one cut off; ties count both sides. A side
          // with none (the controller, the clients) cuts the other side's brokers off: a broker
          // that cannot reach the controller is fenced, as good as down.
          const a = f.from.filter((x) => budgetNodes.has(x));
          const b = f.to.filter((x) => budgetNodes.has(x));
          const isolated =
            a.length === 0 ? (cutsOff(f.from) ? b : []) : b.length === 0 ? (cutsOff(f.to) ? a : []) : a.length < b.length ? a : b.length < a.length ? b : [...a, ...b];
          for (const x of isolated) cut.add(x);
          return;
        }
        case 'heal':
          if (!f.nodes) cut.clear();
          else for (const x of f.nodes) cut.delete(x);
          return;
        case 'latency':
          // A node slower than replica.lag.time.max.ms is as good as cut off: it counts, until the
          // last message the spike delayed has arrived (a late ping can still expire its session).
          slow.set(f.node, Math.max(slow.get(f.node) ?? -1, latencyOverBy(f)));
          return;
        default:
          return;
      }
    },
  };
}

/**
 * Drop every fault that would take more than `budget.maxFaulty` nodes out at once, keeping the
 * rest in time order. Used by the generators, so shrinking can never leave the budget.
 */
export function enforceBudget(schedule: readonly Fault[], budget: FaultBudget): Fault[] {
  const budgetNodes = new Set(budget.nodes);
  const quorum = budget.controllers;
  const controllerNodes = new Set(quorum?.nodes ?? []);
  const brokersCutOff: CutsOff | undefined = quorum ? (side) => side.filter((n) => controllerNodes.has(n)).length > quorum.nodes.length / 2 : undefined;
  const kept: Fault[] = [];
  for (const f of sortFaults(schedule)) {
    const trial = tracker(budget.recoveryMs, brokersCutOff);
    for (const k of kept) trial.apply(k, budgetNodes);
    trial.apply(f, budgetNodes);
    if (trial.faulty(budgetNodes, f.at) > budget.maxFaulty) continue;
    if (budget.maxPowerLost !== undefined && trial.powerLost(budgetNodes, f.at) > budget.maxPowerLost) continue;
    if (quorum) {
      const controllers = tracker(0, (side) => side.filter((n) => budgetNodes.has(n)).length > budget.nodes.length / 2);
      for (const k of kept) controllers.apply(k, controllerNodes);
      controllers.apply(f, controllerNodes);
      if (controllers.faulty(controllerNodes, f.at) > quorum.maxFaulty) continue;
    }
    kept.push(f);
  }
  return kept;
}

/**
 * The budget, kept while a run goes (the World's, for schedules with aimed faults, whose targets
 * are known only when they strike): every fault that starts is admitted only if the faults
 * admitted so far and it stay within the budget. A refused fault is not applied; its repair then
 * finds nothing to repair, or ends another cut of the same node early: a refusal only ever makes
 * the run gentler, never takes it over the budget.
 */
export class BudgetGuard {
  private readonly admitted: Fault[] = [];
  constructor(private readonly budget: FaultBudget) {}

  /** Admit these faults (all at the current time) together, or none of them. */
  admit(faults: readonly Fault[]): boolean {
    const trial = [...this.admitted, ...faults];
    if (enforceBudget(trial, this.budget).length !== trial.length) return false;
    this.admitted.push(...faults);
    return true;
  }

  /** A repair (restart, heal) or anything else that cannot take a node out: noted, never refused. */
  note(f: Fault): void {
    this.admitted.push(f);
  }
}

/** Whether a fault takes nodes out (and so must fit the budget), as opposed to repairing them. */
export const takesOut = (f: Fault): boolean => f.type === 'crash' || f.type === 'shutdown' || f.type === 'partition' || f.type === 'latency';

/** The largest number of budgeted nodes faulty at once under a schedule. */
export function peakFaulty(schedule: readonly Fault[], nodes: readonly NodeId[], recoveryMs = 0): number {
  const budgetNodes = new Set(nodes);
  const t = tracker(recoveryMs);
  let peak = 0;
  for (const f of sortFaults(schedule)) {
    t.apply(f, budgetNodes);
    peak = Math.max(peak, t.faulty(budgetNodes, f.at));
  }
  return peak;
}

/** Stable sort by time: faults at the same time keep their written order. */
export function sortFaults(schedule: readonly Fault[]): Fault[] {
  return schedule
    .map((f, i) => [f, i] as const)
    .sort((x, y) => x[0].at - y[0].at || x[1] - y[1])
    .map(([f]) => f);
}

export interface RandomScheduleOptions {
  readonly budget: FaultBudget;
  /** Faults happen in [0, horizonMs). */
  readonly horizonMs: number;
  /** How many fault episodes to try (each may be a crash+restart, a cut+heal, ...). */
  readonly episodes: number;
  readonly kinds?: readonly ('crash' | 'partition' | 'latency' | 'disconnect')[];
  /** How long a crashed node stays down or a cut stays, at most. */
  readonly maxOutageMs?: number;
  readonly tear?: boolean;
}

/**
 * A random fault schedule drawn from the kernel's seeded source, within the budget. Each
 * episode is a fault and (for crashes and cuts) its repair.
 */
export function randomFaultSchedule(rng: Rng, opts: RandomScheduleOptions): Fault[] {
  const kinds = opts.kinds ?? ['crash', 'partition', 'latency', 'disconnect'];
  const nodes = opts.budget.nodes;
  const maxOutage = opts.maxOutageMs ?? Math.max(1, Math.floor(opts.horizonMs / 4));
  const out: Fault[] = [];
  if (nodes.length === 0 || kinds.length === 0) return out;
  for (let i = 0; i < opts.episodes; i++) {
    const at = rng.int(0, Math.max(0, opts.horizonMs - 1));
    const dur = rng.int(1, maxOutage);
    const node = rng.pick(nodes);
    switch (rng.pick(kinds)) {
      case 'crash':
        out.push({ at, type: 'crash', node, ...(opts.tear ? { tear: true } : {}) });
        out.push({ at: at + dur, type: 'restart', node });
        break;
      case 'partition': {
        const rest = nodes.filter((n) => n !== node);
        const oneWay = rng.chance(0.3);
        out.push({ at, type: 'partition', from: [node], to: rest, ...(oneWay ? { oneWay: true } : {}) });
        out.push({ at: at + dur, type: 'heal', nodes: [node] });
        break;
      }
      case 'latency':
        out.push({ at, type: 'latency', node, ms: rng.int(1, 200), durationMs: dur });
        break;
      case 'disconnect': {
        const other = rng.pick(nodes);
        if (other !== node) out.push({ at, type: 'disconnect', a: node, b: other });
        break;
      }
    }
  }
  return enforceBudget(out, opts.budget);
}

/**
 * The schedule without the restarts that come sooner than `minDowntimeMs` after the crash (or
 * shutdown) that took their node down: the node stays down until its next restart. A search that
 * keeps crashed brokers down until their ZooKeeper session has expired (`restartAfterSession`)
 * needs this after the budget dropped a crash, which can leave an earlier episode's restart
 * behind a later crash. A node slowed by a latency spike when it crashed is heard from until the
 * messages it had sent have arrived (`latencyOverBy`): its downtime counts from then.
 */
export function withMinDowntime(faults: readonly Fault[], minDowntimeMs: number): Fault[] {
  const downSince = new Map<NodeId, number>();
  const heardUntil = new Map<NodeId, number>();
  const early = new Set<Fault>();
  for (const f of sortFaults(faults)) {
    if (f.type === 'latency') for (const n of [f.node, ...(f.peer === undefined ? [] : [f.peer])]) heardUntil.set(n, Math.max(heardUntil.get(n) ?? -1, latencyOverBy(f)));
    if ((f.type === 'crash' || f.type === 'shutdown') && !downSince.has(f.node)) downSince.set(f.node, Math.max(f.at, heardUntil.get(f.node) ?? -1));
    if (f.type !== 'restart') continue;
    const since = downSince.get(f.node);
    if (since !== undefined && f.at - since < minDowntimeMs) early.add(f);
    else downSince.delete(f.node);
  }
  return faults.filter((f) => !early.has(f));
}
