/**
 * Faults for the librdkafka mock cluster, injected through its launcher.
 *
 * What the mock (librdkafka 2.0.2, Debian bookworm) actually does, checked empirically:
 * - An injected Produce error (rd_kafka_mock_push_request_errors, or a broker's error stack
 *   rd_kafka_mock_broker_push_request_error_rtts with a non-zero error) is returned INSTEAD of
 *   appending: a retriable error such as NOT_ENOUGH_REPLICAS makes the client retry, and
 *   the value is written once. No duplicate can come from it (`produce-errors`).
 * - An injected round-trip delay with error 0 (rd_kafka_mock_broker_push_request_error_rtts)
 *   appends at once and only delays the answer. With a delay longer than the client's
 *   request timeout, kafkajs times the request out after the broker appended it and sends
 *   the batch again; a non-idempotent producer then writes the value at two (or more)
 *   offsets (`slow-produce`). That is the textbook at-least-once duplicate.
 */
import type { Fault } from './runner.js';
import { ApiKey, KafkaError, type MockCluster } from './mock-cluster.js';

export const mockFaultNames = ['slow-produce', 'produce-errors', 'leader-failover'] as const;
export type MockFaultName = (typeof mockFaultNames)[number];

export interface MockFaultOptions {
  brokers: number;
  /** The clients' request timeout: slow-produce answers later than this. */
  requestTimeoutMs: number;
  intervalMs: number;
  /** The workload's topics, filled in once they are created (leader-failover moves their leaders). */
  topics: readonly string[];
}

export function mockFault(name: MockFaultName, mock: MockCluster, o: MockFaultOptions): Fault {
  const brokerIds = Array.from({ length: o.brokers }, (_, i) => i + 1);
  /** Pushes `count err rtt` onto each broker's Produce stack that is empty; returns those. */
  const armEmptyBrokers = async (countErrRtt: string): Promise<number[]> => {
    const armed: number[] = [];
    for (const b of brokerIds) {
      if (Number(await mock.command(`stack-count ${b} ${ApiKey.Produce}`)) > 0) continue;
      await mock.command(`broker-rtts ${b} ${ApiKey.Produce} ${countErrRtt}`);
      armed.push(b);
    }
    return armed;
  };
  switch (name) {
    case 'slow-produce': {
      // Long enough to outlast the request timeout, short enough that the delayed answer
      // does not hold up the retries behind it for long (answers leave in order).
      const delayMs = o.requestTimeoutMs + 500;
      return {
        name,
        intervalMs: o.intervalMs,
        async inject() {
          // Only where the last one was used up: delays left waiting would pile up and
          // hit every retry, and the send would time out instead of duplicating.
          const armed = await armEmptyBrokers(`1 0 ${delayMs}`);
          return armed.length > 0
            ? `next Produce on broker ${armed.join(', ')} appends, then answers after ${delayMs} ms`
            : 'previous delays not yet used';
        },
        // No heal: librdkafka 2.0.2 cannot clear a broker's stack, and a delay left over
        // touches only a later Produce; the final phase sends nothing.
      };
    }
    case 'leader-failover': {
      // A broker goes down (the mock closes its connections and refuses new ones) and every
      // workload partition's leadership moves to the next broker, so the partitions it led fail
      // over; the broker downed before comes back first, so at most one is down. The mock keeps
      // one log per partition, not one per replica: a fail-over loses nothing by itself, and what
      // it tests is the client (metadata refresh, retries, duplicates on retry).
      let down: number | undefined;
      let next = 0;
      return {
        name,
        intervalMs: o.intervalMs,
        async inject() {
          if (down !== undefined) await mock.command(`broker-up ${down}`);
          const broker = brokerIds[next++ % brokerIds.length]!;
          const leader = brokerIds[(broker % brokerIds.length)]!;
          for (const topic of o.topics) await mock.command(`leader ${topic} 0 ${leader}`);
          await mock.command(`broker-down ${broker}`);
          down = broker;
          return `broker ${broker} down; the leaders of ${o.topics.length} partitions moved to broker ${leader}`;
        },
        async heal() {
          if (down !== undefined) await mock.command(`broker-up ${down}`);
          down = undefined;
        },
      };
    }
    case 'produce-errors':
      return {
        name,
        intervalMs: o.intervalMs,
        async inject() {
          // Per broker and only when the last one was used up, as for slow-produce: errors
          // left waiting would pile up faster than the client's backoff consumes them.
          const armed = await armEmptyBrokers(`1 ${KafkaError.NOT_ENOUGH_REPLICAS} 0`);
          return armed.length > 0
            ? `next Produce on broker ${armed.join(', ')} fails with NOT_ENOUGH_REPLICAS (nothing appended)`
            : 'previous errors not yet used';
        },
      };
  }
}
