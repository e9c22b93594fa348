import { runScenario } from '../../cluster/run.js';
import { parseScenario } from '../../cluster/scenario.js';
import { controllerImage } from '../../machines/controller-view.js';
import { brokerNode, partitionName } from '../../machines/protocol.js';
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

/**
 * Pull, not push: in a run, every message from a broker that carries records answers a Fetch
 * its recipient sent that broker. Returns the counts, for the two claims that disagree on it.
 */
function pullCounts(): { carrying: number; unrequested: number; fetches: number } {
  const { world } = runScenario(parseScenario({ seed: 1, durationMs: 300, workload: { kind: 'produce', records: 10, intervalMs: 10 } }), 'full');
  const pending = new Map<string, number>();
  let carrying = 0;
  let unrequested = 0;
  let fetches = 0;
  for (const ev of world.trace.events()) {
    if (ev.e !== 'deliver') continue;
    const m = ev.msg as { type: string; records?: readonly unknown[] };
    const pair = (a: string, b: string) => `${a.split('/')[0]}>${b.split('/')[0]}`;
    if (m.type === 'Fetch') {
      fetches++;
      pending.set(pair(ev.from, ev.to), (pending.get(pair(ev.from, ev.to)) ?? 0) + 1);
      continue;
    }
    if (!/^b\d+/.test(ev.from) || !Array.isArray(m.records) || m.records.length === 0) continue;
    carrying++;
    const key = pair(ev.to, ev.from);
    const n = pending.get(key) ?? 0;
    if (m.type !== 'FetchResponse' || n === 0) unrequested++;
    else pending.set(key, n - 1);
  }
  return { carrying, unrequested, fetches };
}

export const consumersPull: Experiment = () => {
  const c = pullCounts();
  const evidence = [`${c.fetches} Fetch requests; ${c.carrying} broker messages carried records, ${c.unrequested} of them not an answer to a Fetch from their recipient`];
  return { verdict: c.carrying > 0 && c.unrequested === 0 ? 'holds' : 'refuted', conditions: [], evidence };
};

export const eventsPushed: Experiment = () => {
  const c = pullCounts();
  const evidence = [`${c.carrying} broker messages carried records, ${c.unrequested} pushed unrequested: records move only when a reader fetches them (pull)`];
  return { verdict: c.unrequested > 0 ? 'holds' : 'refuted', conditions: [], evidence };
};
