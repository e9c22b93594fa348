/**
 * The consumer-group properties under KIP-848 (group.protocol=consumer, the consumer-protocol
 * preset), by the same fast-check search as test/groups/properties.test.ts; and what dropping
 * member-epoch fencing (the no-member-epoch-fencing preset) lets through.
 */
import { describe, expect, it } from 'vitest';
import { report, search } from './support.js';

const HOLDS_RUNS = 20;

describe('group.protocol=consumer (KIP-848)', () => {
  it('group-exclusive-ownership holds: within one member epoch no partition has two owners', async () => {
    const f = await search({ property: 'group-exclusive-ownership', preset: 'consumer-protocol', runs: HOLDS_RUNS, seed: 21 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('stale-commit-fenced holds: every commit written carries its member\'s current epoch', async () => {
    const f = await search({ property: 'stale-commit-fenced', preset: 'consumer-protocol', runs: HOLDS_RUNS, seed: 22 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('processed-at-least-once holds with after-process commits', async () => {
    const f = await search({ property: 'processed-at-least-once', preset: 'consumer-protocol', options: { commit: 'after-process' }, runs: HOLDS_RUNS, seed: 23 });
    expect(f.failed, f.failed ? report(f) : '').toBe(false);
  }, 90_000);

  it('no-member-epoch-fencing: a commit from an epoch the member has left is written', async () => {
    const f = await search({ property: 'stale-commit-fenced', preset: 'no-member-epoch-fencing', runs: 100, seed: 1 });
    expect(f.failed).toBe(true);
    expect(f.message).toMatch(/a commit from g0-c\d@\d+ in member epoch \d+ was accepted while (its member epoch was \d+|it was not a member)/);
  }, 90_000);

  it('no-concurrent-processing is refuted as on classic: a member fenced for its session, not revoked, finishes its batch beside the new owner', async () => {
    const f = await search({ property: 'no-concurrent-processing', preset: 'consumer-protocol', options: { consumerKinds: ['stall'], brokerFaults: false }, runs: 300, seed: 6, maxShrinks: 15 });
    expect(f.failed).toBe(true);
    expect(f.message).toMatch(/are both processing t-0/);
    expect(f.story.some((s) => /stalls for/.test(s.text))).toBe(true);
  }, 90_000);
});
