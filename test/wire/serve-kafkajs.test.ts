import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../src/wire/server.js';

/**
 * A real client against the model: kafkajs (non-flexible protocol versions) produces to and
 * consumes from `serve` in process, over loopback sockets. The model's replicas decide every
 * produce and fetch answer; the group protocol is serve's own (spec/wire.md).
 */
describe('serve: kafkajs producer and consumer group round trip', () => {
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

  const consume = async (groupId: string, seen: Map<number, { key: string; value: string; offset: number }[]>, onJoin?: (c: Consumer, partitions: number) => void) => {
    const c = kafka.consumer({ groupId, heartbeatInterval: 200, sessionTimeout: 6000, rebalanceTimeout: 3000, maxWaitTimeInMs: 100 });
    consumers.push(c);
    if (onJoin) c.on(c.events.GROUP_JOIN, (e) => onJoin(c, (e.payload.memberAssignment['orders'] ?? []).length));
    await c.connect();
    await c.subscribe({ topic: 'orders', fromBeginning: true });
    await c.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const list = seen.get(partition) ?? [];
        list.push({ key: message.key!.toString(), value: message.value!.toString(), offset: Number(message.offset) });
        seen.set(partition, list);
      },
    });
    return c;
  };
  const total = (seen: Map<number, unknown[]>) => [...seen.values()].reduce((s, l) => s + l.length, 0);
  const until = async (cond: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  };

  it('wire-kafkajs-roundtrip: 300 keyed records with acks=-1 reach a group of two, each partition in order; a restarted group resumes from its commits', async () => {
    const admin = kafka.admin();
    await admin.connect();
    // The topic exists from the start (serve --topics): Kafka's answer, TOPIC_ALREADY_EXISTS, makes kafkajs return false.
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(false);
    // The group forms first (two members, every partition assigned), so that no record is read
    // before a rebalance moves its partition: then each is read exactly once.
    const seen = new Map<number, { key: string; value: string; offset: number }[]>();
    const assigned = new Map<Consumer, number>();
    for (let i = 0; i < 2; i++) await consume('group-a', seen, (c, n) => assigned.set(c, n));
    await until(() => assigned.size === 2 && [...assigned.values()].every((n) => n > 0) && [...assigned.values()].reduce((a, b) => a + b) === 3, 20_000);
    expect([...assigned.values()].sort()).toEqual([1, 2]);

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i % 17}`, value: `value-${i}` }));
    for (let i = 0; i < sent.length; i += 50) {
      const res = await producer.send({ topic: 'orders', acks: -1, messages: sent.slice(i, i + 50) });
      expect(res.every((r) => r.errorCode === 0)).toBe(true);
    }
    const offsets = await admin.fetchTopicOffsets('orders');
    expect(offsets.reduce((s, o) => s + Number(o.high), 0)).toBe(300);
    await until(() => total(seen) >= 300, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(total(seen)).toBe(300);
    const byValue = new Set([...seen.values()].flat().map((r) => r.value));
    expect(byValue.size).toBe(300);
    for (const [p, list] of seen) {
      // In order per partition: offsets 0, 1, 2, ... and every key always in the same partition.
      expect(list.map((r) => r.offset)).toEqual(list.map((_, i) => i));
      expect(list.length).toBe(Number(offsets.find((o) => o.partition === p)!.high));
    }
    const keyPartitions = new Map<string, Set<number>>();
    for (const [p, list] of seen) for (const r of list) keyPartitions.set(r.key, (keyPartitions.get(r.key) ?? new Set()).add(p));
    expect([...keyPartitions.values()].every((s) => s.size === 1)).toBe(true);

    // Commit (kafkajs commits as it goes, and on stop), restart, and resume from the commits.
    for (const c of consumers.splice(0)) await c.disconnect();
    const committed = await admin.fetchOffsets({ groupId: 'group-a', topics: ['orders'] });
    expect(committed[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0)).toBe(300);
    await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `key-${i}`, value: `after-${i}` })) });
    const resumed = new Map<number, { key: string; value: string; offset: number }[]>();
    await consume('group-a', resumed);
    await until(() => total(resumed) >= 30, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect([...resumed.values()].flat().map((r) => r.value).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `after-${i}`).sort());
    await producer.disconnect();
    await admin.disconnect();
    expect(server.cluster.violation).toBeUndefined();
  }, 60_000);

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
