/**
 * One partition replica (src/machines/replica.ts) on broker 1, driven at machine level: the
 * test sends it events and reads what it sent. Timers never fire (tests that need them move
 * time themselves; see test/machines/replica-fetch.test.ts).
 */
import { createActor } from 'xstate';
import { resolveConfig, type ClusterConfig } from '../../src/config/index.js';
import { PartitionLog } from '../../src/log/index.js';
import { replicaMachine, type ReplicaContext } from '../../src/machines/replica.js';
import type { PartitionState, ProducedValue } from '../../src/machines/protocol.js';
import type { Effect } from '../../src/sim/world.js';

export type Sent = { to: string; msg: { type: string; requestId?: number; error?: string; records?: unknown[]; baseOffset?: number; [k: string]: unknown } };

const stoppedClock = { setTimeout: () => ({}), clearTimeout: () => undefined };

export function replica(config: ClusterConfig = resolveConfig('default')) {
  let now = 0;
  const effects: Effect[] = [];
  const actor = createActor(replicaMachine, { input: { config, now: () => now, brokerId: 1, partition: 0, log: new PartitionLog<ProducedValue>() }, clock: stoppedClock });
  actor.on('*', (e) => void effects.push(e as Effect));
  actor.start();
  const state = (over: Partial<PartitionState>): PartitionState => ({ partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0, ...over });
  const h = {
    config,
    ctx: () => actor.getSnapshot().context as ReplicaContext,
    advance: (ms: number) => void (now += ms),
    send: (e: object, from: string) => actor.send({ ...e, from } as never),
    /** The controller's PartitionChange: broker 1 leads (unless `over` says otherwise). */
    become: (over: Partial<PartitionState> = {}) => h.send({ type: 'PartitionChange', actor: 't-0', state: state(over), brokerEpoch: 1 }, 'b1'),
    produce: (requestId: number, acks: 0 | 1 | 'all', value = requestId) =>
      h.send({ type: 'Produce', actor: 't-0', requestId, acks, timeoutMs: 300, records: [{ key: 'k', value: { producer: 'producer0', key: 'k', value } }] }, 'producer0'),
    fetch: (replicaId: number, requestId: number, fetchOffset: number, currentLeaderEpoch: number) =>
      h.send({ type: 'Fetch', actor: 't-0', requestId, replicaId, brokerEpoch: 1, fetchOffset, currentLeaderEpoch }, `b${replicaId}`),
    /** Messages sent over the network since the last call, of `type` if given. */
    sent: (type?: string): Sent[] =>
      effects.splice(0).flatMap((e) => (e.type === 'net.send' && (type === undefined || (e.msg as { type: string }).type === type) ? [{ to: e.to, msg: e.msg as Sent['msg'] }] : [])),
  };
  return h;
}
