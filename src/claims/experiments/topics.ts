import { keyOrderPropertyId } from '../../check/key-order.js';
import { runScenario } from '../../cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../cluster/scenario.js';
import { controllerImage } from '../../machines/controller-view.js';
import type { Experiment, ExperimentContext } from '../types.js';
import { describeSearch, exhibit } from './common.js';

/**
 * Topic administration (KIP-195, CreatePartitions): a topic's partition count can grow after it
 * was created, never shrink, and growing it moves keys to other partitions (the default
 * partitioner hashes a key modulo the count), which is what "affects ordering guarantees".
 */

/** One partition at first; at 300 ms an admin client grows the topic to 3, at 600 ms asks for 2. */
export function growthScenario(ctx: Pick<ExperimentContext, 'config'>): ScenarioInput {
  return {
    seed: 1,
    durationMs: 4500,
    config: ctx.config('default', { partitions: 1 }),
    workload: {
      kind: 'produce',
      records: 40,
      intervalMs: 100,
      keys: 4,
      admin: [
        { at: 300, op: 'create-partitions', totalCount: 3 },
        { at: 600, op: 'create-partitions', totalCount: 2 },
      ],
    },
    properties: [],
  };
}

export const partitionsAtCreation: Experiment = (ctx) => {
  const { world } = runScenario(parseScenario(growthScenario(ctx)), 'full');
  const count = controllerImage(world)?.partitions.filter((p) => p.topic === undefined).length ?? 0;
  const answers = world.trace.events().flatMap((e) => (e.e === 'note' && e.node === 'admin' ? [e.text] : []));
  const perPartition = new Map<number, number>();
  for (const op of world.history) if (op.f === 'send' && op.type === 'ok') perPartition.set((op.value as [string, number][])[0]![1], (perPartition.get((op.value as [string, number][])[0]![1]) ?? 0) + 1);
  const spread = [...perPartition].sort(([a], [b]) => a - b).map(([p, n]) => `t-${p}: ${n}`).join(', ');
  const evidence = [
    `a topic created with 1 partition; an admin client asks for 3 at 300 ms, then for 2 at 600 ms: ${answers.join('; ')}`,
    `at the end the topic has ${count} partitions; acknowledged records per partition: ${spread} (the producer uses the new ones once its metadata is refreshed, metadata.max.age.ms)`,
  ];
  const grew = count === 3 && perPartition.size > 1;
  const shrinkRefused = answers.some((a) => /INVALID_PARTITIONS/.test(a));
  return { verdict: grew && shrinkRefused ? 'refuted' : 'holds', conditions: [], evidence };
};

/** Adding partitions breaks per-key order: the search finds a group processing a key's records out of order. */
export const partitionGrowthOrder: Experiment = (ctx) => {
  // metadata.max.age.ms at 300 ms (model time; Kafka's 5 minutes are 3 s scaled): the clients
  // learn of the new partitions sooner, so the runs are shorter; the search finds the same with
  // Kafka's default, in longer runs (spec/consumer-groups.md, key-order).
  const growing = ctx.search({ check: keyOrderPropertyId, preset: 'default', overrides: { metadataMaxAgeMs: 300 }, mode: 'find' });
  const evidence = [describeSearch(growing, "a group processes a key's newer record before an older one")];
  const cx = exhibit(growing, 'partitions are added while a group reads: a key moves to a new partition, and its newer record is processed before an older one still waiting in the old partition');
  return growing.found ? { verdict: 'holds', conditions: [], evidence, ...(cx ? { witness: cx } : {}) } : { verdict: 'refuted', conditions: [], evidence };
};
