import { describe, expect, it } from 'vitest';
import { growthScenario } from '../../src/claims/experiments/topics.js';
import type { ExperimentContext } from '../../src/claims/types.js';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { formatStory } from '../../src/explore/story.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { TOPIC_NAME, brokerNode, partitionName } from '../../src/machines/protocol.js';
import type { ReplicaContext } from '../../src/machines/replica.js';
import { expectFoundAndShrunk } from '../helpers/search.js';

const ctx = { config: (preset = 'default', overrides = {}) => ({ preset, overrides }) } as unknown as ExperimentContext;

describe('CreatePartitions (KIP-195)', () => {
  const { world } = runScenario(parseScenario(growthScenario(ctx)), 'full');
  const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [`${e.node}: ${e.text}`] : []));

  it('the active controller adds the partitions, with a leader and a full ISR each; a smaller count is refused', () => {
    const data = controllerImage(world)!.partitions.filter((p) => p.topic === undefined);
    expect(data.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of data) {
      expect(p.leader).toBeGreaterThan(0);
      expect(p.isr).toHaveLength(3);
    }
    expect(notes).toContain('admin: CreatePartitions to 3 done');
    expect(notes).toContain('admin: CreatePartitions to 2 refused: INVALID_PARTITIONS');
  });

  it('the hosted replicas of the new partitions start leading and following, and replicate', () => {
    const leader = controllerImage(world)!.partitions.find((p) => p.topic === undefined && p.partition === 2)!.leader;
    for (let b = 1; b <= 3; b++) {
      const r = (world.actor(brokerNode(b), partitionName(2))?.getSnapshot() as { context: ReplicaContext }).context;
      expect(r.state?.leader).toBe(leader);
      expect(r.log.highWatermark).toBeGreaterThan(0);
    }
  });

  it('the producer uses the new partitions once its metadata is metadata.max.age.ms old, and says so', () => {
    const sent = world.history.filter((o) => o.f === 'send' && o.type === 'ok');
    const partitionOf = (o: (typeof sent)[number]) => (o.value as [string, number][])[0]![1];
    expect(sent.filter((o) => o.time < 3000).every((o) => partitionOf(o) === 0)).toBe(true);
    expect(new Set(sent.map(partitionOf))).toEqual(new Set([0, 1, 2]));
    expect(notes.some((n) => /producer0 sees 3 partitions of t \(was 1\)/.test(n))).toBe(true);
  });

  // ZooKeeper mode: test/machines/zk-topics.test.ts.
});

describe('key-order: adding partitions breaks the order of a key', () => {
  it('the search finds a group processing a key out of order after CreatePartitions, shrunk to at most 15 steps', async () => {
    // metadata.max.age.ms at 300 ms (model time; Kafka's 5 minutes scale to 3 s) keeps the runs
    // short: the clients learn of the new partitions sooner. Seed 5 finds it in its first run;
    // with Kafka's default, seeds 1-5 find it within 90 runs (spec/consumer-groups.md).
    const { result } = await expectFoundAndShrunk({ property: 'key-order', preset: 'default', runs: 50, seed: 5, maxShrinks: 40, overrides: { metadataMaxAgeMs: 300 } });
    expect(formatStory(result.story!)).toMatch(/grows from 1 to \d+ partitions \(CreatePartitions\)/);
  });
});

describe("Kafka's topic names (TOPIC_NAME, Topic.validate)", () => {
  it('takes letters, digits, ".", "_" and "-", 1 to 249 of them, but neither "." nor ".."', () => {
    for (const ok of ['t', 'orders.v2', '...', '_x-1', 'a'.repeat(249)]) expect(TOPIC_NAME.test(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', 'no spaces', 'a/b', 'a'.repeat(250)]) expect(TOPIC_NAME.test(bad), bad).toBe(false);
  });

  it('a scenario that creates a topic named ".." is refused', () => {
    const s = growthScenario(ctx) as { workload: { admin: unknown[] } };
    const bad = { ...s, workload: { ...s.workload, admin: [{ at: 300, op: 'create-topic', topic: '..', partitions: 1 }] } };
    expect(() => parseScenario(bad)).toThrow(/workload\.admin\[0\]\.topic/);
  });
});
