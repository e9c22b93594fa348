import { z } from 'zod';
import { InputError } from '../errors.js';
import { TOPIC_NAME } from '../machines/protocol.js';
import { aimedActions, aims } from '../sim/faults.js';

/**
 * A Scenario is one run, as data: configuration, workload, fault schedule, seed, horizon.
 * The same file replays bit for bit; a counterexample is a Scenario file.
 */
const nodeId = z.string().min(1);
const time = z.number().int().min(0);

const faultSchema = z.discriminatedUnion('type', [
  // kind: process (the page cache survives) or power-loss (unflushed writes lost; the default).
  z.strictObject({ at: time, type: z.literal('crash'), node: nodeId, kind: z.enum(['process', 'power-loss']).optional(), tear: z.boolean().optional() }),
  z.strictObject({ at: time, type: z.literal('shutdown'), node: nodeId }),
  z.strictObject({ at: time, type: z.literal('restart'), node: nodeId }),
  z.strictObject({
    at: time,
    type: z.literal('partition'),
    from: z.array(nodeId).min(1),
    to: z.array(nodeId).min(1),
    oneWay: z.boolean().optional(),
  }),
  z.strictObject({ at: time, type: z.literal('heal'), nodes: z.array(nodeId).optional() }),
  z.strictObject({ at: time, type: z.literal('latency'), node: nodeId, ms: z.number().int().min(0), durationMs: time, peer: nodeId.optional() }),
  z.strictObject({ at: time, type: z.literal('disconnect'), a: nodeId, b: nodeId }),
  // A fault aimed at a role (the leader, the ISR's followers, ...), resolved when it is due.
  z.strictObject({
    at: time,
    type: z.literal('aimed'),
    aim: z.enum(aims),
    action: z.enum(aimedActions),
    durationMs: z.number().int().min(1),
    upTo: z.number().int().min(1).default(1),
    windowMs: time.optional(),
    tear: z.boolean().optional(),
  }),
]);

const pingPongSchema = z.strictObject({
  kind: z.literal('ping-pong'),
  pingers: z.number().int().min(1).max(1000).default(3),
  intervalMs: z.number().int().min(1).default(10),
  timeoutMs: z.number().int().min(1).default(50),
});

/** One consumer group reading the data topic (spec/consumer-groups.md). */
/** A consumer group in a produce workload. */
export const groupSchema = z.strictObject({
  consumers: z.number().int().min(1).max(16).default(2),
  /**
   * auto (enable.auto.commit), after-process (at-least-once), before-process (at-most-once), or
   * transactional: consume-transform-produce, each poll's output written to the `out` topic and
   * its input offsets committed in one transaction (sendOffsetsToTransaction; spec/transactions.md).
   */
  commit: z.enum(['auto', 'after-process', 'before-process', 'transactional']).default('after-process'),
  /** auto.offset.reset */
  reset: z.enum(['earliest', 'latest']).default('earliest'),
  /** eager or cooperative (KIP-429); the config's rebalanceProtocol when absent. */
  protocol: z.enum(['eager', 'cooperative']).optional(),
  /** Virtual ms the application takes per poll's records. */
  processingMs: z.number().int().min(0).default(5),
  pollIntervalMs: z.number().int().min(1).default(5),
  /** KIP-345: give each consumer a group.instance.id. */
  static: z.boolean().default(false),
  /** When each consumer starts (ms; absent: all at 0); a later start is a member joining later. */
  startAtMs: z.array(z.number().int().min(0)).optional(),
  /** Stop-the-world pauses of a consumer (a GC pause): no heartbeats, no progress. */
  stalls: z.array(z.strictObject({ consumer: z.number().int().min(0), at: time, durationMs: z.number().int().min(1) })).default([]),
  /** A consumer closes cleanly (LeaveGroup) at `at`. */
  closes: z.array(z.strictObject({ consumer: z.number().int().min(0), at: time })).default([]),
});

export type GroupSpec = z.infer<typeof groupSchema>;

const produceSchema = z.strictObject({
  kind: z.literal('produce'),
  producers: z.number().int().min(1).max(16).default(1),
  records: z.number().int().min(0).max(1_000_000).default(40),
  intervalMs: z.number().int().min(1).default(10),
  keys: z.number().int().min(1).max(1000).default(3),
  /**
   * Topic administration during the run, by an admin client (node `admin`): `create-partitions`
   * grows the data topic to `totalCount` partitions (KIP-195); `create-topic` creates a topic
   * (CreateTopics; replicationFactor -1, the default, is the cluster's, KIP-464); `delete-topic`
   * deletes one (DeleteTopics). Both control planes: KRaft's active controller, or in ZooKeeper
   * mode the controller broker's AdminManager and its watches (spec/controller.md).
   */
  admin: z
    .array(
      z.discriminatedUnion('op', [
        z.strictObject({ at: time, op: z.literal('create-partitions'), totalCount: z.number().int().min(1).max(16) }),
        z.strictObject({
          at: time,
          op: z.literal('create-topic'),
          topic: z.string().regex(TOPIC_NAME),
          partitions: z.number().int().min(1).max(16),
          replicationFactor: z.number().int().min(-1).max(16).default(-1),
        }),
        z.strictObject({ at: time, op: z.literal('delete-topic'), topic: z.string().regex(TOPIC_NAME) }),
      ]),
    )
    .optional(),
  /** Consumer groups reading the topic; none by default (scenarios without groups run as before). */
  groups: z.array(groupSchema).max(8).optional(),
  /**
   * Transactional producers (transactional.id = the producer's node name): the records are sent
   * in transactions of `recordsPerTxn`, every `abortEvery`-th transaction aborted by the
   * application (0: none). Absent: plain (idempotent by default) producers.
   */
  transactional: z
    .strictObject({
      recordsPerTxn: z.number().int().min(1).max(100).default(4),
      abortEvery: z.number().int().min(0).default(0),
    })
    .optional(),
});

export const workloadSchemas = [produceSchema, pingPongSchema] as const;
export const defaultWorkload = { kind: 'produce' as const, producers: 1, records: 40, intervalMs: 10, keys: 3 };

const networkSchema = z
  .strictObject({
    minLatencyMs: z.number().int().min(0).default(1),
    maxLatencyMs: z.number().int().min(0).default(5),
  })
  .refine((n) => n.maxLatencyMs >= n.minLatencyMs, { message: 'maxLatencyMs must be >= minLatencyMs' });

export const scenarioSchema = z.strictObject({
  /** Format version of the file, so old counterexamples stay readable. */
  version: z.literal(1).default(1),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  /** Virtual milliseconds to simulate. */
  durationMs: z.number().int().min(1).max(100_000_000).default(2_000),
  config: z
    .strictObject({
      /** The Kafka release (`kafka-model versions`); absent: the preset's own, else the newest. */
      kafka: z.string().min(1).optional(),
      preset: z.string().default('default'),
      overrides: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ preset: 'default', overrides: {} }),
  network: networkSchema.default({ minLatencyMs: 1, maxLatencyMs: 5 }),
  workload: z.discriminatedUnion('kind', workloadSchemas).default(defaultWorkload),
  faults: z.array(faultSchema).default([]),
  /**
   * The fault budget, kept while the run goes: a fault that would take more nodes out than it
   * allows is refused. A search writes it with schedules that have aimed faults (their targets
   * are known only when they strike); absent, the schedule is applied as written.
   */
  faultBudget: z
    .strictObject({
      nodes: z.array(nodeId),
      maxFaulty: z.number().int().min(0),
      maxPowerLost: z.number().int().min(0).optional(),
      recoveryMs: time.optional(),
      controllers: z.strictObject({ nodes: z.array(nodeId), maxFaulty: z.number().int().min(0) }).optional(),
    })
    .optional(),
  /**
   * Where the run leaves the World's own order of events (exhaustive exploration's
   * counterexamples, src/explore/exhaustive/): at step `step` (events processed before it), run
   * the `pick`-th enabled event (0 is the World's own next one), or strike `faults` instead.
   * Steps not listed run in the World's order. Steps strictly increase.
   */
  choices: z
    .array(z.union([z.strictObject({ step: z.number().int().min(0), pick: z.number().int().min(0) }), z.strictObject({ step: z.number().int().min(0), faults: z.array(faultSchema).min(1) })]))
    .refine((cs) => cs.every((c, i) => i === 0 || c.step > cs[i - 1]!.step), { message: 'steps must strictly increase' })
    .optional(),
  /** Invariants to check (ids from spec/); all of them when absent. */
  properties: z.array(z.string().min(1)).optional(),
  /** What a replay must reproduce: written with every counterexample. */
  expect: z
    .strictObject({
      violation: z.string().optional(),
      traceHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    })
    .optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/**
 * Validate a parsed scenario. On failure, throws an InputError naming the first bad field by
 * its path (`faults[2].at`) and what was expected.
 */
export function parseScenario(data: unknown, where = 'scenario'): Scenario {
  const proto = protoKeyPath(data, '');
  if (proto !== undefined) throw new InputError(`${where}: ${proto || '(top level)'}: "__proto__" is not a field (an object's prototype cannot be set from a scenario)`);
  const r = scenarioSchema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
  throw new InputError(`${where}: ${path || '(top level)'}: ${describeIssue(issue)}`);
}

/**
 * The path of the first object that has an own `__proto__` key (JSON.parse makes one from
 * `"__proto__": ...`). zod's strict objects do not see it (it reads as the prototype, not a key),
 * so without this it would be dropped without a word, where any other unknown field is an error.
 */
function protoKeyPath(v: unknown, path: string): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = protoKeyPath(v[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return path;
  for (const k of Object.keys(v)) {
    const p = protoKeyPath((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (p !== undefined) return p;
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

export function parseScenarioJson(text: string, where: string): Scenario {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  return parseScenario(data, where);
}
