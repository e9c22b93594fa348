/**
 * The consumer-group claims of spec/consumer-groups.md, each shown by a fast-check search over
 * the property's space (src/groups/scenarios.ts) on `default` within its fault budget: the
 * "holds" ones over a number of runs (a failure prints the story and the replay scenario), the
 * refuted ones by a counterexample, shrunk, whose story is short.
 */
import { describe, expect, it } from 'vitest';
import { report, search } from './support.js';

const HOLDS_RUNS = 30;

describe('after-process (at-least-once)', () => {
  it('processed-at-least-once holds across consumer crashes, stalls, leaves, coordinator failover and rebalances', async () => {
    const f = await search({ property: 'processed-at-least-once', options: { commit: 'after-process' }, runs: HOLDS_RUNS, seed: 11 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('processed-at-most-once is refuted: a record processed again after its consumer crashed before committing', async () => {
    const f = await search({ property: 'processed-at-most-once', options: { commit: 'after-process', consumerKinds: ['crash'], brokerFaults: false }, runs: 300, seed: 2, maxShrinks: 20 });
    expect(f.failed).toBe(true);
    expect(f.message).toMatch(/processed t-0 offset \d+ .* 2 times/);
    expect(f.story.some((s) => /g0-c\d crashes/.test(s.text))).toBe(true);
    expect(f.story.length).toBeLessThanOrEqual(15);
  }, 90_000);
});

describe('before-process (at-most-once)', () => {
  it('processed-at-most-once holds across consumer crashes and rebalances', async () => {
    const f = await search({ property: 'processed-at-most-once', options: { commit: 'before-process', consumerKinds: ['crash', 'leave'] }, runs: HOLDS_RUNS, seed: 12 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('processed-at-least-once is refuted: a record lost to a crash between commit and processing', async () => {
    const f = await search({ property: 'processed-at-least-once', options: { commit: 'before-process', consumerKinds: ['crash'], brokerFaults: false }, runs: 300, seed: 4, maxShrinks: 20 });
    expect(f.failed).toBe(true);
    expect(f.message).toMatch(/committed t-0 up to \d+, but never processed/);
    expect(f.story.some((s) => /g0-c\d crashes/.test(s.text))).toBe(true);
    expect(f.story.length).toBeLessThanOrEqual(15);
  }, 90_000);
});

describe('generation fencing', () => {
  it('group-exclusive-ownership holds on default, eager and cooperative', async () => {
    const f = await search({ property: 'group-exclusive-ownership', runs: HOLDS_RUNS, seed: 13 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('stale-commit-fenced holds on default, with zombies (stalls past the session timeout)', async () => {
    const f = await search({ property: 'stale-commit-fenced', runs: HOLDS_RUNS, seed: 14 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('with no-generation-fencing a zombie commit is accepted and moves the group offset', async () => {
    const f = await search({ property: 'stale-commit-fenced', preset: 'no-generation-fencing', runs: 300, seed: 3, maxShrinks: 20 });
    expect(f.failed).toBe(true);
    expect(f.message).toMatch(/in generation \d+ was accepted while the group was in generation \d+/);
    expect(f.message).toMatch(/t-0 -?\d+ -> \d+/);
    expect(f.story.some((s) => /stalls for/.test(s.text))).toBe(true);
  }, 90_000);
});

describe('with three __consumer_offsets partitions (offsets.topic.num.partitions = 3: g0 lives on partition 1)', () => {
  // The coordinator is the leader of partition 1, not 0 (coordinator-partition.ts); its faults
  // are aimed by state, so the search crashes that broker as it crashes the coordinator on default.
  it.each([
    ['group-exclusive-ownership', 15],
    ['stale-commit-fenced', 16],
  ])('%s holds', async (property, seed) => {
    const f = await search({ property, overrides: { offsetsTopicNumPartitions: 3 }, runs: 12, seed });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
    expect(f.runs).toBe(12);
  }, 90_000);
});

describe('zombies process in wall-clock time', () => {
  it('no-concurrent-processing is refuted even on default: a stalled consumer and the new owner process the same partition at once', async () => {
    const f = await search({ property: 'no-concurrent-processing', runs: 300, seed: 4, maxShrinks: 20 });
    expect(f.failed).toBe(true);
    expect(f.message).toMatch(/are both processing t-0/);
    expect(f.story.some((s) => /stalls for/.test(s.text))).toBe(true);
  }, 90_000);
});
