import { describe, expect, it } from 'vitest';
import { commitResumeScenarios, committedOffsetResume, handovers } from '../../src/claims/experiments/commit-resume.js';
import { consumersPull, eventsPushed } from '../../src/claims/experiments/delivery.js';
import { measureRolling, rollingProtocols } from '../../src/claims/experiments/rolling.js';
import type { ExperimentContext } from '../../src/claims/types.js';

const ctx = { config: (preset = 'default', overrides = {}) => ({ preset, overrides }) } as unknown as ExperimentContext;

describe('committed-offset-next-read', () => {
  const [left, crashed] = commitResumeScenarios(ctx).map(([name, input]) => handovers(name, input));

  it('a member that takes a partition over starts at the committed offset, the last offset read before the commit + 1', () => {
    expect(left).toHaveLength(1);
    const h = left![0]!;
    expect(h.firstRead).toBe(h.committed);
    expect(h.lastReadBeforeCommit).toBe(h.committed - 1);
  });

  it('after a crash between a poll and its commit, the next read starts at the committed offset: the uncommitted reads come again', () => {
    const h = crashed![0]!;
    expect(h.firstRead).toBe(h.committed);
    expect(h.lastReadByCommitter).toBeGreaterThanOrEqual(h.committed);
  });

  it('the verdict is holds-if, naming what "committed offset" means', () => {
    const o = committedOffsetResume(ctx);
    expect(o.verdict).toBe('holds-if');
    expect(o.conditions.join(' ')).toMatch(/next offset to read/);
  });
});

describe('pull, not push', () => {
  it('consumers receive records only in answer to their own Fetches, across a leader crash', () => {
    const o = consumersPull(ctx);
    expect(o.verdict).toBe('holds');
    expect(o.evidence[0]).toMatch(/consumers .*: [1-9]\d* Fetch requests sent; [1-9]\d* broker messages carried records to them, 0 of them/);
  });

  it('a stalled consumer is sent nothing while records are written; it reads them afterwards', () => {
    const o = eventsPushed(ctx);
    expect(o.verdict).toBe('refuted');
    expect(o.evidence[0]).toMatch(/while [1-9]\d* records are acknowledged: 0 messages carried records to it meanwhile; it completed [1-9]\d* polls after/);
  });
});

describe('rolling-deploy-zero-downtime', () => {
  it('eager rebalancing stops the other members at every restart; cooperative and static membership do not; KIP-848 briefly', () => {
    const r = Object.fromEntries(rollingProtocols.map((p) => [p, measureRolling(ctx, p)]));
    expect(r['eager']!.othersPauseMs.every((ms) => ms > 0)).toBe(true);
    for (const p of ['cooperative', 'static eager', 'static cooperative', 'static KIP-848'] as const) expect(r[p]!.othersPauseMs, p).toEqual([0, 0, 0]);
    // KIP-848 moves a few of the others' partitions to the new member (revoked first, then
    // assigned): short pauses, far below eager's stop of the whole group.
    expect(Math.max(...r['KIP-848']!.othersPauseMs)).toBeLessThan(Math.min(...r['eager']!.othersPauseMs));
    // A static member's partitions wait only for its restart; a dynamic member's, for the rebalances too.
    expect(Math.max(...r['static cooperative']!.ownPauseMs)).toBeLessThan(Math.min(...r['cooperative']!.ownPauseMs));
  });
});
