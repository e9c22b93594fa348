import type { AnyActorRef } from 'xstate';
import { effectiveMinIsr, type ClusterConfig } from '../config/schema.js';
import type { MetadataImage } from '../machines/raft-protocol.js';
import { controllerImage, dataPartitionState } from '../machines/controller-view.js';
import { brokerNode, partitionName } from '../machines/protocol.js';
import type { ReplicaContext } from '../machines/replica.js';
import { keyOfSend, type ProducerContext } from '../machines/producer.js';
import type { Invariant, World } from '../sim/world.js';

/**
 * The replication invariants of spec/replication.md, checked after every event. Each keeps
 * just enough state to stay incremental: a check costs a few snapshot reads per event, not a
 * scan of every log.
 */
/** A partition replica as the invariants (and the claims' checks) read it. */
export interface ReplicaView {
  readonly broker: number;
  readonly ref: AnyActorRef;
  readonly role: 'Offline' | 'Leader' | 'Follower';
  /** A follower past its truncation for its leader epoch, fetching (Follower.Fetching). */
  readonly fetching: boolean;
  readonly ctx: ReplicaContext;
}

export type ReplicaSnapshot = { value: unknown; context: ReplicaContext };

/**
 * The replicas of each partition as they are after the current event. Six invariants look at
 * them after every event: the list is read once per event and partition, and a replica's view
 * is rebuilt only when its actor or its snapshot changed. XState keeps the snapshot while a
 * replica's state does not change, and its context is the live one (src/machines/effects.ts),
 * so a view of the same snapshot is still exact; the list itself is kept while every view is.
 */
class ReplicaViews {
  private world: World | undefined;
  private readonly nodes: string[];
  private readonly names: string[];
  /** Per partition: the event the list was read at, the list, and each broker's last view. */
  private readonly readAt: number[];
  private readonly lists: ReplicaView[][];
  private readonly last: { view: ReplicaView; snap: ReplicaSnapshot }[][];

  constructor(private readonly config: ClusterConfig) {
    this.nodes = Array.from({ length: config.brokers + 1 }, (_, b) => brokerNode(b));
    this.names = Array.from({ length: config.partitions }, (_, p) => partitionName(p));
    this.readAt = this.names.map(() => -1);
    this.lists = this.names.map(() => []);
    this.last = this.names.map(() => []);
  }

  of(world: World, p: number): ReplicaView[] {
    if (this.world !== world) {
      this.world = world;
      this.readAt.fill(-1);
    }
    if (this.readAt[p] === world.eventsProcessed) return this.lists[p]!;
    this.readAt[p] = world.eventsProcessed;
    const prev = this.lists[p]!;
    const last = this.last[p]!;
    let list: ReplicaView[] | undefined;
    let n = 0;
    for (let b = 1; b <= this.config.brokers; b++) {
      const ref = world.actor(this.nodes[b]!, this.names[p]);
      if (!ref) continue;
      const snap = ref.getSnapshot() as ReplicaSnapshot;
      let seen = last[b];
      if (!seen || seen.view.ref !== ref || seen.snap !== snap) {
        seen = { view: viewOf(b, ref, snap), snap };
        last[b] = seen;
      }
      // A new list only from the first replica that differs from the previous list.
      if (!list && prev[n] !== seen.view) list = prev.slice(0, n);
      list?.push(seen.view);
      n++;
    }
    if (!list && n !== prev.length) list = prev.slice(0, n);
    if (list) this.lists[p] = list;
    return this.lists[p]!;
  }
}

/** A replica's view from its snapshot: its role is the top-level state (Offline, Leader, Follower). */
export function viewOf(broker: number, ref: AnyActorRef, snap: ReplicaSnapshot): ReplicaView {
  const v = snap.value;
  const role = typeof v === 'string' ? (v as ReplicaView['role']) : (Object.keys(v as object)[0] as ReplicaView['role']);
  const sub = role === 'Follower' && typeof v === 'object' ? (v as { Follower: unknown }).Follower : undefined;
  const fetching = sub === 'Fetching' || (typeof sub === 'object' && sub !== null && 'Fetching' in sub);
  return { broker, ref, role, fetching, ctx: snap.context };
}

function controller(world: World): MetadataImage | undefined {
  return controllerImage(world);
}

const show = (v: { producer: string; value: number } | undefined) => (v ? `${v.producer}:${v.value}` : 'nothing');

/**
 * Shared state: the committed record at each offset, as first seen below some replica's HW.
 * Once an offset is committed its record is fixed for ever.
 */
class CommittedLog {
  /** null: an offset the replica that first showed it held no record at (a compacted log's gap). */
  readonly byOffset: ({ epoch: number; producer: string; value: number } | null)[] = [];
  /**
   * Per broker, for its replica actor `ref`: offsets below `upTo` were compared; reset when the
   * replica truncates, and for a new actor (a restart). An array, not a map keyed by actor:
   * this is read for every replica after every event.
   */
  private readonly checked: ({ ref: AnyActorRef; upTo: number; truncations: number } | undefined)[] = [];

  /** Compare a replica's records in [checked, end) with the committed log; record new ones. */
  scan(r: ReplicaView, end: number, commit: boolean): string | undefined {
    const prev = this.checked[r.broker];
    let mark = prev?.ref === r.ref ? prev : undefined;
    if (!mark || mark.truncations !== r.ctx.truncations) {
      mark = { ref: r.ref, upTo: Math.min(mark?.upTo ?? 0, r.ctx.log.logEndOffset), truncations: r.ctx.truncations };
      if (r.ctx.truncations > 0) mark.upTo = 0; // re-check everything the log holds now
      this.checked[r.broker] = mark;
    }
    const stop = Math.min(end, r.ctx.log.logEndOffset);
    for (let o = mark.upTo; o < stop; o++) {
      // Undefined only in a compacted log (the cleaner's gaps), or below the log start.
      const rec = r.ctx.log.recordAt(o);
      const known = this.byOffset[o];
      if (known === undefined) {
        if (!commit) return undefined; // not committed yet: nothing to compare with
        if (o !== this.byOffset.length) return undefined;
        this.byOffset.push(rec ? { epoch: rec.leaderEpoch, producer: rec.value.producer, value: rec.value.value } : null);
      } else if (rec && known === null) {
        this.byOffset[o] = { epoch: rec.leaderEpoch, producer: rec.value.producer, value: rec.value.value };
      } else if (rec && known && (known.producer !== rec.value.producer || known.value !== rec.value.value)) {
        return `offset ${o}: broker ${r.broker} has ${show(rec.value)} (epoch ${rec.leaderEpoch}) but ${show(known)} (epoch ${known.epoch}) was committed there`;
      }
      mark.upTo = o + 1;
    }
    return undefined;
  }
}

/**
 * no-acked-loss: the acting leader of a partition has every acknowledged record. With
 * `survivorOnly` (no-avoidable-loss), a missing record counts only while another running replica
 * still holds it: the election chose a replica that lacks a record a survivor has (what KIP-966
 * fixes), as opposed to a loss of every copy (all replicas that had it lost power).
 */
/** One acknowledged record of the data topic: its partition, offset, and what was written there. */
export interface Ack {
  readonly p: number;
  readonly offset: number;
  readonly producer: string;
  readonly value: number;
}
const NO_ACKS: readonly Ack[] = [];

/**
 * A cursor over acknowledgements: each call returns those it has not returned before
 * (undefined or empty: none new). The model's own producers' are in the World's history
 * (`historyAcks`); serve adds the real clients' (src/wire/live-cluster.ts).
 */
export type AckSource = (world: World) => readonly Ack[] | undefined;

/** The acknowledged sends of the World's history (the model's own producers), in order. */
function historyAcks(): AckSource {
  let seen = 0;
  return (world) => {
    let fresh: Ack[] | undefined;
    for (; seen < world.history.length; seen++) {
      const op = world.history[seen]!;
      if (op.f !== 'send' || op.type !== 'ok') continue;
      const [, p, v] = (op.value as [string, number, unknown][])[0]!;
      const [offset, value] = v as [number, number];
      (fresh ??= []).push({ p, offset, producer: `producer${op.process}`, value });
    }
    return fresh;
  };
}

function ackedLoss(
  { id, survivorOnly }: { readonly id: string; readonly survivorOnly: boolean },
  parts: readonly number[],
  replicas: (world: World, p: number) => readonly ReplicaView[],
  acks: AckSource,
): Invariant {
  // Acknowledged (offset -> value), and the leader they were last checked on.
  const acked = parts.map(() => new Map<number, { producer: string; value: number }>());
  const lastLeaderChecked = parts.map(() => undefined as AnyActorRef | undefined);
  const leaderEpochChecked = parts.map(() => -1);
  // The key of an acknowledged record, learned from a replica that holds it (compacted topics only).
  const keys = parts.map(() => new Map<number, string | null>());
  return {
    id,
    check: (world) => {
      // Allocated only when there are new acknowledgements (most events add none).
      let fresh: { p: number; offset: number; v: { producer: string; value: number } }[] | undefined;
      for (const { p, offset, producer, value } of acks(world) ?? NO_ACKS) {
        if (p >= acked.length) continue;
        const prior = acked[p]!.get(offset);
        if (prior && (prior.producer !== producer || prior.value !== value)) {
          return `${partitionName(p)} offset ${offset}: acknowledged ${show(prior)} earlier, now ${producer}:${value} was acknowledged at the same offset`;
        }
        acked[p]!.set(offset, { producer, value });
        (fresh ??= []).push({ p, offset, v: { producer, value } });
      }
      const c = controller(world);
      if (!c) return undefined;
      for (const p of parts) {
        const state = dataPartitionState(c, p);
        if (!state || state.leader < 0) continue;
        let leader: ReplicaView | undefined;
        for (const r of replicas(world, p)) {
          if (r.broker === state.leader) {
            leader = r;
            break;
          }
        }
        // Only a leader that knows it leads the current epoch serves reads.
        if (!leader || leader.role !== 'Leader' || leader.ctx.state?.leaderEpoch !== state.leaderEpoch) continue;
        // The same leader in the same epoch was checked already: only what is newly acknowledged.
        const same = lastLeaderChecked[p] === leader.ref && leaderEpochChecked[p] === state.leaderEpoch;
        lastLeaderChecked[p] = leader.ref;
        leaderEpochChecked[p] = state.leaderEpoch;
        if (same && !fresh) continue;
        const log = leader.ctx.log;
        const holds = (r: ReplicaView, offset: number, v: { producer: string; value: number }) => {
          const rec = r.ctx.log.recordAt(offset);
          return rec !== undefined && rec.value.producer === v.producer && rec.value.value === v.value;
        };
        const keyOf = (offset: number, v: { producer: string; value: number }): string | null | undefined => {
          if (keys[p]!.has(offset)) return keys[p]!.get(offset);
          let key: string | null | undefined;
          for (const r of replicas(world, p)) if (holds(r, offset, v)) key = r.ctx.log.recordAt(offset)!.key;
          // Every replica's cleaner may have removed it already: the model's producer knows the key of each send.
          const producer = (world.actor(v.producer)?.getSnapshot() as { context?: ProducerContext } | undefined)?.context;
          if (key === undefined && producer?.workload) key = keyOfSend(producer, v.value);
          if (key !== undefined) keys[p]!.set(offset, key);
          return key;
        };
        // Compaction (cleanup.policy=compact) may remove an acknowledged record once a later
        // record of its key is committed: what is owed is the latest value of each key.
        const superseded = (r: ReplicaView, offset: number, v: { producer: string; value: number }) => {
          const l = r.ctx.log;
          if (!l.config.compact || l.recordAt(offset) !== undefined) return false;
          const key = keyOf(offset, v);
          if (key === undefined || key === null) return false;
          // A later record of the key that is not committed yet counts while this leader holds it:
          // the loss, if any, comes when a leader change truncates it (KAFKA-13194).
          for (let o = offset + 1; o < l.logEndOffset; o++) if (l.recordAt(o)?.key === key) return true;
          return false;
        };
        const lost = (offset: number, v: { producer: string; value: number }) => {
          if (holds(leader!, offset, v) || superseded(leader!, offset, v)) return undefined;
          const there = log.recordAt(offset);
          const removed = !there && log.config.compact && offset < log.logEndOffset;
          const has = removed ? 'has no record there (its cleaner removed it) and no later record of its key' : `has ${show(there?.value)} there`;
          const what = `${partitionName(p)} offset ${offset}: ${show(v)} was acknowledged, but leader ${state.leader} (epoch ${state.leaderEpoch}) ${has}`;
          if (!survivorOnly) return what;
          const survivor = replicas(world, p).find((r) => r !== leader && r.role !== 'Offline' && holds(r, offset, v));
          return survivor ? `${what}, while broker ${survivor.broker} still holds it` : undefined;
        };
        if (same) {
          for (const f of fresh!) {
            const err = f.p === p ? lost(f.offset, f.v) : undefined;
            if (err) return err;
          }
        } else {
          for (const [offset, v] of acked[p]!) {
            const err = lost(offset, v);
            if (err) return err;
          }
        }
      }
      return undefined;
    },
  };
}

/** A cursor over the World's history's acknowledgements, then (if given) over another source's. */
function acksOf(extra: (() => AckSource) | undefined): AckSource {
  const own = historyAcks();
  if (!extra) return own;
  const theirs = extra();
  return (world) => {
    const a = own(world);
    const b = theirs(world);
    return a && b ? [...a, ...b] : (a ?? b);
  };
}

/**
 * The replication invariants, checked after every event. `clientAcks` makes a cursor over
 * acknowledgements the World's history does not hold (serve's real clients'), which
 * no-acked-loss and no-avoidable-loss then hold too: each reads its own cursor.
 */
export function replicationInvariants(config: ClusterConfig, clientAcks?: () => AckSource): Invariant[] {
  const parts = Array.from({ length: config.partitions }, (_, p) => p);
  const views = new ReplicaViews(config);
  const replicas = (world: World, p: number) => views.of(world, p);
  const committed = parts.map(() => new CommittedLog());
  const strongIsrLogs = parts.map(() => new CommittedLog());
  // isr-join-caught-up: its own committed view, and the decided ISR it last saw per partition.
  const joinCommitted = parts.map(() => new CommittedLog());
  const isrSeen = parts.map(() => undefined as readonly number[] | undefined);

  // min-isr-hw: per partition and broker, the HW its leader actor had in a leader epoch.
  const leaderHw = parts.map(() => [] as ({ ref: AnyActorRef; epoch: number; hw: number } | undefined)[]);

  // single-leader-per-epoch
  const leaderOfEpoch = parts.map(() => new Map<number, number>());

  // partition-order: per (producer, partition), the highest offset acked so far, and for each
  // in-flight send the highest acked before it was invoked.
  const maxAcked = new Map<string, number>();
  const floorAtInvoke = new Map<string, number>();
  let orderSeen = 0;

  // replica-consistency: per partition and broker, for its replica actor `ref`, offsets below
  // `upTo` were compared with the acting leader.
  const agreed = parts.map(() => [] as ({ ref: AnyActorRef; leader: AnyActorRef; leaderEpoch: number; truncations: number; upTo: number } | undefined)[]);

  return [
    {
      id: 'replica-consistency',
      check: (world) => {
        // Every follower that has reconciled with the acting leader (its truncation for the
        // leader's epoch done, or from 2.7 a fetch answered with records, not a diverging
        // epoch; ReplicaContext.reconciled) agrees with it on every offset below both their HWs;
        // since the leader is the reference, any two such replicas then agree too. A follower not
        // yet past its truncation may still hold, below its old HW, records an unclean election
        // discarded: the truncation is what removes them (the loss itself is no-acked-loss's).
        const c = controller(world);
        if (!c) return undefined;
        for (const p of parts) {
          const state = dataPartitionState(c, p);
          if (!state) continue;
          const rs = replicas(world, p);
          let leader: ReplicaView | undefined;
          for (const r of rs) {
            if (r.broker === state.leader && r.role === 'Leader' && r.ctx.state?.leaderEpoch === state.leaderEpoch) {
              leader = r;
              break;
            }
          }
          if (!leader) continue;
          for (const r of rs) {
            if (r === leader || !r.fetching || !r.ctx.reconciled || r.ctx.state?.leaderEpoch !== state.leaderEpoch) continue;
            let mark = agreed[p]![r.broker];
            if (!mark || mark.ref !== r.ref || mark.leader !== leader.ref || mark.leaderEpoch !== state.leaderEpoch || mark.truncations !== r.ctx.truncations) {
              mark = { ref: r.ref, leader: leader.ref, leaderEpoch: state.leaderEpoch, truncations: r.ctx.truncations, upTo: 0 };
              agreed[p]![r.broker] = mark;
            }
            const end = Math.min(r.ctx.log.highWatermark, leader.ctx.log.highWatermark, r.ctx.log.logEndOffset, leader.ctx.log.logEndOffset);
            for (let o = mark.upTo; o < end; o++) {
              const a = leader.ctx.log.recordAt(o);
              const b = r.ctx.log.recordAt(o);
              // A compacted log's gap (each replica runs its own cleaner) has nothing to compare.
              if (a && b && (a.value.producer !== b.value.producer || a.value.value !== b.value.value)) {
                return `${partitionName(p)} offset ${o} is below both high watermarks, but leader ${leader.broker} has ${show(a.value)} (epoch ${a.leaderEpoch}) and broker ${r.broker} has ${show(b.value)} (epoch ${b.leaderEpoch})`;
              }
              mark.upTo = o + 1;
            }
          }
        }
        return undefined;
      },
    },
    {
      id: 'single-leader-per-epoch',
      check: (world) => {
        for (const p of parts) {
          for (const r of replicas(world, p)) {
            if (r.role !== 'Leader' || !r.ctx.state) continue;
            const epoch = r.ctx.state.leaderEpoch;
            const seen = leaderOfEpoch[p]!.get(epoch);
            if (seen === undefined) leaderOfEpoch[p]!.set(epoch, r.broker);
            else if (seen !== r.broker) return `${partitionName(p)}: brokers ${seen} and ${r.broker} both led in leader epoch ${epoch}`;
          }
        }
        return undefined;
      },
    },
    {
      id: 'leader-in-isr',
      check: (world) => {
        const c = controller(world);
        for (const p of c?.partitions ?? []) {
          if (p.leader !== -1 && !p.isr.includes(p.leader)) return `${partitionName(p.partition)}: leader ${p.leader} is not in ISR [${p.isr.join(',')}]`;
        }
        return undefined;
      },
    },
    {
      id: 'strong-isr',
      check: (world) => {
        const c = controller(world);
        if (!c) return undefined;
        for (const p of parts) {
          const state = dataPartitionState(c, p);
          if (!state) continue;
          // The committed log grows from every replica's records below its own HW.
          for (const r of replicas(world, p)) {
            const err = committed[p]!.scan(r, r.ctx.log.highWatermark, true);
            if (err) return `${partitionName(p)}: committed record changed: ${err}`;
          }
          const commitEnd = committed[p]!.byOffset.length;
          for (const r of replicas(world, p)) {
            if (r.role === 'Offline' || !state.isr.includes(r.broker)) continue;
            if (r.ctx.log.logEndOffset < commitEnd) {
              return `${partitionName(p)}: broker ${r.broker} is in the ISR [${state.isr.join(',')}] but its log ends at ${r.ctx.log.logEndOffset}, below committed offset ${commitEnd}`;
            }
            const err = strongIsrLogs[p]!.scan(r, commitEnd, false);
            if (err) return `${partitionName(p)}: ISR member ${err}`;
          }
          // keep the second committed view in step with the first
          const target = strongIsrLogs[p]!.byOffset;
          const src = committed[p]!.byOffset;
          for (let o = target.length; o < src.length; o++) target.push(src[o]!);
        }
        return undefined;
      },
    },
    {
      // Partition.maybeExpandIsr: a follower joins the ISR only once it has caught up, so that
      // every ISR member can be elected without losing a committed record. KAFKA-7128 (fixed in
      // 2.0.1 and 2.1) broke this: "caught up" was the leader's high watermark, which a new
      // leader may not yet have advanced to what the previous leader committed. Unlike
      // strong-isr, a replica that stays in the ISR and loses its log (a power loss, or an
      // election of the last ISR member) does not break it: only a join does.
      id: 'isr-join-caught-up',
      check: (world) => {
        const c = controller(world);
        if (!c) return undefined;
        for (const p of parts) {
          const state = dataPartitionState(c, p);
          if (!state) continue;
          const rs = replicas(world, p);
          for (const r of rs) joinCommitted[p]!.scan(r, r.ctx.log.highWatermark, true);
          const before = isrSeen[p];
          isrSeen[p] = state.isr;
          if (!before || before === state.isr) continue;
          // Judged against the committed records the leader still holds: a leader that lost
          // some itself (the last ISR member back from a power loss, a broker whose bounce no
          // controller saw) is strong-isr's and no-acked-loss's to report, and a follower that
          // caught up with it lost nothing more.
          const leader = rs.find((r) => r.broker === state.leader && r.role === 'Leader');
          if (!leader) continue;
          const committedLog = joinCommitted[p]!.byOffset;
          let mustHold = 0;
          for (const end = Math.min(committedLog.length, leader.ctx.log.logEndOffset); mustHold < end; mustHold++) {
            const a = leader.ctx.log.recordAt(mustHold);
            const b = committedLog[mustHold];
            if (!a || !b) continue; // a compacted log's gap
            if (a.leaderEpoch !== b.epoch || a.value.producer !== b.producer || a.value.value !== b.value) break;
          }
          for (const r of rs) {
            if (r === leader || before.includes(r.broker) || !state.isr.includes(r.broker) || r.role === 'Offline') continue;
            if (r.ctx.log.logEndOffset < mustHold) {
              return `${partitionName(p)}: broker ${r.broker} joined the ISR [${state.isr.join(',')}] with its log ending at ${r.ctx.log.logEndOffset}, below committed offset ${mustHold}, which leader ${leader.broker} holds`;
            }
          }
        }
        return undefined;
      },
    },
    {
      // KAFKA-15583: nothing is committed on fewer replicas than min.insync.replicas promises.
      // Read from the leader itself: its HW against the ISR it knows, per leader actor and epoch.
      id: 'min-isr-hw',
      check: (world) => {
        for (const p of parts) {
          for (const r of replicas(world, p)) {
            if (r.role !== 'Leader' || !r.ctx.state) continue;
            const hw = r.ctx.log.highWatermark;
            const seen = leaderHw[p]![r.broker];
            const epoch = r.ctx.state.leaderEpoch;
            leaderHw[p]![r.broker] = { ref: r.ref, epoch, hw };
            if (!seen || seen.ref !== r.ref || seen.epoch !== epoch || hw <= seen.hw) continue;
            const isr = r.ctx.state.isr;
            const min = effectiveMinIsr(config, r.ctx.state.replicas.length);
            if (isr.length < min) return `${partitionName(p)}: leader ${r.broker} (epoch ${epoch}) advanced its high watermark ${seen.hw} -> ${hw} with ISR [${isr.join(',')}], below min.insync.replicas ${min}`;
          }
        }
        return undefined;
      },
    },
    ackedLoss({ id: 'no-acked-loss', survivorOnly: false }, parts, replicas, acksOf(clientAcks)),
    ackedLoss({ id: 'no-avoidable-loss', survivorOnly: true }, parts, replicas, acksOf(clientAcks)),
    {
      id: 'partition-order',
      check: (world) => {
        for (; orderSeen < world.history.length; orderSeen++) {
          const op = world.history[orderSeen]!;
          if (op.f !== 'send') continue;
          const [, p, v] = (op.value as [string, number, unknown][])[0]!;
          const key = `${op.process}/${p}`;
          if (op.type === 'invoke') {
            floorAtInvoke.set(`${key}/${v as number}`, maxAcked.get(key) ?? -1);
            continue;
          }
          const value = op.type === 'ok' ? (v as [number, number])[1] : (v as number);
          const floor = floorAtInvoke.get(`${key}/${value}`);
          floorAtInvoke.delete(`${key}/${value}`);
          if (op.type !== 'ok') continue;
          const offset = (v as [number, number])[0];
          if (floor !== undefined && offset <= floor) {
            return `${partitionName(p)}: producer${op.process}'s value ${value} got offset ${offset}, not after offset ${floor} acknowledged before it was sent`;
          }
          if (offset > (maxAcked.get(key) ?? -1)) maxAcked.set(key, offset);
        }
        return undefined;
      },
    },
  ];
}
