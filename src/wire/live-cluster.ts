/**
 * The model's cluster as `serve` runs it: one World whose clock follows wall time, the brokers
 * and controllers of installKafka, and one node per client connection, through which a real
 * client's requests enter the simulated network as the model's own messages (so the replicas'
 * rules, acks, ISR and HW decide every answer). Serve mode is wall-clock driven on purpose: it
 * is outside the simulation path, like the conform runner (the determinism lint allows
 * src/wire/ for that reason). Inside the World, everything still runs on the kernel's clock and
 * seeded randomness.
 */
import { createMachine } from 'xstate';
import { performance } from 'node:perf_hooks';
import { installKafka } from '../cluster/kafka.js';
import type { PartitionLog } from '../log/partition-log.js';
import { replicationInvariants, viewOf, type Ack, type AckSource, type ReplicaSnapshot, type ReplicaView } from '../check/replication.js';
import { releaseFor, resolveConfig, type ClusterConfig } from '../config/index.js';
import { InputError } from '../errors.js';
import type { ExtraTopic } from '../machines/controller.js';
import { controllerImage } from '../machines/controller-view.js';
import { DATA_TOPIC, OFFSETS_TOPIC, brokerNode, partitionName, topicOf, type PartitionState, type ProducedValue } from '../machines/protocol.js';
import type { MetadataImage } from '../machines/raft-protocol.js';
import { TXN_TOPIC } from '../machines/txn-protocol.js';
import { ControllerChannel, type ControllerAnswer, type ControllerRequest } from './controller-channel.js';
import type { Fault } from '../sim/faults.js';
import type { Message } from '../sim/world.js';
import { World, type Violation } from '../sim/world.js';
import type { TraceMode } from '../sim/trace.js';
import type { NodeId } from '../sim/network.js';

export interface LiveClusterOptions {
  readonly preset: string;
  readonly kafka?: string | undefined;
  readonly brokers: number;
  readonly seed: number;
  /** Topics real clients may use, besides the model's data topic `t` (config.partitions partitions). */
  readonly topics: readonly ExtraTopic[];
  /** transactional.ids real clients may use (each gets the model's transaction coordinator). */
  readonly transactionalIds?: readonly string[] | undefined;
  /** Kafka's own time settings, or the search's (divided by 100: failovers in ~100 ms). Default: the preset's. */
  readonly timings?: 'scaled' | 'kafka' | undefined;
  /** offsets.topic.num.partitions (default: the model's deployment, 1): spreads the groups' coordinators over brokers. */
  readonly offsetsTopicNumPartitions?: number | undefined;
  /** transaction.state.log.num.partitions (default 1): spreads the transaction coordinators. */
  readonly transactionStateLogNumPartitions?: number | undefined;
}

/** A record's bytes as the client sent them; the model's logs carry only its number (`value`). */
export interface Payload {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
  readonly timestamp: number;
}

/**
 * A client connection's node hosts this one actor: every message the World delivers to it goes
 * to the connection's handler (a model message answering one of its requests, or
 * net.disconnected when the broker it talks to crashed).
 */
/** The nodes real clients' connections get (`client1`, `client2`, ...): not part of the cluster. */
const CLIENT_NODE = 'client';
const isClusterNode = (n: string): boolean => !n.startsWith(CLIENT_NODE);

const connectionMachine = createMachine({
  types: {} as { context: { deliver: (m: Message) => void }; input: { deliver: (m: Message) => void } },
  context: ({ input }) => ({ deliver: input.deliver }),
  on: { '*': { actions: ({ context, event }) => context.deliver(event as Message) } },
});

/**
 * The deterministic part of serve: the World, its cluster, and the three ways the outside
 * enters it (a client connection's node, a message from one, a fault), each at the World's
 * current virtual time. `LiveCluster` drives it by wall time and journals what entered;
 * `replayJournal` (journal.ts) drives it again from the journal alone, so the same entries at
 * the same virtual times give the same trace.
 */
export class ServedWorld {
  readonly world: World;
  readonly config: ClusterConfig;
  readonly kafka: string;
  /** The control plane's nodes (KRaft's controller voters; ZooKeeper mode's `zookeeper`). */
  readonly controllers: readonly NodeId[];
  /** The topics the cluster was started with, until the controller has an image. */
  private readonly initialTopics: ReadonlyMap<string, number>;
  private topicsOf: { readonly image: MetadataImage; readonly topics: ReadonlyMap<string, number> } | undefined;
  readonly transactionalIds: readonly string[];
  /** The first invariant that broke while serving, if any. */
  violation: Violation | undefined;
  private connections = 0;
  /** The real clients' acknowledged records of the data topic, in the order they were answered. */
  private readonly clientAcks: Ack[] = [];

  constructor(opts: LiveClusterOptions, trace: TraceMode) {
    // KIP-890 part 2 applies only to clients that end transactions with EndTxn v5+ (transaction
    // version 2: TransactionCoordinator.handleEndTransaction bumps the epoch only then). serve
    // answers EndTxn up to v4, so every real client is on transaction version 1: epochs are
    // bumped at InitProducerId only, whatever the release.
    this.config = resolveConfig(
      opts.preset,
      {
        brokers: opts.brokers,
        txnEpochBump: 'init-only',
        ...(opts.timings ? { timings: opts.timings } : {}),
        ...(opts.offsetsTopicNumPartitions === undefined ? {} : { offsetsTopicNumPartitions: opts.offsetsTopicNumPartitions }),
        ...(opts.transactionStateLogNumPartitions === undefined ? {} : { transactionStateLogNumPartitions: opts.transactionStateLogNumPartitions }),
      },
      'serve: --config',
      opts.kafka,
    );
    // serve answers the classic group APIs only (groups.ts); a KIP-848 configuration would be silently served classic.
    if (this.config.groupProtocol === 'consumer') throw new InputError('serve: --config: groupProtocol consumer (KIP-848) is not served over the wire (serve answers the classic group APIs only)');
    this.kafka = releaseFor(opts.preset, opts.kafka, 'serve: --kafka').version;
    this.world = new World({ seed: opts.seed, trace });
    // `__consumer_offsets` (offsets.topic.num.partitions partitions: 1, the model's deployment):
    // the real clients' group coordinator is the leader of a group's partition and appends their
    // committed offsets to it (groups.ts); AddOffsetsToTxn adds it to a transaction, whose marker
    // the transaction coordinator writes there (handlers.ts addOffsetsToTxn). It is not listed to clients.
    const offsetsTopic = [{ name: OFFSETS_TOPIC, partitions: this.config.offsetsTopicNumPartitions }];
    this.controllers = installKafka(this.world, this.config, { kind: 'produce', producers: 0, records: 0, intervalMs: 1, keys: 1 }, { topics: [...offsetsTopic, ...opts.topics], transactionalIds: opts.transactionalIds ?? [] }).controllers;
    this.transactionalIds = opts.transactionalIds ?? [];
    // Every invariant is checked after every event, as in a search, but a broken one does not
    // stop the World (a search stops there; real clients would hang): the first is kept.
    for (const inv of replicationInvariants(this.config, () => this.clientAckCursor())) {
      this.world.addInvariant({
        id: inv.id,
        check: (w) => {
          if (this.violation === undefined) {
            const message = inv.check(w);
            if (message !== undefined) this.violation = { property: inv.id, message, time: w.now, step: w.trace.length };
          }
          return undefined;
        },
      });
    }
    this.initialTopics = new Map([[DATA_TOPIC, this.config.partitions], ...opts.topics.map((t) => [t.name, t.partitions] as const)]);
    this.world.start();
  }

  /**
   * The topics real clients may use and their partition counts, as the controller has decided
   * them (CreateTopics, DeleteTopics, CreatePartitions change them): every topic but Kafka's
   * internal ones, which serve does not list.
   */
  get topics(): ReadonlyMap<string, number> {
    const image = controllerImage(this.world);
    if (!image) return this.initialTopics;
    if (this.topicsOf?.image !== image) {
      const topics = new Map<string, number>();
      for (const p of image.partitions) {
        const name = topicOf(p);
        if (name !== OFFSETS_TOPIC && name !== TXN_TOPIC) topics.set(name, Math.max(topics.get(name) ?? 0, p.partition + 1));
      }
      this.topicsOf = { image, topics };
    }
    return this.topicsOf.topics;
  }

  /**
   * A real client was told these records of the data topic are written (a Produce answered
   * without error, acks 1 or all): no-acked-loss and no-avoidable-loss hold them from now on, as
   * they hold the model's own producers' (whose acknowledgements are in the World's history).
   */
  acknowledged(acks: readonly Ack[]): void {
    this.clientAcks.push(...acks);
  }

  private clientAckCursor(): AckSource {
    let seen = 0;
    return () => {
      if (seen === this.clientAcks.length) return undefined;
      const fresh = this.clientAcks.slice(seen);
      seen = this.clientAcks.length;
      return fresh;
    };
  }

  /** Run the World up to virtual time `t` (every event at or before it). */
  runUntil(t: number): void {
    if (t > this.world.now) this.world.run({ until: t });
  }

  /**
   * Every broker is up and its metadata cache knows a leader for every partition of every topic:
   * the cluster has formed (registration, unfencing, first elections). `serve` listens only then,
   * so that a client's first Metadata is not all LEADER_NOT_AVAILABLE.
   */
  formed(): boolean {
    for (let b = 1; b <= this.config.brokers; b++) {
      const snap = this.world.actor(brokerNode(b))?.getSnapshot() as { context?: { metadata?: readonly { partition: number; topic?: string; leader: number }[] } } | undefined;
      const metadata = snap?.context?.metadata;
      if (!metadata) return false;
      for (const [topic, count] of this.topics) {
        for (let p = 0; p < count; p++) if (!metadata.some((s) => s.partition === p && (s.topic ?? DATA_TOPIC) === topic && s.leader >= 0)) return false;
      }
    }
    return true;
  }

  /** Apply a fault now (serve's control channel); the World records it with the others. */
  inject(fault: Omit<Fault, 'at'>): void {
    this.world.scheduleFaults([{ ...fault, at: this.world.now } as Fault]);
    this.world.run({ until: this.world.now });
  }

  /** The partition's state the brokers' metadata caches agree is newest: the highest leader epoch any broker has heard of. */
  private latestState(topic: string, partition: number): PartitionState | undefined {
    let best: PartitionState | undefined;
    for (let b = 1; b <= this.config.brokers; b++) {
      for (const s of this.metadataOf(b)) {
        if (s.partition === partition && topicOf(s) === topic && (!best || s.leaderEpoch > best.leaderEpoch)) best = s;
      }
    }
    return best;
  }

  /** The partition's leader as the brokers' metadata caches say (the highest leader epoch any up broker has heard of). */
  leaderOf(topic: string, partition: number): number | undefined {
    const best = this.latestState(topic, partition);
    return best && best.leader >= 0 ? best.leader : undefined;
  }

  /** Each partition's leader, epoch and ISR, as the brokers last heard (the highest leader epoch any up broker knows). */
  partitionStates(): { topic: string; partition: number; leader: number; leaderEpoch: number; isr: number[] }[] {
    const out: { topic: string; partition: number; leader: number; leaderEpoch: number; isr: number[] }[] = [];
    for (const [topic, count] of this.topics) {
      for (let p = 0; p < count; p++) {
        const best = this.latestState(topic, p);
        out.push({ topic, partition: p, leader: best?.leader ?? -1, leaderEpoch: best?.leaderEpoch ?? -1, isr: [...(best?.isr ?? [])] });
      }
    }
    return out;
  }

  /** The cluster's own nodes: brokers and controllers, not the client connections' nodes. */
  clusterNodes(): string[] {
    return this.world.nodeIds().filter(isClusterNode);
  }

  /** The cluster's nodes that are down now. */
  downNodes(): string[] {
    return this.clusterNodes().filter((n) => !this.world.isUp(n));
  }

  /** One line per partition: leader, epoch and ISR, as the brokers last heard. */
  status(): string {
    const lines = this.partitionStates().map((s) => `${s.topic}-${s.partition}: leader ${s.leader}, epoch ${s.leaderEpoch}, isr [${s.isr.join(',')}]`);
    const down = this.downNodes();
    return `${lines.join('\n')}\ndown: ${down.length === 0 ? 'none' : down.join(', ')}; ${this.world.now} ms`;
  }

  /** `GET /status` of serve's HTTP control: the same facts as status(), as data. */
  statusJson(): { timeMs: number; partitions: ReturnType<ServedWorld['partitionStates']>; nodes: { node: string; up: boolean }[]; cut: string[]; faults: number } {
    return {
      timeMs: this.world.now,
      partitions: this.partitionStates(),
      nodes: this.clusterNodes().map((node) => ({ node, up: this.world.isUp(node) })),
      cut: this.world.network.cutNodes().filter(isClusterNode),
      faults: this.world.faults.length,
    };
  }

  private metadataOf(brokerId: number): readonly PartitionState[] {
    const snap = this.world.actor(brokerNode(brokerId))?.getSnapshot() as { context?: { metadata?: readonly PartitionState[] } } | undefined;
    return snap?.context?.metadata ?? [];
  }

  brokerNode(brokerId: number): NodeId {
    return brokerNode(brokerId);
  }

  isUp(node: NodeId): boolean {
    return this.world.isUp(node);
  }

  /** A new client connection joins the simulated network as a node of its own. */
  connect(deliver: (m: Message) => void): NodeId {
    const id = `${CLIENT_NODE}${++this.connections}`;
    this.world.addNode({ id, boot: () => ({ logic: connectionMachine, input: { deliver } }) });
    this.world.startNode(id);
    return id;
  }

  send(from: NodeId, to: NodeId, msg: Message): void {
    this.world.send(from, to, msg);
  }



  /** Whether a broker hosts a replica actor of the partition (else its messages would be dropped unseen). */
  hosts(brokerId: number, actor: string): boolean {
    return this.world.actorNames(brokerNode(brokerId)).includes(actor);
  }

  /** The partition leader's log, read from its replica's state (undefined: no leader now, or it is down). */
  private leaderLog(topic: string, partition: number): PartitionLog<ProducedValue> | undefined {
    const leader = this.leaderOf(topic, partition);
    if (leader === undefined || !this.world.isUp(brokerNode(leader))) return undefined;
    return this.replica(leader, partitionName(partition, topic))?.ctx.log;
  }

  /** The broker's replica actor `actor` (`t-0`), as the invariants view it; undefined when the broker hosts none (or is down). */
  private replica(brokerId: number, actor: string): ReplicaView | undefined {
    const ref = this.world.actor(brokerNode(brokerId), actor);
    return ref ? viewOf(brokerId, ref, ref.getSnapshot() as ReplicaSnapshot) : undefined;
  }

  /**
   * Where the producer's next transaction marker will be in the partition: just after its last
   * marker in the leader's log (a finished transaction's marker is committed, so every leader
   * has it); undefined when the partition has no leader up now.
   */
  nextMarkerFrom(topic: string, partition: number, producerId: number): number | undefined {
    const log = this.leaderLog(topic, partition);
    if (!log) return undefined;
    const records = log.read(log.logStartOffset, Infinity, 'LOG_END');
    for (let i = records.length - 1; i >= 0; i--) if (records[i]!.value.control !== undefined && records[i]!.value.producerId === producerId) return records[i]!.offset + 1;
    return log.logStartOffset;
  }

  /**
   * The producer's transaction marker (COMMIT or ABORT) in the partition at or after `since`,
   * once below the leader's high watermark: the marker is fully written, as Kafka's
   * WriteTxnMarkers (acks=-1) has it before the group coordinator completes the transaction's
   * offsets (KafkaApis.handleWriteTxnMarkersRequest -> GroupCoordinator.onTransactionCompleted).
   */
  txnMarker(topic: string, partition: number, producerId: number, since: number): 'COMMIT' | 'ABORT' | undefined {
    const log = this.leaderLog(topic, partition);
    if (!log || since >= log.highWatermark) return undefined;
    const from = Math.max(since, log.logStartOffset);
    return log.read(from, Infinity, 'HIGH_WATERMARK').find((r) => r.value.control !== undefined && r.value.producerId === producerId)?.value.control;
  }

  /**
   * The partition's leader epoch if the broker is up and its replica leads it now (it knows it
   * leads: its replica actor is in Leader), else undefined: what a broker consults to answer
   * as a partition's leader, as Kafka's coordinators follow leadership of their partitions.
   */
  leadsNow(brokerId: number, topic: string, partition: number): number | undefined {
    if (!this.world.isUp(brokerNode(brokerId))) return undefined;
    const r = this.replica(brokerId, partitionName(partition, topic));
    return r?.role === 'Leader' ? r.ctx.state?.leaderEpoch : undefined;
  }

  /** Every record of the broker's replica of the partition, to its log end (empty when it hosts none). */
  replicaRecords(brokerId: number, topic: string, partition: number): readonly { readonly offset: number; readonly value: ProducedValue }[] {
    const log = this.replica(brokerId, partitionName(partition, topic))?.ctx.log;
    return log ? log.read(log.logStartOffset, Infinity, 'LOG_END') : [];
  }

  /** A replica's log start offset, read from its state (the model has no ListOffsets(EARLIEST) message). */
  logStartOffset(brokerId: number, actor: string): number | undefined {
    return this.replica(brokerId, actor)?.ctx.log.logStartOffset;
  }
}

/** One thing that entered the World from outside, at virtual time `t` (journal.ts writes these). */
export type JournalEntry =
  | { readonly t: number; readonly op: 'connect'; readonly node: NodeId }
  | { readonly t: number; readonly op: 'send'; readonly from: NodeId; readonly to: NodeId; readonly msg: Message }
  | { readonly t: number; readonly op: 'fault'; readonly fault: Omit<Fault, 'at'> }
  | { readonly t: number; readonly op: 'ack'; readonly acks: readonly Ack[] };

/** The ServedWorld as `serve` runs it: virtual time follows wall time, record bytes kept aside, and (optionally) a journal. */
export class LiveCluster extends ServedWorld {
  private readonly payloads = new Map<number, Payload>();
  private nextValue = 0;
  private readonly bySequence = new Map<string, number>();
  private producerIds = 1_000_000;
  private readonly startedAt = performance.now();

  constructor(
    opts: LiveClusterOptions,
    private readonly journal?: (e: JournalEntry) => void,
  ) {
    // The trace is kept only for a journal (its hash is what a replay must match): it grows with every event.
    super(opts, journal ? 'full' : 'off');
  }

  /** Wall-clock milliseconds since the cluster started: the clock of everything serve times. */
  readonly wallMs = (): number => performance.now() - this.startedAt;

  /** Virtual time catches up with wall time. */
  advance(): void {
    this.runUntil(Math.floor(this.wallMs()));
  }

  override connect(deliver: (m: Message) => void): NodeId {
    this.advance();
    const node = super.connect(deliver);
    this.journal?.({ t: this.world.now, op: 'connect', node });
    return node;
  }

  override send(from: NodeId, to: NodeId, msg: Message): void {
    this.advance();
    this.journal?.({ t: this.world.now, op: 'send', from, to, msg });
    super.send(from, to, msg);
  }

  override acknowledged(acks: readonly Ack[]): void {
    this.journal?.({ t: this.world.now, op: 'ack', acks });
    super.acknowledged(acks);
  }

  override inject(fault: Omit<Fault, 'at'>): void {
    this.advance();
    this.journal?.({ t: this.world.now, op: 'fault', fault });
    super.inject(fault);
  }

  /** The journal's last line: the World's time and trace hash now (the server is closing). */
  finish(): { t: number; traceHash: string; events: number } | undefined {
    if (!this.journal) return undefined;
    this.advance();
    return { t: this.world.now, traceHash: this.world.trace.hash()!, events: this.world.eventsProcessed };
  }

  private channel: ControllerChannel | undefined;

  /** Send an admin request to the model's active controller (CreateTopics, DeleteTopics); undefined: no answer in time. */
  controllerRequest(msg: ControllerRequest, timeoutMs: number): Promise<ControllerAnswer | undefined> {
    this.channel ??= new ControllerChannel(this);
    return this.channel.request(msg, timeoutMs);
  }

  nextProducerId(): number {
    return this.producerIds++;
  }
  /**
   * A record's number in the model's logs. An idempotent producer's retry of a record (the same
   * producer id, epoch and sequence: `sequenceKey`) is the same record, so it keeps its number:
   * the leader answers a duplicate with the offset of the first append (KIP-98), and the
   * invariants then find the record they were told of there.
   */
  storePayload(p: Payload, sequenceKey?: string): number {
    const known = sequenceKey === undefined ? undefined : this.bySequence.get(sequenceKey);
    if (known !== undefined) return known;
    const n = this.nextValue++;
    this.payloads.set(n, p);
    if (sequenceKey !== undefined) this.bySequence.set(sequenceKey, n);
    return n;
  }

  payload(n: number): Payload | undefined {
    return this.payloads.get(n);
  }

}
