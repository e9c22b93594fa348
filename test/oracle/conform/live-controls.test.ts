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
});
