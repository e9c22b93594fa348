/**
 * One Jepsen "process": a kafkajs producer plus, once it has assigned or subscribed, a
 * kafkajs consumer. kafkajs has no poll() and no assign(), so both are built from what it
 * does have (this is the adapter's main design choice, and why it lives in one file):
 *
 * - poll: the consumer's eachBatch handler only buffers what it fetched; a poll op takes
 *   the buffer (waiting up to pollMs for something), then commits the offsets after what it
 *   returns. If the commit fails, the records go back to the front of the buffer and the
 *   poll fails: a failed poll consumed nothing. After every rebalance (GROUP_JOIN) kafkajs
 *   restarts from the committed offsets, so records buffered under the old assignment are
 *   dropped rather than returned twice.
 * - position: like KafkaConsumer's fetch position, the offset after the last record buffered
 *   for each partition. A batch kafkajs delivers again below it (a second fetcher's answer
 *   after a leader moved, before the first batch's offsets were resolved) is skipped, as the
 *   Java consumer discards a fetch that does not start at its position; a rebalance resets it.
 * - subscribe: all processes join one consumer group for the run and subscribe to every
 *   key's topic (kafkajs's round-robin assignor ignores per-member subscriptions, so mixed
 *   subscriptions would hand members topics they did not ask for).
 * - assign: the process joins a consumer group of its own, so the group's only member gets
 *   exactly the partitions of the requested keys; commits to that private group keep the
 *   process's positions across re-assignments, the way KafkaConsumer.assign keeps them.
 *   A new process starts a new private group, so it reads from the earliest offset.
 *
 * Keys map to topics one to one: key k is partition 0 of topic `${topicPrefix}${k}`.
 */
import { createRequire } from 'node:module';
import type { Consumer, EachBatchPayload, Kafka, KafkaConfig, Producer } from 'kafkajs';

// kafkajs is CommonJS; createRequire keeps this module loadable without interop flags.
const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as typeof import('kafkajs');

export interface ClientConfig {
  brokers: string[];
  topicPrefix: string;
  /** Group shared by all subscribing processes. */
  groupId: string;
  requestTimeoutMs: number;
  producerRetries: number;
  idempotent: boolean;
  sessionTimeoutMs: number;
  pollMs: number;
}

export function topicOf(prefix: string, key: number): string {
  return `${prefix}${key}`;
}

export function keyOf(prefix: string, topic: string): number | undefined {
  if (!topic.startsWith(prefix)) return undefined;
  const k = Number(topic.slice(prefix.length));
  return Number.isInteger(k) ? k : undefined;
}

export function newKafka(config: Pick<ClientConfig, 'brokers' | 'requestTimeoutMs'>, clientId: string): Kafka {
  const options: KafkaConfig = {
    clientId,
    brokers: config.brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: Math.min(3_000, config.requestTimeoutMs * 3),
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  };
  return new kafkajs.Kafka(options);
}

interface Buffered {
  key: number;
  topic: string;
  partition: number;
  offset: number;
  value: number;
}

export class WorkloadClient {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private buffer: Buffered[] = [];
  /** `topic/partition` -> the offset after the last record buffered (see the file comment). */
  private position = new Map<string, number>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly config: ClientConfig,
    readonly process: number,
  ) {
    this.kafka = newKafka(config, `kafka-model-conform-${process}`);
  }

  /** Sends one value; resolves to the offset the broker assigned. */
  async send(key: number, value: number): Promise<number> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: this.config.idempotent,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: this.config.producerRetries, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      this.producer = producer;
      await producer.connect();
    }
    const [meta] = await this.producer.send({
      topic: topicOf(this.config.topicPrefix, key),
      acks: -1,
      timeout: this.config.requestTimeoutMs,
      messages: [{ value: String(value) }],
    });
    const offset = Number(meta?.baseOffset ?? meta?.offset);
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`send: no offset in response ${JSON.stringify(meta)}`);
    return offset;
  }

  /** Replaces the consumer with one that reads the given keys (see the file comment). */
  async consume(via: 'assign' | 'subscribe', keys: readonly number[]): Promise<void> {
    await this.stopConsumer();
    const groupId = via === 'subscribe' ? this.config.groupId : `${this.config.groupId}-assign-p${this.process}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.config.sessionTimeoutMs,
      rebalanceTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(this.config.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: Math.max(50, Math.min(500, this.config.pollMs)),
      allowAutoTopicCreation: false,
      retry: {
        retries: 2,
        initialRetryTime: 100,
        maxRetryTime: 1_000,
        // kafkajs restarts a crashed consumer on a timer it sets only after its own disconnect
        // has run (consumer/index.js onCrash), so a close() that lands in between is undone and
        // the process never exits. Restart only the consumer this client still uses.
        restartOnFailure: async () => this.consumer === consumer,
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer !== consumer) return;
      this.buffer = [];
      this.position.clear();
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: keys.map((k) => topicOf(this.config.topicPrefix, k)),
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }: EachBatchPayload) => {
        if (this.consumer !== consumer) return;
        const key = keyOf(this.config.topicPrefix, batch.topic);
        if (key === undefined) return;
        const tp = `${batch.topic}/${batch.partition}`;
        for (const m of batch.messages) {
          const value = Number(m.value?.toString());
          const offset = Number(m.offset);
          if (!Number.isInteger(value) || offset < (this.position.get(tp) ?? 0)) continue;
          this.buffer.push({ key, topic: batch.topic, partition: batch.partition, offset, value });
          this.position.set(tp, offset + 1);
        }
        this.wake?.();
      },
    });
  }

  get consuming(): boolean {
    return this.consumer !== undefined;
  }

  /** One poll: what was fetched since the last poll (waiting up to pollMs), committed. */
  async poll(): Promise<Record<string, [number, number][]>> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('poll before assign/subscribe');
    if (this.buffer.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.config.pollMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const taken = this.buffer;
    this.buffer = [];
    if (taken.length === 0) return {};
    const next = new Map<string, { topic: string; partition: number; offset: string }>();
    const result: Record<string, [number, number][]> = {};
    for (const r of taken) {
      (result[String(r.key)] ??= []).push([r.offset, r.value]);
      next.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: String(r.offset + 1) });
    }
    try {
      await consumer.commitOffsets([...next.values()]);
    } catch (e) {
      // Nothing consumed: the next poll returns these records again (unless a rebalance
      // restarts from the committed offsets, which is where they begin).
      if (this.consumer === consumer) this.buffer = [...taken, ...this.buffer];
      // Typically a rebalance: give the rejoin a moment rather than spinning on failures.
      await new Promise((r) => setTimeout(r, this.config.pollMs));
      throw e;
    }
    return result;
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.buffer = [];
    this.position.clear();
    if (consumer) await consumer.disconnect();
  }

  /** Closes the producer and consumer (leaving the group), giving up after timeoutMs. */
  async close(timeoutMs = 3_000): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await withTimeout(Promise.allSettled([this.stopConsumer(), producer?.disconnect()]), timeoutMs).catch(() => undefined);
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Rejects with TimeoutError after ms; the underlying work is abandoned, not cancelled. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
