import type { AnyActorRef } from 'xstate';
import type { ClusterConfig } from '../config/index.js';
import { controllerImage, dataPartitionState } from '../machines/controller-view.js';
import { brokerNode, partitionName } from '../machines/protocol.js';
import { viewOf, type ReplicaSnapshot, type ReplicaView } from '../check/replication.js';
import type { World } from '../sim/world.js';
import type { ClaimCheck } from './search.js';

/**
 * Checks that claims add to the replication invariants of spec/replication.md. Each reads
 * what a consumer could read: the acting leader's log below its high watermark, or the
 * producers' acknowledgements in the history.
 */

function replicasOf(world: World, config: ClusterConfig, p: number): ReplicaView[] {
  const out: ReplicaView[] = [];
  for (let b = 1; b <= config.brokers; b++) {
    const ref = world.actor(brokerNode(b), partitionName(p));
    if (ref) out.push(viewOf(b, ref, ref.getSnapshot() as ReplicaSnapshot));
  }
  return out;
}

/** The leader that serves consumers now: it knows it leads the controller's current epoch. */
function actingLeader(world: World, config: ClusterConfig, p: number): ReplicaView | undefined {
  const c = controllerImage(world);
  const state = dataPartitionState(c, p);
  if (!state || state.leader < 0) return undefined;
  return replicasOf(world, config, p).find((r) => r.broker === state.leader && r.role === 'Leader' && r.ctx.state?.leaderEpoch === state.leaderEpoch);
}

const partitions = (config: ClusterConfig) => Array.from({ length: config.partitions }, (_, p) => p);

/**
 * `readable-send-order`: in what a consumer can read of a partition (the acting leader's log
 * below its high watermark), each producer's records are in the order it sent them. A retry
 * that lands after a later record (max.in.flight > 1 without idempotence) breaks it.
 */
export const readableSendOrder: ClaimCheck = {
  id: 'readable-send-order',
  make: (config) => ({
    id: 'readable-send-order',
    check: (world) => {
      for (const p of partitions(config)) {
        const leader = actingLeader(world, config, p);
        if (!leader) continue;
        const last = new Map<string, { value: number; offset: number }>();
        const log = leader.ctx.log;
        for (let o = log.logStartOffset; o < log.highWatermark; o++) {
          const r = log.recordAt(o);
          if (!r) continue;
          const prev = last.get(r.value.producer);
          if (prev && r.value.value < prev.value) {
            return `${partitionName(p)}: ${r.value.producer} sent value ${r.value.value} before value ${prev.value}, but a consumer reads ${prev.value} at offset ${prev.offset} before ${r.value.value} at offset ${o}`;
          }
          if (!prev || r.value.value > prev.value) last.set(r.value.producer, { value: r.value.value, offset: o });
        }
      }
      return undefined;
    },
  }),
};

/**
 * `offset-unique`: an offset of a partition names one record for ever: no two different
 * records are acknowledged at the same offset, and a record a consumer could read at an offset
 * (below the acting leader's high watermark) is never replaced there.
 */
export const offsetUnique: ClaimCheck = {
  id: 'offset-unique',
  make: (config) => {
    const acked = partitions(config).map(() => new Map<number, string>());
    const readable = partitions(config).map(() => [] as string[]);
    let seen = 0;
    return {
      id: 'offset-unique',
      check: (world) => {
        for (; seen < world.history.length; seen++) {
          const op = world.history[seen]!;
          if (op.f !== 'send' || op.type !== 'ok') continue;
          const [, p, v] = (op.value as [string, number, [number, number]][])[0]!;
          const rec = `producer${op.process}:${v[1]}`;
          const prior = acked[p]!.get(v[0]);
          if (prior !== undefined && prior !== rec) return `${partitionName(p)} offset ${v[0]}: ${prior} was acknowledged there, then ${rec} was acknowledged at the same offset`;
          acked[p]!.set(v[0], rec);
        }
        for (const p of partitions(config)) {
          const leader = actingLeader(world, config, p);
          if (!leader) continue;
          const log = leader.ctx.log;
          const known = readable[p]!;
          for (let o = log.logStartOffset; o < log.highWatermark; o++) {
            const r = log.recordAt(o);
            if (!r) continue;
            const rec = `${r.value.producer}:${r.value.value}`;
            const was = known[o];
            if (was === undefined) known[o] = rec;
            else if (was !== rec) return `${partitionName(p)} offset ${o}: a consumer could read ${was} there, now leader ${leader.broker} serves ${rec} at the same offset`;
          }
        }
        return undefined;
      },
    };
  },
};

/**
 * `records-never-removed`: no replica's log ever loses a record it held, except to retention
 * (the model's runs apply none): neither a truncation nor a crash that drops unflushed writes.
 */
export const recordsNeverRemoved: ClaimCheck = {
  id: 'records-never-removed',
  make: (config) => {
    const held = new WeakMap<AnyActorRef, number>();
    const byBroker = new Map<string, number>();
    return {
      id: 'records-never-removed',
      check: (world) => {
        for (const p of partitions(config)) {
          for (const r of replicasOf(world, config, p)) {
            const key = `${r.broker}/${p}`;
            const end = r.ctx.log.logEndOffset;
            // A restarted broker is a new actor: compare with what the broker held before.
            const before = held.get(r.ref) ?? byBroker.get(key) ?? 0;
            if (end < before) return `${partitionName(p)}: broker ${r.broker}'s log ended at offset ${before}, now at ${end}: ${before - end} record(s) removed, not by retention`;
            held.set(r.ref, end);
            byBroker.set(key, end);
          }
        }
        return undefined;
      },
    };
  },
};
