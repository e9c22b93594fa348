/**
 * The live conformance runner: drives a Kafka-protocol cluster through kafkajs with
 * Jepsen's Kafka workload (jepsen.tests.kafka), records the history, and checks it.
 *
 * Shape of a run (wall clock: this is the oracle side, outside the deterministic model):
 *   1. setup    one topic per key (1 partition), created through the admin API or a hook
 *   2. workload `clients` workers, each a sequence of Jepsen processes: a process first
 *               assigns or subscribes, then sends (one unique value per key, increasing)
 *               and polls; faults are injected on their own schedule; now and then a
 *               random process is crashed (`crash` invoke, `info` completion) and its worker
 *               carries on as process + clients, as Jepsen numbers them
 *   3. final    every open process is crashed; a fresh process assigns every key and polls
 *               from the beginning until it has read up to the highest offset any send or
 *               poll reported and three polls in a row come back empty (or finalPollMs runs out)
 *   4. check    the history goes to the history checker
 *
 * Every client operation is bounded by opTimeoutMs (a timeout completes it as `info`), so
 * a run lasts at most about durationMs + opTimeoutMs + finalPollMs + a few close timeouts.
 */
import { type ClientConfig, newKafka, topicOf, withTimeout, WorkloadClient } from './client.js';
import { type CheckHistory, type CheckResult, checkHistory } from './check.js';
import { HistoryRecorder, type Mop, type Op, type OpF } from './history.js';
import { plural } from '../../text.js';

export type SubVia = 'assign' | 'subscribe';

/** Something that perturbs the target while the workload runs (e.g. a mock-cluster fault). */
export interface Fault {
  readonly name: string;
  /** Mean time between injections. */
  readonly intervalMs: number;
  /** Injects once; returns a description for the report. */
  inject(): Promise<string>;
  /** Undoes whatever is still in force; called once after the workload phase. */
  heal?(): Promise<void>;
}

export interface ConformOptions {
  brokers: string[];
  durationMs: number;
  keys: number;
  clients: number;
  subVia: SubVia;
  /** Mean time between client crashes across the run; 0 disables crashes. */
  crashIntervalMs: number;
  requestTimeoutMs: number;
  producerRetries: number;
  idempotent: boolean;
  pollMs: number;
  sessionTimeoutMs: number;
  opTimeoutMs: number;
  finalPollMs: number;
  seed: number;
  /** Topic for key k is `${topicPrefix}${k}`. Default: unique per run. */
  topicPrefix?: string;
  /** Replication factor when the runner creates topics itself. Default min(3, brokers). */
  replicationFactor?: number;
  /** Creates the topics instead of the admin API (the librdkafka mock has no CreateTopics). */
  createTopics?: (topics: string[]) => Promise<void>;
  faults?: Fault[];
  /** Default: the project's history checker (see check.ts). */
  checker?: CheckHistory;
  /** Progress lines (no trailing newline). */
  log?: (line: string) => void;
}

export const conformDefaults = {
  durationMs: 10_000,
  keys: 4,
  clients: 3,
  subVia: 'subscribe' as SubVia,
  crashIntervalMs: 5_000,
  requestTimeoutMs: 3_000,
  producerRetries: 5,
  idempotent: false,
  pollMs: 200,
  sessionTimeoutMs: 6_000,
  opTimeoutMs: 10_000,
  finalPollMs: 15_000,
  seed: 1,
} satisfies Partial<ConformOptions>;

export interface FaultEvent {
  /** Nanoseconds since the start of the run, like op times. */
  time: number;
  fault: string;
  detail: string;
}

export interface RunStats {
  brokers: string[];
  topicPrefix: string;
  durationMs: number;
  processes: number;
  /** Completions by f and type, e.g. { send: { ok: 40, info: 1 } }. */
  completions: Record<string, Record<string, number>>;
  recordsPolled: number;
  /** Highest offset any ok send or poll reported, per key: what the final read aims for. */
  targetOffsets: Record<string, number>;
  /** Whether the final read reached every target offset. */
  finalReadComplete: boolean;
  faults: FaultEvent[];
}

export interface ConformRun {
  options: Omit<ConformOptions, 'checker' | 'log' | 'createTopics' | 'faults'> & { faults: string[] };
  ops: Op[];
  /** null when the checker could not be run; see checkerError. */
  result: CheckResult | null;
  checkerError?: string;
  stats: RunStats;
}

/** mulberry32: a small seeded generator for the workload's choices (not the model's rng). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export async function runConform(options: ConformOptions): Promise<ConformRun> {
  const o = options;
  const log = o.log ?? (() => undefined);
  const random = rng(o.seed);
  const topicPrefix = o.topicPrefix ?? `kafka-model-${Date.now().toString(36)}-${o.seed}-k`;
  const keys = Array.from({ length: o.keys }, (_, k) => k);
  const config: ClientConfig = {
    brokers: o.brokers,
    topicPrefix,
    groupId: `${topicPrefix}group`,
    requestTimeoutMs: o.requestTimeoutMs,
    producerRetries: o.producerRetries,
    idempotent: o.idempotent,
    sessionTimeoutMs: o.sessionTimeoutMs,
    pollMs: o.pollMs,
  };
  const started = Date.now();

  await setupTopics(o, keys.map((k) => topicOf(topicPrefix, k)));
  log(`topics ${topicOf(topicPrefix, 0)}..${o.keys - 1} ready on ${o.brokers.join(',')}`);

  const history = new HistoryRecorder();
  const nextValue = keys.map(() => 1);
  const targetOffsets = new Map<number, number>();
  const open = new Set<WorkloadClient>();
  const faultEvents: FaultEvent[] = [];
  let recordsPolled = 0;
  let maxProcess = o.clients - 1;

  const noteOffset = (k: number, offset: number) => {
    targetOffsets.set(k, Math.max(targetOffsets.get(k) ?? -1, offset));
  };

  /** Runs one client op: invoke, then ok / fail / info. Returns false when the process crashed. */
  async function op(
    client: WorkloadClient,
    f: OpF,
    value: Op['value'],
    body: () => Promise<Op['value']>,
    failIf: (e: unknown) => boolean = () => false,
  ): Promise<boolean> {
    history.record({ process: client.process, type: 'invoke', f, value });
    try {
      const result = await withTimeout(body(), o.opTimeoutMs);
      history.record({ process: client.process, type: 'ok', f, value: result });
      return true;
    } catch (e) {
      if (failIf(e)) {
        history.record({ process: client.process, type: 'fail', f, value, error: describe(e) });
        return true;
      }
      // Indeterminate: as in Jepsen, the process is gone; its worker starts a new one.
      history.record({ process: client.process, type: 'info', f, value, error: describe(e) });
      open.delete(client);
      void client.close();
      return false;
    }
  }

  async function crash(client: WorkloadClient): Promise<void> {
    history.record({ process: client.process, type: 'invoke', f: 'crash', value: null });
    open.delete(client);
    await client.close();
    history.record({ process: client.process, type: 'info', f: 'crash', value: null });
  }

  function openClient(process: number): WorkloadClient {
    maxProcess = Math.max(maxProcess, process);
    const client = new WorkloadClient(config, process);
    open.add(client);
    return client;
  }

  const consume = (client: WorkloadClient, via: SubVia, ks: number[]) =>
    op(client, via, ks, async () => {
      await client.consume(via, ks);
      return ks;
    });

  const send = (client: WorkloadClient) => {
    const k = keys[Math.floor(random() * keys.length)] ?? 0;
    const v = nextValue[k] ?? 1;
    nextValue[k] = v + 1;
    return op(client, 'send', [['send', k, v]], async () => {
      const offset = await client.send(k, v);
      noteOffset(k, offset);
      return [['send', k, [offset, v]]];
    });
  };

  const poll = (client: WorkloadClient) =>
    op(
      client,
      'poll',
      [['poll']],
      async () => {
        const read = await client.poll();
        for (const [k, pairs] of Object.entries(read)) {
          recordsPolled += pairs.length;
          for (const [offset] of pairs) noteOffset(Number(k), offset);
        }
        const mops: Mop[] = [['poll', read]];
        return mops;
      },
      // A failed commit hands the records back to the buffer: the poll consumed nothing.
      (e) => !(e instanceof Error && e.name === 'TimeoutError'),
    );

  const chooseKeys = (via: SubVia): number[] => {
    if (via === 'subscribe') return keys;
    const ks = keys.filter(() => random() < 0.5);
    return ks.length > 0 ? ks : [keys[Math.floor(random() * keys.length)] ?? 0];
  };

  // ---- workload phase ----
  const workloadEnd = Date.now() + o.durationMs;
  const running = () => Date.now() < workloadEnd;
  const crashRequested = new Array<boolean>(o.clients).fill(false);
  const workerProcess = Array.from({ length: o.clients }, (_, i) => i);

  async function worker(i: number): Promise<WorkloadClient | undefined> {
    let client: WorkloadClient | undefined;
    while (running()) {
      if (!client) {
        client = openClient(workerProcess[i] ?? i);
        if (!(await consume(client, o.subVia, chooseKeys(o.subVia)))) client = undefined;
      } else if (crashRequested[i]) {
        crashRequested[i] = false;
        await crash(client);
        client = undefined;
      } else {
        const r = random();
        let alive: boolean;
        if (r < 0.5) alive = await send(client);
        else if (r < 0.98) alive = await poll(client);
        else alive = await consume(client, o.subVia, chooseKeys(o.subVia));
        if (!alive) client = undefined;
      }
      if (!client) workerProcess[i] = (workerProcess[i] ?? i) + o.clients;
    }
    return client;
  }

  async function crasher(): Promise<void> {
    if (o.crashIntervalMs <= 0) return;
    while (running()) {
      await sleep(Math.min(workloadEnd - Date.now(), -Math.log(1 - random()) * o.crashIntervalMs));
      if (running()) crashRequested[Math.floor(random() * o.clients)] = true;
    }
  }

  async function injector(fault: Fault): Promise<void> {
    while (running()) {
      await sleep(Math.max(0, Math.min(workloadEnd - Date.now(), fault.intervalMs * (0.5 + random()))));
      if (!running()) break;
      try {
        const detail = await fault.inject();
        faultEvents.push({ time: nowNs(), fault: fault.name, detail });
      } catch (e) {
        faultEvents.push({ time: nowNs(), fault: fault.name, detail: `injection failed: ${describe(e)}` });
      }
    }
  }
  const nowNs = () => history.elapsedNs();

  log(`workload: ${plural(o.clients, 'client')}, ${plural(o.keys, 'key')}, ${o.durationMs} ms, via ${o.subVia}`);
  const faults = o.faults ?? [];
  const [survivors] = await Promise.all([
    Promise.all(workerProcess.map((_, i) => worker(i))),
    crasher(),
    ...faults.map(injector),
  ]);
  for (const fault of faults) {
    await fault.heal?.().catch((e: unknown) => {
      faultEvents.push({ time: nowNs(), fault: fault.name, detail: `heal failed: ${describe(e)}` });
    });
  }

  // ---- final phase: crash everyone, then read everything from the beginning ----
  log('final reads');
  await Promise.all(survivors.map((c) => (c ? crash(c) : undefined)));
  const finalEnd = Date.now() + o.finalPollMs;
  let reader: WorkloadClient | undefined;
  let readerProcess = maxProcess + 1;
  const caughtUp = new Map<number, number>();
  const behind = () => [...targetOffsets].some(([k, target]) => (caughtUp.get(k) ?? -1) < target);
  // Read until every target offset is reached and a few polls in a row come back empty, so
  // that values written by sends that ended `info` (beyond any known offset) are seen too.
  let emptyPolls = 0;
  while (Date.now() < finalEnd && (behind() || emptyPolls < 3)) {
    if (!reader) {
      reader = openClient(readerProcess++);
      if (!(await consume(reader, 'assign', keys))) reader = undefined;
      continue;
    }
    const before = history.ops.length;
    if (!(await poll(reader))) {
      reader = undefined;
      continue;
    }
    const completion = history.ops[history.ops.length - 1];
    if (history.ops.length > before && completion?.type === 'ok' && Array.isArray(completion.value)) {
      const mop = completion.value[0] as Mop | undefined;
      const empty = mop?.[0] === 'poll' && mop.length === 2 && Object.keys(mop[1]).length === 0;
      emptyPolls = empty ? emptyPolls + 1 : 0;
      if (mop?.[0] === 'poll' && mop.length === 2) {
        for (const [k, pairs] of Object.entries(mop[1])) {
          for (const [offset] of pairs) {
            if (offset !== null) caughtUp.set(Number(k), Math.max(caughtUp.get(Number(k)) ?? -1, offset));
          }
        }
      }
    }
  }
  const finalReadComplete = !behind();
  if (reader) await crash(reader);
  // Clients abandoned after an info: give their disconnects a last bounded chance.
  await Promise.all([...open].map((c) => c.close()));

  const stats: RunStats = {
    brokers: o.brokers,
    topicPrefix,
    durationMs: Date.now() - started,
    processes: new Set(history.ops.map((op) => op.process)).size,
    completions: countCompletions(history.ops),
    recordsPolled,
    targetOffsets: Object.fromEntries([...targetOffsets].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])),
    finalReadComplete,
    faults: faultEvents,
  };
  log(`${plural(history.ops.length, 'op')} recorded; checking`);

  let result: CheckResult | null = null;
  let checkerError: string | undefined;
  try {
    const check = o.checker ?? checkHistory;
    // The final phase reads through assign even in a subscribe run, as Jepsen's does.
    result = await check(history.ops, { subVia: o.subVia });
  } catch (e) {
    checkerError = describe(e);
  }

  const { checker: _c, log: _l, createTopics: _t, faults: _f, ...plain } = o;
  const run: ConformRun = {
    options: { ...plain, topicPrefix, faults: faults.map((f) => f.name) },
    ops: history.ops,
    result,
    stats,
  };
  if (checkerError !== undefined) run.checkerError = checkerError;
  return run;
}

function countCompletions(ops: readonly Op[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const op of ops) {
    if (op.type === 'invoke') continue;
    const byType = (out[op.f] ??= {});
    byType[op.type] = (byType[op.type] ?? 0) + 1;
  }
  return out;
}

async function setupTopics(o: ConformOptions, topics: string[]): Promise<void> {
  if (o.createTopics) {
    await o.createTopics(topics);
    return;
  }
  const admin = newKafka(o, 'kafka-model-conform-admin').admin();
  await withTimeout(admin.connect(), o.opTimeoutMs);
  try {
    await withTimeout(
      admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({
          topic,
          numPartitions: 1,
          replicationFactor: o.replicationFactor ?? Math.min(3, o.brokers.length),
        })),
      }),
      o.opTimeoutMs,
    );
  } finally {
    await withTimeout(admin.disconnect(), 3_000).catch(() => undefined);
  }
}
