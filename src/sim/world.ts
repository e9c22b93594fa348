import { InputError } from '../errors.js';
import { createActor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { virtualClock } from './clock.js';
import { Disk } from './disk.js';
import { BudgetGuard, type AimedFault, type Fault, type FaultBudget, crashKindOf, sortFaults, takesOut } from './faults.js';
import { Network, type NetworkConfig, type NodeId, defaultNetworkConfig } from './network.js';
import type { HistoryOp } from './history.js';
import { EventQueue, type Scheduled } from './queue.js';
import { Rng } from './rng.js';
import { Trace, type DropReason, type TraceEvent, type TraceMode } from './trace.js';

/**
 * What a hosted machine may ask the kernel to do (design decision 2). Machines `emit` these;
 * the World carries them out. A machine never touches the clock, the network or the disk.
 */
export type Effect =
  | { type: 'net.send'; to: NodeId; msg: Message }
  /** To another actor on the same node (a broker to one of its partition replicas). */
  | { type: 'local.send'; actor: string; msg: Message }
  | { type: 'disk.append'; file: string; entries: readonly unknown[] }
  | { type: 'disk.truncate'; file: string; length: number }
  | { type: 'disk.replace'; file: string; entries: readonly unknown[] }
  | { type: 'disk.fsync'; file: string }
  /** fsync every file of the node (a clean shutdown flushes every log). */
  | { type: 'disk.fsyncAll' }
  /** The node's process exits (after a clean shutdown): its actors stop, its disk stays as it is. */
  | { type: 'node.exit' }
  /**
   * Start an actor of this node now unless one of that name runs (a broker creating a replica for
   * a partition it learns of at run time); the node's `spawn` builds it.
   */
  | { type: 'actor.ensure'; actor: string; arg?: unknown }
  /** Stop an actor of this node and delete its directory (`actor/...`) from the node's disk. */
  | { type: 'actor.delete'; actor: string }
  | { type: 'trace.note'; text: string; data?: unknown }
  /** A client operation for the run's history (Jepsen-shaped). */
  | { type: 'history'; op: HistoryOp };

/**
 * A network message is an XState event; the World adds `from` on delivery. A node may host
 * several actors: `actor` names the one it is for (the node's first actor when absent).
 */
export interface Message {
  readonly type: string;
  readonly actor?: string | undefined;
}

/** Sent by the kernel to a node when a connection to `peer` broke (crash, connection loss). */
export interface DisconnectedEvent {
  type: 'net.disconnected';
  peer: NodeId;
}

/**
 * Sent by the kernel to a node's primary actor on a `shutdown` fault: shut down cleanly and emit
 * `node.exit` when done. A node whose primary actor does not know it keeps running.
 */
export interface ShutdownEvent {
  type: 'Shutdown';
}

/** What a node's machine is given when it (re)starts. */
export interface NodeBoot {
  readonly id: NodeId;
  /** 0 on first start, +1 on every restart. */
  readonly incarnation: number;
  /** Its disk, as the crash left it: read it to recover. */
  readonly disk: Disk;
  /** Its own stream of randomness, split from the kernel's. */
  readonly rng: Rng;
  /** Virtual time at (re)start. */
  readonly now: number;
}

/** One actor of a node: a broker process hosts its broker machine and one per replica. */
export interface HostedActor {
  /** Unique on the node; messages name it in `actor`. Defaults to 'main'. */
  readonly name?: string;
  readonly logic: AnyActorLogic;
  readonly input?: unknown;
}

export interface NodeSpec {
  readonly id: NodeId;
  /** Builds the actors of one incarnation of the node; the first receives unaddressed messages. */
  readonly boot: (b: NodeBoot) => HostedActor | readonly HostedActor[];
  /** Builds an actor the node starts while it runs (`actor.ensure`); undefined: it has none of that name. */
  readonly spawn?: (name: string, b: NodeBoot, arg: unknown) => HostedActor | undefined;
}

/** An invariant checked after every event: a message when it is broken, else undefined. */
export interface Invariant {
  readonly id: string;
  readonly check: (world: World) => string | undefined;
}

export interface Violation {
  readonly property: string;
  readonly message: string;
  readonly time: number;
  /** Index of the trace entry at which the property broke. */
  readonly step: number;
}

/**
 * Resolves aimed faults from the model's state; the layer that installs the model supplies it
 * (`World.setAimResolver`), since the kernel knows nothing of leaders or ISRs.
 */
export interface AimResolver {
  /**
   * Called when an aimed fault is due. Returns the probe the World asks for targets, at once and
   * then after every event, until it names some or the fault's window is over.
   */
  arm(world: World, fault: AimedFault): () => readonly NodeId[] | undefined;
  /** The control plane's nodes, which `isolate-from-controller` cuts a target off from. */
  controlPlane(world: World): readonly NodeId[];
}

/** An aimed fault waiting for its target. */
interface ArmedFault {
  readonly fault: AimedFault;
  readonly probe: () => readonly NodeId[] | undefined;
  readonly until: number;
}

/** An event the World could process next, as a chooser sees it. */
export interface EnabledEvent {
  readonly kind: 'msg' | 'timer' | 'call' | 'fault';
  /** What it is, for a reader: `b1->b2 Fetch`, `timer b1`, `kernel call`, `fault crash`. */
  readonly label: string;
}

/** A point at which the World asks its chooser what happens next. */
export interface ChoicePoint {
  /** Events processed so far: the choice is made before event number `step` (from 0). */
  readonly step: number;
  readonly now: number;
  /** The instant the enabled events are due (a fault chosen instead strikes at `now`). */
  readonly at: number;
  /**
   * The events that may run next: those due at the earliest pending instant, at most one per
   * connection (TCP keeps a connection's order) and one of the kernel's own calls (they keep
   * theirs). The World's own next event is first.
   */
  readonly enabled: readonly EnabledEvent[];
}

/**
 * What happens at a choice point: `pick` runs `enabled[pick]` (0: the World's own order);
 * `faults` strike now instead, as this step (a fault whose `at` is later is scheduled: its repair).
 */
export type Choice = { readonly pick: number } | { readonly faults: readonly Fault[] };

/**
 * Makes the World's scheduling decisions (exhaustive exploration, src/explore/exhaustive/, and
 * the replay of its counterexamples). Without one, the World runs its events in (time, sequence)
 * order, as it always has: a chooser that always answers undefined gives the same trace.
 */
export interface Chooser {
  choose(world: World, point: ChoicePoint): Choice | undefined;
}

export interface WorldOptions {
  readonly seed: number;
  readonly network?: NetworkConfig;
  readonly trace?: TraceMode;
}

type Item =
  | { k: 'msg'; from: NodeId; to: NodeId; msg: Message; sent: number; gen: number }
  | { k: 'timer'; node: NodeId; incarnation: number; fn: () => void; cancelled: boolean }
  | { k: 'fault'; fault: Fault }
  | { k: 'call'; fn: () => void };

interface RunningActor {
  readonly name: string;
  /** How the actor appears in the trace: the node id, or `node/actor` for a secondary actor. */
  readonly label: string;
  readonly ref: AnyActorRef;
  lastState: unknown;
  /**
   * The last state value object seen. XState hands the same object again while the state does
   * not change (a transition without a target keeps the snapshot), so a repeat is known at once,
   * without comparing a nested value.
   */
  lastSeen: unknown;
}

interface HostedNode {
  readonly spec: NodeSpec;
  readonly disk: Disk;
  readonly rng: Rng;
  /** Undefined while the node is down. */
  actors: Map<string, RunningActor> | undefined;
  /** The actor that receives messages that name none. */
  primary: RunningActor | undefined;
  incarnation: number;
  /** The clock of the running incarnation (actors started later use it too). */
  clock?: ReturnType<typeof virtualClock>;
  /** A controlled shutdown is under way (the node was told to shut down and has not exited). */
  shuttingDown?: boolean;
  /** A restart arrived while the node was shutting down: it boots as soon as it has exited. */
  restartPending?: boolean;
}

const isActive = (a: RunningActor) => (a.ref.getSnapshot() as { status: string }).status === 'active';

/**
 * `{ ...o, ...fields }`, keys in the same order. Messages and history entries are built with
 * conditional spreads (`...(error ? { error } : {})`), and V8 spreads objects of such shapes
 * through a slow generic path, several times slower than Object.assign; this copy runs on
 * every delivery.
 */
function copyWith<T extends object, F extends object>(o: T, fields: F): T & F {
  return Object.assign({}, o, fields);
}

/**
 * Two XState state values (a state name, or nested objects of them) are the same state: what
 * comparing their JSON would say (keys in order), without serialising a value on every step.
 */
function sameStateValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameStateValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function describeItem(it: Item): EnabledEvent {
  switch (it.k) {
    case 'msg':
      return { kind: 'msg', label: `${it.from}->${it.to} ${it.msg.type}` };
    case 'timer':
      return { kind: 'timer', label: `timer ${it.node}` };
    case 'call':
      return { kind: 'call', label: 'kernel call' };
    case 'fault':
      return { kind: 'fault', label: `fault ${it.fault.type}` };
  }
}

/** A choice that does not fit the run (a scenario's `choices` written for another run). */
export class ChoiceError extends InputError {
  override readonly name = 'ChoiceError';
}

/** A machine threw: a bug in the model, not a property violation. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/**
 * The simulation kernel: virtual clock, event queue, the one seeded random source, network,
 * disks, and the XState actors it hosts. Nothing happens unless the World makes it happen.
 */
export class World {
  readonly rng: Rng;
  readonly network: Network;
  readonly trace: Trace;
  private readonly queue = new EventQueue<Item>();
  private readonly nodes = new Map<NodeId, HostedNode>();
  private readonly invariants: Invariant[] = [];
  private readonly faultRng: Rng;
  private clock = 0;
  private processed = 0;
  private violationFound: Violation | undefined;
  private actorFailure: ModelError | undefined;
  private readonly faultsApplied: Fault[] = [];
  private aimResolver: AimResolver | undefined;
  /** Aimed faults due and still without a target, in the order they came due. */
  private armed: ArmedFault[] = [];
  /** While an aimed fault strikes: the effect its faults are recorded with. */
  private striking: string | undefined;
  private guard: BudgetGuard | undefined;
  private chooser: Chooser | undefined;
  /** Client operations, in the order they happened; `index` is the position. */
  readonly history: HistoryOp[] = [];

  constructor(opts: WorldOptions) {
    this.rng = Rng.seeded(opts.seed);
    this.network = new Network(opts.network ?? defaultNetworkConfig, this.rng.split());
    this.faultRng = this.rng.split();
    this.trace = new Trace(opts.trace ?? 'full');
  }

  get now(): number {
    return this.clock;
  }

  /** Events processed so far (deliveries, timers, faults, calls). */
  get eventsProcessed(): number {
    return this.processed;
  }

  get violation(): Violation | undefined {
    return this.violationFound;
  }

  get faults(): readonly Fault[] {
    return this.faultsApplied;
  }

  nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  isUp(node: NodeId): boolean {
    return this.nodes.get(node)?.actors !== undefined;
  }

  /** A running actor of a node (its primary one when `name` is omitted). */
  actor(node: NodeId, name?: string): AnyActorRef | undefined {
    const n = this.nodes.get(node);
    return (name === undefined ? n?.primary : n?.actors?.get(name))?.ref;
  }

  /** The names of a running node's actors, in boot order. */
  actorNames(node: NodeId): string[] {
    return [...(this.nodes.get(node)?.actors?.keys() ?? [])];
  }

  disk(node: NodeId): Disk {
    const n = this.nodes.get(node);
    if (!n) throw new Error(`no node ${node}`);
    return n.disk;
  }

  addNode(spec: NodeSpec): void {
    if (this.nodes.has(spec.id)) throw new Error(`duplicate node id ${spec.id}`);
    this.nodes.set(spec.id, {
      spec,
      disk: new Disk(),
      rng: this.rng.split(),
      actors: undefined,
      primary: undefined,
      incarnation: -1,
    });
  }

  setAimResolver(resolver: AimResolver): void {
    this.aimResolver = resolver;
  }

  /**
   * Keep the fault budget while the run goes: a fault that would take it over is refused
   * (recorded, not applied). Needed for aimed faults, whose targets no schedule knows ahead.
   */
  setFaultBudget(budget: FaultBudget): void {
    this.guard = new BudgetGuard(budget);
  }

  /** Let `chooser` decide, before every event, which one runs or which fault strikes. */
  setChooser(chooser: Chooser): void {
    this.chooser = chooser;
  }

  addInvariant(inv: Invariant): void {
    this.invariants.push(inv);
  }

  /** Start every node that is not running yet, in the order they were added. */
  start(): void {
    for (const [id, n] of this.nodes) if (!n.actors) this.boot(id, n);
  }

  /**
   * Start one node added after the others (serve's client connections): `start` would also
   * boot every node a fault has taken down.
   */
  startNode(id: NodeId): void {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    if (!n.actors) this.boot(id, n);
  }

  scheduleFaults(faults: readonly Fault[]): void {
    for (const f of sortFaults(faults)) this.queue.push(f.at, { k: 'fault', fault: f });
  }

  /** Run `fn` at virtual time `at` (kernel-side work: workload steps, checks). */
  at(at: number, fn: () => void): void {
    this.queue.push(Math.max(at, this.clock), { k: 'call', fn });
  }

  /** Send a message from one node to another (machines do this by emitting `net.send`). */
  send<M extends Message>(from: NodeId, to: NodeId, msg: M): void {
    const now = this.clock;
    if (!this.isUp(from)) return this.drop(from, to, msg, now, 'sender-down');
    const d = this.network.send(from, to, now);
    if (!d.deliver) return this.drop(from, to, msg, now, d.reason);
    this.queue.push(d.at, { k: 'msg', from, to, msg, sent: now, gen: d.generation });
  }

  /**
   * Process events until the queue is empty, virtual time passes `until`, `maxEvents` have
   * run, or an invariant breaks. Returns the violation, if any.
   */
  run(opts: { until?: number; maxEvents?: number } = {}): Violation | undefined {
    const until = opts.until ?? Number.POSITIVE_INFINITY;
    const maxEvents = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    let n = 0;
    while (!this.violationFound && n < maxEvents) {
      let next = this.queue.peek();
      if (!next || next.time > until) break;
      if (this.chooser) {
        const chosen = this.chooseNext(next);
        if (chosen === 'faults') {
          n++;
          this.processed++;
          if (this.actorFailure) throw this.actorFailure;
          if (this.armed.length > 0) this.pollArmed();
          if (this.invariants.length > 0) this.checkInvariants();
          continue;
        }
        next = chosen;
      } else this.queue.pop();
      // A cancelled timer, or one of a node's earlier life, is not an event: nothing happens,
      // nothing is counted or checked (it stays on the queue because removing it from the heap
      // early would cost more).
      if (next.item.k === 'timer' && (next.item.cancelled || this.nodes.get(next.item.node)?.incarnation !== next.item.incarnation)) continue;
      this.clock = next.time;
      n++;
      this.processed++;
      this.dispatch(next.item);
      if (this.actorFailure) throw this.actorFailure;
      if (this.armed.length > 0) this.pollArmed();
      if (this.invariants.length > 0) this.checkInvariants();
    }
    if (until !== Number.POSITIVE_INFINITY && !this.violationFound && this.clock < until) this.clock = until;
    return this.violationFound;
  }

  private isStale(item: Item): boolean {
    return item.k === 'timer' && (item.cancelled || this.nodes.get(item.node)?.incarnation !== item.incarnation);
  }

  /**
   * Ask the chooser what runs next. Returns the event taken off the queue, or 'faults' when
   * faults struck instead (they are this step). Only when a chooser is set.
   */
  private chooseNext(head: Scheduled<Item>): Scheduled<Item> | 'faults' {
    if (this.isStale(head.item)) {
      this.queue.pop();
      return head;
    }
    const enabled: Scheduled<Item>[] = [];
    const channels = new Set<string>();
    for (const e of this.queue.entriesAt(head.time)) {
      if (this.isStale(e.item)) continue;
      const it = e.item;
      const channel = it.k === 'msg' ? `m ${it.from} ${it.to}` : it.k === 'timer' ? undefined : it.k;
      if (channel !== undefined) {
        if (channels.has(channel)) continue;
        channels.add(channel);
      }
      enabled.push(e);
    }
    const choice = this.chooser!.choose(this, { step: this.processed, now: this.clock, at: head.time, enabled: enabled.map((e) => describeItem(e.item)) });
    if (choice && 'faults' in choice) {
      for (const f of sortFaults(choice.faults)) {
        if (f.at <= this.clock) this.applyFault(f);
        else this.queue.push(f.at, { k: 'fault', fault: f });
      }
      return 'faults';
    }
    const pick = choice?.pick ?? 0;
    const e = enabled[pick];
    if (!Number.isInteger(pick) || e === undefined) throw new ChoiceError(`choice at step ${this.processed} (t=${this.clock} ms): pick ${pick}, but ${enabled.length} event(s) were enabled`);
    this.queue.remove(e);
    return e;
  }

  /**
   * The kernel's state, for exhaustive exploration's state hash: every node (up or not, its
   * incarnation, each actor's persisted XState snapshot), its disk, the network, and the
   * queue's live events with their times relative to now. A timer is known by its node and
   * time only (its callback is XState's), which the actors' states imply.
   */
  kernelState(): unknown {
    const now = this.clock;
    const nodes = [...this.nodes].map(([id, n]) => [
      id,
      n.incarnation,
      n.shuttingDown ?? false,
      n.restartPending ?? false,
      n.actors ? [...n.actors.values()].map((a) => [a.name, a.ref.getPersistedSnapshot()]) : null,
      n.disk.state(),
    ]);
    const queue = this.queue
      .entries()
      .filter((e) => !this.isStale(e.item))
      .map((e) => {
        const it = e.item;
        const dt = e.time - now;
        switch (it.k) {
          case 'msg':
            return ['m', dt, it.from, it.to, it.gen, it.msg];
          case 'timer':
            return ['t', dt, it.node];
          case 'call':
            return ['c', dt];
          case 'fault':
            return ['f', dt, it.fault];
        }
      });
    return { nodes, queue, network: this.network.state(now), armed: this.armed.map((a) => [a.fault, a.until - now]), history: this.history.length };
  }

  private dispatch(item: Item): void {
    switch (item.k) {
      case 'msg': {
        const { from, to, msg, sent } = item;
        if (!this.network.arrive(from, to, item.gen)) return this.drop(from, to, msg, sent, 'connection-lost');
        const n = this.nodes.get(to);
        const target = msg.actor === undefined ? n?.primary : n?.actors?.get(msg.actor);
        // An actor that reached a final state (a client that is done) takes no more messages.
        if (!target || !isActive(target)) return this.drop(from, to, msg, sent, 'receiver-down');
        if (this.tracing) this.record({ t: this.clock, e: 'deliver', from, to, sent, msg });
        else this.trace.count();
        target.ref.send(copyWith(msg, { from }));
        return;
      }
      case 'timer':
        if (this.tracing) this.record({ t: this.clock, e: 'timer', node: item.node });
        else this.trace.count();
        item.fn();
        return;
      case 'fault':
        return this.applyFault(item.fault);
      case 'call':
        item.fn();
        return;
    }
  }

  private checkInvariants(): void {
    for (const inv of this.invariants) {
      const message = inv.check(this);
      if (message !== undefined) {
        this.violationFound = { property: inv.id, message, time: this.clock, step: this.trace.length };
        this.record({ t: this.clock, e: 'violation', property: inv.id, message });
        return;
      }
    }
  }

  /**
   * Record a trace entry. With the trace off, the entry is only counted; callers build the
   * entry inline, so on hot paths they check `tracing` first to spare the allocation.
   */
  private record(ev: TraceEvent): void {
    this.trace.record(ev);
  }

  private get tracing(): boolean {
    return this.trace.mode === 'full';
  }

  /** Break a property from outside the per-event checks (history checks at the end). */
  reportViolation(property: string, message: string): void {
    if (this.violationFound) return;
    this.violationFound = { property, message, time: this.clock, step: this.trace.length };
    this.record({ t: this.clock, e: 'violation', property, message });
  }

  private drop(from: NodeId, to: NodeId, msg: Message, sent: number, reason: DropReason): void {
    this.record({ t: this.clock, e: 'drop', from, to, sent, msg, reason });
  }

  /** `admitted`: the budget guard has admitted it already (with the rest of an aimed strike). */
  private applyFault(fault: Fault, admitted = false): void {
    if (this.guard && fault.type !== 'aimed' && !admitted) {
      if (!takesOut(fault)) this.guard.note(fault);
      else if (!this.guard.admit([fault])) return this.faultEvent(fault, 'refused: over the fault budget');
    }
    this.faultsApplied.push(fault);
    switch (fault.type) {
      case 'crash': {
        const n = this.nodes.get(fault.node);
        if (!n?.actors) return this.faultEvent(fault, 'already down');
        this.faultEvent(fault);
        n.shuttingDown = false;
        n.restartPending = false;
        this.stopNode(fault.node, n);
        // A process crash leaves the page cache to the OS, which writes it back in time: only
        // losing power loses what was not flushed.
        if (crashKindOf(fault) === 'power-loss') {
          const lost = n.disk.crash(fault.tear ? this.faultRng : undefined);
          for (const file of Object.keys(lost.lostWrites)) {
            this.record({ t: this.clock, e: 'disk', node: fault.node, op: 'lost', file, n: lost.lostWrites[file]! });
          }
        }
        return;
      }
      case 'shutdown': {
        const n = this.nodes.get(fault.node);
        if (!n?.primary) return this.faultEvent(fault, 'already down');
        this.faultEvent(fault);
        n.shuttingDown = true;
        n.primary.ref.send({ type: 'Shutdown' } satisfies ShutdownEvent);
        return;
      }
      case 'restart': {
        const n = this.nodes.get(fault.node);
        if (n?.actors && n.shuttingDown) {
          // An operator's restart of a broker still shutting down: it starts once it has exited.
          n.restartPending = true;
          return this.faultEvent(fault, 'once the shutdown completes');
        }
        if (!n || n.actors) return this.faultEvent(fault, 'already up');
        this.faultEvent(fault);
        this.boot(fault.node, n);
        return;
      }
      case 'partition':
        this.faultEvent(fault);
        this.network.partition(fault.from, fault.to, fault.oneWay ?? false);
        return;
      case 'heal':
        this.faultEvent(fault);
        this.network.heal(fault.nodes);
        return;
      case 'latency': {
        this.faultEvent(fault);
        const { node, peer } = fault;
        if (peer === undefined) {
          this.network.setExtraLatency(node, fault.ms);
          this.queue.push(this.clock + fault.durationMs, { k: 'call', fn: () => this.network.setExtraLatency(node, 0) });
        } else {
          this.network.setLinkLatency(node, peer, fault.ms);
          this.queue.push(this.clock + fault.durationMs, { k: 'call', fn: () => this.network.setLinkLatency(node, peer, 0) });
        }
        return;
      }
      case 'disconnect':
        this.faultEvent(fault);
        this.network.breakConnection(fault.a, fault.b);
        this.notifyDisconnected(fault.a, fault.b);
        this.notifyDisconnected(fault.b, fault.a);
        return;
      case 'aimed': {
        if (!this.aimResolver) return this.faultEvent(fault, 'no target: this world has nothing to aim at');
        const armed = { fault, probe: this.aimResolver.arm(this, fault), until: this.clock + (fault.windowMs ?? 0) };
        if (this.strike(armed)) return;
        this.faultEvent(fault, `waiting up to ${fault.windowMs ?? 0} ms for ${fault.aim}`);
        this.armed.push(armed);
        return;
      }
    }
  }

  private faultEvent(fault: Fault, effect?: string): void {
    const why = effect === undefined ? this.striking : this.striking === undefined ? effect : `${this.striking}; ${effect}`;
    this.record({ t: this.clock, e: 'fault', fault, ...(why === undefined ? {} : { effect: why }) });
  }

  /** Ask each waiting aimed fault for its target; strike those that have one, drop those out of time. */
  private pollArmed(): void {
    const waiting = this.armed;
    this.armed = [];
    for (const a of waiting) {
      if (this.strike(a)) continue;
      if (this.clock >= a.until) this.faultEvent(a.fault, `found no ${a.fault.aim} it could strike within the fault budget in ${a.fault.windowMs ?? 0} ms`);
      else this.armed.push(a);
    }
  }

  /**
   * Strike an aimed fault's targets if its probe names any: apply the action to at most `upTo`
   * of them now, and schedule its repair `durationMs` later. The faults are recorded as any
   * other, with the aim as their effect.
   */
  private strike(a: ArmedFault): boolean {
    const targets = a.probe()?.filter((n) => this.isUp(n)).slice(0, a.fault.upTo) ?? [];
    if (targets.length === 0) return false;
    const f = a.fault;
    const now = this.clock;
    const end = now + f.durationMs;
    const start: Fault[] = [];
    const repair: Fault[] = [];
    switch (f.action) {
      case 'crash':
      case 'process-crash':
        for (const node of targets) {
          start.push({ at: now, type: 'crash', node, ...(f.action === 'process-crash' ? { kind: 'process' as const } : f.tear ? { tear: true } : {}) });
          repair.push({ at: end, type: 'restart', node });
        }
        break;
      case 'isolate':
      case 'isolate-from-controller': {
        const to = f.action === 'isolate' ? this.nodeIds().filter((n) => !targets.includes(n)) : this.aimResolver!.controlPlane(this).filter((n) => !targets.includes(n));
        start.push({ at: now, type: 'partition', from: targets, to });
        repair.push({ at: end, type: 'heal', nodes: targets });
        break;
      }
    }
    // Over the budget now (other nodes are out): it waits on, as for a target, until the
    // others are repaired or its window is over.
    if (this.guard && !this.guard.admit(start)) return false;
    this.striking = `aimed at ${f.aim}`;
    try {
      for (const s of start) this.applyFault(s, true);
    } finally {
      this.striking = undefined;
    }
    for (const r of repair) this.queue.push(r.at, { k: 'fault', fault: r });
    return true;
  }

  /** Stop every actor of a node; its peers see their connections to it reset. */
  private stopNode(id: NodeId, n: HostedNode): void {
    const actors = n.actors;
    if (!actors) return;
    n.actors = undefined;
    n.primary = undefined;
    for (const a of actors.values()) a.ref.stop();
    this.loseConnections(id);
  }

  /** A crashed node's peers see their connections to it reset. */
  private loseConnections(node: NodeId): void {
    for (const peer of this.network.peers(node)) {
      this.network.breakConnection(node, peer);
      this.notifyDisconnected(peer, node);
    }
  }

  private notifyDisconnected(node: NodeId, peer: NodeId): void {
    const n = this.nodes.get(node);
    if (!n?.actors) return;
    const incarnation = n.incarnation;
    this.queue.push(this.clock, {
      k: 'call',
      fn: () => {
        if (n.incarnation !== incarnation || !n.actors) return;
        for (const a of n.actors.values()) if (isActive(a)) a.ref.send({ type: 'net.disconnected', peer } satisfies DisconnectedEvent);
      },
    });
  }

  private boot(id: NodeId, n: HostedNode): void {
    n.incarnation++;
    const incarnation = n.incarnation;
    const booted = n.spec.boot({ id, incarnation, disk: n.disk, rng: n.rng.split(), now: this.clock });
    const specs = Array.isArray(booted) ? (booted as readonly HostedActor[]) : [booted as HostedActor];
    const clock = virtualClock((delay, fn) => {
      const item = { k: 'timer' as const, node: id, incarnation, fn, cancelled: false };
      this.queue.push(this.clock + delay, item);
      return item;
    });
    const actors = new Map<string, RunningActor>();
    n.actors = actors;
    n.clock = clock;
    const created = specs.map((spec, i) => this.createHosted(id, n, spec, i === 0));
    n.primary = created[0];
    for (const a of created) a.ref.start();
  }

  private createHosted(id: NodeId, n: HostedNode, spec: HostedActor, primary: boolean): RunningActor {
    const actors = n.actors!;
    const name = spec.name ?? 'main';
    if (actors.has(name)) throw new Error(`node ${id} has two actors named ${name}`);
    const ref = createActor(spec.logic, { input: spec.input, clock: n.clock!, id: `${id}/${name}` });
    const running: RunningActor = { name, label: primary ? id : `${id}/${name}`, ref, lastState: undefined, lastSeen: undefined };
    ref.on('*', (effect) => this.carryOut(id, effect as Effect));
    ref.subscribe({
      next: (snap) => this.noteState(running, (snap as { value?: unknown }).value),
      // XState reports an actor's error asynchronously; keep it and fail the run at once.
      error: (err) => {
        this.actorFailure ??= new ModelError(`${running.label} failed at ${this.clock} ms: ${(err as Error).message ?? String(err)}`, { cause: err });
      },
    });
    actors.set(name, running);
    return running;
  }

  /** `actor.ensure`: start the named actor on a running node unless it runs already. */
  private ensureActor(id: NodeId, n: HostedNode, name: string, arg: unknown): void {
    if (!n.actors || n.actors.has(name)) return;
    const spec = n.spec.spawn?.(name, { id, incarnation: n.incarnation, disk: n.disk, rng: n.rng.split(), now: this.clock }, arg);
    if (!spec) throw new Error(`node ${id} cannot start an actor ${name}`);
    this.record({ t: this.clock, e: 'note', node: id, text: `starts ${name}` });
    this.createHosted(id, n, { ...spec, name }, false).ref.start();
  }

  /** `actor.delete`: stop the named actor and delete its directory. */
  private deleteActor(id: NodeId, n: HostedNode, name: string): void {
    const a = n.actors?.get(name);
    if (!a) {
      // A log directory without a running replica (a broker restarted while its topic was being
      // deleted: ZooKeeper mode's StopReplica with deletePartition=true deletes the log that
      // LogManager loaded at startup).
      if (n.actors && n.disk.fileNames().some((f) => f.startsWith(`${name}/`))) {
        n.disk.deleteDir(name);
        this.record({ t: this.clock, e: 'note', node: id, text: `deletes the log of ${name}` });
      }
      return;
    }
    if (a === n.primary) return;
    n.actors!.delete(name);
    a.ref.stop();
    n.disk.deleteDir(name);
    this.record({ t: this.clock, e: 'note', node: id, text: `stops ${name} and deletes its log` });
  }

  private noteState(a: RunningActor, value: unknown): void {
    if (value === undefined || value === a.lastSeen) return;
    a.lastSeen = value;
    if (sameStateValue(value, a.lastState)) return;
    this.record({ t: this.clock, e: 'state', node: a.label, from: a.lastState ?? null, to: value });
    a.lastState = value;
  }

  private carryOut(node: NodeId, effect: Effect): void {
    const n = this.nodes.get(node)!;
    switch (effect.type) {
      case 'net.send':
        return this.send(node, effect.to, effect.msg);
      case 'local.send': {
        const incarnation = n.incarnation;
        const msg = effect.msg;
        const actor = effect.actor;
        this.queue.push(this.clock, {
          k: 'call',
          fn: () => {
            // The node went down since (an aimed fault strikes between events): the message died with the process.
            if (n.incarnation !== incarnation || !n.actors) return;
            const target = n.actors.get(actor);
            if (!target) throw new Error(`node ${node} has no actor ${actor}`);
            if (!isActive(target)) return;
            this.record({ t: this.clock, e: 'deliver', from: node, to: node, sent: this.clock, msg: { ...msg, actor } });
            target.ref.send(copyWith(msg, { from: node }));
          },
        });
        return;
      }
      case 'disk.append':
        n.disk.append(effect.file, effect.entries);
        return this.tracing ? this.record({ t: this.clock, e: 'disk', node, op: 'append', file: effect.file, n: effect.entries.length }) : this.trace.count();
      case 'disk.truncate':
        n.disk.truncate(effect.file, effect.length);
        return this.tracing ? this.record({ t: this.clock, e: 'disk', node, op: 'truncate', file: effect.file, n: effect.length }) : this.trace.count();
      case 'disk.replace':
        n.disk.replace(effect.file, effect.entries);
        return this.tracing ? this.record({ t: this.clock, e: 'disk', node, op: 'replace', file: effect.file, n: effect.entries.length }) : this.trace.count();
      case 'disk.fsync':
        n.disk.fsync(effect.file);
        return this.tracing ? this.record({ t: this.clock, e: 'disk', node, op: 'fsync', file: effect.file, n: 0 }) : this.trace.count();
      case 'history': {
        const op = copyWith(effect.op, { index: this.history.length, time: this.clock });
        this.history.push(op);
        return this.tracing ? this.record({ t: this.clock, e: 'note', node, text: `history ${op.type} ${op.f}`, data: op }) : this.trace.count();
      }
      case 'disk.fsyncAll':
        n.disk.fsyncAll();
        return this.tracing ? this.record({ t: this.clock, e: 'disk', node, op: 'fsync', file: '*', n: 0 }) : this.trace.count();
      case 'actor.ensure':
      case 'actor.delete': {
        // In order with the local messages of the same step (a replica deleted, then one of the
        // same name started and told its state), as a local message would be.
        const incarnation = n.incarnation;
        const apply = effect.type === 'actor.ensure' ? () => this.ensureActor(node, n, effect.actor, effect.arg) : () => this.deleteActor(node, n, effect.actor);
        this.queue.push(this.clock, { k: 'call', fn: () => n.incarnation === incarnation && apply() });
        return;
      }
      case 'node.exit': {
        // After the step that asked for it: an actor is not stopped in the middle of its own step.
        const incarnation = n.incarnation;
        this.queue.push(this.clock, {
          k: 'call',
          fn: () => {
            if (n.incarnation !== incarnation || !n.actors) return;
            this.record({ t: this.clock, e: 'note', node, text: 'process exited after a clean shutdown' });
            this.stopNode(node, n);
            n.shuttingDown = false;
            if (n.restartPending) {
              n.restartPending = false;
              this.record({ t: this.clock, e: 'note', node, text: 'restarted, as asked during its shutdown' });
              this.boot(node, n);
            }
          },
        });
        return;
      }
      case 'trace.note':
        return this.tracing ? this.record({ t: this.clock, e: 'note', node, text: effect.text, ...(effect.data === undefined ? {} : { data: effect.data }) }) : this.trace.count();
      default:
        throw new Error(`node ${node} emitted an unknown effect ${JSON.stringify((effect as { type: unknown }).type)}`);
    }
  }
}
