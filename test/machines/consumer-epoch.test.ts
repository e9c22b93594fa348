/**
 * KIP-320's consumer side (KAFKA-7747, Kafka 2.3; switch `consumerEpochValidation`): the
 * consumer's Fetch and ListOffsets carry the leader epoch it learned from metadata, the leader
 * fences an older one (FENCED_LEADER_EPOCH) and refuses a newer one (UNKNOWN_LEADER_EPOCH), and
 * after a leader change the consumer validates its position with OffsetsForLeaderEpoch: a
 * position the new leader's log diverged below is reset to where the epoch of the last consumed
 * record ends there (Fetcher.validateOffsetsIfNeeded, SubscriptionState.maybeCompleteValidation).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { resolveConfig } from '../../src/config/index.js';
import type { ConsumerContext } from '../../src/machines/consumer.js';
import { replica } from '../helpers/replica.js';

describe('leader: the epoch in a consumer\'s requests (KIP-320)', () => {
  /** b1 leads t-0 in epoch 3 alone (min ISR 1), with two records below the HW. */
  function leaderInEpoch3() {
    const h = replica(resolveConfig('default', { minInsyncReplicas: 1 }));
    h.become({ isr: [1], leaderEpoch: 3, partitionEpoch: 3 });
    h.produce(1, 1);
    h.produce(2, 1);
    h.sent();
    expect(h.ctx().log.highWatermark).toBe(2);
    return h;
  }
  const consumerFetch = (h: ReturnType<typeof replica>, currentLeaderEpoch: number) =>
    h.send({ type: 'Fetch', actor: 't-0', requestId: 9, replicaId: -1, brokerEpoch: -1, fetchOffset: 0, currentLeaderEpoch }, 'g0-c0');

  it('a consumer fetch with an older epoch is FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH, both with no records; the current one or none (-1) is served', () => {
    const h = leaderInEpoch3();
    for (const epoch of [2, 4, 3, -1]) consumerFetch(h, epoch);
    expect(h.sent('FetchResponse').map((s) => [s.msg.error, s.msg.records?.length])).toEqual([
      ['FENCED_LEADER_EPOCH', 0],
      ['UNKNOWN_LEADER_EPOCH', 0],
      [undefined, 2],
      [undefined, 2],
    ]);
  });

  it('ListOffsets with an older epoch is FENCED_LEADER_EPOCH; with the current one it answers the HW', () => {
    const h = leaderInEpoch3();
    h.send({ type: 'ListOffsets', actor: 't-0', requestId: 10, currentLeaderEpoch: 2 }, 'g0-c0');
    h.send({ type: 'ListOffsets', actor: 't-0', requestId: 11, currentLeaderEpoch: 3 }, 'g0-c0');
    expect(h.sent('ListOffsetsResponse').map((s) => [s.msg.error, s.msg['offset']])).toEqual([
      ['FENCED_LEADER_EPOCH', -1],
      [undefined, 2],
    ]);
  });

  it('a consumer\'s OffsetsForLeaderEpoch is answered to the consumer itself (its primary actor), with the end offset of the epoch asked', () => {
    const h = leaderInEpoch3();
    h.send({ type: 'OffsetsForLeaderEpoch', actor: 't-0', requestId: 12, replicaId: -1, leaderEpoch: 3, currentLeaderEpoch: 3 }, 'g0-c0');
    const [r] = h.sent('OffsetsForLeaderEpochResponse');
    expect([r!.to, r!.msg['actor'], r!.msg.requestId, r!.msg['leaderEpoch'], r!.msg['endOffset']]).toEqual(['g0-c0', undefined, 12, 3, 2]);
  });
});

/**
 * Records the consumer read are lost in an unclean election: b1 is cut off from its followers and
 * leads t-0 alone (min ISR 1), the consumer reads offsets up to 79 from it, b1 crashes, and b2,
 * which has 29 records, is elected uncleanly (epoch 1) and takes new records from offset 29.
 * Kafka 3.6 (before KIP-966's ELR, which would not elect b2), unclean election on.
 */
function uncleanElection(consumerEpochValidation: boolean) {
  const { world, summary } = runScenario(
    parseScenario({
      seed: 3,
      durationMs: 2000,
      config: { preset: 'default', kafka: '3.6', overrides: { partitions: 1, minInsyncReplicas: 1, uncleanLeaderElection: true, consumerEpochValidation } },
      workload: { kind: 'produce', records: 150, intervalMs: 10, keys: 8, groups: [{ consumers: 1 }] as never },
      properties: ['group-exclusive-ownership'],
      faults: [
        { at: 300, type: 'partition', from: ['b1'], to: ['b2', 'b3'] },
        { at: 800, type: 'crash', node: 'b1' },
        { at: 801, type: 'heal' },
      ],
    }),
    'full',
  );
  expect(summary.violation).toBeUndefined();
  const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [e.text] : []));
  expect(notes.some((t) => /^t-0 leader in epoch 1, isr \[2\], LEO 29, HW \d+ \(elected uncleanly/.test(t))).toBe(true);
  const processed = (world.actor('g0-c0')!.getSnapshot() as { context: ConsumerContext }).context.processed;
  const times = (offset: number) => processed.filter((r) => r.offset === offset).length;
  return { notes, processed, times };
}

describe('consumer: position validation after a leader change (KIP-320, KAFKA-7747)', () => {
  it('from 2.3 the consumer finds that its position 79 was truncated away, resumes at 29 where epoch 0 ends on the new leader, and reads the new leader\'s records there', () => {
    const { notes, processed, times } = uncleanElection(true);
    expect(notes).toContain('g0-c0 t-0 truncation detected at offset 79: resets to 29, where epoch 0 ends on the leader');
    expect(notes.some((t) => /position out of range/.test(t))).toBe(false);
    // Offsets 0-28 (kept by b2) are processed once; 29-78 once from b1 and again from b2, where they are other records.
    expect([times(0), times(28), times(29)]).toEqual([1, 1, 2]);
    const at29 = processed.filter((r) => r.offset === 29).map((r) => r.value);
    expect(at29[0]).not.toBe(at29[1]);
  });

  it('without it (before 2.3) the consumer fetches from 79, is out of range on the new leader, and auto.offset.reset=earliest replays offsets 0-28', () => {
    const { notes, times } = uncleanElection(false);
    expect(notes.some((t) => /truncation detected/.test(t))).toBe(false);
    expect(notes).toContain('g0-c0 t-0 position out of range: auto.offset.reset=earliest');
    expect([times(0), times(28)]).toEqual([2, 2]);
  });

  it('the consumer\'s fetches carry the leader epoch from 2.3 on, -1 before', () => {
    const epochs = (kafka: string) => {
      const { world } = runScenario(
        parseScenario({ seed: 1, durationMs: 600, config: { preset: 'default', kafka, overrides: { partitions: 1 } }, workload: { kind: 'produce', records: 20, intervalMs: 10, keys: 4, groups: [{ consumers: 1 }] as never } }),
        'full',
      );
      const fetches = world.trace.events().flatMap((e) => (e.e === 'deliver' && e.from === 'g0-c0' && (e.msg as { type: string }).type === 'Fetch' ? [(e.msg as { currentLeaderEpoch: number }).currentLeaderEpoch] : []));
      expect(fetches.length).toBeGreaterThan(0);
      return [...new Set(fetches)];
    };
    expect(epochs('2.2')).toEqual([-1]);
    expect(epochs('2.3')).toEqual([0]);
  });
});
