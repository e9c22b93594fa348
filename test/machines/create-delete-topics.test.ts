import { describe, expect, it } from 'vitest';
import { buildWorld, runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import type { BrokerContext } from '../../src/machines/broker.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { brokerNode, topicOf } from '../../src/machines/protocol.js';
import type { ReplicaContext } from '../../src/machines/replica.js';
import type { World } from '../../src/sim/world.js';

/**
 * An admin client creates topic `orders` (3 partitions, the default replication factor 3), asks
 * again for it and for a topic of replication factor 4 on 3 brokers, tries to delete the data
 * topic, then deletes `orders`, and asks once more. The producer writes the data topic throughout.
 */
type ProduceInput = Extract<NonNullable<ScenarioInput['workload']>, { kind: 'produce' }>;
const createOrders = { at: 300, op: 'create-topic' as const, topic: 'orders', partitions: 3, replicationFactor: -1 };
const workload: ProduceInput = {
  kind: 'produce',
  records: 20,
  intervalMs: 100,
  keys: 3,
  admin: [
    createOrders,
    { at: 500, op: 'create-topic', topic: 'orders', partitions: 1, replicationFactor: 1 },
    { at: 600, op: 'create-topic', topic: 'wide', partitions: 1, replicationFactor: 4 },
    { at: 700, op: 'delete-topic', topic: 't' },
    { at: 1500, op: 'delete-topic', topic: 'orders' },
    { at: 1800, op: 'delete-topic', topic: 'orders' },
  ],
};
const scenario: ScenarioInput = {
  seed: 3,
  durationMs: 2500,
  config: { kafka: '3.9', preset: 'default' },
  workload,
  properties: [],
};

const brokerContext = (world: World, b: number) => (world.actor(brokerNode(b))!.getSnapshot() as { context: BrokerContext }).context;
const replica = (world: World, b: number, name: string) => (world.actor(brokerNode(b), name)?.getSnapshot() as { context: ReplicaContext } | undefined)?.context;
const adminNotes = (world: World) => world.trace.events().flatMap((e) => (e.e === 'note' && e.node === 'admin' ? [e.text] : []));

describe('CreateTopics and DeleteTopics in the model (KRaft)', () => {
  const { world } = buildWorld(parseScenario(scenario), 'full');
  world.start();
  world.run({ until: 1400 });
  const created = controllerImage(world)!.partitions.filter((p) => topicOf(p) === 'orders');
  const cachesWhileCreated = [1, 2, 3].map((b) => brokerContext(world, b).metadata.filter((p) => topicOf(p) === 'orders'));
  const replicasWhileCreated = [1, 2, 3].map((b) => [0, 1, 2].map((p) => replica(world, b, `orders-${p}`)));
  const filesWhileCreated = [1, 2, 3].map((b) => world.disk(brokerNode(b)).fileNames().filter((f) => f.startsWith('orders-')));
  world.run({ until: scenario.durationMs! });

  it('the controller creates the topic: partitions round-robin over the brokers, each with a leader and a full ISR', () => {
    expect(created.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(created.map((p) => p.replicas)).toEqual([
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ]);
    for (const p of created) {
      expect(p.leader).toBe(p.replicas[0]);
      expect(p.isr).toEqual(p.replicas);
      expect(p.leaderEpoch).toBe(0);
    }
  });

  it("the brokers' metadata (what Metadata answers) lists it, and each broker runs a replica of every partition, leader or follower", () => {
    // Each replica has written its checkpoint: the deletion below has something to delete.
    for (const files of filesWhileCreated) expect(files).toHaveLength(3);
    for (const cache of cachesWhileCreated) expect(cache.map((p) => [p.partition, p.leader])).toEqual(created.map((p) => [p.partition, p.leader]));
    replicasWhileCreated.forEach((rs, i) =>
      rs.forEach((r, p) => {
        expect(r, `b${i + 1} orders-${p}`).toBeDefined();
        expect(r!.state?.leader).toBe(created[p]!.leader);
      }),
    );
  });

  it('answers TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR (4 on 3 brokers), INVALID_REQUEST for the data topic, UNKNOWN_TOPIC_OR_PARTITION once deleted', () => {
    expect(adminNotes(world)).toEqual([
      'CreateTopics orders done',
      'CreateTopics orders refused: TOPIC_ALREADY_EXISTS',
      'CreateTopics wide refused: INVALID_REPLICATION_FACTOR',
      'DeleteTopics t refused: INVALID_REQUEST',
      'DeleteTopics orders done',
      'DeleteTopics orders refused: UNKNOWN_TOPIC_OR_PARTITION',
    ]);
    expect(controllerImage(world)!.partitions.some((p) => topicOf(p) === 'wide')).toBe(false);
  });

  it('after the deletion the controller, the metadata caches and the brokers hold nothing of it: replicas stopped, logs deleted', () => {
    const image = controllerImage(world)!;
    expect(image.partitions.some((p) => topicOf(p) === 'orders')).toBe(false);
    expect(image.deletedTopics).toEqual(['orders']);
    for (let b = 1; b <= 3; b++) {
      expect(brokerContext(world, b).metadata.some((p) => topicOf(p) === 'orders')).toBe(false);
      expect(world.actorNames(brokerNode(b)).filter((n) => n.startsWith('orders-'))).toEqual([]);
      expect(world.disk(brokerNode(b)).fileNames().filter((f) => f.startsWith('orders-'))).toEqual([]);
    }
    // The data topic was not touched: the producer's records are all acknowledged.
    expect(world.history.filter((o) => o.f === 'send' && o.type === 'ok')).toHaveLength(20);
  });

  it('a broker restarted after the creation starts the replicas again from its metadata', () => {
    const restarted = runScenario(
      parseScenario({
        ...scenario,
        workload: { ...workload, admin: [createOrders] },
        faults: [
          { at: 800, type: 'crash', node: 'b2' },
          { at: 1100, type: 'restart', node: 'b2' },
        ],
      }),
      'full',
    ).world;
    expect(restarted.isUp('b2')).toBe(true);
    expect(restarted.trace.events().some((e) => e.e === 'note' && e.node === 'b2' && e.text === 'starts orders-0' && e.t >= 1100)).toBe(true);
    for (let p = 0; p < 3; p++) expect(replica(restarted, 2, `orders-${p}`)?.state?.leaderEpoch).toBeGreaterThanOrEqual(0);
  });
});
