/**
 * With several partitions in `__consumer_offsets` / `__transaction_state`, each group and each
 * transactional.id is coordinated by the leader of the partition its id hashes to
 * (GroupMetadataManager / TransactionStateManager.partitionFor, coordinator-partition.ts): ids on
 * different partitions are coordinated by different brokers, and a broker crash moves only the
 * coordinators of the partitions it led.
 *
 * With 3 partitions and 3 brokers, internal partition p has replicas starting at broker
 * (partitions + p) % 3 + 1 (controller.ts initialReplicas): partition 1 is led by b3 (then b1),
 * partition 2 by b1. "g0" hashes to 3241 (partition 1), "g1" to 3242 (partition 2);
 * "producer1" to -1051843873 (partition 1), "producer0" to -1051843874 (partition 2).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { groupMetadataPartitionFor, transactionStatePartitionFor } from '../../src/machines/coordinator-partition.js';
import type { ConsumerContext } from '../../src/machines/consumer.js';
import type { ProducerContext } from '../../src/machines/producer.js';
import { polledRecords } from '../../src/sim/history.js';
import type { World } from '../../src/sim/world.js';
import type { CoordinatorContext } from '../../src/machines/group-coordinator.js';

/** Who loaded `actor` when, from the coordinators' own notes ("<actor> loading <partition> (leader epoch n)"). */
function loads(world: World, actor: string): { node: string; partition: string; t: number }[] {
  const out: { node: string; partition: string; t: number }[] = [];
  for (const e of world.trace.events()) {
    if (e.e !== 'note') continue;
    const m = new RegExp(`^${actor} loading (\\S+) `).exec(e.text);
    if (m) out.push({ node: e.node, partition: m[1]!, t: e.t });
  }
  return out;
}

const CRASH_AT = 600;

describe('coordinators on several internal partitions (offsets.topic.num.partitions = 3)', () => {
  const config = { offsetsTopicNumPartitions: 3, transactionStateLogNumPartitions: 3 };

  it('the two groups hash to different partitions', () => {
    expect([groupMetadataPartitionFor(config, 'g0'), groupMetadataPartitionFor(config, 'g1')]).toEqual([1, 2]);
    expect([transactionStatePartitionFor(config, 'producer0'), transactionStatePartitionFor(config, 'producer1')]).toEqual([2, 1]);
  });

  // The classic coordinator, and KIP-848's (GroupCoordinatorService.partitionFor: the same rule).
  it.each(['default', 'consumer-protocol'])("%s: two groups are coordinated by their partitions' leaders; crashing one leader moves only that group's coordinator", (preset) => {
    const { world, summary } = runScenario(
      parseScenario({
        seed: 1,
        durationMs: 2000,
        config: { preset, overrides: config },
        workload: { kind: 'produce', producers: 1, records: 40, intervalMs: 20, keys: 4, groups: [{ consumers: 1 }, { consumers: 1 }] },
        faults: [{ at: CRASH_AT, type: 'crash', node: 'b3' }],
        properties: ['group-exclusive-ownership', 'stale-commit-fenced'],
      }),
      'full',
    );
    expect(summary.violation).toBeUndefined();
    const g0 = loads(world, 'group-g0');
    const g1 = loads(world, 'group-g1');
    // Before the crash: g0 on b3 (leader of __consumer_offsets-1), g1 on b1 (leader of __consumer_offsets-2).
    expect(g0[0]).toMatchObject({ node: 'b3', partition: '__consumer_offsets-1' });
    expect(g1[0]).toMatchObject({ node: 'b1', partition: '__consumer_offsets-2' });
    // The crash of b3 moves g0's coordinator to b1 (the next replica of __consumer_offsets-1) ...
    expect(g0.filter((l) => l.t >= CRASH_AT).map((l) => [l.node, l.partition])).toEqual([['b1', '__consumer_offsets-1']]);
    // ... and g1's is never loaded again: its coordinator did not change.
    expect(g1).toHaveLength(1);
    // The consumers found theirs: g0-c0 its new coordinator, g1-c0 the one it had all along.
    const coordinatorOf = (node: string) => (world.actor(node)!.getSnapshot() as { context: ConsumerContext }).context.coordinator;
    expect([coordinatorOf('g0-c0'), coordinatorOf('g1-c0')]).toEqual([1, 1]);
    // Both groups kept consuming after the crash, and g0's new coordinator has its commits.
    const readAfter = (consumer: string) => world.history.some((o) => o.process === consumer && o.time > CRASH_AT && polledRecords(o).length > 0);
    expect([readAfter('g0-c0'), readAfter('g1-c0')]).toEqual([true, true]);
    const g0Coordinator = world.actor('b1', 'group-g0')!.getSnapshot() as { value: unknown; context: Pick<CoordinatorContext, 'offsets'> };
    expect(JSON.stringify(g0Coordinator.value)).toMatch(/Stable/);
    expect(g0Coordinator.context.offsets.size).toBeGreaterThan(0);
  });

  it("two transactional.ids likewise: crashing the leader of producer1's partition moves only its transaction coordinator", () => {
    const { world, summary } = runScenario(
      parseScenario({
        seed: 2,
        durationMs: 3000,
        config: { preset: 'default', overrides: config },
        workload: { kind: 'produce', producers: 2, records: 24, intervalMs: 20, keys: 4, transactional: { recordsPerTxn: 3, abortEvery: 0 } },
        // b3 stays down: producer1's EndTxn or AddPartitionsToTxn to it times out, and the
        // producer looks its coordinator up again (as Kafka's Sender does for a node that is not
        // ready), from a broker that answers.
        faults: [{ at: CRASH_AT, type: 'crash', node: 'b3' }],
        properties: ['no-duplicates', 'no-aborted-reads', 'atomic-visibility'],
      }),
      'full',
    );
    expect(summary.violation).toBeUndefined();
    const p0 = loads(world, 'txn-producer0');
    const p1 = loads(world, 'txn-producer1');
    expect(p0.map((l) => [l.node, l.partition])).toEqual([['b1', '__transaction_state-2']]);
    expect(p1[0]).toMatchObject({ node: 'b3', partition: '__transaction_state-1' });
    expect(p1.filter((l) => l.t >= CRASH_AT).map((l) => [l.node, l.partition])).toEqual([['b1', '__transaction_state-1']]);
    // Both producers finished every transaction.
    const txn = (node: string) => (world.actor(node)!.getSnapshot() as { context: ProducerContext }).context.txn!;
    expect([txn('producer0').phase, txn('producer1').phase]).toEqual(['done', 'done']);
    expect([txn('producer0').coordinator, txn('producer1').coordinator]).toEqual([1, 1]);
  });
});
