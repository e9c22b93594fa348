import { runScenario } from '../../cluster/run.js';
import { parseScenario } from '../../cluster/scenario.js';
import { controllerImage } from '../../machines/controller-view.js';
import { brokerNode, partitionName } from '../../machines/protocol.js';
import type { World } from '../../sim/world.js';
import type { Experiment } from '../types.js';
import { describeSearch, exhibit, safetyVerdict } from './common.js';

/**
 * at-most-once-loss: a producer that does not retry (retries=0) loses records when the leader
 * crashes: count sends that failed and are not in the log at the end.
 */
export const atMostOnceLoss: Experiment = (ctx) => {
  const lost = (retries: number) => {
    const base = { seed: 1, config: ctx.config('default', { retries }), workload: { kind: 'produce' as const, records: 40, intervalMs: 10 }, properties: [] };
    const probe = runScenario(parseScenario({ ...base, durationMs: 100 }), 'off');
    const leader = controllerImage(probe.world)!.partitions[0]!.leader;
    const { world } = runScenario(parseScenario({ ...base, durationMs: 1500, faults: [{ at: 150, type: 'crash', node: brokerNode(leader) }, { at: 600, type: 'restart', node: brokerNode(leader) }] }), 'off');
    const c = controllerImage(world)!.partitions[0]!;
    const log = (world.actor(brokerNode(c.leader), partitionName(0))?.getSnapshot() as { context: { log: { read(o: number): { value: { value: number } }[] } } }).context.log;
    const present = new Set(log.read(0).map((r) => r.value.value));
    const failed = world.history.filter((o) => o.f === 'send' && (o.type === 'fail' || o.type === 'info')).map((o) => (o.value as [string, number, number][])[0]![2]);
    return { failed: failed.length, lost: failed.filter((v) => !present.has(v)).length };
  };
  const none = lost(0);
  const many = lost(2147483647);
  const evidence = [
    `retries=0, leader crashes at 150 ms: ${none.failed} sends failed, ${none.lost} of them not in the log at the end`,
    `retries=MAX (default), same run: ${many.failed} sends failed, ${many.lost} not in the log`,
  ];
  return { verdict: none.lost > 0 ? 'holds' : 'refuted', conditions: [], evidence };
};

/**
 * at-least-once-duplicates: a producer that retries without idempotence (the default before
 * Kafka 3.0) can write a record twice; the idempotent producer (the default since) cannot.
 */
export const atLeastOnceDuplicates: Experiment = (ctx) => {
  const plain = ctx.search({ check: 'no-duplicates', preset: 'no-idempotence', mode: 'find' });
  const idem = ctx.search({ check: 'no-duplicates', preset: 'default', mode: 'hold' });
  const w = exhibit(plain, 'a retried send is written twice: a consumer reads it at two offsets');
  const evidence = [describeSearch(plain, 'a retry wrote a record twice'), describeSearch(idem, 'the idempotent producer')];
  if (!plain.found) return { verdict: 'refuted', conditions: [], evidence };
  if (idem.found) return { verdict: 'holds', conditions: [], evidence, ...(w ? { witness: w } : {}) };
  return {
    verdict: 'holds-if',
    conditions: ['the producer is not idempotent (enable.idempotence=false, the default before Kafka 3.0); an idempotent producer retries without duplicates'],
    evidence,
    ...(w ? { counterexample: w } : {}),
  };
};

/**
 * exactly-once: end to end through a consume-transform-produce group, every committed input has
 * exactly one output, across broker, producer and consumer crashes, zombies and rebalances
 * (spec/transactions.md), and each guard is needed.
 */
export const exactlyOnce: Experiment = (ctx) =>
  safetyVerdict(ctx, { check: 'exactly-once', preset: 'default' }, [
    { condition: 'an idempotent producer (enable.idempotence)', without: { check: 'no-duplicates', preset: 'no-idempotence' } },
    { condition: 'transactions read with isolation.level=read_committed', without: { check: 'no-aborted-reads', preset: 'read-uncommitted' } },
    { condition: 'zombie fencing (producer epochs, KIP-447 group generations)', without: { check: 'exactly-once', preset: 'no-fencing' } },
  ]);

/** Counts of the record-carrying messages brokers delivered to one kind of recipient. */
interface PullCounts {
  /** Fetches the recipients sent. */
  fetches: number;
  /** Broker messages to them that carried records. */
  carrying: number;
  /** Of those, the ones that answered no outstanding Fetch of the recipient to that broker. */
  unrequested: number;
}

const recipientKind = (node: string): 'followers' | 'consumers' | undefined => (/^b\d+/.test(node) ? 'followers' : /^g\d+-c\d+/.test(node) ? 'consumers' : undefined);

/**
 * Pull, not push: every message from a broker that carries records answers a Fetch its
 * recipient sent that broker. Counted over a run's trace, separately for followers (broker to
 * broker) and consumers (the group members' own Fetches).
 */
function pullCounts(world: World): Record<'followers' | 'consumers', PullCounts> {
  const out = { followers: { fetches: 0, carrying: 0, unrequested: 0 }, consumers: { fetches: 0, carrying: 0, unrequested: 0 } };
  const pending = new Map<string, number>();
  const pair = (a: string, b: string) => `${a.split('/')[0]}>${b.split('/')[0]}`;
  for (const ev of world.trace.events()) {
    if (ev.e !== 'deliver') continue;
    const m = ev.msg as { type: string; records?: readonly unknown[] };
    if (m.type === 'Fetch') {
      const kind = recipientKind(ev.from);
      if (kind) out[kind].fetches++;
      pending.set(pair(ev.from, ev.to), (pending.get(pair(ev.from, ev.to)) ?? 0) + 1);
      continue;
    }
    const kind = recipientKind(ev.to);
    // A Produce carries records to the leader that writes them (a coordinator writing to an
    // internal topic on another broker): a write, not a delivery to a reader.
    if (!kind || m.type === 'Produce' || !/^b\d+/.test(ev.from) || !Array.isArray(m.records) || m.records.length === 0) continue;
    out[kind].carrying++;
    const key = pair(ev.to, ev.from);
    const n = pending.get(key) ?? 0;
    if (m.type !== 'FetchResponse' || n === 0) out[kind].unrequested++;
    else pending.set(key, n - 1);
  }
  return out;
}

/** A produce workload read by a group of two consumers, with a leader crash among the brokers. */
function groupRun(): World {
  const input = { seed: 1, durationMs: 1500, workload: { kind: 'produce' as const, records: 40, intervalMs: 10, groups: [{ consumers: 2 }] }, properties: [] };
  const probe = runScenario(parseScenario({ ...input, durationMs: 100 }), 'off');
  const leader = controllerImage(probe.world)!.partitions[0]!.leader;
  return runScenario(parseScenario({ ...input, faults: [{ at: 300, type: 'crash', node: brokerNode(leader) }, { at: 700, type: 'restart', node: brokerNode(leader) }] }), 'full').world;
}

const describeCounts = (who: string, c: PullCounts) => `${who}: ${c.fetches} Fetch requests sent; ${c.carrying} broker messages carried records to them, ${c.unrequested} of them not an answer to a Fetch of theirs`;

/** consumers-pull: followers and consumers alike receive records only in answer to their own Fetches. */
export const consumersPull: Experiment = () => {
  const c = pullCounts(groupRun());
  const evidence = [describeCounts('consumers (a group of 2; the partition leader crashes at 300 ms and restarts at 700 ms)', c.consumers), describeCounts('followers, same run', c.followers)];
  const pulled = c.consumers.carrying > 0 && c.followers.carrying > 0 && c.consumers.unrequested + c.followers.unrequested === 0;
  return { verdict: pulled ? 'holds' : 'refuted', conditions: [], evidence };
};

/**
 * events-pushed: if brokers pushed records, a consumer that stops polling would keep receiving
 * them. A consumer stalls (a stop-the-world pause: it sends nothing) while the producer keeps
 * writing: no records reach it during the stall, and it reads them after, from the log
 * (replayable). The push half is refuted; the replay half is replay-events.
 */
export const eventsPushed: Experiment = () => {
  const stall = { at: 300, durationMs: 200 };
  const input = { seed: 1, durationMs: 1500, workload: { kind: 'produce' as const, records: 60, intervalMs: 10, groups: [{ consumers: 1, stalls: [{ consumer: 0, ...stall }] }] }, properties: [] };
  const { world } = runScenario(parseScenario(input), 'full');
  const consumer = 'g0-c0';
  const during = (t: number) => t >= stall.at && t < stall.at + stall.durationMs;
  let deliveredDuring = 0;
  for (const ev of world.trace.events()) if (ev.e === 'deliver' && ev.to === consumer && during(ev.t) && ((ev.msg as { records?: unknown[] }).records?.length ?? 0) > 0) deliveredDuring++;
  const producedDuring = world.history.filter((o) => o.f === 'send' && o.type === 'ok' && during(o.time)).length;
  const readAfter = world.history.filter((o) => o.process === consumer && o.f === 'poll' && o.type === 'ok' && o.time >= stall.at + stall.durationMs).length;
  const c = pullCounts(world);
  const evidence = [
    `a consumer stalls from ${stall.at} to ${stall.at + stall.durationMs} ms while ${producedDuring} records are acknowledged: ${deliveredDuring} messages carried records to it meanwhile; it completed ${readAfter} polls after the stall, reading them from the log`,
    describeCounts('the consumer over the whole run', c.consumers),
  ];
  const pushed = deliveredDuring > 0 || c.consumers.unrequested > 0;
  return { verdict: pushed ? 'holds' : 'refuted', conditions: [], evidence };
};
