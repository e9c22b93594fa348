/**
 * One group coordinator (src/machines/group-coordinator.ts) on broker 1, driven at machine
 * level, with a stand-in for its `__consumer_offsets-0` replica: the test answers its Produce
 * requests itself. XState timers never fire: the tests move time and send Tick.
 * (test/machines/groups-txn.test.ts has a fuller harness, with loading and transactions.)
 */
import { createActor } from 'xstate';
import { resolveConfig, type ClusterConfig } from '../../src/config/index.js';
import { groupCoordinatorMachine, type CoordinatorContext } from '../../src/machines/group-coordinator.js';
import { OFFSETS_TOPIC, type ProducedValue, type Record } from '../../src/machines/protocol.js';
import type { Effect } from '../../src/sim/world.js';

export const ACTOR = 'group-g0';
export type Sent = { to: string; msg: { type: string; requestId?: number; error?: string; [k: string]: unknown } };
export type ProduceRequest = { requestId: number; acks: unknown; records: { key: string; value: ProducedValue }[] };
export interface Joined {
  memberId: string;
  generationId: number;
}

const stoppedClock = { setTimeout: () => ({}), clearTimeout: () => undefined };

export function groupCoordinator(config: ClusterConfig = resolveConfig('default'), start = 0) {
  let now = start;
  const effects: Effect[] = [];
  const actor = createActor(groupCoordinatorMachine, { input: { config, now: () => now, groupId: 'g0', brokerId: 1, name: ACTOR }, clock: stoppedClock });
  actor.on('*', (e) => void effects.push(e as Effect));
  actor.start();
  let requestId = 100;
  /** What the stand-in replica appended: `__consumer_offsets-0` as a coordinator elected later loads it. */
  const log: Record[] = [];
  const h = {
    config,
    log,
    now: () => now,
    ctx: () => actor.getSnapshot().context as CoordinatorContext,
    state: () => String(actor.getSnapshot().value),
    advance: (ms: number) => {
      now += ms;
      actor.send({ type: 'Tick' });
    },
    send: (e: object, from: string) => actor.send({ ...e, from } as never),
    /** Network messages since the last call, of `type` if given (other effects are dropped). */
    sent: (type?: string): Sent[] =>
      effects.splice(0).flatMap((e) => (e.type === 'net.send' && (type === undefined || (e.msg as { type: string }).type === type) ? [{ to: e.to, msg: e.msg as Sent['msg'] }] : [])),
    /** Produce requests to the local offsets replica since the last call (other effects are dropped). */
    produced: (): ProduceRequest[] => effects.splice(0).flatMap((e) => (e.type === 'local.send' && e.msg.type === 'Produce' ? [e.msg as unknown as ProduceRequest] : [])),
    /** The offsets replica appends and replicates the request, and answers. */
    answer: (p: ProduceRequest) => {
      const baseOffset = log.length;
      for (const r of p.records) log.push({ offset: log.length, leaderEpoch: 0, timestamp: now, key: r.key, value: r.value, size: 1 });
      h.send({ type: 'ProduceResponse', actor: ACTOR, requestId: p.requestId, baseOffset }, 'b1');
    },
    /** Broker 1 leads `__consumer_offsets-0` (empty unless `records` are given): the coordinator loads it and is ready. */
    elect: (records: readonly Record[] = [], epoch = 0) => {
      h.send({ type: 'PartitionChange', actor: ACTOR, state: { topic: OFFSETS_TOPIC, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: epoch, partitionEpoch: epoch }, brokerEpoch: 1 }, 'b1');
      const fetch = effects.splice(0).find((e) => e.type === 'local.send' && e.msg.type === 'Fetch') as unknown as { msg: { requestId: number } };
      h.send({ type: 'FetchResponse', requestId: fetch.msg.requestId, records, highWatermark: records.length, leaderEndOffset: records.length, leaderEpoch: epoch }, 'b1');
      effects.splice(0);
    },
    join: (client: string, memberId = '') =>
      h.send(
        { type: 'JoinGroup', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId, sessionTimeoutMs: 100, rebalanceTimeoutMs: 300, protocol: 'range', subscription: { topics: ['t'], ownedPartitions: [], generation: -1 } },
        client,
      ),
    sync: (client: string, m: Joined, assignments: { memberId: string; partitions: number[] }[] = []) =>
      h.send({ type: 'SyncGroup', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId: m.memberId, generationId: m.generationId, assignments }, client),
    heartbeat: (client: string, m: Joined) => h.send({ type: 'Heartbeat', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId: m.memberId, generationId: m.generationId }, client),
    commit: (client: string, m: Joined, offsets: { partition: number; offset: number }[]) =>
      h.send({ type: 'OffsetCommit', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId: m.memberId, generationId: m.generationId, offsets }, client),
    /** The JoinGroupResponse sent to `client` since the last call. */
    joined: (client: string): Joined => {
      const r = h.sent('JoinGroupResponse').find((s) => s.to === client);
      if (!r) throw new Error(`no JoinGroupResponse to ${client}`);
      return r.msg as unknown as Joined;
    },
    /** `client` joins an empty group, leads it, and its assignment is stored: Stable in generation 1. */
    stable: (client = 'g0-c0'): Joined => {
      h.join(client);
      h.advance(config.groupInitialRebalanceDelayMs + 1);
      const m = h.joined(client);
      h.sync(client, m, [{ memberId: m.memberId, partitions: [0, 1, 2] }]);
      h.answer(h.produced()[0]!);
      h.sent();
      if (h.state() !== 'Stable') throw new Error(`group is ${h.state()}, not Stable`);
      return m;
    },
  };
  return h;
}
