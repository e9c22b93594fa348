/**
 * What `serve` answers to each API. Data-plane requests (Metadata, Produce, Fetch, ListOffsets)
 * become the model's own messages, sent from the client connection's node to the broker the
 * client connected to, over the simulated network: the model's broker and replica machines
 * decide the answer (leadership, acks, min.insync.replicas, ISR, high watermark, KIP-320
 * fencing). Group APIs go to groups.ts, on the broker leading the group's `__consumer_offsets` partition, whose log holds the committed offsets (membership is not model-backed: see there). Encoding is the codec's;
 * handlers only build and read plain objects keyed by Kafka's field names.
 */
import { DATA_TOPIC, OFFSETS_TOPIC, TOPIC_NAME, partitionName, type CreateTopicsResponse, type DeleteTopicsResponse, type FetchResponse, type ListOffsetsResponse, type MetadataResponse, type PartitionState, type ProduceResponse, type Record as ModelRecord } from '../machines/protocol.js';
import type { Message } from '../sim/world.js';
import { groupMetadataPartitionFor, transactionStatePartitionFor } from '../machines/coordinator-partition.js';
import { TXN_TOPIC, txnActor, type AddPartitionsToTxnResponse, type EndTxnResponse, type InitProducerIdResponse } from '../machines/txn-protocol.js';
import { apiKeys } from './apis.js';
import { type Struct } from './codec.js';
import { KafkaError, kafkaCode } from './errors.js';
import { COORDINATOR_PRODUCER, commitErrorOf, decodeCommit, encodeCommit, type GroupCoordinator, type LoggedCommit } from './groups.js';
import { WireHistory } from './history.js';
import type { LiveCluster } from './live-cluster.js';
import { CorruptRecord, decodeBatches, encodeBatch, type RecordBatch, type WireRecord } from './records.js';

export interface Endpoint {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
}

/** What a handler may use: the cluster, this connection's node, the endpoints, the groups. */
export interface HandlerContext {
  readonly cluster: LiveCluster;
  readonly brokerId: number;
  readonly endpoints: readonly Endpoint[];
  readonly groups: GroupCoordinator;
  readonly clientId: string;
  /** This connection's node in the World (`client7`). */
  readonly connection: string;
  /** `serve --record`: the clients' operations as a history. */
  readonly history: WireHistory | undefined;
  /** Send a model message from this connection's node to its broker and wait for the answer (undefined: none came in time). */
  request<M extends Message>(msg: M, timeoutMs: number): Promise<Message | undefined>;
  /** Send without waiting (acks=0). */
  post<M extends Message>(msg: M): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Whether an answer returned now still reaches the client (its connection is open: its broker did not crash meanwhile). */
  answerable(): boolean;
}

/** Thrown when the broker did not answer a model request in time: the connection is closed, as a dead TCP peer's would be. */
export class BrokerUnreachable extends Error {}

export type Handler = (ctx: HandlerContext, body: Struct, version: number) => Promise<Struct | undefined>;

const CLUSTER_ID = 'kafka-model';
/** How long a request to the model's broker may go unanswered before the connection is given up. */
const MODEL_TIMEOUT_MS = 10_000;

const topicOfState = (s: PartitionState) => s.topic ?? DATA_TOPIC;

async function modelMetadata(ctx: HandlerContext): Promise<readonly PartitionState[]> {
  const res = (await ctx.request({ type: 'Metadata' }, MODEL_TIMEOUT_MS)) as MetadataResponse | undefined;
  if (!res) throw new BrokerUnreachable('no Metadata answer');
  return res.partitions;
}

/** Kafka's KafkaApis.handleTopicMetadataRequest, from the answering broker's metadata cache. */
const metadata: Handler = async (ctx, body, version) => {
  const states = await modelMetadata(ctx);
  const requested = body['Topics'] as { Name: string | null }[] | null;
  // Every topic: a null list (v1+), or an empty one in v0.
  const every = requested === null || (version === 0 && requested.length === 0);
  const names = every ? [...ctx.cluster.topics.keys()] : requested.map((t) => t.Name ?? '');
  return {
    ThrottleTimeMs: 0,
    Brokers: ctx.endpoints.map((e) => ({ NodeId: e.brokerId, Host: e.host, Port: e.port, Rack: null })),
    ClusterId: CLUSTER_ID,
    // A KRaft broker names a live broker as the controller (clients need one for admin requests).
    ControllerId: ctx.brokerId,
    Topics: names.map((name) => {
      const count = ctx.cluster.topics.get(name);
      if (count === undefined) return { ErrorCode: KafkaError.UNKNOWN_TOPIC_OR_PARTITION, Name: name, IsInternal: false, Partitions: [] };
      return {
        ErrorCode: KafkaError.NONE,
        Name: name,
        IsInternal: false,
        Partitions: Array.from({ length: count }, (_, p) => {
          const s = states.find((x) => x.partition === p && topicOfState(x) === name);
          return {
            ErrorCode: !s || s.leader < 0 ? KafkaError.LEADER_NOT_AVAILABLE : KafkaError.NONE,
            PartitionIndex: p,
            LeaderId: s?.leader ?? -1,
            LeaderEpoch: s?.leaderEpoch ?? -1,
            ReplicaNodes: s?.replicas ?? [],
            IsrNodes: s?.isr ?? [],
            OfflineReplicas: [],
          };
        }),
      };
    }),
  };
};

const apiVersions: Handler = async () => ({ ErrorCode: KafkaError.NONE, ApiKeys: apiKeys(), ThrottleTimeMs: 0 });

/**
 * Produce: each partition's batches become one model Produce to the replica on this broker;
 * its ProduceResponse is the client's answer. Record bytes stay in the cluster's payload table;
 * the model's log carries each record's number. One model Produce per partition per request
 * (per record for an idempotent producer's batches).
 */
const produce: Handler = async (ctx, body) => {
  const acks = body['Acks'] as number;
  const modelAcks = acks === -1 ? 'all' : acks === 1 ? 1 : acks === 0 ? 0 : undefined;
  const timeoutMs = body['TimeoutMs'] as number;
  const topics = body['TopicData'] as { Name: string; PartitionData: { Index: number; Records: Buffer | null }[] }[];
  const answers = topics.map(async (t) => ({
    Name: t.Name,
    PartitionResponses: await Promise.all(
      t.PartitionData.map(async (pd) => {
        const fail = (code: number) => ({ Index: pd.Index, ErrorCode: code, BaseOffset: -1n, LogAppendTimeMs: -1n, LogStartOffset: -1n, RecordErrors: [], ErrorMessage: null });
        if (modelAcks === undefined) return fail(KafkaError.INVALID_REQUIRED_ACKS);
        const count = ctx.cluster.topics.get(t.Name);
        if (count === undefined || pd.Index < 0 || pd.Index >= count) return fail(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
        const actor = partitionName(pd.Index, t.Name);
        if (!ctx.cluster.hosts(ctx.brokerId, actor)) return fail(KafkaError.NOT_LEADER_OR_FOLLOWER);
        let batches: RecordBatch[];
        try {
          batches = decodeBatches(pd.Records ?? Buffer.alloc(0));
        } catch (e) {
          if (e instanceof CorruptRecord) return fail(KafkaError.CORRUPT_MESSAGE);
          throw e;
        }
        const records = batches.flatMap((b) => b.records);
        if (records.length === 0) return fail(KafkaError.CORRUPT_MESSAGE);
        const producer = ctx.clientId;
        const modelRecords = batches.flatMap((b) =>
          b.records.map((r, i) => {
            const key = r.key === null ? '' : r.key.toString('base64');
            // KIP-98: an idempotent batch's producer id, epoch and per-record sequence, which the model's leader checks.
            const idempotence = b.producerId >= 0 ? { producerId: b.producerId, producerEpoch: b.producerEpoch, sequence: b.baseSequence + i, ...(b.isTransactional ? { transactional: true } : {}) } : {};
            const sequenceKey = b.producerId >= 0 ? `${b.producerId}/${b.producerEpoch}/${b.baseSequence + i}/${pd.Index}/${t.Name}` : undefined;
            const value = ctx.cluster.storePayload({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }, sequenceKey);
            return { key, value: { producer, key, value, ...idempotence } };
          }),
        );
        const op = ctx.history?.send(ctx.connection, actor, records.map((r, i) => WireHistory.valueOf(r.value, modelRecords[i]!.value.value)));
        if (modelAcks === 0) {
          ctx.post({ type: 'Produce', actor, acks: modelAcks, timeoutMs, records: modelRecords });
          op?.unknown('acks=0: no answer');
          return fail(KafkaError.NONE);
        }
        // The model's leader checks one record per batch (src/log/producer-state.ts): an
        // idempotent batch goes as one model Produce per record, in order, and stops at the
        // first refusal. SIMPLIFICATION: Kafka appends or refuses a batch whole; here the
        // records before a refused one stay appended (spec/wire.md).
        const idempotent = batches.some((b) => b.producerId >= 0);
        const parts = idempotent ? modelRecords.map((r) => [r]) : [modelRecords];
        let res: ProduceResponse | undefined;
        // Each record's offset: an idempotent batch's records went one model Produce each, and
        // another client's records may lie between them.
        const offsets: number[] = [];
        for (const part of parts) {
          res = (await ctx.request({ type: 'Produce', actor, acks: modelAcks, timeoutMs, records: part }, timeoutMs + MODEL_TIMEOUT_MS)) as ProduceResponse | undefined;
          if (!res || res.error) break;
          for (let i = 0; i < part.length; i++) offsets.push(res.baseOffset + i);
        }
        if (!res) {
          op?.unknown('no answer from the broker (connection lost or timed out)');
          throw new BrokerUnreachable('no ProduceResponse');
        }
        if (res.error) {
          op?.error(kafkaCode(res.error));
          return fail(kafkaCode(res.error));
        }
        // The broker crashed after appending but before its answer left: the client never learns
        // of the append, so neither does the history nor the live invariants.
        if (!ctx.answerable()) {
          op?.unknown('the broker went down before its answer was sent');
          throw new BrokerUnreachable('connection closed before the ProduceResponse was sent');
        }
        op?.ok(offsets);
        // The live invariants cover the model's data topic (replication.ts): they hold a real
        // client's acknowledged records of it as they hold the model's own producers'.
        if (t.Name === DATA_TOPIC) ctx.cluster.acknowledged(modelRecords.map((r, i) => ({ p: pd.Index, offset: offsets[i]!, producer: r.value.producer, value: r.value.value })));
        return { Index: pd.Index, ErrorCode: KafkaError.NONE, BaseOffset: BigInt(offsets[0]!), LogAppendTimeMs: -1n, LogStartOffset: -1n, RecordErrors: [], ErrorMessage: null };
      }),
    ),
  }));
  const responses = await Promise.all(answers);
  // acks=0: Kafka sends no response at all.
  return acks === 0 ? undefined : { Responses: responses, ThrottleTimeMs: 0 };
};

/** Kafka's control record key: version 0, then the marker type (ControlRecordType: ABORT 0, COMMIT 1). */
function controlKey(control: 'COMMIT' | 'ABORT'): Buffer {
  const k = Buffer.alloc(4);
  k.writeInt16BE(0, 0);
  k.writeInt16BE(control === 'ABORT' ? 0 : 1, 2);
  return k;
}
/** EndTransactionMarker's value: version 0 and the coordinator epoch (the model's markers do not carry it: 0). */
const CONTROL_VALUE = Buffer.from([0, 0, 0, 0, 0, 0]);

/**
 * The model's records as v2 batches: one per run of records with the same leader epoch,
 * producer, epoch and kind (plain, transactional, control), as the producers' batches were
 * (Kafka keeps a producer's batch whole; the model keeps records). A transaction marker is a
 * control batch of one control record (EndTransactionMarker), so that a read_committed client
 * can tell where an aborted transaction ends (kafkajs filterAbortedMessages, Kafka's Fetcher).
 */
function batchesOf(ctx: HandlerContext, records: readonly ModelRecord[], read?: [number, string][]): Buffer {
  const out: Buffer[] = [];
  type Run = { key: string; epoch: number; value: ModelRecord['value']; records: WireRecord[]; firstSequence: number };
  let run: Run | undefined;
  const flush = () => {
    if (run && run.records.length > 0) {
      const v = run.value;
      out.push(
        encodeBatch({
          baseOffset: run.records[0]!.offset,
          partitionLeaderEpoch: run.epoch,
          ...(v.producerId !== undefined ? { producerId: v.producerId, producerEpoch: v.producerEpoch ?? 0, baseSequence: v.control ? -1 : run.firstSequence } : {}),
          isTransactional: v.transactional === true || v.control !== undefined,
          isControl: v.control !== undefined,
          records: run.records,
        }),
      );
    }
    run = undefined;
  };
  for (const r of records) {
    const v = r.value;
    let wire: WireRecord;
    if (v.control) {
      wire = { offset: r.offset, timestamp: r.timestamp, key: controlKey(v.control), value: CONTROL_VALUE, headers: [] };
    } else {
      const p = ctx.cluster.payload(v.value);
      wire = p
        ? { offset: r.offset, timestamp: p.timestamp, key: p.key, value: p.value, headers: p.headers }
        : // A record the model wrote itself (not from a wire client): its model value as JSON.
          { offset: r.offset, timestamp: r.timestamp, key: Buffer.from(r.key ?? ''), value: Buffer.from(JSON.stringify(v)), headers: [] };
      read?.push([r.offset, WireHistory.valueOf(wire.value, v.value)]);
    }
    const key = `${r.leaderEpoch}/${v.producerId ?? -1}/${v.producerEpoch ?? -1}/${v.control ? 'c' : v.transactional ? 't' : 'p'}`;
    // A control record is a batch of its own; a sequence gap starts a new batch too.
    const contiguous = run !== undefined && run.key === key && !v.control && (v.sequence === undefined || v.sequence === run.firstSequence + run.records.length);
    if (!contiguous) flush();
    run ??= { key, epoch: r.leaderEpoch, value: v, records: [], firstSequence: v.sequence ?? -1 };
    run.records.push(wire);
  }
  flush();
  return Buffer.concat(out);
}

interface FetchPartitionReq {
  Partition: number;
  CurrentLeaderEpoch: number;
  FetchOffset: bigint;
}

/**
 * Fetch: each partition becomes a model Fetch with replica id -1 (a consumer's: up to the HW, or
 * the last stable offset for read_committed). An empty answer is held up to MaxWaitMs, polling
 * the model again (Kafka's DelayedFetch), so clients do not spin.
 */
const fetch: Handler = async (ctx, body) => {
  const isolation = (body['IsolationLevel'] as number) === 1 ? ('READ_COMMITTED' as const) : undefined;
  const topics = body['Topics'] as { Topic: string; Partitions: FetchPartitionReq[] }[];
  const deadline = ctx.now() + Math.max(0, body['MaxWaitMs'] as number);
  for (;;) {
    let found = false;
    let failed = false;
    const read = new Map<string, [number, string][]>();
    const responses = await Promise.all(
      topics.map(async (t) => ({
        Topic: t.Topic,
        Partitions: await Promise.all(
          t.Partitions.map(async (p) => {
            const fail = (code: number) => {
              failed = true;
              return { PartitionIndex: p.Partition, ErrorCode: code, HighWatermark: -1n, LastStableOffset: -1n, LogStartOffset: -1n, AbortedTransactions: null, PreferredReadReplica: -1, Records: null };
            };
            const count = ctx.cluster.topics.get(t.Topic);
            if (count === undefined || p.Partition < 0 || p.Partition >= count) return fail(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
            const actor = partitionName(p.Partition, t.Topic);
            if (!ctx.cluster.hosts(ctx.brokerId, actor)) return fail(KafkaError.NOT_LEADER_OR_FOLLOWER);
            const res = (await ctx.request(
              { type: 'Fetch', actor, replicaId: -1, brokerEpoch: -1, fetchOffset: Number(p.FetchOffset), currentLeaderEpoch: p.CurrentLeaderEpoch ?? -1, ...(isolation ? { isolation } : {}) },
              MODEL_TIMEOUT_MS,
            )) as FetchResponse | undefined;
            if (!res) throw new BrokerUnreachable('no FetchResponse');
            if (res.error) return fail(kafkaCode(res.error));
            const pairs: [number, string][] = [];
            const records = batchesOf(ctx, res.records, pairs);
            if (pairs.length > 0) read.set(actor, pairs);
            if (records.length > 0) found = true;
            return {
              PartitionIndex: p.Partition,
              ErrorCode: KafkaError.NONE,
              HighWatermark: BigInt(res.highWatermark),
              LastStableOffset: BigInt(res.lastStableOffset ?? res.highWatermark),
              LogStartOffset: BigInt(ctx.cluster.logStartOffset(ctx.brokerId, actor) ?? 0),
              AbortedTransactions: isolation ? (res.abortedTransactions ?? []).map((a) => ({ ProducerId: BigInt(a.producerId), FirstOffset: BigInt(a.firstOffset) })) : null,
              PreferredReadReplica: -1,
              Records: records,
            };
          }),
        ),
      })),
    );
    if (found || failed || ctx.now() >= deadline) {
      ctx.history?.poll(ctx.connection, read);
      return { ThrottleTimeMs: 0, ErrorCode: KafkaError.NONE, SessionId: 0, Responses: responses };
    }
    await ctx.sleep(Math.min(20, Math.max(1, deadline - ctx.now())));
  }
};

/**
 * ListOffsets: LATEST (-1) asks the model's leader (its HW, or its last stable offset for
 * read_committed). EARLIEST (-2) asks the leader too (for leadership and fencing) and answers
 * the replica's log start offset, read from its state. SIMPLIFICATION: a lookup by timestamp
 * (>= 0) is answered as LATEST; the model keeps no time index.
 */
const listOffsets: Handler = async (ctx, body, version) => {
  const isolation = (body['IsolationLevel'] as number | undefined) === 1 ? ('READ_COMMITTED' as const) : undefined;
  const topics = body['Topics'] as { Name: string; Partitions: { PartitionIndex: number; CurrentLeaderEpoch?: number; Timestamp: bigint }[] }[];
  return {
    ThrottleTimeMs: 0,
    Topics: await Promise.all(
      topics.map(async (t) => ({
        Name: t.Name,
        Partitions: await Promise.all(
          t.Partitions.map(async (p) => {
            const answer = (code: number, offset: number) => ({ PartitionIndex: p.PartitionIndex, ErrorCode: code, OldStyleOffsets: offset >= 0 ? [BigInt(offset)] : [], Timestamp: -1n, Offset: BigInt(offset), LeaderEpoch: -1 });
            const count = ctx.cluster.topics.get(t.Name);
            if (count === undefined || p.PartitionIndex < 0 || p.PartitionIndex >= count) return answer(KafkaError.UNKNOWN_TOPIC_OR_PARTITION, -1);
            const actor = partitionName(p.PartitionIndex, t.Name);
            if (!ctx.cluster.hosts(ctx.brokerId, actor)) return answer(KafkaError.NOT_LEADER_OR_FOLLOWER, -1);
            const epoch = version >= 4 && (p.CurrentLeaderEpoch ?? -1) >= 0 ? { currentLeaderEpoch: p.CurrentLeaderEpoch } : {};
            const res = (await ctx.request({ type: 'ListOffsets', actor, ...(isolation ? { isolation } : {}), ...epoch }, MODEL_TIMEOUT_MS)) as ListOffsetsResponse | undefined;
            if (!res) throw new BrokerUnreachable('no ListOffsetsResponse');
            if (res.error) return answer(kafkaCode(res.error), -1);
            if (p.Timestamp === -2n) return answer(KafkaError.NONE, ctx.cluster.logStartOffset(ctx.brokerId, actor) ?? 0);
            return answer(KafkaError.NONE, res.offset);
          }),
        ),
      })),
    ),
  };
};

/** The group's `__consumer_offsets` partition (GroupMetadataManager.partitionFor; serve runs one, as the model's deployment does). */
const offsetsPartition = (cluster: LiveCluster, groupId: string) => groupMetadataPartitionFor(cluster.config, groupId);

/**
 * The group coordinator is the broker whose replica leads the group's `__consumer_offsets`
 * partition: GroupCoordinator.validateGroupStatus answers COORDINATOR_NOT_AVAILABLE when no
 * broker does and NOT_COORDINATOR on any other broker (the client then asks FindCoordinator
 * again). On the coordinator, a change of leader or leader epoch since the last request of a
 * group on that partition loads the partition's committed offsets from this broker's log first
 * (groups.ts coordinatorIs).
 */
function asCoordinator(ctx: HandlerContext, groupId: string): number {
  const partition = offsetsPartition(ctx.cluster, groupId);
  const epoch = ctx.cluster.leadsNow(ctx.brokerId, OFFSETS_TOPIC, partition);
  if (epoch === undefined) return ctx.cluster.leaderOf(OFFSETS_TOPIC, partition) === undefined ? KafkaError.COORDINATOR_NOT_AVAILABLE : KafkaError.NOT_COORDINATOR;
  ctx.groups.coordinatorIs(partition, `${ctx.brokerId}/${epoch}`, () => loggedCommits(ctx.cluster, ctx.brokerId, partition));
  return KafkaError.NONE;
}

/** The OffsetCommit records of the broker's log of `__consumer_offsets` partition `partition`, in log order. */
function loggedCommits(cluster: LiveCluster, brokerId: number, partition: number): LoggedCommit[] {
  const out: LoggedCommit[] = [];
  for (const r of cluster.replicaRecords(brokerId, OFFSETS_TOPIC, partition)) {
    if (r.value.producer !== COORDINATOR_PRODUCER || r.value.control !== undefined) continue;
    const bytes = cluster.payload(r.value.value)?.value;
    if (bytes) out.push(decodeCommit(bytes));
  }
  return out;
}

/** Kafka's offsets.commit.timeout.ms: how long an offset commit waits for its append to be replicated (acks=all). */
const OFFSET_COMMIT_TIMEOUT_MS = 5000;

/**
 * Append an OffsetCommit to the group's `__consumer_offsets` partition on this broker (the coordinator) with
 * acks=all, as GroupMetadataManager.storeOffsets does (required acks -1); the group's offsets
 * change only once the append is acknowledged. Returns the commit's error code.
 */
async function appendCommit(ctx: HandlerContext, commit: LoggedCommit): Promise<number> {
  const value = ctx.cluster.storePayload({ key: Buffer.from(commit.groupId, 'utf8'), value: encodeCommit(commit), headers: [], timestamp: Math.round(ctx.now()) });
  const res = (await ctx.request(
    { type: 'Produce', actor: partitionName(offsetsPartition(ctx.cluster, commit.groupId), OFFSETS_TOPIC), acks: 'all', timeoutMs: OFFSET_COMMIT_TIMEOUT_MS, records: [{ key: commit.groupId, value: { producer: COORDINATOR_PRODUCER, key: commit.groupId, value } }] },
    OFFSET_COMMIT_TIMEOUT_MS + MODEL_TIMEOUT_MS,
  )) as ProduceResponse | undefined;
  if (!res) throw new BrokerUnreachable('no ProduceResponse for an offset commit');
  if (res.error) return commitErrorOf(res.error);
  ctx.groups.applyCommit(commit);
  return KafkaError.NONE;
}

/**
 * FindCoordinator: a group's coordinator is the leader of its `__consumer_offsets` partition; a
 * transactional id's, the leader of its `__transaction_state` partition (coordinator-partition.ts).
 */
const findCoordinator: Handler = async (ctx, body) => {
  if ((body['KeyType'] as number | undefined) === 1) {
    // A transaction coordinator: the model's is active on the leader of the id's partition of
    // __transaction_state (TransactionStateManager.partitionFor).
    const id = body['Key'] as string;
    const leader = ctx.cluster.transactionalIds.includes(id) ? ctx.cluster.leaderOf(TXN_TOPIC, transactionStatePartitionFor(ctx.cluster.config, id)) : undefined;
    const at = ctx.endpoints.find((e) => e.brokerId === leader);
    if (!at) {
      const why = ctx.cluster.transactionalIds.includes(id) ? 'no leader for __transaction_state now' : `start serve with --transactional-ids ${id}`;
      return { ThrottleTimeMs: 0, ErrorCode: KafkaError.COORDINATOR_NOT_AVAILABLE, ErrorMessage: why, NodeId: -1, Host: '', Port: -1 };
    }
    return { ThrottleTimeMs: 0, ErrorCode: KafkaError.NONE, ErrorMessage: null, NodeId: at.brokerId, Host: at.host, Port: at.port };
  }
  // GroupMetadataManager.partitionFor: the group's partition of __consumer_offsets; its leader coordinates the group.
  const at = ctx.endpoints.find((e) => e.brokerId === ctx.cluster.leaderOf(OFFSETS_TOPIC, offsetsPartition(ctx.cluster, body['Key'] as string)));
  if (!at) return { ThrottleTimeMs: 0, ErrorCode: KafkaError.COORDINATOR_NOT_AVAILABLE, ErrorMessage: 'no leader for __consumer_offsets now', NodeId: -1, Host: '', Port: -1 };
  return { ThrottleTimeMs: 0, ErrorCode: KafkaError.NONE, ErrorMessage: null, NodeId: at.brokerId, Host: at.host, Port: at.port };
};

const joinGroup: Handler = async (ctx, body) => {
  const status = asCoordinator(ctx, body['GroupId'] as string);
  if (status !== KafkaError.NONE) return { ThrottleTimeMs: 0, SkipAssignment: false, ErrorCode: status, GenerationId: -1, ProtocolType: null, ProtocolName: '', Leader: '', MemberId: body['MemberId'] as string, Members: [] };
  const r = await ctx.groups.join({
    groupId: body['GroupId'] as string,
    memberId: body['MemberId'] as string,
    groupInstanceId: (body['GroupInstanceId'] as string | null | undefined) ?? null,
    clientId: ctx.clientId,
    protocolType: body['ProtocolType'] as string,
    protocols: body['Protocols'] as { Name: string; Metadata: Buffer }[],
    sessionTimeoutMs: body['SessionTimeoutMs'] as number,
    rebalanceTimeoutMs: (body['RebalanceTimeoutMs'] as number | undefined) ?? (body['SessionTimeoutMs'] as number),
  });
  return { ThrottleTimeMs: 0, SkipAssignment: false, ...r, ProtocolName: r.ProtocolName ?? '' };
};

const syncGroup: Handler = async (ctx, body) => {
  const status = asCoordinator(ctx, body['GroupId'] as string);
  if (status !== KafkaError.NONE) return { ThrottleTimeMs: 0, ErrorCode: status, ProtocolType: null, ProtocolName: null, Assignment: Buffer.alloc(0) };
  const r = await ctx.groups.sync(body['GroupId'] as string, body['MemberId'] as string, body['GenerationId'] as number, body['Assignments'] as { MemberId: string; Assignment: Buffer }[]);
  return { ThrottleTimeMs: 0, ...r };
};

const heartbeat: Handler = async (ctx, body) => {
  const status = asCoordinator(ctx, body['GroupId'] as string);
  return { ThrottleTimeMs: 0, ErrorCode: status !== KafkaError.NONE ? status : ctx.groups.heartbeat(body['GroupId'] as string, body['MemberId'] as string, body['GenerationId'] as number) };
};

const leaveGroup: Handler = async (ctx, body, version) => {
  const members = version >= 3 ? (body['Members'] as { MemberId: string; GroupInstanceId: string | null }[]) : [{ MemberId: body['MemberId'] as string, GroupInstanceId: null }];
  const status = asCoordinator(ctx, body['GroupId'] as string);
  if (status !== KafkaError.NONE) return { ThrottleTimeMs: 0, ErrorCode: status, Members: [] };
  const codes = ctx.groups.leave(body['GroupId'] as string, members.map((m) => m.MemberId));
  return {
    ThrottleTimeMs: 0,
    ErrorCode: version >= 3 ? KafkaError.NONE : codes[0]!,
    Members: members.map((m, i) => ({ MemberId: m.MemberId, GroupInstanceId: m.GroupInstanceId, ErrorCode: codes[i]! })),
  };
};

const offsetCommit: Handler = async (ctx, body) => {
  const topics = body['Topics'] as { Name: string; Partitions: { PartitionIndex: number; CommittedOffset: bigint; CommittedLeaderEpoch?: number; CommittedMetadata: string | null }[] }[];
  const offsets = topics.flatMap((t) => t.Partitions.map((p) => ({ topic: t.Name, partition: p.PartitionIndex, offset: p.CommittedOffset, leaderEpoch: p.CommittedLeaderEpoch ?? -1, metadata: p.CommittedMetadata })));
  const groupId = body['GroupId'] as string;
  let code = asCoordinator(ctx, groupId);
  if (code === KafkaError.NONE) code = ctx.groups.validateCommit(groupId, (body['MemberId'] as string | undefined) ?? '', (body['GenerationIdOrMemberEpoch'] as number | undefined) ?? -1);
  if (code === KafkaError.NONE) code = await appendCommit(ctx, { groupId, seq: ctx.groups.commitSeq(), offsets });
  return { ThrottleTimeMs: 0, Topics: topics.map((t) => ({ Name: t.Name, Partitions: t.Partitions.map((p) => ({ PartitionIndex: p.PartitionIndex, ErrorCode: code })) })) };
};

const offsetFetch: Handler = async (ctx, body) => {
  const groupId = body['GroupId'] as string;
  const asked = body['Topics'] as { Name: string; PartitionIndexes: number[] }[] | null;
  const status = asCoordinator(ctx, body['GroupId'] as string);
  if (status !== KafkaError.NONE) {
    const failed = (asked ?? []).map((t) => ({ Name: t.Name, Partitions: t.PartitionIndexes.map((p) => ({ PartitionIndex: p, CommittedOffset: -1n, CommittedLeaderEpoch: -1, Metadata: '', ErrorCode: status })) }));
    return { ThrottleTimeMs: 0, ErrorCode: status, Topics: failed };
  }
  completeTxnOffsets(ctx.cluster, ctx.groups);
  // KIP-447 (v7+): with RequireStable, a partition with transactional offsets not yet complete is UNSTABLE_OFFSET_COMMIT (the client retries).
  const requireStable = body['RequireStable'] === true;
  let wanted = asked;
  if (wanted === null) {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of ctx.groups.committedPartitions(groupId)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    wanted = [...byTopic].map(([Name, PartitionIndexes]) => ({ Name, PartitionIndexes }));
  }
  return {
    ThrottleTimeMs: 0,
    ErrorCode: KafkaError.NONE,
    Topics: wanted.map((t) => ({
      Name: t.Name,
      Partitions: t.PartitionIndexes.map((p) => {
        const c = ctx.groups.committed(groupId, t.Name, p);
        const unstable = requireStable && ctx.groups.hasPendingTxnOffset(groupId, t.Name, p);
        return { PartitionIndex: p, CommittedOffset: c?.offset ?? -1n, CommittedLeaderEpoch: c?.leaderEpoch ?? -1, Metadata: c?.metadata ?? '', ErrorCode: unstable ? KafkaError.UNSTABLE_OFFSET_COMMIT : KafkaError.NONE };
      }),
    })),
  };
};

/** What a client is told beside a topic admin error (Kafka's messages, where the model has one). */
const adminMessages: Partial<Record<string, (topic: string) => string>> = {
  TOPIC_ALREADY_EXISTS: (t) => `Topic '${t}' already exists.`,
  INVALID_REPLICATION_FACTOR: () => 'Unable to replicate the partition: the target replication factor cannot be reached with the unfenced brokers.',
  INVALID_PARTITIONS: () => 'Number of partitions was set to an invalid non-positive value.',
  UNKNOWN_TOPIC_OR_PARTITION: () => 'This server does not host this topic-partition.',
  INVALID_REQUEST: (t) => `kafka-model does not delete ${t}: the model's own and Kafka's internal topics stay.`,
};

/**
 * CreateTopics: each topic is created by the model's active controller (KRaft;
 * src/machines/controller.ts createTopics), one at a time; -1 partitions or replication factor
 * take the defaults (KIP-464). The brokers learn of the topic from the controller, so a client's
 * next Metadata may still find its partitions without a leader, as with Kafka. Not modelled:
 * manual assignments, topic configs (ignored), validateOnly, and ZooKeeper mode, where the
 * request is refused (POLICY_VIOLATION) as before; spec/wire.md.
 */
const createTopics: Handler = async (ctx, body) => {
  const topics = body['Topics'] as { Name: string; NumPartitions: number; ReplicationFactor: number; Assignments: unknown[] }[];
  const timeoutMs = Math.max(1, (body['timeoutMs'] as number | undefined) ?? MODEL_TIMEOUT_MS);
  const answer = (name: string, code: number, message: string | null, partitions = -1, replicationFactor = -1) => ({
    Name: name,
    ErrorCode: code,
    ErrorMessage: message,
    NumPartitions: partitions,
    ReplicationFactor: replicationFactor,
    Configs: null,
  });
  const results = [];
  for (const t of topics) {
    if (topics.filter((u) => u.Name === t.Name).length > 1) results.push(answer(t.Name, KafkaError.INVALID_REQUEST, 'Duplicate topic name.'));
    // Topic.validate: TOPIC_NAME's characters and length, and not '.' or '..'.
    else if (!TOPIC_NAME.test(t.Name)) results.push(answer(t.Name, KafkaError.INVALID_TOPIC_EXCEPTION, `Topic name "${t.Name}" is illegal.`));
    else if (ctx.cluster.config.controlPlane !== 'kraft') results.push(answer(t.Name, KafkaError.POLICY_VIOLATION, 'kafka-model creates topics at run time in KRaft mode only: add --topics NAME:PARTITIONS'));
    else if (t.Assignments.length > 0 || body['validateOnly'] === true) results.push(answer(t.Name, KafkaError.INVALID_REQUEST, 'kafka-model does not model manual replica assignments or validateOnly'));
    else {
      const res = await ctx.cluster.controllerRequest({ type: 'CreateTopics', topic: t.Name, partitions: t.NumPartitions, replicationFactor: t.ReplicationFactor }, timeoutMs);
      const created = res as CreateTopicsResponse | undefined;
      if (!created) results.push(answer(t.Name, KafkaError.REQUEST_TIMED_OUT, 'no answer from the controller in time'));
      else if (created.error) results.push(answer(t.Name, kafkaCode(created.error), adminMessages[created.error]?.(t.Name) ?? null));
      else results.push(answer(t.Name, KafkaError.NONE, null, created.partitions, created.replicationFactor));
    }
  }
  return { ThrottleTimeMs: 0, Topics: results };
};

/**
 * DeleteTopics: each topic is deleted by the model's active controller (KRaft; its partitions
 * leave the metadata and the brokers stop and delete their replicas). The model keeps its own
 * topic and Kafka's internal ones (INVALID_REQUEST). ZooKeeper mode: refused as before.
 */
const deleteTopics: Handler = async (ctx, body) => {
  const names = body['TopicNames'] as string[];
  const timeoutMs = Math.max(1, (body['TimeoutMs'] as number | undefined) ?? MODEL_TIMEOUT_MS);
  const responses = [];
  for (const name of names) {
    if (ctx.cluster.config.controlPlane !== 'kraft') {
      responses.push({ Name: name, ErrorCode: KafkaError.TOPIC_DELETION_DISABLED, ErrorMessage: 'kafka-model deletes topics in KRaft mode only' });
      continue;
    }
    const res = (await ctx.cluster.controllerRequest({ type: 'DeleteTopics', topic: name }, timeoutMs)) as DeleteTopicsResponse | undefined;
    if (!res) responses.push({ Name: name, ErrorCode: KafkaError.REQUEST_TIMED_OUT, ErrorMessage: 'no answer from the controller in time' });
    else responses.push({ Name: name, ErrorCode: kafkaCode(res.error), ErrorMessage: res.error ? (adminMessages[res.error]?.(name) ?? null) : null });
  }
  return { ThrottleTimeMs: 0, Responses: responses };
};

const describeCluster: Handler = async (ctx) => ({
  ThrottleTimeMs: 0,
  ErrorCode: KafkaError.NONE,
  ErrorMessage: null,
  ClusterId: CLUSTER_ID,
  ControllerId: ctx.brokerId,
  Brokers: ctx.endpoints.map((e) => ({ BrokerId: e.brokerId, Host: e.host, Port: e.port, Rack: null })),
  ClusterAuthorizedOperations: -2147483648,
});

/**
 * InitProducerId for an idempotent producer (no transactional.id): a fresh producer id at epoch
 * 0. Kafka's brokers hand out ids from blocks the controller allocates (KIP-730,
 * ProducerIdManager); here the server counts from 1,000,000, clear of the ids the model's own
 * producers use (src/cluster/kafka.ts). With a transactional.id the model's transaction
 * coordinator for it answers (TransactionCoordinator.handleInitProducerId); an id serve was not
 * started with (--transactional-ids) is refused, as the model has no coordinator for it.
 */
const initProducerId: Handler = async (ctx, body) => {
  const id = body['TransactionalId'] as string | null;
  if (id !== null) {
    if (!ctx.cluster.transactionalIds.includes(id)) return { ThrottleTimeMs: 0, ErrorCode: KafkaError.UNSUPPORTED_VERSION, ProducerId: -1n, ProducerEpoch: -1 };
    const res = (await ctx.request({ type: 'InitProducerId', actor: txnActor(id), transactionalId: id, transactionTimeoutMs: body['TransactionTimeoutMs'] as number }, MODEL_TIMEOUT_MS)) as InitProducerIdResponse | undefined;
    if (!res) throw new BrokerUnreachable('no InitProducerIdResponse');
    return { ThrottleTimeMs: 0, ErrorCode: kafkaCode(res.error), ProducerId: BigInt(res.producerId), ProducerEpoch: res.producerEpoch };
  }
  return { ThrottleTimeMs: 0, ErrorCode: KafkaError.NONE, ProducerId: BigInt(ctx.cluster.nextProducerId()), ProducerEpoch: 0 };
};

/** AddPartitionsToTxn (v0-3: one transaction per request): the model's coordinator answers for all its partitions. */
const addPartitionsToTxn: Handler = async (ctx, body) => {
  const id = body['V3AndBelowTransactionalId'] as string;
  const topics = body['V3AndBelowTopics'] as { Name: string; Partitions: number[] }[];
  const partitions = topics.flatMap((t) => t.Partitions.map((partition) => ({ topic: t.Name, partition })));
  const unknown = partitions.some((p) => !ctx.cluster.topics.has(p.topic));
  let code: number = KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
  if (!ctx.cluster.transactionalIds.includes(id)) code = KafkaError.INVALID_PRODUCER_ID_MAPPING;
  else if (!unknown) {
    const res = (await ctx.request(
      { type: 'AddPartitionsToTxn', actor: txnActor(id), transactionalId: id, producerId: Number(body['V3AndBelowProducerId']), producerEpoch: body['V3AndBelowProducerEpoch'] as number, partitions },
      MODEL_TIMEOUT_MS,
    )) as AddPartitionsToTxnResponse | undefined;
    if (!res) throw new BrokerUnreachable('no AddPartitionsToTxnResponse');
    code = kafkaCode(res.error);
  }
  return { ThrottleTimeMs: 0, ResultsByTopicV3AndBelow: topics.map((t) => ({ Name: t.Name, ResultsByPartition: t.Partitions.map((p) => ({ PartitionIndex: p, PartitionErrorCode: code })) })) };
};

/** EndTxn: the model's coordinator writes PrepareCommit/PrepareAbort, then the markers (WriteTxnMarkers) to every partition. */
const endTxn: Handler = async (ctx, body) => {
  const id = body['TransactionalId'] as string;
  if (!ctx.cluster.transactionalIds.includes(id)) return { ThrottleTimeMs: 0, ErrorCode: KafkaError.INVALID_PRODUCER_ID_MAPPING, ProducerId: -1n, ProducerEpoch: -1 };
  const res = (await ctx.request(
    { type: 'EndTxn', actor: txnActor(id), transactionalId: id, producerId: Number(body['ProducerId']), producerEpoch: body['ProducerEpoch'] as number, committed: body['Committed'] as boolean },
    MODEL_TIMEOUT_MS,
  )) as EndTxnResponse | undefined;
  if (!res) throw new BrokerUnreachable('no EndTxnResponse');
  return { ThrottleTimeMs: 0, ErrorCode: kafkaCode(res.error), ProducerId: BigInt(res.producerId), ProducerEpoch: res.producerEpoch };
};

/**
 * AddOffsetsToTxn (KIP-98, sendOffsetsToTransaction's first step). Kafka's
 * KafkaApis.handleAddOffsetsToTxnRequest adds the group's `__consumer_offsets` partition to the
 * transaction through the same TransactionCoordinator.handleAddPartitionsToTransaction as
 * AddPartitionsToTxn; so does serve, with the model's AddPartitionsToTxn for
 * the group's partition of `__consumer_offsets` (groupCoordinator.partitionFor(groupId), as Kafka).
 * The coordinator then writes the transaction's marker into that partition's log like any
 * other's, and the group's staged offsets complete when it is there (completeTxnOffsets).
 * (The model's own AddOffsetsToTxn sends the marker to the model's group coordinator actor,
 * which real clients' groups do not have: groups.ts.)
 */
const addOffsetsToTxn: Handler = async (ctx, body) => {
  const id = body['TransactionalId'] as string;
  if (!ctx.cluster.transactionalIds.includes(id)) return { ThrottleTimeMs: 0, ErrorCode: KafkaError.INVALID_PRODUCER_ID_MAPPING };
  const res = (await ctx.request(
    { type: 'AddPartitionsToTxn', actor: txnActor(id), transactionalId: id, producerId: Number(body['ProducerId']), producerEpoch: body['ProducerEpoch'] as number, partitions: [{ topic: OFFSETS_TOPIC, partition: offsetsPartition(ctx.cluster, body['GroupId'] as string) }] },
    MODEL_TIMEOUT_MS,
  )) as AddPartitionsToTxnResponse | undefined;
  if (!res) throw new BrokerUnreachable('no AddPartitionsToTxnResponse');
  return { ThrottleTimeMs: 0, ErrorCode: kafkaCode(res.error) };
};

/**
 * TxnOffsetCommit: the offsets are staged in the group (groups.ts stageTxnOffsets,
 * GroupMetadata.prepareTxnOffsetCommit) and become its committed offsets only when the
 * transaction's COMMIT marker is in the group's `__consumer_offsets` partition; an ABORT marker drops them.
 * SIMPLIFICATION (spec/wire.md): Kafka also appends the offsets to `__consumer_offsets` as
 * transactional records; here they stay in serve's in-memory group coordinator, and only the
 * marker is in the model's log.
 */
const txnOffsetCommit: Handler = async (ctx, body) => {
  const topics = body['Topics'] as { Name: string; Partitions: { PartitionIndex: number; CommittedOffset: bigint; CommittedLeaderEpoch?: number; CommittedMetadata: string | null }[] }[];
  const id = body['TransactionalId'] as string;
  const offsets = topics.flatMap((t) => t.Partitions.map((p) => ({ topic: t.Name, partition: p.PartitionIndex, offset: p.CommittedOffset, leaderEpoch: p.CommittedLeaderEpoch ?? -1, metadata: p.CommittedMetadata })));
  const producerId = Number(body['ProducerId']);
  const groupId = body['GroupId'] as string;
  // Where this transaction's marker will be found; no leader for the group's __consumer_offsets partition now: the
  // client retries (Kafka answers COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR while its group's partition has no leader).
  const since = ctx.cluster.nextMarkerFrom(OFFSETS_TOPIC, offsetsPartition(ctx.cluster, groupId), producerId);
  const stage = (): number => {
    if (!ctx.cluster.transactionalIds.includes(id)) return KafkaError.INVALID_PRODUCER_ID_MAPPING;
    const status = asCoordinator(ctx, groupId);
    if (status !== KafkaError.NONE) return status;
    if (since === undefined) return KafkaError.COORDINATOR_NOT_AVAILABLE;
    return ctx.groups.stageTxnOffsets(groupId, (body['MemberId'] as string | undefined) ?? '', (body['GenerationId'] as number | undefined) ?? -1, producerId, since, offsets);
  };
  const code = stage();
  return { ThrottleTimeMs: 0, Topics: topics.map((t) => ({ Name: t.Name, Partitions: t.Partitions.map((p) => ({ PartitionIndex: p.PartitionIndex, ErrorCode: code })) })) };
};

/** Staged transactional offsets whose marker is now fully written in the group's `__consumer_offsets` partition complete (committed or dropped). */
export function completeTxnOffsets(cluster: LiveCluster, groups: GroupCoordinator): void {
  for (const p of groups.pendingTxnOffsets()) {
    const marker = cluster.txnMarker(OFFSETS_TOPIC, offsetsPartition(cluster, p.groupId), p.producerId, p.since);
    if (marker !== undefined) groups.completeTxnOffsets(p.groupId, p.producerId, marker === 'COMMIT');
  }
}

export const handlers: Readonly<Record<string, Handler>> = {
  AddOffsetsToTxn: addOffsetsToTxn,
  TxnOffsetCommit: txnOffsetCommit,
  AddPartitionsToTxn: addPartitionsToTxn,
  EndTxn: endTxn,
  InitProducerId: initProducerId,
  ApiVersions: apiVersions,
  Metadata: metadata,
  Produce: produce,
  Fetch: fetch,
  ListOffsets: listOffsets,
  FindCoordinator: findCoordinator,
  JoinGroup: joinGroup,
  SyncGroup: syncGroup,
  Heartbeat: heartbeat,
  LeaveGroup: leaveGroup,
  OffsetCommit: offsetCommit,
  OffsetFetch: offsetFetch,
  CreateTopics: createTopics,
  DeleteTopics: deleteTopics,
  DescribeCluster: describeCluster,
};
