import { describe, expect, it } from 'vitest';
import { buildWorld, runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import type { BrokerContext } from '../../src/machines/broker.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { brokerNode, topicOf } from '../../src/machines/protocol.js';
import type { ReplicaContext } from '../../src/machines/replica.js';
import type { World } from '../../src/sim/world.js';
import { adminWorkload, createOrders } from './topic-admin.js';

/**
 * An admin client creates topic `orders` (3 partitions, the default replication factor 3), asks
 * again for it and for a topic of replication factor 4 on 3 brokers, tries to delete the data
 * topic, then deletes `orders`, and asks once more. The producer writes the data topic throughout.
 */
const workload = adminWorkload;
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
    // Each replica's directory holds its partition.metadata and checkpoint: the deletion below has something to delete.
    for (const files of filesWhileCreated) expect(files.filter((f) => f.endsWith('/partition.metadata'))).toHaveLength(3);
    for (const files of filesWhileCreated) expect(files.filter((f) => f.endsWith('/replication-offset-checkpoint'))).toHaveLength(3);
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

  it('a controller node that is not the active one answers NOT_CONTROLLER naming it, and the admin client asks that one', () => {
    const answers = world.trace.events().flatMap((e) => (e.e === 'deliver' && e.to === 'admin' ? [{ from: e.from, ...(e.msg as { type: string; error?: string; leaderHint?: string }) }] : []));
    const redirected = answers.filter((a) => a.type === 'CreateTopicsResponse' && a.error === 'NOT_CONTROLLER');
    expect(redirected.length).toBeGreaterThan(0);
    const done = answers.find((a) => a.type === 'CreateTopicsResponse' && a.error === undefined)!;
    expect(redirected[0]!.leaderHint).toBe(done.from);
  });

  it('an admin operation the scenario gets wrong is refused in one line naming the field', () => {
    expect(() => parseScenario({ ...scenario, workload: { ...workload, admin: [{ at: 1, op: 'create-topic', topic: 'bad name', partitions: 1 }] } })).toThrow(/^scenario: workload\.admin\[0\]\.topic: /);
    expect(() => parseScenario({ ...scenario, workload: { ...workload, admin: [{ at: 1, op: 'delete-topic' } as never] } })).toThrow(/workload\.admin\[0\]\.topic/);
  });

  it('after the deletion the controller, the metadata caches and the brokers hold nothing of it: replicas stopped, logs deleted', () => {
    const image = controllerImage(world)!;
    expect(image.partitions.some((p) => topicOf(p) === 'orders')).toBe(false);
    expect(image.deletedTopics).toEqual([{ topic: 'orders', topicId: 1 }]);
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

  it('a topic deleted while a broker is down and created again under its name is a new topic (topic id 2): every property holds', () => {
    const { world: again, summary } = runScenario(
      parseScenario({
        seed: 5,
        durationMs: 3000,
        config: { kafka: '4.0', preset: 'default' },
        workload: {
          ...workload,
          groups: [{ consumers: 2 }],
          admin: [createOrders, { at: 1500, op: 'delete-topic', topic: 'orders' }, { at: 1700, op: 'create-topic', topic: 'orders', partitions: 2, replicationFactor: 2 }],
        },
        faults: [
          { at: 1000, type: 'crash', node: 'b1' },
          { at: 1600, type: 'restart', node: 'b1' },
        ],
      }),
      'full',
    );
    expect(summary.violation).toBeUndefined();
    const orders = controllerImage(again)!.partitions.filter((p) => topicOf(p) === 'orders');
    expect(orders.map((p) => [p.partition, p.topicId, p.replicas.length])).toEqual([
      [0, 2, 2],
      [1, 2, 2],
    ]);
    // Every broker's cache holds the new topic only, and its replicas follow it.
    for (let b = 1; b <= 3; b++) {
      expect(brokerContext(again, b).metadata.filter((p) => topicOf(p) === 'orders').map((p) => p.topicId)).toEqual([2, 2]);
      for (const p of orders.filter((q) => q.replicas.includes(b))) expect(replica(again, b, `orders-${p.partition}`)?.state?.topicId).toBe(2);
    }
    // b1 was down when the first `orders` was deleted: its log directory was a stray one, which the
    // new topic's replica did not adopt (KIP-516's partition.metadata names the new id).
    expect(orders[0]!.replicas).toContain(1);
    expect(again.disk('b1').read('orders-0/partition.metadata')).toEqual([2]);
  });

  it("a stray log directory (its topic deleted while the broker was down) is not the new topic's log", () => {
    const { world: w } = buildWorld(
      parseScenario({
        seed: 5,
        durationMs: 2500,
        config: { kafka: '4.0', preset: 'default' },
        workload: { ...workload, admin: [createOrders, { at: 1500, op: 'delete-topic', topic: 'orders' }, { at: 1700, op: 'create-topic', topic: 'orders', partitions: 1, replicationFactor: 3 }] },
        faults: [
          { at: 1000, type: 'crash', node: 'b1' },
          { at: 1600, type: 'restart', node: 'b1' },
        ],
      }),
      'full',
    );
    w.start();
    w.run({ until: 1550 });
    expect(w.isUp('b1')).toBe(false);
    // What the deleted topic's replica on b1 had written (the model's producers write only `t`).
    const file = 'orders-0/00000000000000000000.log';
    w.disk('b1').append(file, [{ offset: 0, leaderEpoch: 0, timestamp: 400, key: 'k', value: { producer: 'old', key: 'k', value: 1 } }]);
    w.disk('b1').fsync(file);
    w.run({ until: 2500 });
    expect(w.disk('b1').read('orders-0/partition.metadata')).toEqual([2]);
    expect(w.disk('b1').read(file)).toEqual([]);
    expect(replica(w, 1, 'orders-0')!.log.logEndOffset).toBe(0);
  });
});
