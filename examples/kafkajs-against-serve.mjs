#!/usr/bin/env node
/**
 * A kafkajs application run against the model's cluster, as any Kafka user would run one
 * against a real cluster: nothing here imports kafka-model, only kafkajs. Start the cluster,
 * then point this script at the brokers it prints:
 *
 *   npx kafka-model serve --brokers 3 --port 9092 --transactional-ids tx-1 --history h.jsonl
 *   node examples/kafkajs-against-serve.mjs 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
 *
 * It checks what issue 14 asks of a Kafka-compatible cluster, and exits 1 naming the first
 * expectation that failed (0 when all held):
 *   1. a topic created with 3 partitions takes 300 keyed records with acks=-1;
 *   2. a consumer group of two receives every record, each partition's in offset order, every
 *      key always from the same partition;
 *   3. the group commits; restarted, it resumes from its commits (reads only what came after);
 *   4. a transactional producer commits and aborts transactions; a read_committed consumer
 *      never sees an aborted record.
 */
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
const topic = process.argv[3] ?? 'orders';
const txnTopic = `${topic}-txn`;
const kafka = new Kafka({ clientId: 'example', brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });

function expect(ok, what) {
  if (!ok) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
}

/** A group member that keeps, per partition, what it received; `onAssigned` gets its partition count. */
async function member(groupId, t, seen, options = {}, onAssigned) {
  const c = kafka.consumer({ groupId, heartbeatInterval: 200, sessionTimeout: 6000, rebalanceTimeout: 3000, maxWaitTimeInMs: 100, ...options });
  if (onAssigned) c.on(c.events.GROUP_JOIN, (e) => onAssigned(c, (e.payload.memberAssignment[t] ?? []).length));
  await c.connect();
  await c.subscribe({ topic: t, fromBeginning: true });
  await c.run({
    eachMessage: async ({ partition, message }) => {
      const list = seen.get(partition) ?? [];
      list.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', offset: Number(message.offset) });
      seen.set(partition, list);
    },
  });
  return c;
}
const count = (seen) => [...seen.values()].reduce((s, l) => s + l.length, 0);

const admin = kafka.admin();
await admin.connect();
expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }, { topic: txnTopic, numPartitions: 1 }], waitForLeaders: true }), `created ${topic} (3 partitions) and ${txnTopic}`);

// 1 and 2. The group forms first (two members, the three partitions shared), so that no record
// is read before a rebalance moves its partition: each is then read exactly once.
const seen = new Map();
const assigned = new Map();
const members = [];
for (let i = 0; i < 2; i++) members.push(await member('example-group', topic, seen, {}, (c, n) => assigned.set(c, n)));
await until(() => assigned.size === 2 && [...assigned.values()].every((n) => n > 0) && [...assigned.values()].reduce((a, b) => a + b) === 3, 20_000);
const shares = [...assigned.values()].sort().join(' and ');
expect(shares === '1 and 2', `a group of two shares the 3 partitions (${shares})`);

const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const sent = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i % 17}`, value: `value-${i}` }));
for (let i = 0; i < sent.length; i += 50) {
  const res = await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 50) });
  expect(res.every((r) => r.errorCode === 0), `records ${i}..${i + 49} acknowledged with acks=-1`);
}
const high = await admin.fetchTopicOffsets(topic);
expect(high.reduce((s, o) => s + Number(o.high), 0) === 300, 'the 3 partitions hold 300 records');
await until(() => count(seen) >= 300, 20_000);
await sleep(300);
expect(count(seen) === 300 && new Set([...seen.values()].flat().map((r) => r.value)).size === 300, 'the group received each of the 300 records once');
for (const [p, list] of seen) {
  expect(list.every((r, i) => r.offset === i) && list.length === Number(high.find((o) => o.partition === p).high), `partition ${p}: ${list.length} records, in offset order`);
}
const partitionsOfKey = new Map();
for (const [p, list] of seen) for (const r of list) partitionsOfKey.set(r.key, (partitionsOfKey.get(r.key) ?? new Set()).add(p));
expect([...partitionsOfKey.values()].every((s) => s.size === 1), 'every key came from one partition');

// 3. kafkajs commits as it goes and when it stops; restarted, the group resumes from the commits.
for (const c of members) await c.disconnect();
const committed = await admin.fetchOffsets({ groupId: 'example-group', topics: [topic] });
expect(committed[0].partitions.reduce((s, p) => s + Number(p.offset), 0) === 300, 'the group committed offsets past all 300 records');
await producer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `key-${i}`, value: `after-${i}` })) });
const resumed = new Map();
const again = await member('example-group', topic, resumed);
await until(() => count(resumed) >= 30, 15_000);
await sleep(300);
const resumedValues = [...resumed.values()].flat().map((r) => r.value);
expect(resumedValues.length === 30 && resumedValues.every((v) => v.startsWith('after-')), 'restarted, the group read only the 30 records sent after its commits');
await again.disconnect();
await producer.disconnect();

// 4. Transactions: t0 and t2 commit, t1 and t3 abort.
const txProducer = kafka.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1 });
await txProducer.connect();
for (let t = 0; t < 4; t++) {
  const txn = await txProducer.transaction();
  await txn.send({ topic: txnTopic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `t${t}-${i}` })) });
  if (t % 2 === 1) await txn.abort();
  else await txn.commit();
}
await txProducer.disconnect();
const read = new Map();
const reader = await member('example-read-committed', txnTopic, read);
await until(() => count(read) >= 10, 10_000);
await sleep(500);
await reader.disconnect();
const values = [...new Set([...read.values()].flat().map((r) => r.value))].sort();
expect(values.join(' ') === ['t0', 't2'].flatMap((t) => Array.from({ length: 5 }, (_, i) => `${t}-${i}`)).sort().join(' '), 'a read_committed consumer saw the committed transactions and none of the aborted');
await admin.disconnect();
console.log('all expectations held');
