import { describe, expect, it } from 'vitest';
import { laggingGroupLosses } from '../../src/claims/experiments/retention-lag.js';
import type { ExperimentContext } from '../../src/claims/types.js';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { brokerNode, partitionName } from '../../src/machines/protocol.js';
import type { ReplicaContext } from '../../src/machines/replica.js';
import type { World } from '../../src/sim/world.js';

/** 200 ms of records in 10-record segments, checked every 50 ms (model times). */
const retention = { retentionMs: 200, segmentBytes: 10, retentionCheckIntervalMs: 50 };
const produce = (records: number) => ({ kind: 'produce' as const, records, intervalMs: 10 });

const replica = (world: World, b: number): ReplicaContext | undefined =>
  (world.actor(brokerNode(b), partitionName(0))?.getSnapshot() as { context: ReplicaContext } | undefined)?.context;

const run = (input: ScenarioInput) => runScenario(parseScenario({ properties: [], ...input }), 'full').world;

describe('retention in cluster runs', () => {
  it('deletes nothing with the release defaults (retention.ms of 7 days)', () => {
    const world = run({ seed: 1, durationMs: 1500, workload: produce(100) });
    for (let b = 1; b <= 3; b++) expect(replica(world, b)?.log.logStartOffset).toBe(0);
  });

  it('the leader deletes closed segments past retention.ms; the followers follow its log start; nothing below the HW is kept twice', () => {
    const world = run({ seed: 1, durationMs: 1500, config: { preset: 'default', overrides: retention }, workload: produce(100) });
    const leader = controllerImage(world)!.partitions[0]!.leader;
    const lead = replica(world, leader)!;
    // 100 records in 1000 ms; at 1500 ms every closed segment is older than 200 ms.
    expect(lead.log.logStartOffset).toBeGreaterThanOrEqual(80);
    expect(lead.log.logStartOffset % 10).toBe(0);
    for (let b = 1; b <= 3; b++) {
      const r = replica(world, b)!;
      expect(r.log.logStartOffset, `b${b}`).toBeGreaterThan(0);
      expect(r.log.logStartOffset).toBeLessThanOrEqual(r.log.highWatermark);
      expect(() => r.log.read(0)).toThrow(/OffsetOutOfRange|out of range/i);
    }
  });

  it('a restarted broker recovers from its checkpointed log start, not from offset 0', () => {
    const probe = run({ seed: 1, durationMs: 100, workload: produce(100) });
    const follower = controllerImage(probe)!.partitions[0]!.isr.find((b) => b !== controllerImage(probe)!.partitions[0]!.leader)!;
    const world = run({
      seed: 1,
      durationMs: 1500,
      config: { preset: 'default', overrides: retention },
      workload: produce(100),
      faults: [
        { at: 900, type: 'crash', node: brokerNode(follower), kind: 'process' },
        { at: 950, type: 'restart', node: brokerNode(follower) },
      ],
    });
    const notes = world.trace.events().filter((e) => e.e === 'note' && e.node === brokerNode(follower) && /deleted .* log start/.test(e.text));
    expect(notes.length).toBeGreaterThan(0);
    // Right after the restart its log starts where retention had moved it before the crash.
    expect(replica(world, follower)!.log.logStartOffset).toBeGreaterThanOrEqual(80);
  });

  it('a follower away while the leader deleted past its log end starts again, empty, at the leader\'s log start', () => {
    const probe = run({ seed: 1, durationMs: 100, workload: produce(100) });
    const image = controllerImage(probe)!.partitions[0]!;
    const follower = image.isr.find((b) => b !== image.leader)!;
    const world = run({
      seed: 1,
      durationMs: 2000,
      config: { preset: 'default', overrides: retention },
      workload: produce(150),
      faults: [
        { at: 200, type: 'crash', node: brokerNode(follower), kind: 'process' },
        { at: 1200, type: 'restart', node: brokerNode(follower) },
      ],
    });
    const full = world.trace.events().filter((e) => e.e === 'note' && e.node === brokerNode(follower) && /truncated fully/.test(e.text));
    expect(full.length).toBe(1);
    const r = replica(world, follower)!;
    expect(r.log.logStartOffset).toBeGreaterThan(20);
    expect(r.log.logEndOffset).toBe(replica(world, image.leader)!.log.logEndOffset);
  });
});

describe('a group that lags behind retention (auto.offset.reset)', () => {
  const ctx = { config: (preset = 'default', overrides = {}) => ({ preset, overrides }) } as unknown as ExperimentContext;

  it('earliest: goes on from the new log start, skipping nothing retained', () => {
    const [first] = laggingGroupLosses(ctx, 'earliest');
    expect(first).toBeDefined();
    expect(first!.to).toBe(first!.logStart);
    expect(first!.deleted).toBeGreaterThan(0);
    expect(first!.skippedRetained).toBe(0);
  });

  it('latest: jumps to the log end, skipping records still retained', () => {
    const [first] = laggingGroupLosses(ctx, 'latest');
    expect(first).toBeDefined();
    expect(first!.to).toBeGreaterThan(first!.logStart);
    expect(first!.skippedRetained).toBeGreaterThan(0);
  });
});
