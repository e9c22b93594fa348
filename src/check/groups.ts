import type { AnyActorRef } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { consumerNode, groupId, type ProduceWorkload } from '../cluster/kafka.js';
import type { GroupSpec } from '../cluster/scenario.js';
import type { ConsumerContext } from '../machines/consumer.js';
import type { AcceptedCommit, CoordinatorContext, TxnDecision } from '../machines/group-coordinator.js';
import { groupActor } from '../machines/group-protocol.js';
import { brokerNode, partitionName, type ProducedValue } from '../machines/protocol.js';
import type { ReplicaContext } from '../machines/replica.js';
import { polledRecords } from '../sim/history.js';
import type { Invariant, World } from '../sim/world.js';

/**
 * The consumer-group properties of spec/consumer-groups.md. Each is an `Invariant` checked
 * after every event (incrementally: new processed records and new commits are read once);
 * those about a whole run (`atEnd`) are judged when the run reaches its horizon, which
 * `buildWorld` schedules, and reported through `world.reportViolation`.
 */
export interface GroupInvariant extends Invariant {
  /** Judged once, at the end of the run; a message when the property is broken. */
  readonly atEnd?: (world: World) => string | undefined;
}

export const groupPropertyIds = [
  'group-exclusive-ownership',
  'stale-commit-fenced',
  'idle-consumers',
  'independent-groups',
  'processed-at-least-once',
  'processed-at-most-once',
  'no-concurrent-processing',
  'replay',
] as const;
export type GroupPropertyId = (typeof groupPropertyIds)[number];

interface ConsumerView {
  readonly node: string;
  readonly group: number;
  readonly ref: AnyActorRef;
  readonly ctx: ConsumerContext;
}

type Snap<C> = { value: unknown; context: C };

function consumers(world: World, groups: readonly GroupSpec[]): ConsumerView[] {
  const out: ConsumerView[] = [];
  groups.forEach((spec, g) => {
    for (let i = 0; i < spec.consumers; i++) {
      const node = consumerNode(g, i);
      const ref = world.actor(node);
      if (!ref) continue;
      out.push({ node, group: g, ref, ctx: (ref.getSnapshot() as Snap<ConsumerContext>).context });
    }
  });
  return out;
}

function coordinators(world: World, config: ClusterConfig, g: number): { ref: AnyActorRef; state: string; ctx: CoordinatorContext }[] {
  const out: { ref: AnyActorRef; state: string; ctx: CoordinatorContext }[] = [];
  for (let b = 1; b <= config.brokers; b++) {
    const ref = world.actor(brokerNode(b), groupActor(groupId(g)));
    if (!ref) continue;
    const snap = ref.getSnapshot() as Snap<CoordinatorContext>;
    // The KIP-848 coordinator's group states are inside its `Active` state ({ Active: 'Stable' }).
    const state = typeof snap.value === 'object' && snap.value !== null ? String(Object.values(snap.value)[0]) : String(snap.value);
    out.push({ ref, state, ctx: snap.context });
  }
  return out;
}

interface Retained {
  readonly hw: number;
  readonly logStart: number;
  readonly value: (o: number) => ProducedValue | undefined;
}

/** The data topic's committed records: the log of the replica that leads (or any), below its HW. */
function retained(world: World, config: ClusterConfig, p: number): Retained | undefined {
  let best: ReplicaContext | undefined;
  for (let b = 1; b <= config.brokers; b++) {
    const ref = world.actor(brokerNode(b), partitionName(p));
    if (!ref) continue;
    const ctx = (ref.getSnapshot() as Snap<ReplicaContext>).context;
    if (!best || ctx.log.highWatermark > best.log.highWatermark) best = ctx;
  }
  if (!best) return undefined;
  const log = best.log;
  return { hw: log.highWatermark, logStart: log.logStartOffset, value: (o) => log.recordAt(o)?.value };
}

/**
 * What a consumer is ever handed of a retained log (KIP-98): never a control record (a
 * transaction marker); with read_committed, no record of an aborted transaction, and nothing
 * from the first transaction still open below the HW on (the last stable offset). A log without
 * transactions: everything below the HW.
 *
 * Worked out from the records themselves, not taken from the replica's ProducerState (which
 * knows the LSO and the aborted transactions too): the checker stays independent of the
 * bookkeeping it checks, so a wrong LSO in the replica shows as a violation instead of being
 * agreed with.
 */
export function deliverable(r: Retained, readCommitted: boolean): { readonly limit: number; readonly skip: ReadonlySet<number> } {
  const skip = new Set<number>();
  const open = new Map<number, number[]>();
  for (let o = r.logStart; o < r.hw; o++) {
    const v = r.value(o);
    // A compacted log's gap: the cleaner removed a record a later one of its key replaced, so
    // it is not owed to a reader (what compaction promises is the latest value of each key).
    if (v === undefined) {
      skip.add(o);
      continue;
    }
    if (v.producerId === undefined) continue;
    if (v.control !== undefined) {
      skip.add(o);
      if (v.control === 'ABORT' && readCommitted) for (const x of open.get(v.producerId) ?? []) skip.add(x);
      open.delete(v.producerId);
    } else if (v.transactional) {
      open.set(v.producerId, [...(open.get(v.producerId) ?? []), o]);
    }
  }
  const firstOpen = Math.min(r.hw, ...[...open.values()].map((os) => os[0]!));
  return { limit: readCommitted ? firstOpen : r.hw, skip };
}

export function groupInvariants(config: ClusterConfig, workload: ProduceWorkload): GroupInvariant[] {
  const groups = workload.groups ?? [];
  if (groups.length === 0) return [];
  const parts = Array.from({ length: config.partitions }, (_, p) => p);
  const key = (g: number, p: number) => `${g}/${p}`;
  const readCommitted = config.isolationLevel === 'read_committed';

  // Shared, incremental observations (each is read once per new item).
  /** Per group/partition: offset -> how many times the group processed it. */
  const processedCount = new Map<string, Map<number, number>>();
  /** Per consumer actor, how much of its `processed` / `resets` log was read. */
  const readUpTo = new WeakMap<AnyActorRef, { processed: number; resets: number }>();
  /** Per group/partition: the position the group started at (its first auto.offset.reset). */
  const start = new Map<string, number>();
  /** Per coordinator actor, how much of its `accepted` log was read. */
  const acceptedRead = new WeakMap<AnyActorRef, number>();
  /** Per group/partition: the latest committed offset, as written. */
  const committed = new Map<string, number>();
  /** Per group/producer id: transactional commits written, not yet decided by their marker (KIP-98). */
  const txnWritten = new Map<string, AcceptedCommit[]>();
  /** Per group/partition: the offsets the group's consumers were handed by a poll (read). */
  const polled = new Map<string, Set<number>>();
  let historyRead = 0;
  let pendingDuplicate: string | undefined;
  let pendingStale: string | undefined;
  let observedAt = -1;
  let observedEvents = -1;

  /** Read what is new in every consumer's and coordinator's logs (once per event). */
  function observe(world: World): void {
    if (observedEvents === world.eventsProcessed && observedAt === world.now) return;
    observedEvents = world.eventsProcessed;
    observedAt = world.now;
    for (; historyRead < world.history.length; historyRead++) {
      const op = world.history[historyRead]!;
      if (op.f !== 'poll' || typeof op.process !== 'string') continue;
      const g = groups.findIndex((_, i) => (op.process as string).startsWith(`${groupId(i)}-c`));
      if (g < 0) continue;
      for (const { partition, offset } of polledRecords(op)) {
        let seen = polled.get(key(g, partition));
        if (!seen) polled.set(key(g, partition), (seen = new Set()));
        seen.add(offset);
      }
    }
    for (const c of consumers(world, groups)) {
      let mark = readUpTo.get(c.ref);
      if (!mark) readUpTo.set(c.ref, (mark = { processed: 0, resets: 0 }));
      for (; mark.resets < c.ctx.resets.length; mark.resets++) {
        const r = c.ctx.resets[mark.resets]!;
        if (!start.has(key(c.group, r.partition))) start.set(key(c.group, r.partition), r.offset);
      }
      for (; mark.processed < c.ctx.processed.length; mark.processed++) {
        const r = c.ctx.processed[mark.processed]!;
        let counts = processedCount.get(key(c.group, r.partition));
        if (!counts) processedCount.set(key(c.group, r.partition), (counts = new Map()));
        const n = (counts.get(r.offset) ?? 0) + 1;
        counts.set(r.offset, n);
        if (n > 1 && pendingDuplicate === undefined) {
          pendingDuplicate = `${groupId(c.group)} processed ${partitionName(r.partition)} offset ${r.offset} (value ${r.value}) ${n} times; the last time by ${c.node} in generation ${r.generation}`;
        }
      }
    }
    groups.forEach((_, g) => {
      for (const co of coordinators(world, config, g)) {
        let i = acceptedRead.get(co.ref) ?? 0;
        for (; i < co.ctx.accepted.length; i++) observeCommit(g, co.ctx.accepted[i]!);
        acceptedRead.set(co.ref, i);
      }
    });
  }

  /**
   * A commit the coordinator wrote. A TxnOffsetCommit (KIP-98, KIP-447) is validated when it is
   * written but moves the group's offsets only with its producer's COMMIT marker, possibly
   * written by a later coordinator: it is judged then, and forgotten on ABORT.
   */
  function observeCommit(g: number, a: AcceptedCommit | TxnDecision): void {
    if ('result' in a) return observeTxnDecision(g, a);
    if (a.txn) {
      const k = `${g}/${a.txn.producerId}`;
      txnWritten.set(k, [...(txnWritten.get(k) ?? []), a]);
      return;
    }
    for (const o of a.offsets) committed.set(key(g, o.partition), o.offset);
    judgeStale(g, a, a);
  }

  function observeTxnDecision(g: number, d: TxnDecision): void {
    const k = `${g}/${d.producerId}`;
    const written = txnWritten.get(k) ?? [];
    txnWritten.delete(k);
    if (d.result === 'ABORT') return;
    for (const o of d.offsets) committed.set(key(g, o.partition), o.offset);
    for (const a of written) judgeStale(g, a, d);
  }

  /** stale-commit-fenced: `a` was validated against its group's generation; `moved` is what it did to the offsets. */
  function judgeStale(g: number, a: AcceptedCommit, moved: { offsets: AcceptedCommit['offsets']; previous: readonly number[] }): void {
    const stale = a.generation >= 0 ? a.generation !== a.groupGeneration || !a.knownMember : a.groupState !== 'Empty';
    if (!stale || pendingStale !== undefined) return;
    const moves = moved.offsets.map((o, j) => `${partitionName(o.partition)} ${moved.previous[j]} -> ${o.offset}${o.offset < (moved.previous[j] ?? -1) ? ' (backwards)' : ''}`).join(', ');
    const what = a.txn ? `a transactional commit (producer id ${a.txn.producerId}, committed by its COMMIT marker)` : 'a commit';
    pendingStale = a.memberEpochs
      ? `${groupId(g)}: ${what} from ${a.memberId || '(no member)'} in member epoch ${a.generation} was accepted while ${a.knownMember ? `its member epoch was ${a.groupGeneration}` : `it was not a member (group epoch ${a.groupGeneration})`} (${a.groupState}): ${moves}`
      : `${groupId(g)}: ${what} from ${a.memberId || '(no member)'} in generation ${a.generation} was accepted while the group was in generation ${a.groupGeneration} (${a.groupState}${a.knownMember ? '' : ', unknown member'}): ${moves}`;
  }

  const startOf = (g: number, p: number) => start.get(key(g, p)) ?? (groups[g]!.reset === 'earliest' ? 0 : undefined);

  /** Records of p in [from, to) that group g never processed and is not processing now. */
  function unprocessed(world: World, g: number, p: number, from: number, to: number): number[] {
    const counts = processedCount.get(key(g, p));
    const inHand = new Set<number>();
    for (const c of consumers(world, groups)) {
      if (c.group !== g) continue;
      for (const b of [c.ctx.processing, c.ctx.batch]) for (const r of b?.records ?? []) if (r.partition === p) inHand.add(r.offset);
    }
    // Control records and aborted records are never handed to the application (KIP-98).
    const r = retained(world, config, p);
    const skip = r ? deliverable(r, readCommitted).skip : new Set<number>();
    const missing: number[] = [];
    for (let o = from; o < to; o++) if (!(counts?.get(o)) && !inHand.has(o) && !skip.has(o)) missing.push(o);
    return missing;
  }

  const show = (xs: number[]) => (xs.length > 6 ? `${xs.slice(0, 6).join(', ')}, ... (${xs.length})` : xs.join(', '));

  /** Every retained record from where group g started was read by one of its polls (a liveness check at the end). */
  function readsEverything(world: World, g: number): string | undefined {
    // Nobody left to read (every consumer closed or fenced): nothing is owed any more.
    const open = consumers(world, groups).some((c) => {
      const m = (c.ref.getSnapshot() as Snap<ConsumerContext>).value as { membership?: string };
      return c.group === g && m.membership !== 'Left' && m.membership !== 'Fatal';
    });
    if (!open) return undefined;
    for (const p of parts) {
      const r = retained(world, config, p);
      const from = startOf(g, p);
      if (!r || from === undefined) continue;
      const seen = polled.get(key(g, p));
      const { limit, skip } = deliverable(r, readCommitted);
      const missing: number[] = [];
      for (let o = from; o < limit; o++) if (!seen?.has(o) && !skip.has(o)) missing.push(o);
      const bound = limit < r.hw ? `its last stable offset is ${limit}, its HW ${r.hw}` : `the partition's HW is ${r.hw}`;
      if (missing.length > 0) return `${groupId(g)} never read ${partitionName(p)} offsets ${show(missing)} (it started at ${from}; ${bound})`;
    }
    return undefined;
  }

  // group-exclusive-ownership: (group, generation, partition) -> its first owner.
  const ownerOf = new Map<string, string>();

  return [
    {
      id: 'group-exclusive-ownership',
      check: (world) => {
        for (const c of consumers(world, groups)) {
          if (c.ctx.ownedGeneration < 0) continue;
          for (const p of c.ctx.owned) {
            const k = `${c.group}/${c.ctx.ownedGeneration}/${p}`;
            const owner = ownerOf.get(k);
            if (owner === undefined) ownerOf.set(k, c.node);
            else if (owner !== c.node) return `${groupId(c.group)} generation ${c.ctx.ownedGeneration}: ${partitionName(p)} is owned by both ${owner} and ${c.node}`;
          }
        }
        return undefined;
      },
    },
    {
      id: 'stale-commit-fenced',
      check: (world) => {
        observe(world);
        return pendingStale;
      },
    },
    {
      id: 'idle-consumers',
      check: (world) => {
        for (let g = 0; g < groups.length; g++) {
          for (const co of coordinators(world, config, g)) {
            if (co.state !== 'Stable') continue;
            const members = [...co.ctx.members.values()];
            if (members.length < parts.length) continue;
            const assigned = members.flatMap((m) => m.assignment);
            // Cooperative's first round may withhold moving partitions; judge complete assignments.
            if (new Set(assigned).size < parts.length) continue;
            const owners = members.filter((m) => m.assignment.length > 0).length;
            if (owners !== parts.length) {
              return `${groupId(g)} generation ${co.ctx.generation}: ${members.length} members and ${parts.length} partitions, but ${owners} members own partitions (${JSON.stringify(members.map((m) => [m.memberId, m.assignment]))})`;
            }
          }
        }
        return undefined;
      },
    },
    {
      id: 'independent-groups',
      // Observed after every event: a consumer that crashes takes its log with it.
      check: (world) => void observe(world),
      atEnd: (world) => {
        observe(world);
        for (let g = 0; g < groups.length; g++) {
          const err = readsEverything(world, g);
          if (err) return err;
        }
        return undefined;
      },
    },
    {
      id: 'processed-at-least-once',
      // Observed after every event: a consumer that crashes takes its log with it.
      check: (world) => void observe(world),
      atEnd: (world) => {
        observe(world);
        for (let g = 0; g < groups.length; g++) {
          for (const p of parts) {
            const from = startOf(g, p);
            const to = committed.get(key(g, p));
            if (from === undefined || to === undefined) continue;
            const missing = unprocessed(world, g, p, from, to);
            if (missing.length > 0) return `${groupId(g)} committed ${partitionName(p)} up to ${to}, but never processed offsets ${show(missing)}`;
          }
        }
        return undefined;
      },
    },
    {
      id: 'processed-at-most-once',
      check: (world) => {
        observe(world);
        return pendingDuplicate;
      },
    },
    {
      id: 'no-concurrent-processing',
      check: (world) => {
        const busy = new Map<string, string>();
        for (const c of consumers(world, groups)) {
          for (const r of c.ctx.processing?.ranges ?? []) {
            const k = key(c.group, r.partition);
            const other = busy.get(k);
            if (other !== undefined && other !== c.node) {
              return `${groupId(c.group)}: ${other} and ${c.node} are both processing ${partitionName(r.partition)} at ${world.now} ms (${c.node} from offset ${r.from}, in generation ${c.ctx.processing!.generation}; its group generation is ${c.ctx.generation})`;
            }
            busy.set(k, c.node);
          }
        }
        return undefined;
      },
    },
    {
      id: 'replay',
      // Observed after every event: a consumer that crashes takes its log with it.
      check: (world) => void observe(world),
      atEnd: (world) => {
        observe(world);
        // Consumption deletes nothing: every replica's log still starts at offset 0.
        for (const p of parts) {
          const r = retained(world, config, p);
          if (r && r.logStart !== 0) return `${partitionName(p)}: the log starts at ${r.logStart}, not 0, after consumption`;
        }
        // A group reading from earliest sees every retained record, whatever other groups did.
        for (let g = 0; g < groups.length; g++) {
          if (groups[g]!.reset !== 'earliest') continue;
          const err = readsEverything(world, g);
          if (err) return `replay: ${err}`;
        }
        return undefined;
      },
    },
  ];
}
