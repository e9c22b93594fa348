import { raise, setup } from 'xstate';
import { partitionForKey } from '../client/partitioner.js';
import type { ClusterConfig } from '../cluster/config.js';
import { react, type Outbox } from './effects.js';
import {
  brokerNode,
  partitionName,
  type ErrorCode,
  type MetadataRequest,
  type MetadataResponse,
  type PartitionState,
  type Produce,
  type ProduceResponse,
  type ProducedValue,
} from './protocol.js';

/**
 * A producer client (Kafka's KafkaProducer + Sender), without idempotence: keys are mapped to
 * partitions with Kafka's murmur2 partitioner, each record is sent to the partition's leader
 * with the configured acks, retried with backoff on retriable errors and timeouts until
 * delivery.timeout.ms, with at most max.in.flight.requests.per.connection requests per broker.
 *
 * Every send is recorded in the history: `invoke` when the application calls send, then `ok`
 * with the offset, `fail` when the record is known not to have been written, `info` when it
 * may or may not have been (a timeout, a lost connection, an error after append).
 */
export interface PendingRecord {
  readonly value: ProducedValue;
  readonly partition: number;
  readonly deadline: number;
  attempts: number;
  /** Some attempt may have been written: a final failure is then `info`, not `fail`. */
  ambiguous: boolean;
  /** Not before this time (retry.backoff.ms). */
  notBefore: number;
}

interface InFlight {
  readonly record: PendingRecord;
  readonly broker: number;
  readonly sentAt: number;
}

export interface ProducerWorkload {
  /** Records to send in all. */
  readonly records: number;
  /** One send every intervalMs. */
  readonly intervalMs: number;
  /** Keys cycle over this many distinct keys. */
  readonly keys: number;
}

export interface ProducerContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly name: string;
  readonly process: number;
  readonly workload: ProducerWorkload;
  readonly metadata: readonly (PartitionState | undefined)[];
  readonly produced: number;
  readonly queue: readonly PendingRecord[];
  readonly inFlight: ReadonlyMap<number, InFlight>;
  readonly nextRequestId: number;
  readonly metadataBroker: number;
  readonly resolved: number;
}

export type ProducerEvent =
  | (ProduceResponse & { from: string })
  | (MetadataResponse & { from: string })
  | { type: 'SendNext' }
  | { type: 'Tick' }
  | { type: 'net.disconnected'; peer: string };

const encoder = new TextEncoder();

function requestMetadata(c: ProducerContext, out: Outbox): Partial<ProducerContext> {
  const broker = (c.metadataBroker % c.config.brokers) + 1;
  out.send(brokerNode(broker), { type: 'Metadata', requestId: c.nextRequestId } satisfies MetadataRequest);
  return { metadataBroker: c.metadataBroker + 1, nextRequestId: c.nextRequestId + 1 };
}

/** The application calls send(): the record joins the queue and the history. */
function sendNext(c: ProducerContext, _e: unknown, out: Outbox): Partial<ProducerContext> {
  const n = c.produced;
  const key = `k${n % c.workload.keys}`;
  const partition = partitionForKey(encoder.encode(key), c.config.partitions);
  const value: ProducedValue = { producer: c.name, key, value: n };
  out.history({ time: 0, process: c.process, type: 'invoke', f: 'send', value: [['send', partition, n]] });
  const rec: PendingRecord = { value, partition, deadline: c.now() + c.config.deliveryTimeoutMs, attempts: 0, ambiguous: false, notBefore: 0 };
  return dispatch({ ...c, produced: n + 1, queue: [...c.queue, rec] }, out);
}

/** Send what can be sent: leader known, backoff over, in-flight limit not reached. */
function dispatch(c: ProducerContext, out: Outbox): ProducerContext {
  const now = c.now();
  const inFlight = new Map(c.inFlight);
  const perBroker = new Map<number, number>();
  for (const f of inFlight.values()) perBroker.set(f.broker, (perBroker.get(f.broker) ?? 0) + 1);
  const queue: PendingRecord[] = [];
  let nextRequestId = c.nextRequestId;
  let needMetadata = false;
  for (const r of c.queue) {
    const leader = c.metadata[r.partition]?.leader ?? -1;
    if (leader < 0) needMetadata = true;
    if (leader < 0 || now < r.notBefore || (perBroker.get(leader) ?? 0) >= c.config.maxInFlightRequestsPerConnection) {
      queue.push(r);
      continue;
    }
    const requestId = nextRequestId++;
    r.attempts++;
    perBroker.set(leader, (perBroker.get(leader) ?? 0) + 1);
    out.send(brokerNode(leader), {
      type: 'Produce',
      actor: partitionName(r.partition),
      requestId,
      acks: c.config.acks,
      timeoutMs: c.config.requestTimeoutMs,
      records: [{ key: r.value.key, value: r.value }],
    } satisfies Produce);
    if (c.config.acks === 0) {
      // acks=0: no answer will come; whether it was written is unknown.
      finish(c, r, out, 'info', undefined, 'acks=0');
      continue;
    }
    inFlight.set(requestId, { record: r, broker: leader, sentAt: now });
  }
  // The whole context comes back: callers pass a context they already changed.
  const next: ProducerContext = { ...c, queue, inFlight, nextRequestId, resolved: c.resolved + (c.config.acks === 0 ? c.queue.length - queue.length : 0) };
  return needMetadata ? { ...next, ...requestMetadata(next, out) } : next;
}

function finish(c: ProducerContext, r: PendingRecord, out: Outbox, type: 'ok' | 'fail' | 'info', offset: number | undefined, error?: string): void {
  const v = offset === undefined ? r.value.value : [offset, r.value.value];
  out.history({ time: 0, process: c.process, type, f: 'send', value: [['send', r.partition, v]], ...(error ? { error } : {}) });
}

/** Errors that mean the batch was not appended: the retry cannot duplicate it. */
const notAppended: ReadonlySet<ErrorCode> = new Set(['NOT_LEADER_OR_FOLLOWER', 'NOT_ENOUGH_REPLICAS', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

/** Retry a record, or give up on it at its delivery timeout or when out of retries. */
function retryOrGiveUp(c: ProducerContext, r: PendingRecord, out: Outbox, error: string): { requeued?: PendingRecord; resolved: number } {
  const now = c.now();
  if (now >= r.deadline || r.attempts > c.config.retries) {
    finish(c, r, out, r.ambiguous ? 'info' : 'fail', undefined, error);
    return { resolved: 1 };
  }
  r.notBefore = now + c.config.retryBackoffMs;
  return { requeued: r, resolved: 0 };
}

function onProduceResponse(c: ProducerContext, e: ProduceResponse, out: Outbox): Partial<ProducerContext> {
  const f = c.inFlight.get(e.requestId);
  if (!f) return {};
  const inFlight = new Map(c.inFlight);
  inFlight.delete(e.requestId);
  const r = f.record;
  if (!e.error) {
    finish(c, r, out, 'ok', e.baseOffset);
    return dispatch({ ...c, inFlight, resolved: c.resolved + 1 }, out);
  }
  if (!notAppended.has(e.error)) r.ambiguous = true;
  const { requeued, resolved } = retryOrGiveUp(c, r, out, e.error);
  let next: ProducerContext = { ...c, inFlight, resolved: c.resolved + resolved, queue: requeued ? [...c.queue, requeued] : c.queue };
  if (e.error === 'NOT_LEADER_OR_FOLLOWER' || e.error === 'FENCED_LEADER_EPOCH') next = { ...next, ...requestMetadata(next, out) };
  return dispatch(next, out);
}

/** Requests unanswered for request.timeout.ms, or on a lost connection: maybe written. */
function expire(c: ProducerContext, out: Outbox, lost: (f: InFlight) => boolean, why: string): Partial<ProducerContext> {
  const inFlight = new Map(c.inFlight);
  const queue = c.queue.slice();
  let resolved = c.resolved;
  let any = false;
  for (const [id, f] of c.inFlight) {
    if (!lost(f)) continue;
    any = true;
    inFlight.delete(id);
    f.record.ambiguous = true;
    const r = retryOrGiveUp(c, f.record, out, why);
    resolved += r.resolved;
    if (r.requeued) queue.push(r.requeued);
  }
  // Records still queued past their delivery timeout are given up too.
  const now = c.now();
  const kept: PendingRecord[] = [];
  for (const r of queue) {
    if (now >= r.deadline) {
      finish(c, r, out, r.ambiguous ? 'info' : 'fail', undefined, 'delivery timeout');
      resolved++;
    } else kept.push(r);
  }
  let next: ProducerContext = { ...c, inFlight, queue: kept, resolved };
  if (any) next = { ...next, ...requestMetadata(next, out) };
  return dispatch(next, out);
}

export const producerMachine = setup({
  types: {} as {
    context: ProducerContext;
    input: { config: ClusterConfig; now: () => number; name: string; process: number; workload: ProducerWorkload };
    events: ProducerEvent;
  },
  delays: {
    interval: ({ context }) => context.workload.intervalMs,
    tick: ({ context }) => context.config.retryBackoffMs,
  },
  guards: {
    moreToSend: ({ context }) => context.produced < context.workload.records,
    allResolved: ({ context }) => context.produced >= context.workload.records && context.resolved >= context.workload.records,
  },
  actions: {
    requestMetadata: react<ProducerContext, ProducerEvent>((c, _e, out) => requestMetadata(c, out)),
    sendNext: react(sendNext),
    onProduceResponse: react(onProduceResponse),
    onMetadata: react<ProducerContext, MetadataResponse>((c, e, out) => {
      const metadata = c.metadata.slice();
      for (const p of e.partitions) {
        if (p.topic !== undefined) continue; // the producer writes the data topic only
        const old = metadata[p.partition];
        if (!old || p.leaderEpoch >= old.leaderEpoch) metadata[p.partition] = p;
      }
      return dispatch({ ...c, metadata }, out);
    }),
    tick: react<ProducerContext, ProducerEvent>((c, _e, out) => {
      const now = c.now();
      return expire(c, out, (f) => now - f.sentAt >= c.config.requestTimeoutMs, 'REQUEST_TIMED_OUT (client)');
    }),
    disconnected: react<ProducerContext, { type: 'net.disconnected'; peer: string }>((c, e, out) =>
      expire(c, out, (f) => brokerNode(f.broker) === e.peer, 'NETWORK_EXCEPTION (connection lost)'),
    ),
  },
}).createMachine({
  id: 'producer',
  context: ({ input }) => ({
    config: input.config,
    now: input.now,
    name: input.name,
    process: input.process,
    workload: input.workload,
    metadata: [],
    produced: 0,
    queue: [],
    inFlight: new Map(),
    nextRequestId: 1,
    metadataBroker: input.process,
    resolved: 0,
  }),
  initial: 'Producing',
  entry: ['requestMetadata', raise({ type: 'Tick' }, { delay: 'tick' })],
  on: {
    ProduceResponse: { actions: 'onProduceResponse' },
    MetadataResponse: { actions: 'onMetadata' },
    'net.disconnected': { actions: 'disconnected' },
    Tick: [
      { guard: 'allResolved', target: '.Done' },
      { actions: ['tick', raise({ type: 'Tick' }, { delay: 'tick' })] },
    ],
  },
  states: {
    /** The application sends one record every intervalMs. */
    Producing: {
      after: {
        interval: [{ guard: 'moreToSend', target: 'Producing', reenter: true, actions: 'sendNext' }, { target: 'Draining' }],
      },
    },
    /** Everything was handed to send(); waiting for the last answers. */
    Draining: {},
    /** Every send has its final outcome. */
    Done: { type: 'final' },
  },
});
