import { resolveConfig } from '../../config/index.js';
import { runScenario } from '../../cluster/run.js';
import { parseScenario, type Scenario } from '../../cluster/scenario.js';
import { controllerImage } from '../../machines/controller-view.js';
import { brokerNode, partitionName } from '../../machines/protocol.js';
import type { Experiment, Outcome } from '../types.js';
import { describeSearch, safetyVerdict, type Condition } from './common.js';

/** Conditions under which acknowledged records survive (design decision 7: within the budget). */
const durabilityConditions: readonly Condition[] = [
  { condition: 'acks=all', without: { check: 'no-acked-loss', preset: 'acks1', faults: ['crash'] } },
  { condition: 'min.insync.replicas >= 2', without: { check: 'no-acked-loss', preset: 'min-isr-1', faults: ['crash'] } },
  { condition: 'no unclean leader election', without: { check: 'no-acked-loss', preset: 'unclean', faults: ['crash'], budget: 2 } },
  {
    condition: 'no correlated failure of every replica at once (fsync=never: acknowledged records may be only in page cache)',
    without: { check: 'no-acked-loss', preset: 'default', correlated: true },
  },
];

/** no-data-loss-rf2: acknowledged records survive leader failure, with RF >= 2 (RF = 3 here). */
export const noDataLoss: Experiment = (ctx) =>
  safetyVerdict(ctx, { check: 'no-acked-loss', preset: 'default' }, durabilityConditions, ['replication factor >= 2', 'at most RF - min.insync.replicas brokers faulty at once']);

/**
 * at-least-once-default: with the default configuration, an acknowledged record is never lost;
 * outside the fault budget (every replica crashing together, no fsync) it is.
 */
export const atLeastOnceByDefault: Experiment = (ctx) => {
  const o = safetyVerdict(ctx, { check: 'no-acked-loss', preset: 'default' }, durabilityConditions.slice(3), ['the default configuration (acks=all, RF=3, min.insync.replicas=2, no unclean election)']);
  // fsync after every append makes the correlated crash survivable: the alternative condition.
  const fsync = ctx.search({ check: 'no-acked-loss', preset: 'fsync-always', correlated: true, mode: 'hold' });
  return {
    ...o,
    evidence: [...o.evidence, describeSearch(fsync, 'even with fsync')],
    conditions: o.conditions.map((c) => (c.startsWith('no correlated') && !fsync.found ? `${c}, or fsync after every append (flush.messages=1)` : c)),
  };
};

/** persistent: records are on disk; a correlated crash with fsync=never loses them. Same runs. */
export const persistent: Experiment = (ctx) => atLeastOnceByDefault(ctx);

function leaderAt(scenario: Scenario, t: number): { leader: number; isr: readonly number[] } {
  const { world } = runScenario({ ...scenario, durationMs: t }, 'off');
  const c = controllerImage(world)!;
  return { leader: c.partitions[0]!.leader, isr: c.partitions[0]!.isr };
}

/**
 * leader-failover: crash the leader of the partition and see who leads once the controller
 * has noticed (broker.session.timeout.ms). With RF = 3 a follower from the ISR takes over; with
 * RF = 1 there is no follower and the partition stays offline until the broker is back.
 */
export const leaderFailover: Experiment = (ctx) => {
  const evidence: string[] = [];
  const tryRf = (rf: number, unclean: boolean): boolean => {
    const base = parseScenario({ seed: 1, durationMs: 100, config: ctx.config('default', { replicationFactor: rf, minInsyncReplicas: 1, uncleanLeaderElection: unclean }), workload: { kind: 'produce', records: 5 } });
    const before = leaderAt(base, 100);
    const crashed = parseScenario({ ...base, durationMs: 400, faults: [{ at: 100, type: 'crash', node: brokerNode(before.leader) }] });
    const after = leaderAt(crashed, 400);
    const took = after.leader > 0 && after.leader !== before.leader;
    evidence.push(`RF=${rf}${unclean ? ', unclean election' : ''}: leader ${before.leader} (ISR [${before.isr.join(',')}]) crashes at 100 ms; at 400 ms the leader is ${after.leader < 0 ? 'none (offline)' : after.leader}`);
    return took;
  };
  const rf3 = tryRf(3, false);
  const rf1 = tryRf(1, false);
  if (!rf3) return { verdict: 'refuted', conditions: [], evidence };
  return rf1 ? { verdict: 'holds', conditions: [], evidence } : { verdict: 'holds-if', conditions: ['the partition has a follower in the ISR (replication factor >= 2), or unclean leader election is on'], evidence };
};

/**
 * fault-tolerant: writes go on while brokers are down. Produce for 600 ms with k brokers
 * crashed from 100 ms on, and count acknowledgements of records sent after the crash.
 */
export const faultTolerant: Experiment = (ctx) => {
  const config = resolveConfig('default', {}, 'config', ctx.kafka);
  const evidence: string[] = [];
  const okAfter = (k: number): number => {
    // Crash the brokers that do not lead: the leader stays, so only the ISR rule decides.
    const probe = leaderAt(parseScenario({ seed: 1, durationMs: 100, config: ctx.config(), workload: { kind: 'produce', records: 60, intervalMs: 10 } }), 100);
    const victims = Array.from({ length: config.brokers }, (_, i) => i + 1).filter((b) => b !== probe.leader).slice(0, k);
    const s = parseScenario({ seed: 1, durationMs: 1000, config: ctx.config(), workload: { kind: 'produce', records: 60, intervalMs: 10 }, faults: victims.map((b) => ({ at: 100, type: 'crash' as const, node: brokerNode(b) })), properties: [] });
    const { world } = runScenario(s, 'off');
    const acked = world.history.filter((o) => o.f === 'send' && o.type === 'ok' && ((o.value as [string, number, [number, number]][])[0]![2][1] >= 20)).length;
    evidence.push(`${k} of ${config.brokers} brokers crashed (min.insync.replicas=${config.minInsyncReplicas}): ${acked} of 40 records sent after the crash acknowledged`);
    return acked;
  };
  const one = okAfter(1);
  const two = okAfter(2);
  if (one === 0) return { verdict: 'refuted', conditions: [], evidence };
  return two > 0 ? { verdict: 'holds', conditions: [], evidence } : { verdict: 'holds-if', conditions: ['at most RF - min.insync.replicas brokers are down (beyond that, acks=all writes fail with NOT_ENOUGH_REPLICAS)'], evidence };
};

/** replicated: with no faults, every acknowledged record ends up on every replica. */
export const replicatedToOtherBrokers: Experiment = (ctx) => {
  const s = parseScenario({ seed: 1, durationMs: 800, config: ctx.config(), workload: { kind: 'produce', records: 30, intervalMs: 10 } });
  const { world } = runScenario(s, 'off');
  const config = resolveConfig('default', {}, 'config', ctx.kafka);
  const acked = world.history.filter((o) => o.f === 'send' && o.type === 'ok').map((o) => (o.value as [string, number, [number, number]][])[0]![2]);
  const missing: string[] = [];
  for (let b = 1; b <= config.brokers; b++) {
    const ctx = (world.actor(brokerNode(b), partitionName(0))?.getSnapshot() as { context: { log: { recordAt(o: number): { value: { value: number } } | undefined } } } | undefined)?.context;
    for (const [offset, value] of acked) if (ctx?.log.recordAt(offset)?.value.value !== value) missing.push(`broker ${b} offset ${offset}`);
  }
  const evidence = [`${acked.length} records acknowledged; ${missing.length} (record, replica) pairs missing at the end${missing.length > 0 ? `: ${missing.slice(0, 3).join(', ')}` : ''}`];
  return missing.length === 0 && acked.length > 0 ? { verdict: 'holds', conditions: [], evidence } : ({ verdict: 'refuted', conditions: [], evidence } satisfies Outcome);
};

