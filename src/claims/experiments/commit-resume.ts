import { runScenario } from '../../cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../cluster/scenario.js';
import { polledRecords } from '../../sim/history.js';
import type { World } from '../../sim/world.js';
import type { Experiment, ExperimentContext } from '../types.js';

/**
 * committed-offset-next-read: what a committed offset means for the read that follows it.
 *
 * Kafka's consumer commits the offset of the *next* record to read, the last processed offset
 * plus one (KafkaConsumer.commitSync() commits the consumed position; ConsumerCoordinator
 * sends it in OffsetCommit). A member that takes the partition over fetches that offset
 * (OffsetFetch) and its first read starts exactly there. So "events up to 42 are processed,
 * the next read starts from 43" is true of a group whose committed offset is 43: the
 * committed offset is not the last processed record.
 *
 * The experiment runs a group of two members on one partition: the first reads and commits,
 * then leaves (a clean LeaveGroup) or crashes; the second, idle until then, takes the
 * partition over. From the trace it pairs every commit the coordinator accepted with the
 * committer's processed records, and every OffsetFetch answer with the reader's next poll.
 */

/** One hand-over: a committed offset, what its committer had processed, and where the next read began. */
export interface Handover {
  readonly scenario: string;
  readonly partition: number;
  /** The committed offset the new owner fetched. */
  readonly committed: number;
  /** The highest offset the committing member had read when it sent that commit. */
  readonly lastReadBeforeCommit: number | undefined;
  /** The highest offset the committing member read at all (above the commit: read, never committed). */
  readonly lastReadByCommitter: number | undefined;
  /** The first offset of the new owner's first poll of the partition after its OffsetFetch. */
  readonly firstRead: number | undefined;
}

interface Msg {
  type: string;
  requestId?: number;
  error?: string;
  offsets?: readonly { partition: number; offset: number }[];
}

/** The offsets of each poll a consumer completed, in order, with the poll's time. */
function polls(world: World, consumer: string): { time: number; partition: number; offsets: number[] }[] {
  const out: { time: number; partition: number; offsets: number[] }[] = [];
  for (const op of world.history) {
    if (op.process !== consumer) continue;
    for (const r of polledRecords(op)) {
      const last = out.at(-1);
      if (last?.time === op.time && last.partition === r.partition) last.offsets.push(r.offset);
      else out.push({ time: op.time, partition: r.partition, offsets: [r.offset] });
    }
  }
  return out;
}

export function handovers(name: string, input: ScenarioInput): Handover[] {
  const { world } = runScenario(parseScenario(input), 'full');
  // A commit the coordinator received; its answer may never arrive (the member left or crashed
  // meanwhile), but what the new owner fetches says which commit was stored.
  const commits: { t: number; by: string; partition: number; offset: number }[] = [];
  const fetched: { t: number; by: string; partition: number; offset: number }[] = [];
  for (const ev of world.trace.events()) {
    if (ev.e !== 'deliver') continue;
    const m = ev.msg as Msg;
    if (m.type === 'OffsetCommit') for (const o of m.offsets ?? []) commits.push({ t: ev.sent, by: ev.from, partition: o.partition, offset: o.offset });
    if (m.type === 'OffsetFetchResponse' && m.error === undefined) for (const o of m.offsets ?? []) if (o.offset >= 0) fetched.push({ t: ev.t, by: ev.to, partition: o.partition, offset: o.offset });
  }
  return fetched.map((f) => {
    const commit = commits.filter((a) => a.partition === f.partition && a.offset === f.offset && a.t <= f.t).at(-1);
    const read = commit ? polls(world, commit.by).filter((p) => p.partition === f.partition && p.time <= f.t) : [];
    const before = read.filter((p) => p.time <= commit!.t).flatMap((p) => p.offsets);
    const next = polls(world, f.by).find((p) => p.partition === f.partition && p.time >= f.t);
    return {
      scenario: name,
      partition: f.partition,
      committed: f.offset,
      lastReadBeforeCommit: before.length > 0 ? Math.max(...before) : undefined,
      lastReadByCommitter: read.length > 0 ? Math.max(...read.flatMap((p) => p.offsets)) : undefined,
      firstRead: next?.offsets[0],
    };
  });
}

/** The two hand-overs of the experiment: the first member leaves cleanly, or crashes. */
export function commitResumeScenarios(ctx: Pick<ExperimentContext, 'config'>): [string, ScenarioInput][] {
  const group = { consumers: 2, commit: 'after-process' as const };
  const base = { seed: 1, durationMs: 2000, config: ctx.config('default'), properties: [] };
  const workload = (extra: object) => ({ kind: 'produce' as const, records: 60, intervalMs: 10, groups: [{ ...group, ...extra }] });
  return [
    ['the first member leaves the group at 300 ms', { ...base, workload: workload({ closes: [{ consumer: 0, at: 300 }] }) }],
    // 291 ms: after a poll that read records 24-26 (at 287 ms), before the commit of 27 (295 ms).
    ['the first member crashes at 291 ms, between a poll and its commit', { ...base, workload: workload({}), faults: [{ at: 291, type: 'crash', node: 'g0-c0' }] }],
  ];
}

export const committedOffsetResume: Experiment = (ctx) => {
  const all = commitResumeScenarios(ctx).flatMap(([name, input]) => handovers(name, input));
  const seen = all.filter((h) => h.firstRead !== undefined);
  const atCommitted = seen.filter((h) => h.firstRead === h.committed);
  const lastPlusOne = seen.filter((h) => h.lastReadBeforeCommit === h.committed - 1);
  const evidence = seen.map((h) => {
    const beyond = h.lastReadByCommitter !== undefined && h.lastReadByCommitter >= h.committed ? ` (it had read up to ${h.lastReadByCommitter}, uncommitted: read again)` : '';
    return `${h.scenario}: the member read up to offset ${h.lastReadBeforeCommit ?? 'none'} and committed ${h.committed}${beyond}; the new owner's first read of partition ${h.partition} was offset ${h.firstRead}`;
  });
  if (seen.length === 0) return { verdict: 'refuted', conditions: [], evidence: ['no member took a partition over from a committed offset: the experiment saw nothing to compare'] };
  evidence.push(`${atCommitted.length} of ${seen.length} hand-overs resumed at the committed offset; in ${lastPlusOne.length} the committed offset was the last offset read before the commit + 1`);
  if (atCommitted.length !== seen.length) return { verdict: 'refuted', conditions: [], evidence };
  return {
    verdict: 'holds-if',
    conditions: [
      '"last committed offset" names the last processed record: Kafka commits the next offset to read (processed up to 42, committed 43), and the next read starts at the committed offset itself',
    ],
    evidence,
  };
};
