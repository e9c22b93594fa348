import { describe, expect, it } from 'vitest';
import { conform, skipLive } from './support.js';

interface Summary {
  verdict: string;
  result: { valid: boolean; errors: { duplicate?: { key: number; value: number; offsets: number[] }[] } };
  stats: { faults: { detail: string }[]; completions: Record<string, Record<string, number>> };
}

/**
 * The mock appends a Produce and answers only after longer than the client's request
 * timeout (see src/oracle/conform/faults.ts for why injected Produce *errors* cannot do
 * this: the mock appends nothing when it returns one). kafkajs times out and resends the
 * batch; without idempotence the broker writes the value again.
 */
describe.skipIf(skipLive)('conform finds the duplicates a non-idempotent producer writes on retry', () => {
  it('slow-produce + non-idempotent retries: the checker reports duplicates, exit 1', async () => {
    const r = await conform([
      '--mock-cluster', '3',
      '--duration', '5', '--keys', '2', '--clients', '2',
      '--sub-via', 'assign', '--crash-interval', '0',
      '--request-timeout', '700', '--retries', '5',
      '--fault', 'slow-produce', '--fault-interval', '0.5',
      '--seed', '3', '--json',
    ]);
    const out = JSON.parse(r.stdout) as Summary;
    expect(out.stats.faults.some((f) => f.detail.includes('appends, then answers after'))).toBe(true);
    expect(out.verdict).toBe('invalid');
    expect(r.code).toBe(1);
    const dups = out.result.errors.duplicate ?? [];
    expect(dups.length, r.stdout.slice(0, 2000)).toBeGreaterThanOrEqual(1);
    for (const d of dups) expect(new Set(d.offsets).size).toBeGreaterThanOrEqual(2);
  });
});
