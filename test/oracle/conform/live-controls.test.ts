import { describe, expect, it } from 'vitest';
import { conform, skipLive } from './support.js';

/** Faults that must NOT produce anomalies: the checker is not just reporting every fault. */
describe.skipIf(skipLive)('conform controls against the mock cluster', () => {
  it('retriable Produce errors (nothing appended) are retried without duplicates: valid', async () => {
    const r = await conform([
      '--mock-cluster', '1',
      '--duration', '5', '--keys', '2', '--clients', '2',
      '--sub-via', 'assign', '--crash-interval', '0',
      '--request-timeout', '1000', '--retries', '8',
      '--fault', 'produce-errors', '--fault-interval', '0.3',
      '--seed', '5', '--json',
    ]);
    const out = JSON.parse(r.stdout) as { verdict: string; stats: { faults: unknown[]; completions: Record<string, Record<string, number>> } };
    expect(out.stats.faults.length).toBeGreaterThanOrEqual(3);
    expect(out.stats.completions.send?.ok ?? 0).toBeGreaterThanOrEqual(3);
    expect(out.verdict, r.stdout.slice(0, 2000)).toBe('valid');
    expect(r.code).toBe(0);
  });

  it('leader-failover: brokers go down and the partitions they led fail over during the run; the workload goes on, nothing lost: valid', async () => {
    // Assign, not subscribe: no group to join before the first send (in a full test run, joins
    // and fail-overs every 0.7 s once left 3 s without an acknowledged send).
    const r = await conform(['--mock-cluster', '3', '--fault', 'leader-failover', '--fault-interval', '1', '--duration', '4', '--keys', '2', '--clients', '2', '--sub-via', 'assign', '--crash-interval', '0', '--seed', '1', '--json']);
    const out = JSON.parse(r.stdout) as { verdict: string; stats: { faults: { detail: string }[]; recordsPolled: number; completions: Record<string, Record<string, number>> } };
    expect(out.stats.faults.some((f) => /^broker \d down; the leaders of 2 partitions moved to broker \d$/.test(f.detail))).toBe(true);
    expect(out.stats.completions.send?.ok ?? 0).toBeGreaterThan(0);
    expect(out.stats.recordsPolled).toBeGreaterThan(0);
    expect(out.verdict, r.stdout.slice(0, 2000)).toBe('valid');
    expect(r.code).toBe(0);
  });

  it('leader-failover needs two brokers to fail over between', async () => {
    const r = await conform(['--mock-cluster', '1', '--fault', 'leader-failover']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('kafka-model: --fault leader-failover needs --mock-cluster 2 or more: a partition fails over to another broker');
  });
});
