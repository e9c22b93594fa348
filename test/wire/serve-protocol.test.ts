import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, encodeRequestHeader, isFlexible, Reader, Writer, type Struct } from '../../src/wire/codec.js';
import { KafkaError } from '../../src/wire/errors.js';
import { encodeBatch } from '../../src/wire/records.js';
import { serve, type RunningServer } from '../../src/wire/server.js';

/** A raw Kafka connection: frames out, frames in, in order. */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: ((b: Buffer) => void)[] = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const size = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + size);
        this.buf = this.buf.subarray(4 + size);
        this.waiters.shift()?.(frame);
      }
    });
    socket.on('close', () => (this.closed = true));
  }
  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  sendRaw(frame: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(frame.length);
    this.socket.write(Buffer.concat([size, frame]));
  }
  next(): Promise<Buffer> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async call(api: string, apiKey: number, version: number, body: Struct, correlationId = 7): Promise<{ correlationId: number; body: Struct }> {
    const w = encodeRequestHeader({ apiKey, apiVersion: version, correlationId, clientId: 'raw' });
    encodeMessage(`${api}Request`, version, body, w);
    this.sendRaw(w.toBuffer());
    const r = new Reader(await this.next());
    const id = r.int32();
    if (api !== 'ApiVersions' && isFlexible(api, version)) r.uvarint(); // response header v1's tagged fields
    return { correlationId: id, body: decodeMessage(`${api}Response`, version, r) };
  }
  closedSoon(): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(true);
      const t = setTimeout(() => resolve(this.closed), 2000);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

describe('serve: the protocol at its edges', () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await serve({ preset: 'default', brokers: 3, seed: 3, port: 0, topics: [] });
    port = server.endpoints[0]!.port;
  });
  afterAll(async () => server?.close());

  it('wire-unsupported-version: ApiVersions beyond the served range is answered in v0 with UNSUPPORTED_VERSION and the served APIs', async () => {
    const c = await RawClient.open(port);
    const w = encodeRequestHeader({ apiKey: 18, apiVersion: 3, correlationId: 5, clientId: 'raw' });
    // A v4 request (Kafka defines ApiVersions up to 4; serve answers up to 3).
    const frame = Buffer.from(w.toBuffer());
    frame.writeInt16BE(4, 2);
    c.sendRaw(Buffer.concat([frame, Buffer.from([1, 1, 0])]));
    const r = new Reader(await c.next());
    expect(r.int32()).toBe(5);
    const body = decodeMessage('ApiVersionsResponse', 0, r);
    expect(body['ErrorCode']).toBe(KafkaError.UNSUPPORTED_VERSION);
    expect((body['ApiKeys'] as { ApiKey: number }[]).map((k) => k.ApiKey)).toEqual(expect.arrayContaining([0, 1, 2, 3, 18]));
    // The connection stays open and serves the next request.
    const ok = await c.call('ApiVersions', 18, 3, { ClientSoftwareName: 'raw', ClientSoftwareVersion: '1' }, 6);
    expect(ok.correlationId).toBe(6);
    expect(ok.body['ErrorCode']).toBe(0);
    c.close();
  });

  it('a version Kafka defines but serve does not gets UNSUPPORTED_VERSION at that version; an unknown API key an error answer', async () => {
    const c = await RawClient.open(port);
    const hb = await c.call('Heartbeat', 12, 4, { GroupId: 'g', GenerationId: 1, MemberId: 'm', GroupInstanceId: null });
    // Served at v4: the group protocol's answer (UNKNOWN_MEMBER_ID from the coordinator, NOT_COORDINATOR from another broker), not UNSUPPORTED_VERSION.
    expect([KafkaError.UNKNOWN_MEMBER_ID, KafkaError.NOT_COORDINATOR]).toContain(hb.body['ErrorCode']);
    const w = encodeRequestHeader({ apiKey: 1, apiVersion: 16, correlationId: 9, clientId: 'raw' });
    encodeMessage('FetchRequest', 16, { Topics: [] }, w);
    c.sendRaw(w.toBuffer());
    const r = new Reader(await c.next());
    expect(r.int32()).toBe(9);
    r.uvarint(); // response header v1 tagged fields
    expect(decodeMessage('FetchResponse', 16, r)['ErrorCode']).toBe(KafkaError.UNSUPPORTED_VERSION);
    const unknown = new Writer();
    unknown.int16(999);
    unknown.int16(0);
    unknown.int32(10);
    unknown.int16(-1);
    c.sendRaw(unknown.toBuffer());
    const u = new Reader(await c.next());
    expect(u.int32()).toBe(10);
    expect(u.int16()).toBe(KafkaError.UNSUPPORTED_VERSION);
    expect(c.closed).toBe(false);
    c.close();
  });

  it('wire-bad-frames: a malformed frame or an oversized length closes that connection only; the others and the model go on', async () => {
    const bystander = await RawClient.open(port);
    const garbage = await RawClient.open(port);
    garbage.sendRaw(Buffer.from([0, 3, 0, 1])); // Metadata v1, and the header ends there
    expect(await garbage.closedSoon()).toBe(true);
    const huge = await RawClient.open(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(200_000_000);
    huge.socket.write(size);
    expect(await huge.closedSoon()).toBe(true);
    const truncatedBody = await RawClient.open(port);
    const w = encodeRequestHeader({ apiKey: 0, apiVersion: 7, correlationId: 1, clientId: 'raw' });
    w.int16(-1); // TransactionalId null, then nothing
    truncatedBody.sendRaw(w.toBuffer());
    expect(await truncatedBody.closedSoon()).toBe(true);

    // The bystander still produces, and the model answers (leader of t-0 is broker 1 at seed 3).
    const meta = await bystander.call('Metadata', 3, 9, { Topics: [{ Name: 't' }], AllowAutoTopicCreation: false, IncludeTopicAuthorizedOperations: false });
    const leader = ((meta.body['Topics'] as Struct[])[0]!['Partitions'] as Struct[])[0]!['LeaderId'] as number;
    const toLeader = await RawClient.open(server.endpoints[leader - 1]!.port);
    const batch = encodeBatch({ baseOffset: 0, records: [{ offset: 0, timestamp: 1, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }] });
    const produced = await toLeader.call('Produce', 0, 9, { TransactionalId: null, Acks: -1, TimeoutMs: 5000, TopicData: [{ Name: 't', PartitionData: [{ Index: 0, Records: batch }] }] });
    const pr = ((produced.body['Responses'] as Struct[])[0]!['PartitionResponses'] as Struct[])[0]!;
    expect(pr['ErrorCode']).toBe(0);
    expect(pr['BaseOffset']).toBe(0n);
    const fetched = await toLeader.call('Fetch', 1, 12, { MaxWaitMs: 0, MinBytes: 1, MaxBytes: 1 << 20, IsolationLevel: 0, SessionId: 0, SessionEpoch: -1, Topics: [{ Topic: 't', Partitions: [{ Partition: 0, CurrentLeaderEpoch: -1, FetchOffset: 0n, LastFetchedEpoch: -1, LogStartOffset: -1n, PartitionMaxBytes: 1 << 20 }] }], ForgottenTopicsData: [], RackId: '' });
    const fp = ((fetched.body['Responses'] as Struct[])[0]!['Partitions'] as Struct[])[0]!;
    expect(fp['HighWatermark']).toBe(1n);
    expect((fp['Records'] as Buffer).includes(Buffer.from('v'))).toBe(true);
    // A produce to a follower is refused by the model's replica: NOT_LEADER_OR_FOLLOWER.
    const follower = await RawClient.open(server.endpoints[leader % 3]!.port);
    const refused = await follower.call('Produce', 0, 9, { TransactionalId: null, Acks: 1, TimeoutMs: 5000, TopicData: [{ Name: 't', PartitionData: [{ Index: 0, Records: batch }] }] });
    expect((((refused.body['Responses'] as Struct[])[0]!['PartitionResponses'] as Struct[])[0]!)['ErrorCode']).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    expect(bystander.closed).toBe(false);
    expect(server.cluster.violation).toBeUndefined();
    for (const c of [bystander, toLeader, follower]) c.close();
  });

  it('wire-idempotent-produce: InitProducerId, then a retried batch is answered with its first offset and written once; a sequence gap is refused', async () => {
    const meta = await (await RawClient.open(port)).call('Metadata', 3, 9, { Topics: [{ Name: 't' }], AllowAutoTopicCreation: false, IncludeTopicAuthorizedOperations: false });
    const leader = ((meta.body['Topics'] as Struct[])[0]!['Partitions'] as Struct[])[0]!['LeaderId'] as number;
    const c = await RawClient.open(server.endpoints[leader - 1]!.port);
    const init = await c.call('InitProducerId', 22, 4, { TransactionalId: null, TransactionTimeoutMs: 60000, ProducerId: -1n, ProducerEpoch: -1 });
    expect(init.body['ErrorCode']).toBe(0);
    const producerId = Number(init.body['ProducerId']);
    const txn = await c.call('InitProducerId', 22, 4, { TransactionalId: 'tx', TransactionTimeoutMs: 60000, ProducerId: -1n, ProducerEpoch: -1 });
    expect(txn.body['ErrorCode']).toBe(KafkaError.UNSUPPORTED_VERSION);
    const rec = (i: number) => ({ offset: i, timestamp: 1, key: null, value: Buffer.from(`idem-${i}`), headers: [] });
    const produce = async (baseSequence: number, n: number) => {
      const batch = encodeBatch({ baseOffset: 0, producerId, producerEpoch: 0, baseSequence, records: Array.from({ length: n }, (_, i) => rec(baseSequence + i)) });
      const r = await c.call('Produce', 0, 9, { TransactionalId: null, Acks: -1, TimeoutMs: 5000, TopicData: [{ Name: 't', PartitionData: [{ Index: 0, Records: batch }] }] });
      return ((r.body['Responses'] as Struct[])[0]!['PartitionResponses'] as Struct[])[0]!;
    };
    const first = await produce(0, 3);
    expect(first['ErrorCode']).toBe(0);
    const retried = await produce(0, 3);
    expect(retried['ErrorCode']).toBe(0);
    expect(retried['BaseOffset']).toBe(first['BaseOffset']);
    const gap = await produce(5, 1);
    expect(gap['ErrorCode']).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const next = await produce(3, 1);
    expect(next['ErrorCode']).toBe(0);
    expect(next['BaseOffset']).toBe((first['BaseOffset'] as bigint) + 3n);
    const list = await c.call('ListOffsets', 2, 6, { ReplicaId: -1, IsolationLevel: 0, Topics: [{ Name: 't', Partitions: [{ PartitionIndex: 0, CurrentLeaderEpoch: -1, Timestamp: -1n }] }] });
    expect((((list.body['Topics'] as Struct[])[0]!['Partitions'] as Struct[])[0]!)['Offset']).toBe((first['BaseOffset'] as bigint) + 4n);
    c.close();
  });
});
