/**
 * KIP-704 (Kafka 3.2): an unclean election leaves the partition RECOVERING, with the new leader
 * as its whole ISR, until an AlterPartition from that leader says RECOVERED. Kafka's leader
 * recovers at once (Partition.makeLeader), so its first ISR expansion reports it; the controller
 * refuses an AlterPartition that would keep RECOVERING with a larger ISR or go back to it
 * (ReplicationControlManager.validateAlterPartitionData).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario, type Scenario } from '../../src/cluster/scenario.js';
import { resolveConfig } from '../../src/config/index.js';
import { handleControllerRequest, initialPartitions, type ControllerContext } from '../../src/machines/controller.js';
import type { AlterPartition } from '../../src/machines/protocol.js';
import type { Effect } from '../../src/sim/world.js';
import { Outbox } from '../../src/machines/effects.js';

/** An unclean election on `unclean` (found by the search: every ISR member fenced, b1 elected with nothing). */
const fixture = parseScenario(JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/unclean-election-recovering.json'), 'utf8')));
const on = (kafka: string, overrides: Record<string, unknown> = {}): Scenario => ({ ...fixture, config: { ...fixture.config, kafka, overrides: { ...fixture.config.overrides, ...overrides } } });

const notes = (s: Scenario) =>
  runScenario(s, 'full')
    .world.trace.events()
    .flatMap((e) => (e.e === 'note' ? [e.text] : []));

describe('LeaderRecoveryState (KIP-704)', () => {
  it('from 3.2 an unclean election is RECOVERING until the leader\'s first ISR expansion reports RECOVERED', () => {
    const n = notes(on('4.3'));
    const elected = n.findIndex((t) => /t-0 leader in epoch \d+, isr \[1\], .*RECOVERING/.test(t));
    const recovered = n.findIndex((t) => /ISR of t-0 is now \[1,\d\] \(AlterPartition from leader 1, RECOVERED\)/.test(t));
    expect(elected).toBeGreaterThanOrEqual(0);
    expect(recovered).toBeGreaterThan(elected);
    // Later expansions have nothing left to report.
    expect(n.filter((t) => /RECOVERED\)/.test(t))).toHaveLength(1);
  });

  it('without the switch (as before 3.2) the same election leaves no recovery state', () => {
    const n = notes(on('4.3', { leaderRecoveryState: false }));
    expect(n.some((t) => /t-0 leader in epoch \d+, isr \[1\]/.test(t))).toBe(true);
    expect(n.filter((t) => /RECOVER/.test(t))).toEqual([]);
  });

  it('the controller refuses RECOVERING with more than one ISR member, and a return to RECOVERING', () => {
    const config = resolveConfig('unclean', {}, 'config', '4.3');
    const [p] = initialPartitions({ ...config, partitions: 1 }, []);
    const broker = (id: number) => ({ brokerEpoch: id, incarnation: 1, fenced: false, lastHeartbeat: 0 });
    const base: ControllerContext = {
      config,
      now: () => 0,
      brokers: [undefined, broker(1), broker(2), broker(3)],
      partitions: [{ ...p!, leader: 1, leaderEpoch: 2, isr: [1], status: 'OnlinePartition', leaderRecoveryState: 'RECOVERING' }],
      nextBrokerEpoch: 4,
      startedAt: 0,
    };
    const alter = (c: ControllerContext, isr: number[], state?: 'RECOVERED' | 'RECOVERING') => {
      const out = new Outbox();
      const partitionEpoch = c.partitions[0]!.partitionEpoch;
      const patch = handleControllerRequest(c, { type: 'AlterPartition', from: 'b1', partition: 0, leaderId: 1, brokerEpoch: 1, leaderEpoch: 2, partitionEpoch, newIsr: isr.map((b) => ({ brokerId: b, brokerEpoch: b })), ...(state ? { leaderRecoveryState: state } : {}) } as AlterPartition & { from: string }, out);
      const answer = (out.effects as Effect[]).find((e) => e.type === 'net.send')!.msg as { error?: string };
      return { error: answer.error, next: { ...c, ...(patch ?? {}) } as ControllerContext };
    };
    expect(alter(base, [1, 2], 'RECOVERING').error).toBe('INVALID_REQUEST');
    const ok = alter(base, [1, 2], 'RECOVERED');
    expect(ok.error).toBeUndefined();
    expect(ok.next.partitions[0]!.leaderRecoveryState).toBeUndefined();
    expect(alter(ok.next, [1], 'RECOVERING').error).toBe('INVALID_REQUEST');
    // Absent means RECOVERED (an AlterPartition from a leader that knew of no recovery).
    expect(alter(base, [1, 3]).next.partitions[0]!.leaderRecoveryState).toBeUndefined();
  });
});
