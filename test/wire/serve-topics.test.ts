import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicOf } from '../../src/machines/protocol.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import { replayJournal } from '../../src/wire/journal.js';
import { serve, type RunningServer } from '../../src/wire/server.js';

/**
 * kafkajs's admin against `serve`: CreateTopics and DeleteTopics go to the model's active
 * controller, which creates the topic's partitions (leaders, ISRs) and has the brokers start
 * their replicas, or deletes them.
 */
describe('serve: kafkajs creates and deletes topics through the model', () => {
  let server: RunningServer;
  let kafka: Kafka;
  let admin: Admin;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    server = await serve({ preset: 'default', brokers: 3, seed: 2, port: 0, topics: [{ name: 'fixed', partitions: 1 }] });
    kafka = new Kafka({ clientId: 'topics-test', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await server?.close();
  });

  it('wire-create-topic: a 3-partition topic of replication factor 3 gets leaders and full ISRs, and records round-trip through it', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true })).toBe(true);
    const image = controllerImage(server.cluster.world)!;
    const parts = image.partitions.filter((p) => topicOf(p) === 'events');
    expect(parts.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of parts) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isr).toEqual(p.replicas);
      expect(p.leader).toBeGreaterThan(0);
    }
    const described = await admin.fetchTopicMetadata({ topics: ['events'] });
    expect(described.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.isr.length]).sort()).toEqual(parts.map((p) => [p.partition, p.leader, 3]));

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }));
    const res = await producer.send({ topic: 'events', acks: -1, messages: sent });
    expect(res.every((r) => r.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const seen: string[] = [];
    consumer = kafka.consumer({ groupId: 'events-readers', heartbeatInterval: 200, sessionTimeout: 6000, rebalanceTimeout: 3000, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const end = Date.now() + 20_000;
    while (seen.length < sent.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(seen.sort()).toEqual(sent.map((m) => m.value).sort());
    await consumer.disconnect();
    consumer = undefined;
  }, 60_000);

  it('wire-create-topic-refused: an existing name, a replication factor above the broker count and an illegal name are refused with Kafka codes', async () => {
    await expect(admin.createTopics({ topics: [{ topic: 'fixed', numPartitions: 1 }] })).resolves.toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'too-wide', numPartitions: 1, replicationFactor: 4 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })],
    });
    await expect(admin.createTopics({ topics: [{ topic: 'no spaces', numPartitions: 1 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })],
    });
  });

  it('wire-delete-topic: a deleted topic leaves the metadata, and its replicas leave the brokers', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'scratch', numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    expect(await admin.listTopics()).toContain('scratch');
    await admin.deleteTopics({ topics: ['scratch', 'fixed'] });
    const listed = await admin.listTopics();
    expect(listed).not.toContain('scratch');
    expect(listed).not.toContain('fixed');
    expect(listed).toContain('events');
    const world = server.cluster.world;
    const end = Date.now() + 5_000;
    const hosted = () => [1, 2, 3].flatMap((b) => world.actorNames(`b${b}`).filter((n) => n.startsWith('scratch-') || n.startsWith('fixed-')));
    while (hosted().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(hosted()).toEqual([]);
    // The model's own topic is kept: INVALID_REQUEST.
    await expect(admin.deleteTopics({ topics: ['t'] })).rejects.toMatchObject({ type: 'INVALID_REQUEST', code: 42 });
    // No invariant the served World checks broke on the way.
    expect(server.cluster.violation).toBeUndefined();
  });
});

describe('serve --record (its journal) with topic administration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wire-topics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('wire-topics-journal: a served run that creates, writes and deletes a topic replays from its journal to the same trace hash', async () => {
    const journal = join(dir, 'journal.jsonl');
    const server = await serve({ preset: 'default', brokers: 3, seed: 7, port: 0, topics: [], journal });
    const kafka = new Kafka({ clientId: 'journal-topics', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'j', numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: 'j', acks: -1, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
    await producer.disconnect();
    await admin.deleteTopics({ topics: ['j'] });
    await admin.disconnect();
    await server.close();
    const r = replayJournal(journal);
    expect(r.traceHash).toBe(r.expected);
    expect(r.violation).toBeUndefined();
  }, 30_000);
});

describe('serve in ZooKeeper mode keeps its topics', () => {
  it('CreateTopics of a new topic is refused (POLICY_VIOLATION) and DeleteTopics answers TOPIC_DELETION_DISABLED: the model has no ZooKeeper-mode topic changes', async () => {
    const server = await serve({ preset: 'default', kafka: '2.8', brokers: 3, seed: 1, port: 0, topics: [{ name: 'kept', partitions: 1 }] });
    try {
      const kafka = new Kafka({ clientId: 'zk-topics', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 0 } });
      const admin = kafka.admin();
      await admin.connect();
      await expect(admin.createTopics({ topics: [{ topic: 'new', numPartitions: 1 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'POLICY_VIOLATION' })] });
      await expect(admin.deleteTopics({ topics: ['kept'] })).rejects.toMatchObject({ type: 'TOPIC_DELETION_DISABLED' });
      expect(await admin.listTopics()).toContain('kept');
      await admin.disconnect();
    } finally {
      await server.close();
    }
  }, 30_000);
});
