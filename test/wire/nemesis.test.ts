import { describe, expect, it } from 'vitest';
import { parseInterval, parseNemesis } from '../../src/wire/nemesis.js';
import { serve } from '../../src/wire/server.js';

describe('serve --nemesis: parsing', () => {
  it('--interval takes 5s, 500ms or a bare number of seconds', () => {
    expect(parseInterval('5s')).toBe(5000);
    expect(parseInterval('500ms')).toBe(500);
    expect(parseInterval('2')).toBe(2000);
    expect(parseInterval('1.5')).toBe(1500);
    for (const bad of ['', '5m', 's', '-1', '10ms', '1e3', '5 seconds']) expect(() => parseInterval(bad), bad).toThrow(/--interval takes a duration/);
  });

  it('--nemesis takes distinct names of the nemeses', () => {
    expect(parseNemesis('crash-leader,partition')).toEqual(['crash-leader', 'partition']);
    expect(parseNemesis(' delay , power-loss-leader ')).toEqual(['delay', 'power-loss-leader']);
    expect(() => parseNemesis('crash-leader,')).toThrow(/got ""/);
  });
});

describe('serve --nemesis: each step undoes the previous fault, then strikes the current leader', () => {
  it('wire-nemesis-steps: crash-leader, partition, power-loss-leader, delay in turn; at most one node down and one cut at a time; stop heals', async () => {
    // A day's interval: the timer never fires; the test takes the steps itself.
    const server = await serve({ preset: 'default', brokers: 3, seed: 5, port: 0, topics: [{ name: 'o', partitions: 2 }], nemesis: { names: ['crash-leader', 'partition', 'power-loss-leader', 'delay'], intervalMs: 86_400_000 } });
    const n = server.nemesis!;
    const c = server.cluster;
    const settle = async () => {
      // Let the cluster elect new leaders (scaled timings: about 100 ms) before the next step aims.
      await new Promise((r) => setTimeout(r, 400));
      c.advance();
    };
    try {
      const leaderT = c.leaderOf('t', 0)!;
      expect(n.step()).toBe(`crashed b${leaderT}, the leader of t-0`);
      expect(c.downNodes()).toEqual([`b${leaderT}`]);
      await settle();

      // Next: partition, aimed at o-0's leader now; the crashed broker is restarted first.
      const before = c.world.faults.length;
      const line = n.step();
      expect(c.world.faults.slice(before).map((f) => f.type)).toEqual(['restart', 'partition']);
      expect(c.downNodes()).toEqual([]);
      const cut = /^cut (b\d) off from (\S+)$/.exec(line)!;
      // The leader the model had for o-0 when the nemesis aimed (its metadata, the highest epoch).
      expect(cut[1]).toBe(`b${c.leaderOf('o', 0)}`);
      expect(cut[2]!.split(',').sort()).toEqual(['b1', 'b2', 'b3', 'controller1', 'controller2', 'controller3'].filter((x) => x !== cut[1]));
      expect(c.world.network.cutNodes()).toContain(cut[1]);
      await settle();

      // Next: power-loss-leader on o-1's leader, after healing the cut.
      const before2 = c.world.faults.length;
      const lost = /^(b\d) lost power \(unflushed writes lost\)$/.exec(n.step())!;
      expect(lost[1]).toBe(`b${c.leaderOf('o', 1)}`);
      expect(c.world.faults.slice(before2).map((f) => f.type)).toEqual(['heal', 'crash']);
      expect(c.world.network.cutNodes()).toEqual([]);
      expect(c.downNodes()).toEqual([lost[1]]);
      await settle();

      // Next: delay, on t-0's leader again (the partitions in turn wrap around).
      expect(n.step()).toMatch(/^b\d's messages take 100 ms longer for /);
      expect(c.downNodes()).toEqual([]);

      // Stop: nothing is down or cut; no more steps.
      await settle();
      expect(n.step()).toMatch(/^crashed b\d/);
      expect(n.stop()).toEqual([expect.stringMatching(/^restarted b\d$/)]);
      expect(c.downNodes()).toEqual([]);
      expect(n.step()).toBe('stopped');
      expect(server.control('nemesis stop')).toEqual({ ok: true, text: 'nemesis stopped; nothing left to heal' });
    } finally {
      await server.close();
    }
  }, 30_000);
});
