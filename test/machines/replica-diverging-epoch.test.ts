/**
 * KAFKA-10554 (Kafka 2.7): a follower's fetch names its last fetched epoch; a leader whose log
 * diverges there answers with the diverging epoch and its end offset instead of records, and the
 * follower truncates and fetches again until the logs match. Before 2.7 a follower asks
 * OffsetsForLeaderEpoch first. A partition change that keeps the leader and its epoch leaves the
 * fetcher alone on every release. Driven at machine level, without a network.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { resolveConfig } from '../../src/config/index.js';
import { PartitionLog } from '../../src/log/index.js';
import { replicaMachine } from '../../src/machines/replica.js';
import type { PartitionState, ProducedValue } from '../../src/machines/protocol.js';
import type { Effect } from '../../src/sim/world.js';

type Msg = { type: string; requestId?: number; fetchOffset?: number; lastFetchedEpoch?: number; divergingEpoch?: { epoch: number; endOffset: number }; records?: unknown[] };

const entry = (v: number) => ({ key: 'k', value: { producer: 'p', key: 'k', value: v }, timestamp: 0 });

/** A log whose records carry the given epochs, one record each, in order. */
function logWithEpochs(epochs: number[]): PartitionLog<ProducedValue> {
  const log = new PartitionLog<ProducedValue>();
  epochs.forEach((epoch, i) => log.appendAsLeader([entry(i)], epoch));
  return log;
}

function replica(brokerId: number, log: PartitionLog<ProducedValue>, kafka = '2.7') {
  const config = resolveConfig('default', {}, 'config', kafka);
  const effects: Effect[] = [];
  const actor = createActor(replicaMachine, { input: { config, now: () => 0, brokerId, partition: 0, log } });
  actor.on('*', (e) => void effects.push(e as Effect));
  actor.start();
  const state = (over: Partial<PartitionState>): PartitionState => ({ partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0, ...over });
  const h = {
    actor,
    log,
    send: (e: object, from: string) => actor.send({ ...e, from } as never),
    become: (over: Partial<PartitionState>) => h.send({ type: 'PartitionChange', actor: 't-0', state: state(over), brokerEpoch: 1 }, `b${brokerId}`),
    /** Messages sent over the network since the last call. */
    sent: (): Msg[] => effects.splice(0).flatMap((e) => (e.type === 'net.send' ? [e.msg as Msg] : [])),
  };
  return h;
}

describe('replica: truncation from the fetch response (KAFKA-10554)', () => {
  it('the leader answers a diverging fetch with the diverging epoch and its end, and no records', () => {
    // Leader: epoch 0 at offsets 0-1, epoch 2 from offset 2.
    const h = replica(1, logWithEpochs([0, 0, 2, 2]));
    h.become({ leader: 1, leaderEpoch: 2 });
    h.sent();
    // The follower holds epoch 1 at offsets 2-3 (written by a leader that lost them).
    h.send({ type: 'Fetch', actor: 't-0', requestId: 5, replicaId: 2, brokerEpoch: 1, fetchOffset: 4, currentLeaderEpoch: 2, lastFetchedEpoch: 1 }, 'b2');
    const [answer] = h.sent();
    expect(answer).toMatchObject({ type: 'FetchResponse', requestId: 5, divergingEpoch: { epoch: 0, endOffset: 2 }, records: [] });
    expect(answer!).not.toHaveProperty('error');
    // Its fetch offset is not its place in the leader's log: no progress was recorded.
    expect(h.actor.getSnapshot().context.followers.get(2)!.leo).toBe(-1);
  });

  it('a follower past the leader in the same epoch is told where that epoch ends, not OFFSET_OUT_OF_RANGE', () => {
    const h = replica(1, logWithEpochs([0, 0]));
    h.become({ leader: 1, leaderEpoch: 0 });
    h.sent();
    h.send({ type: 'Fetch', actor: 't-0', requestId: 1, replicaId: 2, brokerEpoch: 1, fetchOffset: 3, currentLeaderEpoch: 0, lastFetchedEpoch: 0 }, 'b2');
    expect(h.sent()[0]).toMatchObject({ divergingEpoch: { epoch: 0, endOffset: 2 } });
  });

  it('a matching fetch is answered with records', () => {
    const h = replica(1, logWithEpochs([0, 0, 2]));
    h.become({ leader: 1, leaderEpoch: 2 });
    h.sent();
    h.send({ type: 'Fetch', actor: 't-0', requestId: 1, replicaId: 2, brokerEpoch: 1, fetchOffset: 2, currentLeaderEpoch: 2, lastFetchedEpoch: 0 }, 'b2');
    const [answer] = h.sent();
    expect(answer!.divergingEpoch).toBeUndefined();
    expect(answer!.records).toHaveLength(1);
  });

  it('the follower fetches at once with its last epoch, truncates where the answer says, and fetches again until the logs match', () => {
    // Follower: epoch 0 at 0-1, epoch 1 at 2-4. The leader (epoch 2) only has epoch 0 up to 2.
    const h = replica(2, logWithEpochs([0, 0, 1, 1, 1]));
    h.become({ leader: 1, leaderEpoch: 2 });
    const [first] = h.sent();
    expect(first).toMatchObject({ type: 'Fetch', fetchOffset: 5, lastFetchedEpoch: 1, currentLeaderEpoch: 2 });
    h.send({ type: 'FetchResponse', actor: 't-0', requestId: first!.requestId, records: [], highWatermark: 2, leaderEndOffset: 3, leaderEpoch: 2, divergingEpoch: { epoch: 0, endOffset: 2 } }, 'b1');
    expect(h.log.logEndOffset).toBe(2);
    const [second] = h.sent();
    expect(second).toMatchObject({ type: 'Fetch', fetchOffset: 2, lastFetchedEpoch: 0 });
    // Not yet known to agree with the leader: replica-consistency does not judge it yet.
    expect(h.actor.getSnapshot().context.reconciled).toBe(false);
    h.send(
      { type: 'FetchResponse', actor: 't-0', requestId: second!.requestId, records: [{ offset: 2, leaderEpoch: 2, timestamp: 0, key: 'k', value: entry(9).value, size: 1 }], highWatermark: 2, leaderEndOffset: 3, leaderEpoch: 2 },
      'b1',
    );
    expect(h.log.logEndOffset).toBe(3);
    expect(h.log.recordAt(2)!.leaderEpoch).toBe(2);
    expect(h.actor.getSnapshot().context.reconciled).toBe(true);
  });

  it('before 2.7 the follower asks OffsetsForLeaderEpoch first and sends no last fetched epoch', () => {
    const h = replica(2, logWithEpochs([0, 0, 1]), '2.5');
    h.become({ leader: 1, leaderEpoch: 2 });
    const [first] = h.sent();
    expect(first).toMatchObject({ type: 'OffsetsForLeaderEpoch', leaderEpoch: 1 });
    h.send({ type: 'OffsetsForLeaderEpochResponse', actor: 't-0', requestId: first!.requestId, leaderEpoch: 0, endOffset: 2 }, 'b1');
    const [fetch] = h.sent();
    expect(fetch).toMatchObject({ type: 'Fetch', fetchOffset: 2 });
    expect(fetch!.lastFetchedEpoch).toBeUndefined();
  });

  it.each(['2.5', '2.7'])('on %s a partition change with the same leader and epoch (an ISR change) does not restart the fetcher', (kafka) => {
    const h = replica(2, logWithEpochs([0]), kafka);
    h.become({ leader: 1, leaderEpoch: 0 });
    const started = h.sent();
    expect(started).toHaveLength(1);
    h.become({ leader: 1, leaderEpoch: 0, partitionEpoch: 1, isr: [1, 2] });
    expect(h.sent()).toEqual([]);
    expect(h.actor.getSnapshot().context.state!.isr).toEqual([1, 2]);
    // A new leader epoch does.
    h.become({ leader: 1, leaderEpoch: 1, partitionEpoch: 2 });
    expect(h.sent()).toHaveLength(1);
  });
});
