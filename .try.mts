import { serve } from './src/wire/server.ts';
import { checkFile } from './src/cli/commands/check.ts';
import { Kafka, logLevel } from 'kafkajs';
const acks = Number(process.argv[2] ?? -1);
const mode = process.argv[3] ?? 'crash';
const s = await serve({ preset: 'default', brokers: 3, seed: 1, port: 0, topics: [], record: `/tmp/wire-h-${acks}.jsonl` });
console.log(s.cluster.world.nodeIds().join(' '));
const kafka = new Kafka({ clientId: 'f', brokers: s.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 }, requestTimeout: 3000 });
const producer = kafka.producer(); await producer.connect();
let acked = 0; let failed = 0;
const t0 = Date.now();
for (let i = 0; i < 80; i++) {
  if (i === 20) console.log(mode === 'crash' ? s.control('crash-leader t 0').text : s.control('partition b1 b2,b3,controller1,controller2,controller3').text, Date.now() - t0);
  if (i === 50) { console.log(s.control('heal').text, s.control('restart b1').text); await new Promise((r) => setTimeout(r, 1500)); console.log(s.control('status').text); }
  if (i > 20 && i < 50) await new Promise((r) => setTimeout(r, 50));
  try { await producer.send({ topic: 't', acks, messages: [{ key: 'k', value: `v${i}` }] }); acked++; } catch (e) { failed++; }
}
console.log('acked', acked, 'failed', failed, Date.now() - t0, 'ms');
const consumer = kafka.consumer({ groupId: 'r', maxWaitTimeInMs: 100 }); await consumer.connect(); await consumer.subscribe({ topic: 't', fromBeginning: true });
let got = 0;
await consumer.run({ eachMessage: async () => { got++; } });
await new Promise((r) => setTimeout(r, 2500));
console.log('read', got);
await consumer.disconnect(); await producer.disconnect();
console.log('violation', s.cluster.violation, s.history.counts);
await s.close();
const r = await checkFile(`/tmp/wire-h-${acks}.jsonl`, {});
console.log(r.valid, r.text.slice(0, 1500));
