import type { ClusterConfig } from '../config/index.js';
import type { BrokerContext } from '../machines/broker.js';
import { checkQuorumTimeout, type QuorumControllerContext } from '../machines/quorum-controller.js';
import { brokerNode, isDeleted, topicIdOf, topicOf } from '../machines/protocol.js';
import { controllerNode, imageAt, type MetadataImage, type MetadataLogEntry } from '../machines/raft-protocol.js';
import { faultOverBy, sortFaults, type Fault } from '../sim/faults.js';
import type { World } from '../sim/world.js';
import type { GroupInvariant } from './groups.js';

/**
 * The control plane's properties (spec/controller.md), checked after every event in KRaft mode:
 * Raft's election safety and log matching on the metadata quorum, leader epochs that never go
 * back across a controller failover, brokers that act only on committed metadata, and a leader
 * elected within a bound once the faults are over.
 */
export const controlPlanePropertyIds = ['one-leader-per-epoch', 'single-active-controller', 'metadata-log-matching', 'leader-epoch-monotonic', 'broker-acts-on-committed-metadata', 'controller-elected-after-heal'] as const;

interface VoterView {
  readonly ref: unknown;
  readonly leader: boolean;
  readonly active: boolean;
  readonly ctx: QuorumControllerContext;
}

function votersOf(world: World, config: ClusterConfig): VoterView[] {
  const out: VoterView[] = [];
  for (let i = 1; i <= config.controllerQuorumVoters; i++) {
    const ref = world.actor(controllerNode(i));
    if (!ref) continue;
    const snap = ref.getSnapshot() as { value: unknown; context: QuorumControllerContext };
    const v = snap.value as { Leader?: { Controller?: unknown } } | string;
    const leader = typeof v === 'object' && v !== null && 'Leader' in v;
    out.push({ ref, leader, active: leader && (v as { Leader: { Controller: unknown } }).Leader.Controller === 'Active', ctx: snap.context });
  }
  return out;
}

const sameEntry = (a: MetadataLogEntry, b: MetadataLogEntry) => a.epoch === b.epoch && (a.record === b.record || JSON.stringify(a.record) === JSON.stringify(b.record));
const describe = (e: MetadataLogEntry) => `epoch ${e.epoch} ${e.record.type === 'Metadata' ? e.record.cause : 'LeaderChange'}`;

/**
 * How long after the last fault is repaired a quorum must have an active controller again: a few
 * rounds of fetch timeout, election timeout (up to twice the setting) and backoff. Raft promises
 * liveness only with high probability (split votes are retried with random timeouts), so the
 * bound is generous: ten rounds.
 */
export function electionBoundMs(config: ClusterConfig): number {
  return config.quorumFetchTimeoutMs + 10 * (2 * config.quorumElectionTimeoutMs + config.quorumElectionBackoffMaxMs);
}

/** When the last fault of a schedule is over (crashes restarted, cuts healed, slowdowns ended). */
function faultsOverAt(faults: readonly Fault[]): number {
  let over = 0;
  for (const f of sortFaults(faults)) over = Math.max(over, faultOverBy(f));
  return over;
}

export function controlPlaneInvariants(config: ClusterConfig, faults: readonly Fault[] = []): GroupInvariant[] {
  if (config.controlPlane !== 'kraft') return [];
  // one-leader-per-epoch: the leader seen for each epoch.
  const leaderOfEpoch = new Map<number, number>();
  // single-active-controller: since when two nodes have both been active.
  let splitSince: number | undefined;
  // metadata-log-matching: entries as first seen below some voter's high watermark, and how far
  // each voter actor (a restart is a new actor) has been compared.
  const committed: MetadataLogEntry[] = [];
  const checkedUpTo = new Map<unknown, number>();
  // leader-epoch-monotonic: the highest leader epoch committed per partition.
  const highestEpoch = new Map<string, number>();
  const lastCommittedImage = (): MetadataImage | undefined => imageAt(committed, committed.length, undefined);
  // A topic created again under a deleted one's name is another topic: its id tells them apart.
  const key = (p: { topic?: string; partition: number; topicId?: number }) => `${topicOf(p)}-${p.partition}${p.topicId === undefined ? '' : `#${p.topicId}`}`;
  /**
   * Take what each voter has below its high watermark into the committed log, comparing it with
   * what was committed before: a message when they differ. Every property that reads the
   * committed log calls it first (a search checks only the property it looks for).
   */
  let learntAt = -1;
  let learnt: string | undefined;
  const learnCommitted = (world: World): string | undefined => {
    // Once per event, whichever property asks first.
    if (world.eventsProcessed === learntAt && learntAt >= 0) return learnt;
    learntAt = world.eventsProcessed ?? -1;
    learnt = undefined;
    for (const v of votersOf(world, config)) {
      const hw = Math.min(v.ctx.highWatermark, v.ctx.log.length);
      const from = checkedUpTo.get(v.ref) ?? 0;
      for (let i = from; i < hw; i++) {
        const mine = v.ctx.log[i]!;
        const known = committed[i];
        if (known === undefined) committed[i] = mine;
        else if (!sameEntry(known, mine)) return (learnt = `metadata offset ${i}: controller ${v.ctx.id} has ${describe(mine)} below its high watermark, where ${describe(known)} was committed`);
      }
      if (hw > from) checkedUpTo.set(v.ref, hw);
    }
    return undefined;
  };
  return [
    {
      id: 'one-leader-per-epoch',
      check: (world) => {
        for (const v of votersOf(world, config)) {
          if (!v.leader) continue;
          const seen = leaderOfEpoch.get(v.ctx.epoch);
          if (seen === undefined) leaderOfEpoch.set(v.ctx.epoch, v.ctx.id);
          else if (seen !== v.ctx.id) return `controllers ${seen} and ${v.ctx.id} were both leader of epoch ${v.ctx.epoch}`;
        }
        return undefined;
      },
    },
    {
      id: 'single-active-controller',
      check: (world) => {
        // Two nodes may both act as the active controller only briefly: a leader cut off from
        // the quorum resigns within check-quorum's timeout (KAFKA-15489), and the new one cannot
        // be elected before a fetch timeout has passed.
        const active = votersOf(world, config).filter((v) => v.active);
        if (active.length < 2) {
          splitSince = undefined;
          return undefined;
        }
        splitSince ??= world.now;
        if (world.now - splitSince <= checkQuorumTimeout({ config })) return undefined;
        const who = active.map((v) => `controller ${v.ctx.id} (epoch ${v.ctx.epoch})`).join(' and ');
        return `${who} have both acted as the active controller for ${world.now - splitSince} ms (brokers that reach the older one follow stale metadata)`;
      },
    },
    {
      id: 'metadata-log-matching',
      check: (world) => learnCommitted(world),
    },
    {
      id: 'leader-epoch-monotonic',
      check: (world) => {
        learnCommitted(world);
        const image = lastCommittedImage();
        for (const p of image?.partitions ?? []) {
          const k = key(p);
          const before = highestEpoch.get(k) ?? -1;
          if (p.leaderEpoch < before) return `${k}: committed leader epoch went back from ${before} to ${p.leaderEpoch}`;
          highestEpoch.set(k, p.leaderEpoch);
        }
        // The newest active controller starts from its committed log: never from older metadata.
        // (A deposed leader that has not noticed is stale by definition: single-active-controller's.)
        let newest: VoterView | undefined;
        for (const v of votersOf(world, config)) if (v.active && v.ctx.image && (!newest || v.ctx.epoch > newest.ctx.epoch)) newest = v;
        for (const v of newest ? [newest] : []) {
          for (const p of v.ctx.image?.partitions ?? []) {
            const before = highestEpoch.get(key(p)) ?? -1;
            if (p.leaderEpoch < before) return `${key(p)}: active controller ${v.ctx.id} (epoch ${v.ctx.epoch}) has leader epoch ${p.leaderEpoch}, below the committed ${before}`;
          }
        }
        return undefined;
      },
    },
    {
      id: 'broker-acts-on-committed-metadata',
      check: (world) => {
        // Brokers hold only what a majority of the quorum committed: a deposed leader's decisions
        // never commit, so they never reach a broker.
        learnCommitted(world);
        const image = lastCommittedImage();
        for (let b = 1; b <= config.brokers; b++) {
          const ctx = (world.actor(brokerNode(b))?.getSnapshot() as { context: BrokerContext } | undefined)?.context;
          for (const m of ctx?.metadata ?? []) {
            // A partition of a topic whose deletion (committed) the broker has not heard of yet:
            // what it holds was committed before the deletion.
            if (image?.deletedTopics && isDeleted(image.deletedTopics, m)) continue;
            // Before any metadata record is committed, the partitions are as created.
            const c = image?.partitions.find((p) => p.partition === m.partition && topicOf(p) === topicOf(m) && topicIdOf(p) === topicIdOf(m)) ?? { leaderEpoch: -1, partitionEpoch: 0 };
            const ahead = m.leaderEpoch > c.leaderEpoch || (m.leaderEpoch === c.leaderEpoch && m.partitionEpoch > c.partitionEpoch);
            if (ahead) return `broker ${b} acts on ${key(m)} leader ${m.leader} in leader epoch ${m.leaderEpoch} (partition epoch ${m.partitionEpoch}), which no quorum committed`;
          }
        }
        return undefined;
      },
    },
    {
      id: 'controller-elected-after-heal',
      check: () => undefined,
      atEnd: (world) => {
        const over = faultsOverAt(faults);
        if (world.now - over < electionBoundMs(config)) return undefined;
        if (votersOf(world, config).some((v) => v.active)) return undefined;
        return `no active controller ${world.now - over} ms after the last fault was over (bound ${electionBoundMs(config)} ms)`;
      },
    },
  ];
}
