import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario, type Scenario } from '../../src/cluster/scenario.js';
import { formatStory, storyOf } from '../../src/explore/story.js';

/**
 * KIP-966's "last replica standing", found by the search on Kafka 3.9 (budget 2, seed 1), its
 * faults moved 43 ms later when the KRaft quorum's first election came in: b2
 * leads with ISR [2,3] and acknowledges a record while it is cut off from the controllers; b3
 * loses power and restarts. Both are fenced: the ISR keeps its last member, b3, which is elected
 * with an empty log. With Eligible Leader Replicas (4.1), b2 left an ISR below
 * min.insync.replicas and is eligible; b3, back from an unclean shutdown, is not; b2 leads again.
 */
const lastReplicaStanding = parseScenario(JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/kip966-last-replica-standing.json'), 'utf8')));
const on = (kafka: string): Scenario => ({ ...lastReplicaStanding, config: { ...lastReplicaStanding.config, kafka } });

describe('Eligible Leader Replicas (KIP-966)', () => {
  it('Kafka 3.9 and 4.0 elect the last ISR member, which lost the acknowledged record', () => {
    for (const kafka of ['3.9', '4.0']) {
      const { summary } = runScenario(on(kafka), 'off');
      expect(summary.violation?.property, kafka).toBe('no-acked-loss');
      expect(summary.violation?.message).toMatch(/leader 3 \(epoch 2\) has nothing there/);
    }
  });

  it('no-avoidable-loss sees that a copy survived when 3.9 elected b3', () => {
    const { summary } = runScenario({ ...on('3.9'), properties: ['no-avoidable-loss'] }, 'off');
    expect(summary.violation?.property).toBe('no-avoidable-loss');
    expect(summary.violation?.message).toMatch(/leader 3 \(epoch 2\) has nothing there, while broker [12] still holds it/);
    expect(runScenario({ ...on('4.1'), properties: ['no-avoidable-loss'] }, 'off').summary.violation).toBeUndefined();
  });

  it('Kafka 4.1 keeps the partition offline until the eligible replica is back, and elects it', () => {
    const { summary, world } = runScenario(on('4.1'), 'full');
    expect(summary.violation).toBeUndefined();
    const story = formatStory(storyOf(world.trace.events(), 'replication'));
    expect(story).toMatch(/broker 3 re-registered/);
    expect(story).not.toMatch(/b3: t-0 leader/);
    expect(story).toMatch(/b2: t-0 leader in epoch [1-9]/);
  });

  it('a correlated power loss of every replica still loses the record: the last known leader is elected (balanced recovery)', () => {
    const s = parseScenario({
      seed: 0,
      durationMs: 496,
      properties: ['no-acked-loss'],
      workload: { kind: 'produce', records: 1, intervalMs: 1 },
      faults: [
        // Just after the record is acknowledged (the KRaft quorum elects its leader first).
        { at: 95, type: 'crash', node: 'b1' },
        { at: 95, type: 'crash', node: 'b2' },
        { at: 95, type: 'crash', node: 'b3' },
        { at: 96, type: 'restart', node: 'b1' },
        { at: 96, type: 'restart', node: 'b2' },
        { at: 96, type: 'restart', node: 'b3' },
      ],
    });
    const { summary } = runScenario(s, 'off');
    expect(summary.violation?.property).toBe('no-acked-loss');
    const withFsync = runScenario({ ...s, config: { ...s.config, preset: 'fsync-always' } }, 'off');
    expect(withFsync.summary.violation).toBeUndefined();
  });
});
