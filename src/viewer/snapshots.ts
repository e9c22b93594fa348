import { PartitionLog } from '../log/partition-log.js';
import type { ConsumerContext } from '../machines/consumer.js';
import type { CoordinatorContext } from '../machines/group-coordinator.js';
import type { ReplicaContext } from '../machines/replica.js';
import { stateText } from '../diagrams/sequence.js';
import type { Disk } from '../sim/disk.js';
import type { World } from '../sim/world.js';

/**
 * The state of a run at one instant, read from the live actors (never recomputed from the
 * trace): what the viewer shows for a story step. Contexts are mutated in place by the machines
 * (src/machines/effects.ts), so everything here is copied into plain data at once.
 */
export interface ModelSnapshot {
  /** Virtual time of the event after which the state was read. */
  readonly t: number;
  readonly brokers: readonly BrokerSnapshot[];
  readonly groups: readonly GroupSnapshot[];
  /** The other nodes (controllers, producers, ping-pong nodes; consumers are under their group): up or down, their state. */
  readonly nodes: readonly { readonly node: string; readonly up: boolean; readonly state: string }[];
  /** How many history operations had happened: the history so far is `history.slice(0, n)`. */
  readonly historyLength: number;
}

export interface BrokerSnapshot {
  readonly node: string;
  readonly up: boolean;
  readonly replicas: readonly ReplicaSnapshot[];
  /** A broker that is down: what its disk holds of each partition's log (page cache included). */
  readonly disk: readonly { readonly partition: string; readonly records: readonly (readonly [number, number, string])[]; readonly flushed: number }[];
}

export interface ReplicaSnapshot {
  /** The partition, as Kafka names it: `t-0`, `__consumer_offsets-0`. */
  readonly partition: string;
  /** The replica machine's state: Leader, Follower.Fetching, Offline... */
  readonly role: string;
  readonly logStartOffset: number;
  /** Log end offset. */
  readonly leo: number;
  /** High watermark. */
  readonly hw: number;
  /** The leader epoch the replica acts in (its partition state from the controller); -1 before any. */
  readonly leaderEpoch: number;
  /** The leader it knows of; -1 none. */
  readonly leader: number;
  readonly isr: readonly number[];
  /** The ISR a leader acts on while an AlterPartition is pending (KIP-497); absent otherwise. */
  readonly pendingIsr?: readonly number[];
  /** How many of its log's records on disk are flushed (fsynced): what a power loss now would leave. */
  readonly flushed: number;
  /** Records from the log start: [offset, leader epoch of the batch, what it holds]. */
  readonly records: readonly (readonly [number, number, string])[];
}

export interface GroupSnapshot {
  readonly group: string;
  /** The coordinator actors on running brokers (one is active; the others are loading or unloaded). */
  readonly coordinators: readonly {
    readonly broker: string;
    readonly state: string;
    readonly generation: number;
    readonly leader: string | null;
    readonly members: readonly { readonly memberId: string; readonly client: string; readonly assignment: readonly number[] }[];
  }[];
  /** Each consumer of the group as it sees itself. */
  readonly consumers: readonly { readonly node: string; readonly up: boolean; readonly state: string; readonly generation: number; readonly owned: readonly number[] }[];
}

type Snap<C> = { value: unknown; context: C; status?: string };

/** What a record holds, briefly: `p0:7` (producer p0's value 7), a transaction marker, a group's metadata. */
export function recordLabel(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const r = v as { producer?: string; value?: unknown; control?: string; txn?: { state?: string }; group?: unknown; transactional?: boolean };
  if (r.control) return `${r.control} marker`;
  if (r.txn) return `txn ${r.txn.state ?? 'entry'}`;
  if (r.group !== undefined) return `group metadata, gen ${String(r.value)}`;
  return `${r.producer ?? '?'}:${String(r.value)}${r.transactional ? ' (txn)' : ''}`;
}

const isBroker = (node: string) => /^b\d+$/.test(node);
const isGroupActor = (name: string) => name.startsWith('group-');

/** Kafka's first segment file of a partition (the model keeps one segment file per log on disk). */
const logFileOf = (partition: string) => `${partition}/00000000000000000000.log`;
const logFile = /^(.*)\/0+\.log$/;

type StoredRecord = { offset: number; leaderEpoch: number; value: unknown };
const recordRow = (r: StoredRecord): [number, number, string] => [r.offset, r.leaderEpoch, recordLabel(r.value)];

function replicaOf(ctx: ReplicaContext, value: unknown, disk: Disk): ReplicaSnapshot {
  const log = ctx.log;
  const records: [number, number, string][] = [];
  for (const r of log.storedRecords()) records.push(recordRow(r));
  return {
    partition: ctx.name,
    role: stateText(value),
    logStartOffset: log.logStartOffset,
    leo: log.logEndOffset,
    hw: log.highWatermark,
    leaderEpoch: ctx.state?.leaderEpoch ?? -1,
    leader: ctx.state?.leader ?? -1,
    isr: [...(ctx.state?.isr ?? [])],
    ...(ctx.pendingIsr ? { pendingIsr: [...ctx.pendingIsr] } : {}),
    flushed: disk.readDurable(logFileOf(ctx.name)).length,
    records,
  };
}

/** Read the whole model's state now. */
export function snapshotWorld(world: World): ModelSnapshot {
  const brokers: BrokerSnapshot[] = [];
  const nodes: { node: string; up: boolean; state: string }[] = [];
  const groups = new Map<string, { coordinators: GroupSnapshot['coordinators'][number][]; consumers: GroupSnapshot['consumers'][number][] }>();
  const group = (g: string) => {
    let e = groups.get(g);
    if (!e) groups.set(g, (e = { coordinators: [], consumers: [] }));
    return e;
  };
  for (const node of world.nodeIds()) {
    const up = world.isUp(node);
    if (isBroker(node)) {
      const replicas: ReplicaSnapshot[] = [];
      for (const name of world.actorNames(node)) {
        const snap = world.actor(node, name)!.getSnapshot() as Snap<unknown>;
        const ctx = snap.context as Partial<ReplicaContext & CoordinatorContext>;
        if (ctx.log instanceof PartitionLog && 'followers' in ctx) replicas.push(replicaOf(ctx as ReplicaContext, snap.value, world.disk(node)));
        else if (isGroupActor(name) && typeof ctx.generation === 'number') {
          const c = ctx as CoordinatorContext;
          group(c.groupId).coordinators.push({
            broker: node,
            state: stateText(snap.value),
            generation: c.generation,
            leader: c.leader ?? null,
            members: [...c.members.values()].map((m) => ({ memberId: m.memberId, client: m.client, assignment: [...m.assignment] })),
          });
        }
      }
      const disk = world.disk(node);
      const onDisk = up
        ? []
        : disk.fileNames().flatMap((f) => {
            const m = logFile.exec(f);
            return m ? [{ partition: m[1]!, records: (disk.read(f) as StoredRecord[]).map(recordRow), flushed: disk.readDurable(f).length }] : [];
          });
      brokers.push({ node, up, replicas, disk: onDisk });
      continue;
    }
    const ref = world.actor(node);
    const snap = ref?.getSnapshot() as Snap<Partial<ConsumerContext>> | undefined;
    const ctx = snap?.context;
    if (ctx && typeof ctx.ownedGeneration === 'number' && ctx.options) {
      group(ctx.options.groupId).consumers.push({ node, up, state: stateText(snap!.value), generation: ctx.generation ?? -1, owned: [...(ctx.owned ?? [])] });
      continue;
    }
    // A consumer that is down still has its row in its group (names as src/cluster/kafka.ts gives them).
    const down = !ctx ? /^(g\d+)-c\d+$/.exec(node) : null;
    if (down) {
      group(down[1]!).consumers.push({ node, up: false, state: 'down', generation: -1, owned: [] });
      continue;
    }
    nodes.push({ node, up, state: snap ? stateText(snap.value) : 'down' });
  }
  return {
    t: world.now,
    brokers,
    groups: [...groups].map(([g, e]) => ({ group: g, ...e })),
    nodes,
    historyLength: world.history.length,
  };
}

/**
 * Take a snapshot after the event that recorded each of `traceIndices` (ascending), through an
 * invariant that never breaks: the World checks invariants after every event, so this sees the
 * state exactly as the properties do. A step whose event broke a property (the World stops
 * checking at the first broken one) gets the state at the end of the run, which is the same.
 */
export function snapshotAt(world: World, traceIndices: readonly number[]): { snapshots: (ModelSnapshot | undefined)[]; finish: () => void } {
  const snapshots: (ModelSnapshot | undefined)[] = traceIndices.map(() => undefined);
  let next = 0;
  const take = () => {
    if (next >= traceIndices.length || traceIndices[next]! >= world.trace.length) return;
    const s = snapshotWorld(world);
    while (next < traceIndices.length && traceIndices[next]! < world.trace.length) snapshots[next++] = s;
  };
  world.addInvariant({ id: 'viewer-snapshot', check: () => void take() });
  return {
    snapshots,
    finish: () => {
      if (next >= traceIndices.length) return;
      const s = snapshotWorld(world);
      while (next < traceIndices.length) snapshots[next++] = s;
    },
  };
}
