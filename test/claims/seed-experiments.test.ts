import { describe, expect, it } from 'vitest';
import { commitResumeScenarios, committedOffsetResume, handovers } from '../../src/claims/experiments/commit-resume.js';
import { consumersPull, eventsPushed } from '../../src/claims/experiments/delivery.js';
import { measureRolling, rollingFigure, rollingProtocols } from '../../src/claims/experiments/rolling.js';
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
  it('eager rebalancing stops the other members at every restart; cooperative, KIP-848 and static membership do not', () => {
    const r = Object.fromEntries(rollingProtocols.map((p) => [p, measureRolling(ctx, p)]));
    expect(r['eager']!.othersPauseMs.every((ms) => ms > 0)).toBe(true);
    for (const p of ['cooperative', 'KIP-848', 'static eager', 'static cooperative', 'static KIP-848'] as const) expect(r[p]!.othersPauseMs, p).toEqual([0, 0, 0]);
    // Incremental protocols move a few of the others' partitions to the new process (revoked
    // first, then assigned): those pause; static membership moves nothing.
    for (const p of ['cooperative', 'KIP-848'] as const) expect(r[p]!.movedPauseMs.every((ms) => ms > 0), p).toBe(true);
    for (const p of ['static eager', 'static cooperative', 'static KIP-848'] as const) expect(r[p]!.movedPauseMs, p).toEqual([0, 0, 0]);
    // A static member's partitions wait for its new process (150 ms down, then it rejoins); a
    // dynamic member's leave hands them to the others sooner.
    expect(Math.min(...r['static cooperative']!.ownPauseMs)).toBeGreaterThan(150);
    expect(Math.min(...r['static KIP-848']!.ownPauseMs)).toBeGreaterThan(150);
    expect(Math.max(...r['cooperative']!.ownPauseMs)).toBeLessThan(150);
  });

  it('its figure has a row and a group of bars per protocol, each bar as long as its median pause', () => {
    const results = [
      { protocol: 'eager' as const, othersPauseMs: [280, 260, 300], movedPauseMs: [0, 0, 0], ownPauseMs: [470, 460, 480] },
      { protocol: 'cooperative' as const, othersPauseMs: [0, 0, 0], movedPauseMs: [80, 90, 100], ownPauseMs: [470, 440, 480] },
    ];
    const f = rollingFigure(results);
    expect(f.rows).toEqual([
      ['eager', '280, 260, 300 (median 280)', '0, 0, 0 (median 0)', '470, 460, 480 (median 470)'],
      ['cooperative', '0, 0, 0 (median 0)', '80, 90, 100 (median 90)', '470, 440, 480 (median 470)'],
    ]);
    expect(f.svg).toBe(rollingFigure(results).svg);
    const widths = [...f.svg.matchAll(/<rect class="bar" x="140" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // The scale ends at 500 ms, 460 px wide.
    expect(widths).toEqual([257.6, 0, 432.4, 0, 82.8, 432.4]);
    expect(f.svg).toContain('>cooperative</text>');
  });
});
