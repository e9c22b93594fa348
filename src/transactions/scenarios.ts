import fc from 'fast-check';
import { transactionPropertyIds } from '../check/transactions.js';
import { consumerNode, producerNode } from '../cluster/kafka.js';
import type { ScenarioInput } from '../cluster/scenario.js';
import type { Base } from '../groups/scenarios.js';
import { faultOverBy, type Fault } from '../sim/faults.js';
import { configFields, budgetFor, episodesArb, episodesToFaults, type Episode, type SearchSpace } from '../workload/arbitraries.js';

/**
 * Search spaces for the transaction properties (spec/transactions.md): a transactional producer
 * writing the input topic in transactions (some aborted by the application), a
 * consume-transform-produce group turning it into the `out` topic, broker fault episodes within
 * the budget, and client episodes: a producer or consumer crash and restart (the restarted
 * client re-initialises its transactional.id, fencing its former self), and a consumer stall
 * longer than the session timeout (a zombie that wakes up still holding a transaction), and a
 * slow link between the producer and one broker (a request can then land after the producer
 * gave it up and ended its transaction, KAFKA-17754).
 */
export type ClientEpisodeKind = 'crash-producer' | 'crash-consumer' | 'stall-consumer' | 'slow-producer';

export interface ClientEpisode {
  kind: ClientEpisodeKind;
  consumer: number;
  at: number;
  durationMs: number;
}

export interface TxnCase {
  seed: number;
  records: number;
  intervalMs: number;
  recordsPerTxn: number;
  abortEvery: number;
  consumers: number;
  processingMs: number;
  episodes: Episode[];
  clientEpisodes: ClientEpisode[];
}

/** Three partitions, so that a transaction spans several and atomic visibility means something. */
const PARTITIONS = 3;
/** Time after the last fault and record for transactions to finish and consumers to catch up. */
const SETTLE_MS = 900;

/** What each property is searched with (spec/transactions.md, "Search spaces"). */
export interface TxnSpaceOptions {
  readonly clientKinds: readonly ClientEpisodeKind[];
  readonly minConsumers: number;
  /** Applications that abort some transactions themselves. */
  readonly minAbortEvery: number;
  /** At least one client episode per run. */
  readonly clientFault: boolean;
}

const allClientKinds: readonly ClientEpisodeKind[] = ['crash-producer', 'crash-consumer', 'stall-consumer', 'slow-producer'];

const spaceOptions: Record<string, TxnSpaceOptions> = {
  // Zombies: two or more consumers, one of them stalled past its session or crashed.
  'exactly-once': { clientKinds: ['stall-consumer', 'crash-consumer', 'crash-producer'], minConsumers: 2, minAbortEvery: 0, clientFault: true },
  'no-aborted-reads': { clientKinds: allClientKinds, minConsumers: 1, minAbortEvery: 1, clientFault: false },
  'atomic-visibility': { clientKinds: allClientKinds, minConsumers: 1, minAbortEvery: 1, clientFault: false },
};

export function txnCaseArb(space: SearchSpace, o: TxnSpaceOptions = spaceOptions['no-aborted-reads']!): fc.Arbitrary<TxnCase> {
  const clientHorizon = Math.max(100, Math.floor(space.horizonMs * 0.6));
  return fc.record({
    seed: fc.nat({ max: 1_000_000 }),
    records: fc.integer({ min: 2, max: 36 }),
    intervalMs: fc.integer({ min: 1, max: 15 }),
    recordsPerTxn: fc.integer({ min: 1, max: 6 }),
    abortEvery: o.minAbortEvery > 0 ? fc.integer({ min: o.minAbortEvery, max: 3 }) : fc.integer({ min: 0, max: 3 }),
    consumers: fc.integer({ min: o.minConsumers, max: 3 }),
    processingMs: fc.integer({ min: 1, max: 20 }),
    episodes: episodesArb(space),
    clientEpisodes: fc.array(
      fc.record({
        kind: fc.constantFrom<ClientEpisodeKind>(...o.clientKinds),
        consumer: fc.integer({ min: 0, max: 2 }),
        at: fc.integer({ min: 50, max: clientHorizon }),
        // Stalls longer than session.timeout.ms make zombies; crashes last until the restart;
        // a slow link adds 250 + durationMs ms per message while it lasts.
        durationMs: fc.integer({ min: 1, max: space.consumerOutageMaxMs }),
      }),
      { minLength: o.clientFault ? 1 : 0, maxLength: 3 },
    ),
  });
}

export function txnCaseToScenario(c: TxnCase, space: SearchSpace, base: Base): ScenarioInput {
  const consumers = Array.from({ length: c.consumers }, (_, i) => consumerNode(0, i));
  const brokerFaults = episodesToFaults(c.episodes, { ...space, others: [...space.others, ...consumers] });
  const clientFaults: Fault[] = [];
  const stalls: { consumer: number; at: number; durationMs: number }[] = [];
  for (const e of c.clientEpisodes) {
    if (e.kind === 'slow-producer') {
      // The link from the producer to one broker (`consumer` picks which): slower than
      // request.timeout.ms while it lasts, so a request can land after its transaction ended.
      const broker = space.nodes[e.consumer % space.nodes.length]!;
      clientFaults.push({ at: e.at, type: 'latency', node: producerNode(0), peer: broker, ms: 250 + e.durationMs, durationMs: e.durationMs });
    } else if (e.kind === 'crash-producer') {
      clientFaults.push({ at: e.at, type: 'crash', node: producerNode(0) }, { at: e.at + e.durationMs, type: 'restart', node: producerNode(0) });
    } else if (e.consumer < c.consumers) {
      const node = consumerNode(0, e.consumer);
      if (e.kind === 'crash-consumer') clientFaults.push({ at: e.at, type: 'crash', node }, { at: e.at + e.durationMs, type: 'restart', node });
      else stalls.push({ consumer: e.consumer, at: e.at, durationMs: e.durationMs });
    }
  }
  const faults = [...brokerFaults, ...clientFaults].sort((a, b) => a.at - b.at);
  const lastFault = Math.max(0, ...faults.map(faultOverBy), ...stalls.map((s) => s.at + s.durationMs));
  return {
    seed: c.seed,
    durationMs: Math.max(base.durationMs, Math.max(c.records * c.intervalMs, lastFault) + SETTLE_MS),
    config: configFields(base, { partitions: PARTITIONS }),
    workload: {
      kind: 'produce',
      producers: 1,
      records: c.records,
      intervalMs: c.intervalMs,
      keys: 8,
      transactional: { recordsPerTxn: c.recordsPerTxn, abortEvery: c.abortEvery },
      groups: [{ consumers: c.consumers, commit: 'transactional', reset: 'earliest', processingMs: c.processingMs, stalls }],
    },
    faults,
    ...budgetFor(faults, space),
  };
}

/** The search space for a transaction property other than no-duplicates (which the produce space searches), else undefined. */
export function txnSpaceFor(property: string, space: SearchSpace, base: Base): { arb: fc.Arbitrary<TxnCase>; toScenario: (c: TxnCase) => ScenarioInput } | undefined {
  if (property === 'no-duplicates' || !(transactionPropertyIds as readonly string[]).includes(property)) return undefined;
  return { arb: txnCaseArb(space, spaceOptions[property]), toScenario: (c) => txnCaseToScenario(c, space, base) };
}
