import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../src/wire/server.js';

/**
 * A real client against the model: kafkajs (non-flexible protocol versions) produces to and
 * consumes from `serve` in process, over loopback sockets. The model's replicas decide every
 * produce and fetch answer; the group protocol is serve's own (spec/wire.md). The plain round
 * trip (a group of two, commits, resume) is serve-example.test.ts: a script outside the
 * repository, as a user runs one.
 */
describe('serve: kafkajs idempotent and transactional producers', () => {
  let server: RunningServer;
  let kafka: Kafka;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    server = await serve({ preset: 'default', brokers: 3, seed: 1, port: 0, topics: [{ name: 'orders', partitions: 3 }, { name: 'txns', partitions: 2 }], transactionalIds: ['tx-1'] });
    kafka = new Kafka({ clientId: 'wire-test', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  });
  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await server?.close();
  });

  const until = async (cond: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  };

  it('wire-idempotent-produce: a kafkajs idempotent producer (InitProducerId, sequenced batches) is acknowledged and read back once each', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 3; i++) {
      const res = await producer.send({ topic: 't', acks: -1, messages: Array.from({ length: 20 }, (_, j) => ({ key: `k${j}`, value: `idem-${i * 20 + j}` })) });
      expect(res.every((r) => r.errorCode === 0)).toBe(true);
    }
    await producer.disconnect();
    const read: string[] = [];
    const c = kafka.consumer({ groupId: 'idem-reader', maxWaitTimeInMs: 100 });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic: 't', fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void read.push(message.value!.toString()) });
    await until(() => read.length >= 60, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(read.filter((v) => v.startsWith('idem-')).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `idem-${i}`).sort());
  }, 30_000);

  it('wire-transactions: a kafkajs transactional producer commits and aborts; a read_committed consumer never sees the aborted records, a read_uncommitted one does', async () => {
    const producer = kafka.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let t = 0; t < 4; t++) {
      const txn = await producer.transaction();
      await txn.send({ topic: 'txns', messages: Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `t${t}-${i}` })) });
      if (t % 2 === 1) await txn.abort();
      else await txn.commit();
    }
    await producer.disconnect();
    const readAll = async (groupId: string, readUncommitted: boolean, want: number) => {
      const got: string[] = [];
      const c = kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted });
      consumers.push(c);
      await c.connect();
      await c.subscribe({ topic: 'txns', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
      await until(() => got.length >= want, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      // Distinct values: a group consumer may be handed a record again after a rebalance before
      // its commit (at-least-once delivery), which a slow, loaded machine makes likely.
      return [...new Set(got)].sort();
    };
    const committed = ['t0', 't2'].flatMap((t) => Array.from({ length: 6 }, (_, i) => `${t}-${i}`)).sort();
    expect(await readAll('read-committed', false, 12)).toEqual(committed);
    expect(await readAll('read-uncommitted', true, 24)).toHaveLength(24);
    expect(server.cluster.violation).toBeUndefined();
  }, 40_000);
});
