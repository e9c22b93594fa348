/**
 * Protocol rules of the partition leader that every durability verdict rests on, each stated
 * so that deleting the rule from src/machines/replica.ts fails a test (issue #18; the mutants
 * are listed in test/mutants/README.md):
 * - acks=all is refused NOT_ENOUGH_REPLICAS while the ISR is below min.insync.replicas, and
 *   the record is not appended (Partition.appendRecordsToLeader);
 * - KIP-320: a fetch carrying an older leader epoch than the leader's is answered
 *   FENCED_LEADER_EPOCH (a newer one UNKNOWN_LEADER_EPOCH), with no records, and moves nothing.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { resolveConfig } from '../../src/config/index.js';
import type { PartitionLog } from '../../src/log/index.js';
import type { ProducedValue } from '../../src/machines/protocol.js';
import { replica } from '../helpers/replica.js';

describe('replica: acks=all and min.insync.replicas at produce', () => {
  it('with the ISR below min ISR, an acks=all produce is answered NOT_ENOUGH_REPLICAS and not appended; acks=1 is appended', () => {
    const h = replica();
    expect(h.config.minInsyncReplicas).toBe(2);
    h.become({ isr: [1] });
    h.sent();
    h.produce(1, 'all');
    expect(h.sent('ProduceResponse').map((s) => [s.to, s.msg.requestId, s.msg.error])).toEqual([['producer0', 1, 'NOT_ENOUGH_REPLICAS']]);
    expect(h.ctx().log.logEndOffset).toBe(0);
    expect(h.ctx().waiting).toEqual([]);
    h.produce(2, 1);
    expect(h.sent('ProduceResponse').map((s) => [s.msg.requestId, s.msg.error, s.msg.baseOffset])).toEqual([[2, undefined, 0]]);
    expect(h.ctx().log.logEndOffset).toBe(1);
  });

  it('at min ISR an acks=all produce is appended and waits for the ISR', () => {
    const h = replica();
    h.become({ isr: [1, 2] });
    h.sent();
    h.produce(1, 'all');
    expect(h.sent('ProduceResponse')).toEqual([]);
    expect(h.ctx().log.logEndOffset).toBe(1);
    expect(h.ctx().waiting.map((w) => w.requestId)).toEqual([1]);
  });

  it('a leader cut off from its followers: once its ISR is [1], every produce is refused NOT_ENOUGH_REPLICAS and its log stops growing', () => {
    // 100 acks=all sends at 10 ms; b1 leads t-0 and is cut off from b2 and b3 (not from the
    // controller) at 100 ms, so it shrinks its ISR to itself after replica.lag.time.max.ms.
    const s = parseScenario({
      seed: 1,
      durationMs: 1500,
      properties: ['no-acked-loss'],
      workload: { kind: 'produce', records: 100, intervalMs: 10 },
      faults: [{ at: 100, type: 'partition', from: ['b1'], to: ['b2', 'b3'] }],
    });
    const { world, summary } = runScenario(s, 'full');
    expect(summary.violation).toBeUndefined();
    const events = world.trace.events();
    const msg = (e: (typeof events)[number]) => (e.e === 'deliver' ? (e.msg as { type: string; error?: string; state?: { isr: number[] } }) : undefined);
    const shrunk = events.find((e) => e.e === 'deliver' && e.to === 'b1' && msg(e)!.type === 'AlterPartitionResponse' && msg(e)!.state?.isr.length === 1);
    expect(shrunk).toBeDefined();
    const after = events.filter((e) => e.t > shrunk!.t + 20 && e.e === 'deliver' && msg(e)!.type === 'ProduceResponse').map((e) => msg(e)!.error);
    // None acknowledged; those still waiting from before the shrink time out.
    expect(after.filter((error) => error === undefined)).toEqual([]);
    expect(after.filter((error) => error === 'NOT_ENOUGH_REPLICAS').length).toBeGreaterThan(10);
    // Nothing the producer sent after the shrink reached b1's log.
    const log = (world.actor('b1', 't-0') as { getSnapshot(): { context: { log: PartitionLog<ProducedValue> } } }).getSnapshot().context.log;
    expect(log.read(0, 1000, 'LOG_END').filter((r) => r.timestamp > shrunk!.t)).toEqual([]);
  });
});

describe('replica: KIP-320 leader-epoch fencing of follower fetches', () => {
  /** b1 leads t-0 in epoch 3 with one record; followers b2 and b3 have fetched nothing yet. */
  function leaderInEpoch3(kafka?: string) {
    const h = replica(resolveConfig('default', {}, 'config', kafka));
    h.become({ leaderEpoch: 3, partitionEpoch: 3 });
    h.produce(1, 1);
    h.sent();
    return h;
  }

  it('a fetch with an older leader epoch is answered FENCED_LEADER_EPOCH, with no records, and neither moves the HW nor counts as the follower\'s position', () => {
    const h = leaderInEpoch3();
    h.fetch(2, 7, 1, 2); // b2 has the record, but thinks the leader epoch is 2
    h.fetch(3, 8, 1, 2);
    expect(h.sent('FetchResponse').map((s) => [s.to, s.msg.requestId, s.msg.error, s.msg.records?.length])).toEqual([
      ['b2', 7, 'FENCED_LEADER_EPOCH', 0],
      ['b3', 8, 'FENCED_LEADER_EPOCH', 0],
    ]);
    expect(h.ctx().log.highWatermark).toBe(0);
    expect(h.ctx().followers.get(2)!.leo).toBe(-1);
  });

  it('a fetch with a newer leader epoch is answered UNKNOWN_LEADER_EPOCH; with the current one it is served', () => {
    const h = leaderInEpoch3();
    h.fetch(2, 7, 0, 4);
    expect(h.sent('FetchResponse').map((s) => [s.msg.error, s.msg.records?.length])).toEqual([['UNKNOWN_LEADER_EPOCH', 0]]);
    h.fetch(2, 8, 0, 3);
    expect(h.sent('FetchResponse').map((s) => [s.msg.error, s.msg.records?.length])).toEqual([[undefined, 1]]);
  });

  it('before KIP-320 (Kafka 2.0) the same stale fetch is served: the fencing is the release\'s switch', () => {
    const h = leaderInEpoch3('2.0');
    h.fetch(2, 7, 0, 2);
    expect(h.sent('FetchResponse').map((s) => [s.msg.error, s.msg.records?.length])).toEqual([[undefined, 1]]);
  });
});

describe('replica: read_committed reads stop at the last stable offset (KIP-98)', () => {
  /** b1 leads alone with min ISR 1, so its HW follows its LEO: plain 0, producer 7's open transaction from 1, plain 2. */
  function leaderWithOpenTxn() {
    const h = replica(resolveConfig('default', { minInsyncReplicas: 1 }));
    h.become({ isr: [1] });
    const send = (requestId: number, value: Partial<ProducedValue>) =>
      h.send({ type: 'Produce', actor: 't-0', requestId, acks: 1, timeoutMs: 300, records: [{ key: 'k', value: { producer: 'producer0', key: 'k', value: requestId, ...value } }] }, 'producer0');
    send(1, {});
    send(2, { producerId: 7, producerEpoch: 0, sequence: 0, transactional: true });
    send(3, {});
    h.sent();
    expect([h.ctx().log.logEndOffset, h.ctx().log.highWatermark]).toEqual([3, 3]);
    const consumerFetch = (isolation?: 'READ_COMMITTED') =>
      h.send({ type: 'Fetch', actor: 't-0', replyTo: 'consumer', requestId: 9, replicaId: -1, brokerEpoch: -1, fetchOffset: 0, currentLeaderEpoch: -1, ...(isolation ? { isolation } : {}) }, 'c0');
    const listOffsets = (isolation?: 'READ_COMMITTED') => h.send({ type: 'ListOffsets', actor: 't-0', requestId: 10, ...(isolation ? { isolation } : {}) }, 'c0');
    return { h, consumerFetch, listOffsets };
  }

  it('a read_committed fetch returns only the records below the open transaction, and says the LSO; read_uncommitted returns all below the HW', () => {
    const { h, consumerFetch } = leaderWithOpenTxn();
    consumerFetch('READ_COMMITTED');
    const [committed] = h.sent('FetchResponse');
    expect([(committed!.msg.records as { offset: number }[]).map((r) => r.offset), committed!.msg['lastStableOffset']]).toEqual([[0], 1]);
    consumerFetch();
    const [uncommitted] = h.sent('FetchResponse');
    expect((uncommitted!.msg.records as { offset: number }[]).map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  it('ListOffsets(latest) answers the LSO under read_committed and the HW otherwise', () => {
    const { h, listOffsets } = leaderWithOpenTxn();
    listOffsets('READ_COMMITTED');
    listOffsets();
    expect(h.sent('ListOffsetsResponse').map((s) => s.msg['offset'])).toEqual([1, 3]);
  });
});
