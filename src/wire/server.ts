/**
 * `serve`'s transport: one loopback listener per broker, Kafka's framing (a 4-byte size, then
 * the request), one request at a time per connection and answers in request order (Kafka's
 * SocketServer mutes a connection while its request is being handled), and the World's clock
 * kept up with wall time. A frame that cannot be read, or a size beyond
 * socket.request.max.bytes, closes that one connection; nothing reaches the model from it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { apiNames, decodeMessage, decodeRequestHeader, emptyMessage, encodeResponse, MalformedFrame, Reader, specOf, validRange, type RequestHeader, type Struct } from './codec.js';
import { apiKeys, supports } from './apis.js';
import { KafkaError } from './errors.js';
import { control, type ControlResult } from './control.js';
import { GroupCoordinator } from './groups.js';
import { groupMetadataPartitionFor } from '../machines/coordinator-partition.js';
import { WireHistory } from './history.js';
import { JournalWriter } from './journal.js';
import { BrokerUnreachable, completeTxnOffsets, handlers, type Endpoint, type HandlerContext } from './handlers.js';
import { LiveCluster, type LiveClusterOptions } from './live-cluster.js';
import { Nemesis, type NemesisName } from './nemesis.js';
import { answerTo } from './pending.js';
import type { Message } from '../sim/world.js';

/** Kafka's socket.request.max.bytes default (100 MiB). */
export const MAX_REQUEST_BYTES = 104_857_600;
const HOST = '127.0.0.1';

export interface ServeOptions extends LiveClusterOptions {
  /** The first broker's port; broker n listens on port + n - 1. 0: each picks a free port. */
  readonly port: number;
  /** `--record`: write what entered the World (journal.ts), for `replay`. */
  readonly journal?: string | undefined;
  /** `--history`: write the clients' operations to this file as a JSON Lines history. */
  readonly history?: string | undefined;
  /** Called once per problem a connection had (a malformed frame, an unknown API). */
  readonly log?: (line: string) => void;
  /** `--nemesis` and `--interval`: a fault every interval (nemesis.ts), from when the server listens until it closes. */
  readonly nemesis?: { readonly names: readonly NemesisName[]; readonly intervalMs: number } | undefined;
  /** Told each action of the nemesis (a fault, or an undo) as it happens. */
  readonly onNemesis?: (line: string) => void;
}

export interface RunningServer {
  readonly cluster: LiveCluster;
  readonly endpoints: readonly Endpoint[];
  /** Every API and version answered so far (what clients negotiated), e.g. `Fetch` -> {11}. */
  readonly served: ReadonlyMap<string, ReadonlySet<number>>;
  /** With `history`: the history being written. */
  readonly history: WireHistory | undefined;
  /** Apply one control command (control.ts): a fault, or `status`. */
  control(line: string): ControlResult;
  /** With `nemesis`: the running schedule. */
  readonly nemesis: Nemesis | undefined;
  /** Stop the nemesis and undo its last fault (restart what is down, heal the cuts): what that took, one line each. */
  stopNemesis(): string[];
  /** Stops the nemesis first (stopNemesis), so the journal ends on a healed cluster. */
  close(): Promise<void>;
}

interface Connection {
  readonly socket: Socket;
  readonly node: string;
  readonly brokerId: number;
  readonly pending: Map<number, (m: Message | undefined) => void>;
  nextRequestId: number;
  queue: Buffer[];
  busy: boolean;
  closed: boolean;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const clusterOptions = {
    preset: opts.preset,
    kafka: opts.kafka,
    brokers: opts.brokers,
    seed: opts.seed,
    topics: opts.topics,
    timings: opts.timings,
    transactionalIds: opts.transactionalIds,
    offsetsTopicNumPartitions: opts.offsetsTopicNumPartitions,
    transactionStateLogNumPartitions: opts.transactionStateLogNumPartitions,
  };
  const journal = opts.journal === undefined ? undefined : new JournalWriter(opts.journal, clusterOptions);
  const cluster = new LiveCluster(clusterOptions, journal ? (e) => journal.entry(e) : undefined);
  // One wall clock for the cluster, the group coordinator and the history.
  const now = cluster.wallMs;
  const groups = new GroupCoordinator(now, (groupId) => groupMetadataPartitionFor(cluster.config, groupId));
  const log = opts.log ?? (() => undefined);
  const connections = new Set<Connection>();
  const endpoints: Endpoint[] = [];
  const servers: Server[] = [];
  const served = new Map<string, Set<number>>();
  /** Set when close() starts: no new connections, no new model requests. */
  let closing = false;
  const history = opts.history === undefined ? undefined : new WireHistory(opts.history, now);

  const clock = setInterval(() => cluster.advance(), 5);
  /** How long after a broker's crash its client connections are reset (see close). */
  const RESET_AFTER_MS = 20;
  const groupClock = setInterval(() => {
    groups.tick();
    // Transactional offsets complete once their marker is written (the model's coordinator writes it on its own time).
    completeTxnOffsets(cluster, groups);
  }, 100);

  /**
   * Closes a client's connection. `reset`: the broker is down, and the connection is reset (RST)
   * rather than closed in order (FIN). A killed process's kernel sends FIN on its idle
   * connections, but RST on one with unread data and on every later connection attempt; serve
   * resets them all. SIMPLIFICATION (spec/wire.md), chosen for a client bug: on an orderly close,
   * kafkajs 2.2's consumer fetchers retry the closed connection's cached error in a loop that
   * never yields to the event loop, and a process serving and consuming at once stops (issue 14).
   * The reset comes RESET_AFTER_MS after the crash, with nothing read or written meanwhile: a
   * killed process's kernel still delivers what the process had written, so answers sent before
   * the crash reach the client (an immediate RST makes the client's kernel drop them unread, and
   * a client would retry a send the server's history recorded as acknowledged).
   */
  const close = (c: Connection, reset = false) => {
    if (c.closed) return;
    c.closed = true;
    connections.delete(c);
    for (const resolve of c.pending.values()) resolve(undefined);
    c.pending.clear();
    if (!reset) return void c.socket.destroy();
    c.socket.pause();
    setTimeout(() => c.socket.resetAndDestroy(), RESET_AFTER_MS).unref();
  };

  const contextOf = (c: Connection, header: RequestHeader): HandlerContext => ({
    cluster,
    brokerId: c.brokerId,
    endpoints,
    groups,
    clientId: header.clientId ?? c.node,
    connection: c.node,
    history,
    request: (msg, timeoutMs) => {
      // A closed connection's handler gets no more answers (and leaves no timer behind).
      if (c.closed || closing) return Promise.resolve(undefined);
      const requestId = ++c.nextRequestId;
      const answer = answerTo(c.pending, requestId, timeoutMs);
      cluster.advance();
      cluster.send(c.node, cluster.brokerNode(c.brokerId), { ...msg, requestId });
      return answer;
    },
    post: (msg) => {
      cluster.advance();
      cluster.send(c.node, cluster.brokerNode(c.brokerId), { ...msg, requestId: ++c.nextRequestId });
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
    answerable: () => !c.closed && !closing,
    now,
  });

  /**
   * The answer to an API or version this server does not serve: Kafka's UNSUPPORTED_VERSION. An
   * ApiVersions request answers in v0 with the versions it does serve (KIP-511), so the client
   * can retry; so does an API key Kafka's table does not know (the v0 body's first field is the
   * error). A version Kafka defines but serve does not gets that version's empty body with the
   * top-level ErrorCode, where the response has one.
   */
  const unsupported = (header: RequestHeader, api: string | undefined): Buffer => {
    if (api === undefined || api === 'ApiVersions') return encodeResponse('ApiVersions', 0, header.correlationId, { ErrorCode: KafkaError.UNSUPPORTED_VERSION, ApiKeys: apiKeys(), ThrottleTimeMs: 0 });
    const body = emptyMessage(`${api}Response`, header.apiVersion);
    if ('ErrorCode' in body) body['ErrorCode'] = KafkaError.UNSUPPORTED_VERSION;
    return encodeResponse(api, header.apiVersion, header.correlationId, body);
  };

  const handle = async (c: Connection, frame: Buffer): Promise<Buffer | undefined> => {
    const r = new Reader(frame);
    const header = decodeRequestHeader(r);
    const api = apiNames.get(header.apiKey);
    if (!supports(api, header.apiVersion) || !handlers[api!]) {
      log(`${c.node}: unsupported API key ${header.apiKey} (${api ?? 'unknown'}) v${header.apiVersion}`);
      if (api !== undefined && api !== 'ApiVersions' && !inSchema(api, header.apiVersion)) throw new MalformedFrame(`${api} v${header.apiVersion} is not a version Kafka defines`);
      return unsupported(header, api);
    }
    const body = decodeMessage(`${api}Request`, header.apiVersion, r);
    served.set(api!, (served.get(api!) ?? new Set()).add(header.apiVersion));
    const answer = await handlers[api!]!(contextOf(c, header), body, header.apiVersion);
    if (answer === undefined) return undefined;
    return encodeResponse(api!, header.apiVersion, header.correlationId, answer as Struct);
  };

  const pump = async (c: Connection) => {
    if (c.busy) return;
    c.busy = true;
    while (c.queue.length > 0 && !c.closed) {
      const frame = c.queue.shift()!;
      try {
        if (!cluster.isUp(cluster.brokerNode(c.brokerId))) throw new BrokerUnreachable('broker is down');
        const out = await handle(c, frame);
        if (out && !c.closed) c.socket.write(out);
      } catch (e) {
        // A connection the client closed itself leaves its requests unanswered: nothing to log.
        if (c.closed) break;
        if (e instanceof MalformedFrame || e instanceof BrokerUnreachable) {
          log(`${c.node}: closing the connection: ${e.message}`);
          close(c, e instanceof BrokerUnreachable);
        } else {
          log(`${c.node}: closing the connection after an internal error: ${(e as Error).stack ?? String(e)}`);
          close(c);
        }
      }
    }
    c.busy = false;
  };

  const accept = (brokerId: number) => (socket: Socket) => {
    // A broker that is down refuses connections, as a dead process's port would; so does a
    // server that is closing (a connection accepted as it closes would keep it open forever).
    if (closing || !cluster.isUp(cluster.brokerNode(brokerId))) {
      socket.resetAndDestroy();
      return;
    }
    socket.setNoDelay(true);
    const c: Connection = { socket, node: '', brokerId, pending: new Map(), nextRequestId: 0, queue: [], busy: false, closed: false };
    const node = cluster.connect((m) => {
      if (m.type === 'net.disconnected') {
        // The broker this connection talks to crashed: its TCP connections reset.
        if ((m as unknown as { peer: string }).peer === cluster.brokerNode(brokerId)) close(c, true);
        return;
      }
      const id = (m as unknown as { requestId?: number }).requestId;
      if (id === undefined) return;
      const resolve = c.pending.get(id);
      if (!resolve) return;
      c.pending.delete(id);
      resolve(m);
    });
    (c as { node: string }).node = node;
    connections.add(c);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const size = buffered.readInt32BE(0);
        if (size < 0 || size > MAX_REQUEST_BYTES) {
          log(`${node}: closing the connection: frame size ${size} is beyond socket.request.max.bytes`);
          close(c);
          return;
        }
        if (buffered.length < 4 + size) break;
        c.queue.push(buffered.subarray(4, 4 + size));
        buffered = buffered.subarray(4 + size);
      }
      void pump(c);
    });
    socket.on('error', () => close(c));
    socket.on('close', () => close(c));
  };

  // Listen once the cluster has formed (bounded: a preset whose cluster cannot form still serves, with its errors).
  for (let waited = 0; !cluster.formed() && waited < 30_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  try {
    for (let b = 1; b <= opts.brokers; b++) {
      const server = createServer(accept(b));
      servers.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port === 0 ? 0 : opts.port + b - 1, HOST, () => resolve((server.address() as { port: number }).port));
      });
      endpoints.push({ brokerId: b, host: HOST, port });
    }
  } catch (e) {
    clearInterval(clock);
    clearInterval(groupClock);
    for (const s of servers) s.close();
    throw e;
  }

  const nemesis = opts.nemesis ? new Nemesis({ cluster, control: (line) => control(cluster, line) }, opts.nemesis.names, opts.nemesis.intervalMs, opts.onNemesis) : undefined;
  nemesis?.start();
  // `nemesis stop`: the schedule ends and its last fault is undone while serving goes on (a
  // workload's final reads then see a healed cluster, as Jepsen's final generator does).
  const controlLine = (line: string): ControlResult => {
    if (line.trim().split(/\s+/).join(' ') !== 'nemesis stop') return control(cluster, line);
    if (!nemesis) return { ok: false, text: 'no nemesis is running (serve --nemesis starts one)' };
    const healed = nemesis.stop();
    return { ok: true, text: `nemesis stopped; ${healed.length === 0 ? 'nothing left to heal' : `healed: ${healed.join('; ')}`}` };
  };

  return {
    cluster,
    endpoints,
    served,
    history,
    control: controlLine,
    nemesis,
    stopNemesis: () => nemesis?.stop() ?? [],
    close: async () => {
      nemesis?.stop();
      closing = true;
      clearInterval(clock);
      clearInterval(groupClock);
      for (const c of [...connections]) close(c);
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      history?.close();
      const end = cluster.finish();
      if (journal && end) journal.end({ op: 'end', ...end });
    },
  };
}

function inSchema(api: string, version: number): boolean {
  const [lo, hi] = validRange(specOf(`${api}Request`));
  return version >= lo && version <= hi;
}

