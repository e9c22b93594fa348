import { consumerNode, groupId } from '../../cluster/kafka.js';
import { runScenario } from '../../cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../cluster/scenario.js';
import { Ownership } from '../../groups/measure.js';
import type { Experiment, ExperimentContext } from '../types.js';

/**
 * rolling-deploy-zero-downtime: restart a group's members one at a time and measure, in
 * virtual time, how long each partition went without an owner, split into the partitions of
 * the member being restarted (they must wait for it, or for a rebalance) and those of the
 * others (the claim: they keep processing).
 *
 * A restart is a deploy's: the member closes (KafkaConsumer.close(): LeaveGroup for a dynamic
 * member; a static member (KIP-345) sends none, and its partitions wait for it within
 * session.timeout.ms), its process exits, and a new one starts `downMs` later and joins again
 * (a static member with the same group.instance.id, so no rebalance: KIP-345).
 *
 * The protocols compared: eager rebalancing (every member revokes everything before it rejoins,
 * ConsumerCoordinator.onJoinPrepare), cooperative (KIP-429: only the partitions that move are
 * revoked), the consumer protocol (KIP-848: the coordinator reconciles each member
 * incrementally), and static membership (KIP-345) with each.
 */

export type RollingProtocol = 'eager' | 'cooperative' | 'static eager' | 'static cooperative' | 'KIP-848' | 'static KIP-848';
export const rollingProtocols: readonly RollingProtocol[] = ['eager', 'cooperative', 'static eager', 'static cooperative', 'KIP-848', 'static KIP-848'];

export interface RollingResult {
  readonly protocol: RollingProtocol;
  /** Per restart: the longest pause of a partition the restarted member did not own. */
  readonly othersPauseMs: readonly number[];
  /** Per restart: the longest pause of a partition the restarted member owned. */
  readonly ownPauseMs: readonly number[];
}

const members = 3;
const downMs = 150;
const firstRestartMs = 500;
const restartEveryMs = 1000;
const restartAt = (i: number) => firstRestartMs + i * restartEveryMs;

export function rollingScenario(ctx: Pick<ExperimentContext, 'config'>, protocol: RollingProtocol, seed = 1): ScenarioInput {
  const faults = Array.from({ length: members }, (_, i) => [
    // The process exits just after close() returned, and a new one starts downMs later.
    { at: restartAt(i) + 1, type: 'crash' as const, node: consumerNode(0, i), kind: 'process' as const },
    { at: restartAt(i) + downMs, type: 'restart' as const, node: consumerNode(0, i) },
  ]).flat();
  return {
    seed,
    durationMs: restartAt(members) + 500,
    // KIP-848: group.protocol=consumer, the coordinator's uniform assignor (Kafka 4.0+).
    config: ctx.config('default', { partitions: 6, ...(protocol.endsWith('KIP-848') ? { groupProtocol: 'consumer' } : {}) }),
    workload: {
      kind: 'produce',
      records: Math.floor((restartAt(members) + 200) / 10),
      intervalMs: 10,
      keys: 12,
      groups: [
        {
          consumers: members,
          protocol: protocol.endsWith('cooperative') ? 'cooperative' : 'eager',
          static: protocol.startsWith('static'),
          closes: Array.from({ length: members }, (_, i) => ({ consumer: i, at: restartAt(i) })),
        },
      ],
    },
    faults,
    properties: [],
  };
}

export function measureRolling(ctx: Pick<ExperimentContext, 'config'>, protocol: RollingProtocol, seed = 1): RollingResult {
  const input = rollingScenario(ctx, protocol, seed);
  const { world } = runScenario(parseScenario(input), 'full');
  const group = groupId(0);
  const own = new Ownership();
  const restarted: { i: number; owned: number[] }[] = [];
  let next = 0;
  const events = world.trace.events();
  for (const ev of events) {
    while (next < members && ev.t >= restartAt(next)) {
      restarted.push({ i: next, owned: own.ownedBy(consumerNode(0, next)) });
      next++;
    }
    own.apply(ev, group);
  }
  const othersPauseMs: number[] = [];
  const ownPauseMs: number[] = [];
  for (const { i, owned } of restarted) {
    const from = restartAt(i);
    const to = from + restartEveryMs;
    const pause = (ps: number[]) => Math.max(0, ...ps.map((p) => own.pauseWithin(p, from, to)));
    othersPauseMs.push(pause(own.partitions().filter((p) => !owned.includes(p))));
    ownPauseMs.push(pause(owned));
  }
  return { protocol, othersPauseMs, ownPauseMs };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The rows of the claim's table: per protocol, the other members' and the restarted member's pauses. */
export function rollingTable(results: readonly RollingResult[]): string[] {
  return results.map(
    (r) =>
      `${r.protocol}: ${r.othersPauseMs.every((ms) => ms === 0) ? 'zero downtime for the others' : 'the others stop'}: their partitions paused ${r.othersPauseMs.join(', ')} ms (median ${median(r.othersPauseMs)}); the restarted member's own partitions ${r.ownPauseMs.join(', ')} ms`,
  );
}

export const rollingRestart: Experiment = (ctx) => {
  const results = rollingProtocols.map((p) => measureRolling(ctx, p));
  const evidence = [
    `${members} members, 6 partitions; member i closes at ${firstRestartMs} + ${restartEveryMs}*i ms and a new process starts ${downMs} ms later (session.timeout.ms scaled: see the profile); virtual time`,
    ...rollingTable(results),
  ];
  const zero = results.filter((r) => r.othersPauseMs.every((ms) => ms === 0)).map((r) => r.protocol);
  const paused = results.filter((r) => !zero.includes(r.protocol)).map((r) => r.protocol);
  if (zero.length === 0) return { verdict: 'refuted', conditions: [], evidence };
  if (paused.length === 0) return { verdict: 'holds', conditions: [], evidence };
  return {
    verdict: 'holds-if',
    conditions: [
      `the group rebalances without stopping the others (${zero.join(', ')}): under ${paused.join(', ')} the other members' partitions stop at each restart`,
    ],
    evidence,
  };
};
