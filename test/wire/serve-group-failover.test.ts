import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFSETS_TOPIC } from '../../src/machines/protocol.js';
import { COORDINATOR_PRODUCER } from '../../src/wire/groups.js';
import { serve, type RunningServer } from '../../src/wire/server.js';

/**
 * Real clients' consumer groups live on the model's brokers (spec/wire.md): the coordinator is
 * the leader of `__consumer_offsets-0`, a committed offset is a record the model appends there
 * with acks=all, and a new coordinator loads the committed offsets from its own replica's log.
 * So a crash of the coordinator moves the group to another broker, and the commits go with it
 * only because the model replicated them.
 */
describe('serve: a real client group through a crash of its coordinator', () => {
  let server: RunningServer;
  let kafka: Kafka;
  beforeAll(async () => {
    server = await serve({ preset: 'default', brokers: 3, seed: 2, port: 0, topics: [] });
    kafka = new Kafka({ clientId: 'group-failover', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 300 } });
  });
  afterAll(async () => server?.close());

  /** kafkajs gives up at once on a broker that resets the connection (the crashed one): try again. */
  const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (attempt >= 30) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const connect = (client: { connect(): Promise<void> }) => retrying(() => client.connect());

  const readAll = async (groupId: string, want: number): Promise<string[]> => {
    const got: string[] = [];
    const c = kafka.consumer({ groupId, maxWaitTimeInMs: 100, heartbeatInterval: 200, sessionTimeout: 6000, rebalanceTimeout: 3000 });
    await connect(c);
    await c.subscribe({ topic: 't', fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    const end = Date.now() + 15_000;
    while (got.length < want && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    await c.disconnect(); // kafkajs commits what it consumed
    return got;
  };

  it('wire-group-coordinator-failover: commits are records of __consumer_offsets-0; after the coordinator crashes, the new one has them and the group resumes from them', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 't', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: `before-${i}` })) });
    expect(await readAll('g', 20)).toHaveLength(20);

    const coordinator = server.cluster.leaderOf(OFFSETS_TOPIC, 0)!;
    // The commit is a record in the coordinator's replica of __consumer_offsets-0, written by the model.
    expect(server.cluster.replicaRecords(coordinator, OFFSETS_TOPIC, 0).some((r) => r.value.producer === COORDINATOR_PRODUCER)).toBe(true);
    expect(server.control(`crash b${coordinator}`).ok).toBe(true);
    const end = Date.now() + 10_000;
    while ((server.cluster.leaderOf(OFFSETS_TOPIC, 0) ?? coordinator) === coordinator && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const successor = server.cluster.leaderOf(OFFSETS_TOPIC, 0);
    expect(successor).toBeDefined();
    expect(successor).not.toBe(coordinator);

    // The new coordinator answers from its own log: the group's offsets are past all 20 records.
    const admin = kafka.admin();
    await connect(admin);
    const committed = await retrying(() => admin.fetchOffsets({ groupId: 'g', topics: ['t'] }));
    expect(committed[0]!.partitions.map((p) => Number(p.offset))).toEqual([20]);
    await admin.disconnect();
    await retrying(() => producer.send({ topic: 't', acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ value: `after-${i}` })) }));
    await producer.disconnect();
    // Distinct values: a send retried above after a connection reset may have been appended twice.
    expect([...new Set(await readAll('g', 5))].sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
    expect(server.cluster.violation).toBeUndefined();
  }, 60_000);
});
