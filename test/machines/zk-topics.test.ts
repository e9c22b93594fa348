import { describe, expect, it } from 'vitest';
import { buildWorld, runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import { formatStory } from '../../src/explore/story.js';
import type { ConsumerContext } from '../../src/machines/consumer.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { brokerNode, partitionName, topicOf, type Produce } from '../../src/machines/protocol.js';
import type { ReplicaContext } from '../../src/machines/replica.js';
import type { ZkBrokerContext } from '../../src/machines/zk-broker.js';
import { ZOOKEEPER, type UpdateMetadata } from '../../src/machines/zk-protocol.js';
import type { ZookeeperContext } from '../../src/machines/zookeeper.js';
import type { World } from '../../src/sim/world.js';
import { adminWorkload, createOrders } from './topic-admin.js';
import { expectFoundAndShrunk } from '../helpers/search.js';

/**
 * Topic changes in ZooKeeper mode (Kafka 2.4): the admin client asks a broker; the controller's
 * AdminManager writes the topic znode (or `/admin/delete_topics/T`), and the controller, woken by
 * its watches, creates the partitions (onNewPartitionCreation) or deletes the topic
 * (TopicDeletionManager). Every property is checked after every event (`properties` absent), the
 * ZooKeeper-mode controller properties among them.
 */

const notesOf = (world: World, node?: string) => world.trace.events().flatMap((e) => (e.e === 'note' && (node === undefined || e.node === node) ? [e.text] : []));
const brokerContext = (world: World, b: number) => (world.actor(brokerNode(b))!.getSnapshot() as { context: ZkBrokerContext }).context;
const replica = (world: World, b: number, name: string) => (world.actor(brokerNode(b), name)?.getSnapshot() as { context: ReplicaContext } | undefined)?.context;
const znodes = (world: World) => (world.actor(ZOOKEEPER)!.getSnapshot() as { context: ZookeeperContext }).context.store.znodes;

describe('CreatePartitions in ZooKeeper mode (KIP-195, AdminZkClient.addPartitions)', () => {
  const { world, summary } = runScenario(
    parseScenario({
      seed: 1,
      // metadata.max.age.ms at 1 s (3 s scaled is Kafka's 5 minutes): the clients see the new
      // partitions sooner, and the run is shorter.
      durationMs: 2500,
      config: { kafka: '2.4', preset: 'default', overrides: { partitions: 1, metadataMaxAgeMs: 1000 } },
      workload: {
        kind: 'produce',
        records: 24,
        intervalMs: 100,
        keys: 4,
        groups: [{ consumers: 2 }],
        admin: [
          { at: 300, op: 'create-partitions', totalCount: 3 },
          { at: 600, op: 'create-partitions', totalCount: 2 },
        ],
      },
    }),
    'full',
  );
  const notes = notesOf(world);

  it('holds every property; a non-controller broker answers NOT_CONTROLLER naming the controller', () => {
    expect(summary.violation).toBeUndefined();
    const answers = world.trace.events().flatMap((e) => (e.e === 'deliver' && e.to === 'admin' ? [{ from: e.from, ...(e.msg as { type: string; error?: string; leaderHint?: string }) }] : []));
    const redirected = answers.filter((a) => a.error === 'NOT_CONTROLLER');
    const done = answers.find((a) => a.type === 'CreatePartitionsResponse' && a.error === undefined)!;
    if (redirected.length > 0) expect(redirected[0]!.leaderHint).toBe(done.from);
    expect(controllerImage(world)).toBeDefined();
  });

  it('the topic znode gets the larger assignment; the controller creates the partitions with a leader, a full ISR, leader epoch 0', () => {
    expect(notes).toContain('CreatePartitions to 3 done');
    expect(notes).toContain('CreatePartitions to 2 refused: INVALID_PARTITIONS');
    expect(notes.some((n) => /^t grows from 1 to 3 partitions \(CreatePartitions\)/.test(n))).toBe(true);
    expect((znodes(world).get('/brokers/topics/t')!.data as { partitions: number[][] }).partitions).toEqual([
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ]);
    const data = controllerImage(world)!.partitions.filter((p) => p.topic === undefined);
    expect(data.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of data.slice(1)) {
      expect(p.leader).toBe(p.replicas[0]);
      expect(p.isr).toHaveLength(3);
      expect(znodes(world).has(`/brokers/topics/t/partitions/${p.partition}/state`)).toBe(true);
    }
  });

  it('the new partitions replicate, the producer uses them once its metadata is refreshed, and the group is assigned them', () => {
    for (let b = 1; b <= 3; b++) expect(replica(world, b, partitionName(2))!.log.highWatermark).toBeGreaterThan(0);
    const sent = world.history.filter((o) => o.f === 'send' && o.type === 'ok');
    const partitionOf = (o: (typeof sent)[number]) => (o.value as [string, number][])[0]![1];
    expect(new Set(sent.map(partitionOf))).toEqual(new Set([0, 1, 2]));
    expect(notes.some((n) => /producer0 sees 3 partitions of t \(was 1\)/.test(n))).toBe(true);
    // The group's leader, whose assignment covered one partition, rejoined: the members own all three.
    const owned = [0, 1].flatMap((i) => (world.actor(`g0-c${i}`)!.getSnapshot() as { context: ConsumerContext }).context.owned);
    expect(owned.slice().sort()).toEqual([0, 1, 2]);
  });
});

describe('key-order in ZooKeeper mode: adding partitions breaks the order of a key', () => {
  it('the search finds a group processing a key out of order after CreatePartitions on 2.4, shrunk to at most 15 steps', async () => {
    // As the KRaft search (topics.test.ts), on 2.4. Seed 2 finds it in 4 runs; seeds 1-8 all find
    // it within 50 runs, shrunk to 10-14 steps; 12 shrinks already take seed 2 to its 10.
    const { result } = await expectFoundAndShrunk({ property: 'key-order', kafka: '2.4', preset: 'default', runs: 50, seed: 2, maxShrinks: 12, overrides: { metadataMaxAgeMs: 300 } });
    expect(formatStory(result.story!)).toMatch(/grows from 1 to \d+ partitions \(CreatePartitions\)/);
  });
});

const workload = adminWorkload;
const scenario: ScenarioInput = { seed: 3, durationMs: 2500, config: { kafka: '2.4', preset: 'default' }, workload };

describe('CreateTopics and DeleteTopics in ZooKeeper mode', () => {
  const { world } = buildWorld(parseScenario(scenario), 'full');
  world.start();
  world.run({ until: 1000 });
  const created = controllerImage(world)!.partitions.filter((p) => topicOf(p) === 'orders');
  const topicId = created[0]!.topicId;
  // A record produced to the new topic's leader (the model's producers write the data topic only).
  const leader = created[0]!.leader;
  world.send('admin', brokerNode(leader), { type: 'Produce', actor: 'orders-0', requestId: 1, acks: 'all', timeoutMs: 1000, records: [{ key: 'k', value: { producer: 'test', key: 'k', value: 1 } }] } satisfies Produce);
  world.run({ until: 1400 });
  const logsWhileCreated = [1, 2, 3].map((b) => replica(world, b, 'orders-0')?.log);
  const filesWhileCreated = [1, 2, 3].map((b) => world.disk(brokerNode(b)).fileNames().filter((f) => f.startsWith('orders-')));
  const lastUpdate = world.trace
    .events()
    .flatMap((e) => (e.e === 'deliver' && e.to === 'b1' && (e.msg as { type: string }).type === 'UpdateMetadata' && (e.msg as UpdateMetadata).partitions.some((p) => p.topic === 'orders') ? [e] : []))
    .at(-1)!;
  world.run({ until: scenario.durationMs! });

  it('the topic znode holds the assignment; the controller creates each partition: first live replica leads, ISR the live replicas, leader epoch 0', () => {
    // Every property held, one-controller-per-epoch and broker-acts-on-own-registration among them.
    expect(world.violation).toBeUndefined();
    expect(znodes(world).has('/brokers/topics/orders')).toBe(false);
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
    expect(topicId).toBeGreaterThan(0);
  });

  it('every broker runs a replica of every partition, and a record produced to it is replicated to all three', () => {
    for (const files of filesWhileCreated) expect(files.filter((f) => f.endsWith('/partition.metadata'))).toHaveLength(3);
    for (const log of logsWhileCreated) {
      expect(log?.logEndOffset).toBe(1);
      expect(log?.highWatermark).toBe(1);
    }
  });

  it('answers TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR, INVALID_REQUEST for the data topic, UNKNOWN_TOPIC_OR_PARTITION once deleted', () => {
    expect(notesOf(world, 'admin')).toEqual([
      'CreateTopics orders done',
      'CreateTopics orders refused: TOPIC_ALREADY_EXISTS',
      'CreateTopics wide refused: INVALID_REPLICATION_FACTOR',
      'DeleteTopics t refused: INVALID_REQUEST',
      'DeleteTopics orders done',
      'DeleteTopics orders refused: UNKNOWN_TOPIC_OR_PARTITION',
    ]);
  });

  it('after the deletion: replicas stopped, logs deleted, znodes gone; a late UpdateMetadata naming the topic does not bring it back', () => {
    expect(controllerImage(world)!.deletedTopics).toEqual([{ topic: 'orders', topicId }]);
    expect([...znodes(world).keys()].filter((p) => p.includes('orders'))).toEqual([]);
    for (let b = 1; b <= 3; b++) {
      expect(brokerContext(world, b).metadata.some((p) => topicOf(p) === 'orders')).toBe(false);
      expect(world.actorNames(brokerNode(b)).filter((n) => n.startsWith('orders-'))).toEqual([]);
      expect(world.disk(brokerNode(b)).fileNames().filter((f) => f.startsWith('orders-'))).toEqual([]);
    }
    // The last UpdateMetadata b1 had that named the topic, delivered again now (a late copy).
    const e = lastUpdate as unknown as { from: string; msg: UpdateMetadata };
    world.send(e.from, 'b1', e.msg);
    world.run({ until: scenario.durationMs! + 100 });
    expect(brokerContext(world, 1).metadata.some((p) => topicOf(p) === 'orders')).toBe(false);
    expect(world.actorNames('b1').filter((n) => n.startsWith('orders-'))).toEqual([]);
    expect(world.history.filter((o) => o.f === 'send' && o.type === 'ok')).toHaveLength(20);
  });
});

describe('DeleteTopics in ZooKeeper mode with a replica down', () => {
  it('the deletion waits for the broker, which deletes its log when it is back; then the name can be taken again, by a new topic id', () => {
    const { world, summary } = runScenario(
      parseScenario({
        ...scenario,
        durationMs: 3000,
        workload: { ...workload, admin: [createOrders, { at: 1500, op: 'delete-topic', topic: 'orders' }, { at: 1700, op: 'create-topic', topic: 'orders', partitions: 1, replicationFactor: 3 }, { at: 2500, op: 'create-topic', topic: 'orders', partitions: 1, replicationFactor: 3 }] },
        faults: [
          { at: 1400, type: 'crash', node: 'b3' },
          { at: 2000, type: 'restart', node: 'b3' },
        ],
      }),
      'full',
    );
    expect(summary.violation).toBeUndefined();
    // While b3 is down the topic stays marked for deletion, so its name is taken.
    expect(notesOf(world, 'admin')).toEqual(['CreateTopics orders done', 'DeleteTopics orders done', 'CreateTopics orders refused: TOPIC_ALREADY_EXISTS', 'CreateTopics orders done']);
    const deleted = notesOf(world).findIndex((n) => /topic orders deleted \(every replica stopped/.test(n));
    expect(deleted).toBeGreaterThan(-1);
    expect(world.trace.events().some((e) => e.e === 'note' && e.node === 'b3' && e.t >= 2000 && /deletes the log of orders-|stops orders-\d and deletes its log/.test(e.text))).toBe(true);
    // The new topic: another id, one partition, on every broker; b3's old directories are gone.
    const orders = controllerImage(world)!.partitions.filter((p) => topicOf(p) === 'orders');
    expect(orders).toHaveLength(1);
    expect(controllerImage(world)!.deletedTopics![0]!.topicId).toBeLessThan(orders[0]!.topicId!);
    expect(world.disk('b3').fileNames().filter((f) => f.startsWith('orders-1/') || f.startsWith('orders-2/'))).toEqual([]);
    for (let b = 1; b <= 3; b++) expect(replica(world, b, 'orders-0')?.state?.topicId).toBe(orders[0]!.topicId);
  });
});
