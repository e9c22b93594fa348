import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario, type Scenario } from '../../src/cluster/scenario.js';

/**
 * The two bugs that Kafka 2.1 fixed, each as a fixed scenario built by hand from its JIRA: the
 * scenario breaks its property on 2.0, holds on 2.1, holds on 2.0 with that bug's switch alone,
 * and still breaks with the other 2.1 switch alone (so each switch is the one that matters).
 */
function fixture(name: string): Scenario {
  return parseScenario(JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures', name), 'utf8')));
}

function violation(s: Scenario, kafka: string, overrides: Record<string, unknown> = {}): string | undefined {
  return runScenario({ ...s, config: { ...s.config, kafka, overrides: { ...s.config.overrides, ...overrides } } }, 'off').summary.violation?.property;
}

describe('the bugs Kafka 2.1 fixed, as hand-built scenarios', () => {
  it('KAFKA-6880: a zombie follower cut off from ZooKeeper keeps fetching, without a leader epoch, from a leader re-elected in a later epoch, and its log diverges', () => {
    // b2 is cut off from ZooKeeper, its session expires, but it keeps fetching from b1; b3 leads epoch 1;
    // b1 leads again in epoch 2 and b2's fetches, carrying no epoch before KIP-320, are served.
    const s = fixture('kafka-6880-zombie-follower.json');
    expect(violation(s, '2.0')).toBe('replica-consistency');
    expect(violation(s, '2.1')).toBeUndefined();
    expect(violation(s, '2.0', { fetchEpochFencing: true })).toBeUndefined();
    expect(violation(s, '2.0', { isrJoinNeedsEpochStart: true })).toBe('replica-consistency');
  });

  it('KAFKA-7128: a follower that lost its log joins the new leader\'s ISR at its lagging HW, and is elected without acknowledged records', () => {
    // b1 loses power just after acknowledging and restarts; once its ZooKeeper session expires the
    // controller (b2) leads in epoch 1 with HW 0 (it had not yet learned the HW, and b3, slowed,
    // keeps it there); b1 registers anew and (LEO 0 >= HW 0) joins the ISR; b2 crashes; b1, first
    // in the assignment, is elected with an empty log. Only no-acked-loss is checked: before the
    // loss, strong-isr sees b1 in the ISR without the record.
    const s = fixture('kafka-7128-lagging-hw-isr-join.json');
    expect(violation(s, '2.0')).toBe('no-acked-loss');
    expect(violation(s, '2.1')).toBeUndefined();
    expect(violation(s, '2.0', { isrJoinNeedsEpochStart: true })).toBeUndefined();
    expect(violation(s, '2.0', { fetchEpochFencing: true })).toBe('no-acked-loss');
  });

  it('KAFKA-7128 as isr-join-caught-up (its bugs entry\'s property): the join breaks it on 2.0, and the fix alone repairs it', () => {
    const s = { ...fixture('kafka-7128-lagging-hw-isr-join.json'), properties: ['isr-join-caught-up'] };
    expect(violation(s, '2.0')).toBe('isr-join-caught-up');
    expect(violation(s, '2.1')).toBeUndefined();
    expect(violation(s, '2.0', { isrJoinNeedsEpochStart: true })).toBeUndefined();
  });

  it('the last ISR member back from a power loss with an empty log breaks strong-isr, not isr-join-caught-up: no join lost anything the leader still had', () => {
    // b2 is cut off, the ISR shrinks to [1], b1 loses power and is elected again with an empty
    // log (the "last replica standing" of KIP-966), then b3 joins it: on the fixed 2.1.
    const s = fixture('last-isr-member-back-empty.json');
    expect(violation(s, '2.1')).toBe('strong-isr');
    expect(violation({ ...s, properties: ['isr-join-caught-up'] }, '2.1')).toBeUndefined();
  });
});
