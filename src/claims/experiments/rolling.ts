import { consumerNode, groupId } from '../../cluster/kafka.js';
import { runScenario } from '../../cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../cluster/scenario.js';
import { Ownership } from '../../groups/measure.js';
import { barsSvg } from '../plot.js';
import type { Experiment, ExperimentContext, Figure } from '../types.js';

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
  /**
   * Per restart: the longest pause of a partition another member owned before the restart and
   * still owns after it: the claim's "others keep processing".
   */
  readonly othersPauseMs: readonly number[];
  /**
   * Per restart: the longest pause of a partition another member owned before the restart and
   * gave up in it (to the restarted member's new process): the cost of moving it, 0 when none moved.
   */
  readonly movedPauseMs: readonly number[];
  /** Per restart: the longest pause of a partition the restarted member owned. */
  readonly ownPauseMs: readonly number[];
}

const members = 3;
const downMs = 150;
const closeReturnsMs = 12;
const firstRestartMs = 500;
const restartEveryMs = 1000;
const restartAt = (i: number) => firstRestartMs + i * restartEveryMs;

export function rollingScenario(ctx: Pick<ExperimentContext, 'config'>, protocol: RollingProtocol, seed = 1): ScenarioInput {
  const faults = Array.from({ length: members }, (_, i) => [
    // The process exits once close() has returned, and a new one starts downMs later. close()
    // returns when the coordinator has answered the member's leave (LeaveGroup, or KIP-848's
    // leave heartbeat: ConsumerCoordinator.close and AsyncKafkaConsumer.close wait for it within
    // the close timeout): a round trip, at most twice the network's 5 ms. Exiting sooner can
    // lose a static KIP-848 member's leave (epoch -2), and its new process is then refused
    // (UNRELEASED_INSTANCE_ID) until the old member's session expires.
    { at: restartAt(i) + closeReturnsMs, type: 'crash' as const, node: consumerNode(0, i), kind: 'process' as const },
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
  /** Each partition's owners at the start of each restart's window, and at its end (the next one's start). */
  const owners: Map<number, string[]>[] = [];
  const snapshot = () => new Map(own.partitions().map((p) => [p, own.ownersOf(p)] as const));
  for (const ev of world.trace.events()) {
    while (owners.length < members && ev.t >= restartAt(owners.length)) owners.push(snapshot());
    own.apply(ev, group);
  }
  const end = snapshot();
  const othersPauseMs: number[] = [];
  const movedPauseMs: number[] = [];
  const ownPauseMs: number[] = [];
  owners.forEach((before, i) => {
    const after = owners[i + 1] ?? end;
    const from = restartAt(i);
    const to = from + restartEveryMs;
    const me = consumerNode(0, i);
    const pause = (ps: number[]) => Math.max(0, ...ps.map((p) => own.pauseWithin(p, from, to)));
    const mine = [...before].filter(([, o]) => o.includes(me)).map(([p]) => p);
    const theirs = [...before].filter(([p]) => !mine.includes(p));
    // Kept: still with the member that had it once the restart is over.
    const kept = theirs.filter(([p, o]) => o.some((c) => after.get(p)?.includes(c))).map(([p]) => p);
    othersPauseMs.push(pause(kept));
    movedPauseMs.push(pause(theirs.map(([p]) => p).filter((p) => !kept.includes(p))));
    ownPauseMs.push(pause(mine));
  });
  return { protocol, othersPauseMs, movedPauseMs, ownPauseMs };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The evidence lines: per protocol, the pauses of the others' partitions (kept, then moved) and of the restarted member's own. */
export function rollingTable(results: readonly RollingResult[]): string[] {
  return results.map(
    (r) =>
      `${r.protocol}: ${r.othersPauseMs.every((ms) => ms === 0) ? 'zero downtime for the others' : 'the others stop'}: the partitions they keep paused ${r.othersPauseMs.join(', ')} ms (median ${median(r.othersPauseMs)}); those moved to the restarted member ${r.movedPauseMs.join(', ')} ms; the restarted member's own ${r.ownPauseMs.join(', ')} ms`,
  );
}

/** The claim's figure: per protocol the pauses of each restart, and their medians as bars. */
export function rollingFigure(results: readonly RollingResult[]): Figure {
  const ms = (xs: readonly number[]) => `${xs.join(', ')} (median ${median(xs)})`;
  return {
    caption: `Rolling restart of ${members} members: per restart, the longest time a partition went without an owner, in ms of virtual time`,
    header: ['Protocol', 'Partitions the others keep', 'Partitions moved to the restarted member', "The restarted member's own"],
    rows: results.map((r) => [r.protocol, ms(r.othersPauseMs), ms(r.movedPauseMs), ms(r.ownPauseMs)]),
    svg: barsSvg({
      title: 'Rolling restart: partitions without an owner (median over the restarts)',
      valueLabel: 'ms of virtual time',
      categories: results.map((r) => r.protocol),
      series: [
        { name: 'kept by the others', color: '#b5532a', values: results.map((r) => median(r.othersPauseMs)) },
        { name: 'moved to the restarted member', color: '#d9a441', values: results.map((r) => median(r.movedPauseMs)) },
        { name: "the restarted member's own", color: '#2a6fb5', values: results.map((r) => median(r.ownPauseMs)) },
      ],
    }),
  };
}

export const rollingRestart: Experiment = (ctx) => {
  const results = rollingProtocols.map((p) => measureRolling(ctx, p));
  const figure = rollingFigure(results);
  const evidence = [
    `${members} members, 6 partitions; member i closes at ${firstRestartMs} + ${restartEveryMs}*i ms and a new process starts ${downMs} ms later (session.timeout.ms scaled: see the profile); virtual time`,
    ...rollingTable(results),
  ];
  const zero = results.filter((r) => r.othersPauseMs.every((ms) => ms === 0)).map((r) => r.protocol);
  const paused = results.filter((r) => !zero.includes(r.protocol)).map((r) => r.protocol);
  if (zero.length === 0) return { verdict: 'refuted', conditions: [], evidence, figure };
  if (paused.length === 0) return { verdict: 'holds', conditions: [], evidence, figure };
  const moving = results.filter((r) => r.movedPauseMs.some((ms) => ms > 0));
  const own = results.flatMap((r) => r.ownPauseMs);
  return {
    verdict: 'holds-if',
    conditions: [
      `the group rebalances without stopping the others (${zero.join(', ')}): under ${paused.join(', ')} the other members' partitions stop at each restart`,
      `"zero downtime" is the group's, not each partition's: the restarted member's own partitions wait ${Math.min(...own)}-${Math.max(...own)} ms (for a rebalance, or under static membership for the member to come back)${moving.length > 0 ? `, and under ${moving.map((r) => r.protocol).join(', ')} a partition that moves to the new process pauses while it moves (up to ${Math.max(...moving.flatMap((r) => r.movedPauseMs))} ms)` : ''}`,
    ],
    evidence,
    figure,
  };
};
