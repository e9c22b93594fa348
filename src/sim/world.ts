import { createActor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { virtualClock } from './clock.js';
import { Disk } from './disk.js';
import { type Fault, sortFaults } from './faults.js';
import { Network, type NetworkConfig, type NodeId, defaultNetworkConfig } from './network.js';
import { EventQueue } from './queue.js';
import { Rng } from './rng.js';
import { Trace, type DropReason, type TraceMode } from './trace.js';

/**
 * What a hosted machine may ask the kernel to do (design decision 2). Machines `emit` these;
 * the World carries them out. A machine never touches the clock, the network or the disk.
 */
export type Effect =
  | { type: 'net.send'; to: NodeId; msg: Message }
  | { type: 'disk.append'; file: string; entries: readonly unknown[] }
  | { type: 'disk.truncate'; file: string; length: number }
  | { type: 'disk.replace'; file: string; entries: readonly unknown[] }
  | { type: 'disk.fsync'; file: string }
  | { type: 'trace.note'; text: string; data?: unknown };

/** A network message is an XState event; the World adds `from` on delivery. */
export interface Message {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** Sent by the kernel to a node when a connection to `peer` broke (crash, connection loss). */
export interface DisconnectedEvent {
  type: 'net.disconnected';
  peer: NodeId;
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

export interface NodeSpec {
  readonly id: NodeId;
  /** Builds the machine (and its input) for one incarnation of the node. */
  readonly boot: (b: NodeBoot) => { logic: AnyActorLogic; input?: unknown };
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

interface HostedNode {
  readonly spec: NodeSpec;
  readonly disk: Disk;
  readonly rng: Rng;
  actor: AnyActorRef | undefined;
  incarnation: number;
  lastState: unknown;
  lastStateKey: string;
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
  private readonly faultsApplied: Fault[] = [];

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
    return this.nodes.get(node)?.actor !== undefined;
  }

  actor(node: NodeId): AnyActorRef | undefined {
    return this.nodes.get(node)?.actor;
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
      actor: undefined,
      incarnation: -1,
      lastState: undefined,
      lastStateKey: '',
    });
  }

  addInvariant(inv: Invariant): void {
    this.invariants.push(inv);
  }

  /** Start every node that is not running yet, in the order they were added. */
  start(): void {
    for (const [id, n] of this.nodes) if (!n.actor) this.boot(id, n);
  }

  scheduleFaults(faults: readonly Fault[]): void {
    for (const f of sortFaults(faults)) this.queue.push(f.at, { k: 'fault', fault: f });
  }

  /** Run `fn` at virtual time `at` (kernel-side work: workload steps, checks). */
  at(at: number, fn: () => void): void {
    this.queue.push(Math.max(at, this.clock), { k: 'call', fn });
  }

  /** Send a message from one node to another (machines do this by emitting `net.send`). */
  send(from: NodeId, to: NodeId, msg: Message): void {
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
      const next = this.queue.peek();
      if (!next || next.time > until) break;
      this.queue.pop();
      this.clock = next.time;
      n++;
      this.processed++;
      this.dispatch(next.item);
      if (this.invariants.length > 0) this.checkInvariants();
    }
    if (until !== Number.POSITIVE_INFINITY && !this.violationFound && this.clock < until) this.clock = until;
    return this.violationFound;
  }

  private dispatch(item: Item): void {
    switch (item.k) {
      case 'msg': {
        const { from, to, msg, sent } = item;
        if (!this.network.arrive(from, to, item.gen)) return this.drop(from, to, msg, sent, 'connection-lost');
        const target = this.nodes.get(to)?.actor;
        if (!target) return this.drop(from, to, msg, sent, 'receiver-down');
        this.trace.record({ t: this.clock, e: 'deliver', from, to, sent, msg });
        target.send({ ...msg, from });
        return;
      }
      case 'timer':
        if (item.cancelled) return;
        if (this.nodes.get(item.node)?.incarnation !== item.incarnation) return;
        this.trace.record({ t: this.clock, e: 'timer', node: item.node });
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
        this.trace.record({ t: this.clock, e: 'violation', property: inv.id, message });
        return;
      }
    }
  }

  /** Break a property from outside the per-event checks (history checks at the end). */
  reportViolation(property: string, message: string): void {
    if (this.violationFound) return;
    this.violationFound = { property, message, time: this.clock, step: this.trace.length };
    this.trace.record({ t: this.clock, e: 'violation', property, message });
  }

  private drop(from: NodeId, to: NodeId, msg: Message, sent: number, reason: DropReason): void {
    this.trace.record({ t: this.clock, e: 'drop', from, to, sent, msg, reason });
  }

  private applyFault(fault: Fault): void {
    this.faultsApplied.push(fault);
    switch (fault.type) {
      case 'crash': {
        const n = this.nodes.get(fault.node);
        if (!n?.actor) return this.trace.record({ t: this.clock, e: 'fault', fault, effect: 'already down' });
        this.trace.record({ t: this.clock, e: 'fault', fault });
        const actor = n.actor;
        n.actor = undefined;
        actor.stop();
        const lost = n.disk.crash(fault.tear ? this.faultRng : undefined);
        for (const file of Object.keys(lost.lostWrites)) {
          this.trace.record({ t: this.clock, e: 'disk', node: fault.node, op: 'lost', file, n: lost.lostWrites[file]! });
        }
        this.loseConnections(fault.node);
        return;
      }
      case 'restart': {
        const n = this.nodes.get(fault.node);
        if (!n || n.actor) return this.trace.record({ t: this.clock, e: 'fault', fault, effect: 'already up' });
        this.trace.record({ t: this.clock, e: 'fault', fault });
        this.boot(fault.node, n);
        return;
      }
      case 'partition':
        this.trace.record({ t: this.clock, e: 'fault', fault });
        this.network.partition(fault.from, fault.to, fault.oneWay ?? false);
        return;
      case 'heal':
        this.trace.record({ t: this.clock, e: 'fault', fault });
        this.network.heal(fault.nodes);
        return;
      case 'latency': {
        this.trace.record({ t: this.clock, e: 'fault', fault });
        this.network.setExtraLatency(fault.node, fault.ms);
        const node = fault.node;
        this.queue.push(this.clock + fault.durationMs, { k: 'call', fn: () => this.network.setExtraLatency(node, 0) });
        return;
      }
      case 'disconnect':
        this.trace.record({ t: this.clock, e: 'fault', fault });
        this.network.breakConnection(fault.a, fault.b);
        this.notifyDisconnected(fault.a, fault.b);
        this.notifyDisconnected(fault.b, fault.a);
        return;
    }
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
    if (!n?.actor) return;
    const incarnation = n.incarnation;
    this.queue.push(this.clock, {
      k: 'call',
      fn: () => {
        if (n.incarnation === incarnation) n.actor?.send({ type: 'net.disconnected', peer } satisfies DisconnectedEvent);
      },
    });
  }

  private boot(id: NodeId, n: HostedNode): void {
    n.incarnation++;
    const incarnation = n.incarnation;
    const { logic, input } = n.spec.boot({ id, incarnation, disk: n.disk, rng: n.rng.split(), now: this.clock });
    const clock = virtualClock((delay, fn) => {
      const item = { k: 'timer' as const, node: id, incarnation, fn, cancelled: false };
      this.queue.push(this.clock + delay, item);
      return item;
    });
    const actor = createActor(logic, { input, clock, id });
    actor.on('*', (effect) => this.carryOut(id, effect as Effect));
    n.lastStateKey = '';
    actor.subscribe({
      next: (snap) => this.noteState(id, n, (snap as { value?: unknown }).value),
      error: (err) => {
        throw err;
      },
    });
    n.actor = actor;
    actor.start();
  }

  private noteState(id: NodeId, n: HostedNode, value: unknown): void {
    if (value === undefined) return;
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    if (key === n.lastStateKey) return;
    this.trace.record({ t: this.clock, e: 'state', node: id, from: n.lastState ?? null, to: value });
    n.lastState = value;
    n.lastStateKey = key;
  }

  private carryOut(node: NodeId, effect: Effect): void {
    const n = this.nodes.get(node)!;
    switch (effect.type) {
      case 'net.send':
        return this.send(node, effect.to, effect.msg);
      case 'disk.append':
        n.disk.append(effect.file, effect.entries);
        return this.trace.record({ t: this.clock, e: 'disk', node, op: 'append', file: effect.file, n: effect.entries.length });
      case 'disk.truncate':
        n.disk.truncate(effect.file, effect.length);
        return this.trace.record({ t: this.clock, e: 'disk', node, op: 'truncate', file: effect.file, n: effect.length });
      case 'disk.replace':
        n.disk.replace(effect.file, effect.entries);
        return this.trace.record({ t: this.clock, e: 'disk', node, op: 'replace', file: effect.file, n: effect.entries.length });
      case 'disk.fsync':
        n.disk.fsync(effect.file);
        return this.trace.record({ t: this.clock, e: 'disk', node, op: 'fsync', file: effect.file, n: 0 });
      case 'trace.note':
        return this.trace.record({ t: this.clock, e: 'note', node, text: effect.text, ...(effect.data === undefined ? {} : { data: effect.data }) });
      default:
        throw new Error(`node ${node} emitted an unknown effect ${JSON.stringify((effect as { type: unknown }).type)}`);
    }
  }
}
