import { describe, expect, it } from 'vitest';
import { buildWorld, runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { brokerNode, OFFSETS_TOPIC, partitionName } from '../../src/machines/protocol.js';
import type { ReplicaContext } from '../../src/machines/replica.js';
import { TRANSACTION_STATE_TOPIC } from '../../src/config/schema.js';
import type { World } from '../../src/sim/world.js';

/** The `compacted` preset's settings (model times): 4-record segments, the cleaner every 50 ms. */
const compacted = { cleanupPolicy: 'compact', segmentBytes: 4, retentionCheckIntervalMs: 50 };

const replica = (world: World, b: number, name = partitionName(0)): ReplicaContext | undefined =>
  (world.actor(brokerNode(b), name)?.getSnapshot() as { context: ReplicaContext } | undefined)?.context;

/** A leader and one follower of partition 0, from a short run with the same seed (elections are seeded). */
function roles(seed: number, kafka: string): { leader: number; follower: number } {
  const probe = runScenario(parseScenario({ seed, durationMs: 100, config: { kafka, preset: 'default', overrides: {} }, properties: [] }), 'full').world;
  const image = controllerImage(probe)!.partitions[0]!;
  return { leader: image.leader, follower: image.isr.find((b) => b !== image.leader)! };
}

describe('compaction in cluster runs (cleanup.policy=compact)', () => {
  it('each replica cleans its own log; a follower away meanwhile, and a group, read across the gaps; the properties hold', () => {
    const { follower } = roles(1, '4.3');
    const input: ScenarioInput = {
      seed: 1,
      durationMs: 1500,
      config: { kafka: '4.3', preset: 'default', overrides: compacted },
      workload: { kind: 'produce', records: 60, intervalMs: 10, keys: 3, groups: [{ reset: 'earliest', consumers: 1 }] },
      faults: [
        { at: 200, type: 'crash', node: brokerNode(follower), kind: 'process' },
        { at: 600, type: 'restart', node: brokerNode(follower) },
      ],
      properties: ['no-acked-loss', 'replica-consistency', 'strong-isr', 'isr-join-caught-up', 'processed-at-least-once', 'replay'],
    };
    const { world, summary } = runScenario(parseScenario(input), 'full');
    expect(summary.violation).toBeUndefined();
    expect(summary.sends.ok).toBe(60);
    for (let b = 1; b <= 3; b++) {
      const log = replica(world, b)!.log;
      expect(log.emptyOffsets, `b${b}`).toBeGreaterThan(40);
      expect(log.logEndOffset).toBe(60);
      // The latest record of each key is on every replica.
      const kept = log.read(0);
      for (const key of ['k0', 'k1', 'k2']) expect(kept.filter((r) => r.key === key).at(-1)?.value.value, `b${b} ${key}`).toBe([57, 58, 59][Number(key[1])]);
    }
    // Every replica's cleaner ran (the follower that was down too, after it fetched across the leader's gaps).
    const cleaners = world.trace.events().flatMap((e) => (e.e === 'note' && /cleaned \d+ record/.test(e.text) ? [e.node] : []));
    expect(new Set(cleaners).size).toBe(3);
    // The group's polls skipped the removed offsets, and it processed the latest value of every key.
    const polled = world.history.filter((o) => o.f === 'poll' && o.type === 'ok').flatMap((o) => Object.values((o.value as [string, Record<string, [number, number][]>][])[0]![1]).flat());
    const offsets = polled.map(([offset]) => offset);
    expect(offsets).toContain(59);
    expect(offsets.length).toBeLessThan(60);
  });

  it('__consumer_offsets compacts, and a coordinator that moves loads the same group and offsets from the cleaned log', () => {
    const input: ScenarioInput = {
      seed: 3,
      durationMs: 1500,
      config: { kafka: '4.3', preset: 'default', overrides: { offsetsTopicSegmentBytes: 3, retentionCheckIntervalMs: 50 } },
      workload: { kind: 'produce', records: 60, intervalMs: 10, groups: [{ reset: 'earliest', consumers: 2 }] },
      properties: ['group-exclusive-ownership', 'stale-commit-fenced', 'processed-at-least-once', 'replay'],
    };
    const first = runScenario(parseScenario(input), 'full').world;
    const coordinator = controllerImage(first)!.partitions.find((p) => p.topic === OFFSETS_TOPIC)!.leader;
    const offsetsLog = replica(first, coordinator, partitionName(0, OFFSETS_TOPIC))!.log;
    expect(offsetsLog.emptyOffsets).toBeGreaterThan(0);
    // Now crash the coordinator's broker once its log has been cleaned.
    const { world, summary } = runScenario(parseScenario({ ...input, faults: [{ at: 900, type: 'crash', node: brokerNode(coordinator), kind: 'process' }] }), 'full');
    expect(summary.violation).toBeUndefined();
    const loads = world.trace.events().filter((e) => e.e === 'note' && / loaded: generation/.test(e.text) && e.t > 900);
    expect(loads.length).toBeGreaterThan(0);
  });

  it('__transaction_state compacts, and a transaction coordinator that moves loads what it loads from the whole log', () => {
    const input = (segmentBytes: number): ScenarioInput => ({
      seed: 2,
      durationMs: 1500,
      config: { kafka: '4.3', preset: 'default', overrides: { transactionStateLogSegmentBytes: segmentBytes, retentionCheckIntervalMs: 50 } },
      workload: { kind: 'produce', records: 60, intervalMs: 10, transactional: { recordsPerTxn: 4, abortEvery: 3 } },
      properties: ['no-duplicates', 'no-aborted-reads', 'atomic-visibility', 'no-acked-loss'],
    });
    const first = runScenario(parseScenario(input(3)), 'full').world;
    const coordinator = controllerImage(first)!.partitions.find((p) => p.topic === TRANSACTION_STATE_TOPIC)!.leader;
    expect(replica(first, coordinator, partitionName(0, TRANSACTION_STATE_TOPIC))!.log.emptyOffsets).toBeGreaterThan(0);
    const crash = [{ at: 700, type: 'crash' as const, node: brokerNode(coordinator), kind: 'process' as const }];
    const loads = (world: World) => world.trace.events().flatMap((e) => (e.e === 'note' && / loaded: /.test(e.text) ? [`${e.t} ${e.node}: ${e.text}`] : []));
    const cleaned = runScenario(parseScenario({ ...input(3), faults: crash }), 'full');
    const whole = runScenario(parseScenario({ ...input(104_857_600), faults: crash }), 'full');
    expect(cleaned.summary.violation).toBeUndefined();
    expect(loads(cleaned.world).some((l) => Number(l.split(' ')[0]) > 700)).toBe(true);
    expect(loads(cleaned.world)).toEqual(loads(whole.world));
    expect(cleaned.summary.sends).toEqual(whole.summary.sends);
  });

  // KAFKA-13194: with no transaction open, the cleaner of 2.8-3.0 stops only at the active
  // segment, so while the followers lag it can remove a committed record because of a later
  // record of its key that is not committed yet. 3.1 stops at the last stable offset.
  it.each([
    ['3.0', true],
    ['3.1', false],
  ] as const)('on %s, a lagging ISR lets the leader remove a committed record for an uncommitted one: %s', (kafka, expected) => {
    const { leader } = roles(1, kafka);
    const followers = [1, 2, 3].filter((b) => b !== leader);
    const scenario = parseScenario({
      seed: 1,
      durationMs: 700,
      config: { kafka, preset: 'default', overrides: compacted },
      workload: { kind: 'produce', records: 50, intervalMs: 5, keys: 3 },
      faults: followers.map((b) => ({ at: 100, type: 'latency' as const, node: brokerNode(b), ms: 60, durationMs: 400 })),
      properties: [],
    });
    const { world } = buildWorld(scenario, 'full');
    world.start();
    const keyAt = new Map<number, string>();
    let found = false;
    for (let t = 5; t <= scenario.durationMs && !found; t += 5) {
      world.run({ until: t });
      for (let b = 1; b <= 3; b++) for (const r of replica(world, b)?.log.read(replica(world, b)!.log.logStartOffset) ?? []) keyAt.set(r.offset, r.key!);
      const log = replica(world, leader)?.log;
      if (!log) continue;
      for (let o = 0; o < log.highWatermark && !found; o++) {
        if (log.recordAt(o) !== undefined) continue;
        const key = keyAt.get(o);
        let committedLater = false;
        for (let x = o + 1; x < log.highWatermark; x++) if (log.recordAt(x)?.key === key) committedLater = true;
        found = !committedLater;
      }
    }
    expect(found).toBe(expected);
  });
});
