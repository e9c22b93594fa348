import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../src/wire/server.js';

/**
 * Transactional consume-transform-produce (KIP-98) with kafkajs against serve: the input's
 * offsets go into the transaction (AddOffsetsToTxn, TxnOffsetCommit) with the transformed
 * output, and become the group's committed offsets (OffsetFetch) only when the transaction
 * commits: the model's coordinator writes the COMMIT marker to `__consumer_offsets-0`, and
 * serve's group coordinator completes the staged offsets then. An aborted transaction's offsets
 * never become the group's.
 */
describe('serve: kafkajs sendOffsets in a transaction (AddOffsetsToTxn, TxnOffsetCommit)', () => {
  let server: RunningServer;
  let kafka: Kafka;

  beforeAll(async () => {
    server = await serve({ preset: 'default', brokers: 3, seed: 2, port: 0, topics: [{ name: 'in', partitions: 2 }, { name: 'out', partitions: 1 }], transactionalIds: ['ctp-1'] });
    kafka = new Kafka({ clientId: 'ctp', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 300 } });
  });
  afterAll(async () => server?.close());

  it('wire-txn-offsets: a committed transaction moves the group\'s committed offset; an aborted one does not', async () => {
    const admin = kafka.admin();
    await admin.connect();
    /** The group's committed offset of in-0, as OffsetFetch answers it (-1: none). */
    const committed = async () => Number((await admin.fetchOffsets({ groupId: 'ctp', topics: ['in'] }))[0]!.partitions.find((p) => p.partition === 0)!.offset);
    const seen: number[] = [];
    /** Poll OffsetFetch until it answers `want` (marker writing is the coordinator's, after EndTxn), keeping every answer. */
    const awaitCommitted = async (want: number) => {
      const end = Date.now() + 8000;
      for (;;) {
        const o = await committed();
        seen.push(o);
        if (o === want || Date.now() > end) return o;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect(await committed()).toBe(-1);

    const producer = kafka.producer({ transactionalId: 'ctp-1', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const transform = async (upTo: number, end: 'commit' | 'abort') => {
      const txn = await producer.transaction();
      await txn.send({ topic: 'out', messages: [{ key: 'k', value: `out-${upTo}` }] });
      await txn.sendOffsets({ consumerGroupId: 'ctp', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: String(upTo) }] }] });
      if (end === 'commit') await txn.commit();
      else await txn.abort();
    };

    await transform(5, 'commit');
    expect(await awaitCommitted(5)).toBe(5);

    /** The transaction markers in the model's `__consumer_offsets-0` log (its leader's), in order. */
    const markers = () => {
      const leader = server.cluster.leaderOf('__consumer_offsets', 0);
      const snap = server.cluster.world.actor(`b${leader}`, '__consumer_offsets-0')?.getSnapshot() as { context: { log: { highWatermark: number; read(o: number, n: number, i: string): { value: { control?: string } }[] } } } | undefined;
      return snap ? snap.context.log.read(0, 100, 'HIGH_WATERMARK').flatMap((r) => (r.value.control ? [r.value.control] : [])) : [];
    };
    expect(markers()).toEqual(['COMMIT']);

    // Aborted: once its ABORT marker is written (and serve's group coordinator has had its tick),
    // the group's offset is still the committed one: the staged 9 was dropped.
    await transform(9, 'abort');
    const end = Date.now() + 8000;
    while (markers().length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(markers()).toEqual(['COMMIT', 'ABORT']);
    await new Promise((r) => setTimeout(r, 300));
    expect(await committed()).toBe(5);

    // The next transaction commits: the offset moves again.
    await transform(7, 'commit');
    expect(await awaitCommitted(7)).toBe(7);
    expect(seen).not.toContain(9);
    expect(markers()).toEqual(['COMMIT', 'ABORT', 'COMMIT']);

    // What kafkajs 2.2 negotiated (spec/wire.md's table): v1 of both.
    expect([...server.served.get('AddOffsetsToTxn')!]).toEqual([1]);
    expect([...server.served.get('TxnOffsetCommit')!]).toEqual([1]);
    await producer.disconnect();
    await admin.disconnect();
    expect(server.cluster.violation).toBeUndefined();
    // About 1.5 s alone; the margin is for a loaded machine (each transaction step retries CONCURRENT_TRANSACTIONS).
  }, 60_000);
});
