import { describe, expect, it } from 'vitest';
import { measureControlPlane, summarise } from '../../src/claims/control-plane.js';
import { failoverReadMs } from '../../src/machines/zk-protocol.js';
import { plotSvg } from '../../src/claims/plot.js';

describe('ZooKeeper vs KRaft measurements (issue 19, item 5)', () => {
  it('ZooKeeper mode\'s failover grows by the time to read every partition state; KRaft\'s does not depend on the partition count', () => {
    const zk10 = measureControlPlane('zookeeper', 10, 1);
    const zk10k = measureControlPlane('zookeeper', 10_000, 1);
    const kraft10 = measureControlPlane('kraft', 10, 1);
    const kraft10k = measureControlPlane('kraft', 10_000, 1);
    for (const s of [zk10, zk10k, kraft10, kraft10k]) {
      expect(s.failoverMs).toBeGreaterThan(0);
      expect(s.electionMs).toBeGreaterThan(0);
      expect(s.propagationMs).toBeGreaterThanOrEqual(0);
    }
    // Same seed: the failover read differs (10,000 - 10 partitions at 0.1 ms each), and what it
    // shifts (the network's draws) by a few milliseconds.
    const read = failoverReadMs(10_000, 'kafka') - failoverReadMs(10, 'kafka');
    expect(Math.abs(zk10k.failoverMs! - zk10.failoverMs! - read)).toBeLessThanOrEqual(10);
    // A crashed broker's share of the partition states is written before its leaders are announced.
    expect(zk10k.electionMs!).toBeGreaterThan(zk10.electionMs!);
    expect(kraft10k).toEqual({ ...kraft10, partitions: 10_000 });
    // Detection dominates: ZooKeeper's 18 s session against KRaft's 9 s broker session.
    expect(zk10.electionMs!).toBeGreaterThan(kraft10.electionMs!);
    expect(zk10.electionMs!).toBeLessThanOrEqual(18_000 + 2_000 + 1_000);
    expect(kraft10.electionMs!).toBeLessThanOrEqual(9_000 + 1_000);
  });

  it('summarises median and spread per mode, partition count and metric', () => {
    const rows = summarise([
      { mode: 'kraft', partitions: 10, seed: 1, failoverMs: 3, electionMs: 10, propagationMs: undefined },
      { mode: 'kraft', partitions: 10, seed: 2, failoverMs: 1, electionMs: 30, propagationMs: 2 },
      { mode: 'kraft', partitions: 10, seed: 3, failoverMs: 2, electionMs: 20, propagationMs: 4 },
    ]);
    expect(rows.find((r) => r.metric === 'failoverMs')).toMatchObject({ median: 2, min: 1, max: 3, missing: 0 });
    expect(rows.find((r) => r.metric === 'propagationMs')).toMatchObject({ median: 3, min: 2, max: 4, missing: 1 });
  });

  it('plots each series on a log scale, the same bytes for the same data', () => {
    const plot = { title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a<b', color: '#000', points: [{ x: 10, y: 1, low: 0.5, high: 2 }, { x: 10_000, y: 3 }] }] };
    const svg = plotSvg(plot);
    expect(svg).toBe(plotSvg(plot));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('>10,000</text>');
    expect(svg.match(/<circle /g)).toHaveLength(2);
  });
});
