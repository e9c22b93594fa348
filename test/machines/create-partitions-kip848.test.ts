/**
 * CreatePartitions under KIP-848 (groupProtocol consumer): the coordinator learns of the new
 * partitions from its broker's metadata image (GroupMetadataManager.onNewMetadataImage), the next
 * heartbeat finds the subscription metadata changed and bumps the group epoch, and the new target
 * assignment hands the new partitions out. Mirrors test/machines/topics.test.ts (classic).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { formatStory } from '../../src/explore/story.js';
import { expectFoundAndShrunk } from '../helpers/search.js';

describe('CreatePartitions with groupProtocol consumer (KIP-848)', () => {
  const { world, summary } = runScenario(
    parseScenario({
      seed: 1,
      durationMs: 3000,
      config: { preset: 'consumer-protocol', overrides: { partitions: 1, metadataMaxAgeMs: 300 } },
      workload: { kind: 'produce', records: 60, intervalMs: 30, keys: 4, admin: [{ at: 300, op: 'create-partitions', totalCount: 3 }], groups: [{ consumers: 2 }] },
      properties: ['group-exclusive-ownership', 'stale-commit-fenced'],
    }),
    'full',
  );
  const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [e.text] : []));

  it('the coordinator sees the new partitions, bumps the group epoch and assigns them', () => {
    expect(summary.violation).toBeUndefined();
    expect(notes.some((t) => /group-g0 metadata image: t has 3 partitions \(was 1\)/.test(t))).toBe(true);
    expect(notes.some((t) => /group-g0 subscription metadata: t has 3 partitions: group epoch \d+/.test(t))).toBe(true);
    const assigned = new Set(notes.flatMap((t) => [...(/^g0-c\d assigned \[([\d,]*)\]/.exec(t)?.[1]?.split(',') ?? [])]).filter((p) => p !== '').map(Number));
    expect(assigned).toEqual(new Set([0, 1, 2]));
  });

  it('the group processes records of the new partitions', () => {
    const polled = new Set(world.history.filter((o) => o.f === 'poll' && o.type === 'ok').flatMap((o) => Object.keys(((o.value as [string, Record<string, unknown>][])[0]![1]) ?? {}).map(Number)));
    expect(polled).toEqual(new Set([0, 1, 2]));
  });
});

describe('key-order under KIP-848: adding partitions breaks the order of a key, as on classic', () => {
  it('the search finds a group processing a key out of order after CreatePartitions', async () => {
    // As the classic test: metadata.max.age.ms at 300 ms. Seed 5 finds it in its first run;
    // 10 shrinking attempts take the story to 4 steps.
    const { result } = await expectFoundAndShrunk({ property: 'key-order', preset: 'consumer-protocol', runs: 50, seed: 5, maxShrinks: 10, overrides: { metadataMaxAgeMs: 300 } });
    expect(formatStory(result.story!)).toMatch(/grows from 1 to \d+ partitions \(CreatePartitions\)/);
  });
});
