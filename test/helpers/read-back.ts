import type { Kafka } from 'kafkajs';

/**
 * Jepsen's final read: a fresh consumer group reads topic `topic` from the beginning until it has
 * as many records as the partition's high watermark said (or 8 s pass). What it polls goes into
 * serve's recorded history, which the checker then judges.
 */
export async function readBack(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const high = Number((await admin.fetchTopicOffsets(topic))[0]!.high);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: 'reader', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let read = 0;
  await consumer.run({ eachMessage: async () => void read++ });
  const end = Date.now() + 8000;
  while (read < high && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
}
