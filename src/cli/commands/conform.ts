import { InputError } from '../../errors.js';
import type { RegisterCommand } from './index.js';
import { serveFault, serveFaultNames, type ServeFaultName } from '../../wire/conform-faults.js';
import { serve, type RunningServer } from '../../wire/server.js';
import {
  conformDefaults,
  type ConformOptions,
  type Fault,
  mockFault,
  mockFaultNames,
  type MockFaultName,
  MockCluster,
  renderReport,
  runConform,
  summary,
  nothingChecked,
  verdictOf,
  writeRunFiles,
} from '../../oracle/conform/index.js';

interface Flags {
  brokers?: string;
  mockCluster?: string;
  serve?: string;
  duration: string;
  keys: string;
  clients: string;
  subVia: string;
  crashInterval: string;
  requestTimeout: string;
  sessionTimeout?: string;
  retries: string;
  idempotent?: boolean;
  fault: string[];
  faultInterval: string;
  finalTimeout: string;
  seed: string;
  out?: string;
  json?: boolean;
}

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InputError(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function seconds(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > 86_400) {
    throw new InputError(`--${flag} must be a number of seconds from ${min} to 86400, got ${JSON.stringify(text)}`);
  }
  return Math.round(n * 1000);
}

function brokerList(text: string): string[] {
  const brokers = text.split(',').map((b) => b.trim());
  for (const b of brokers) {
    const m = /^([^\s:,]+|\[[0-9a-fA-F:.]+\]):(\d+)$/.exec(b);
    const port = Number(m?.[2]);
    if (!m || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new InputError(`--brokers takes HOST:PORT[,HOST:PORT...], got ${JSON.stringify(b)}`);
    }
  }
  return brokers;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export const registerConform: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('conform')
    .description(
      'Drive a live Kafka-protocol cluster with a Jepsen-style workload (kafkajs), record the ' +
        'history (EDN, JSON Lines), check it and report. Exit 0 valid, 1 anomalies.',
    )
    .option('--brokers <list>', 'bootstrap servers of the cluster under test: HOST:PORT[,...]')
    .option('--mock-cluster <n>', "start librdkafka's mock cluster with N brokers (needs gcc, librdkafka-dev) and test that")
    .option('--serve <n>', "start the model's own cluster (kafka-model serve, N brokers, preset default) in process and test that; --fault takes crash-leader and isolate-leader")
    .option('--duration <s>', 'seconds of workload before the final reads', String(conformDefaults.durationMs / 1000))
    .option('--keys <n>', 'keys (one topic of one partition each)', String(conformDefaults.keys))
    .option('--clients <n>', 'concurrent clients (Jepsen processes)', String(conformDefaults.clients))
    .option('--sub-via <how>', 'consumers take partitions by assign or subscribe', conformDefaults.subVia)
    .option('--crash-interval <s>', 'mean seconds between client crashes; 0 for none', String(conformDefaults.crashIntervalMs / 1000))
    .option('--request-timeout <ms>', 'client request timeout', String(conformDefaults.requestTimeoutMs))
    .option('--session-timeout <ms>', 'consumer group session timeout (default 6000; 4000 with --mock-cluster)')
    .option('--retries <n>', 'producer retries', String(conformDefaults.producerRetries))
    .option('--idempotent', 'use an idempotent producer')
    .option('--fault <name>', `with --mock-cluster, inject a fault: ${mockFaultNames.join(', ')} (repeatable)`, collect, [])
    .option('--fault-interval <s>', 'mean seconds between fault injections', '1')
    .option('--final-timeout <s>', 'bound on the final read phase, seconds', String(conformDefaults.finalPollMs / 1000))
    .option('--seed <n>', 'seed for the workload choices', String(conformDefaults.seed))
    .option('--out <dir>', 'write history.edn, history.jsonl, report.txt and report.json here')
    .option('--json', 'print the checker result and run stats as JSON instead of the report')
    .action(async (flags: Flags) => {
      if ([flags.brokers, flags.mockCluster, flags.serve].filter((x) => x !== undefined).length !== 1) {
        throw new InputError('give exactly one of --brokers HOST:PORT[,...], --mock-cluster N and --serve N');
      }
      const mockBrokers = flags.mockCluster === undefined ? undefined : integer('mock-cluster', flags.mockCluster, 1, 16);
      const serveBrokers = flags.serve === undefined ? undefined : integer('serve', flags.serve, 1, 16);
      const known: readonly string[] = serveBrokers === undefined ? mockFaultNames : serveFaultNames;
      const faultNames = flags.fault.map((f) => {
        if (!known.includes(f)) {
          throw new InputError(`--fault must be one of ${known.join(', ')}${serveBrokers === undefined ? '' : ' with --serve'}, got ${JSON.stringify(f)}`);
        }
        return f;
      });
      if (faultNames.length > 0 && mockBrokers === undefined && serveBrokers === undefined) {
        throw new InputError('--fault needs --mock-cluster or --serve: faults are injected through the cluster under test');
      }
      if (faultNames.includes('leader-failover') && (mockBrokers ?? 0) < 2) {
        throw new InputError('--fault leader-failover needs --mock-cluster 2 or more: a partition fails over to another broker');
      }
      if (flags.subVia !== 'assign' && flags.subVia !== 'subscribe') {
        throw new InputError(`--sub-via must be assign or subscribe, got ${JSON.stringify(flags.subVia)}`);
      }
      const requestTimeoutMs = integer('request-timeout', flags.requestTimeout, 100, 600_000);
      const options: ConformOptions = {
        ...conformDefaults,
        brokers: flags.brokers === undefined ? [] : brokerList(flags.brokers),
        durationMs: seconds('duration', flags.duration, 1),
        keys: integer('keys', flags.keys, 1, 1000),
        clients: integer('clients', flags.clients, 1, 100),
        subVia: flags.subVia,
        crashIntervalMs: seconds('crash-interval', flags.crashInterval, 0),
        requestTimeoutMs,
        sessionTimeoutMs:
          flags.sessionTimeout === undefined
            ? mockBrokers === undefined
              ? conformDefaults.sessionTimeoutMs
              : 4_000
            : integer('session-timeout', flags.sessionTimeout, 1_000, 3_600_000),
        producerRetries: integer('retries', flags.retries, 0, 1000),
        idempotent: flags.idempotent === true,
        finalPollMs: seconds('final-timeout', flags.finalTimeout, 1),
        seed: integer('seed', flags.seed, 0, 2 ** 32 - 1),
        log: (line) => io.err(`conform: ${line}\n`),
      };
      const faultIntervalMs = seconds('fault-interval', flags.faultInterval, 0.1);

      let mock: MockCluster | undefined;
      let served: RunningServer | undefined;
      try {
        if (serveBrokers !== undefined) {
          // The model's own cluster: the workload's topics exist from the start (--topics; serve's
          // CreateTopics would create them too, in KRaft mode only).
          const topicPrefix = 'conform-';
          const topics = Array.from({ length: options.keys }, (_, k) => `${topicPrefix}${k}`);
          served = await serve({ preset: 'default', brokers: serveBrokers, seed: options.seed, port: 0, topics: topics.map((name) => ({ name, partitions: 1 })) });
          const s = served;
          options.topicPrefix = topicPrefix;
          options.brokers = s.endpoints.map((e) => `${e.host}:${e.port}`);
          options.createTopics = async () => undefined;
          options.faults = faultNames.map((name): Fault => serveFault(name as ServeFaultName, s, { topics, intervalMs: faultIntervalMs }));
        }
        if (mockBrokers !== undefined) {
          mock = await MockCluster.start({ brokers: mockBrokers });
          const m = mock;
          options.brokers = m.bootstrap;
          // The mock answers CreateTopics with no controller; its launcher creates them.
          const created: string[] = [];
          options.createTopics = async (topics) => {
            for (const t of topics) await m.createTopic(t, 1, Math.min(3, mockBrokers));
            created.push(...topics);
          };
          options.faults = faultNames.map(
            (name): Fault => mockFault(name as MockFaultName, m, { brokers: mockBrokers, requestTimeoutMs, intervalMs: faultIntervalMs, topics: created }),
          );
        }
        const run = await runConform(options).catch((e: unknown) => {
          // kafkajs gives up on an address nothing answers at: say so in one line.
          const err = e as { name?: string; message?: string; cause?: { message?: string } };
          if (typeof err.name === 'string' && err.name.startsWith('KafkaJS')) {
            throw new InputError(`--brokers ${options.brokers.join(',')}: cannot work with the cluster (${err.cause?.message ?? err.message})`);
          }
          throw e;
        });
        if (flags.out !== undefined) {
          const files = await writeRunFiles(flags.out, run);
          io.err(`conform: wrote ${files.join(', ')}\n`);
        }
        io.out(flags.json ? `${JSON.stringify(summary(run), null, 2)}\n` : renderReport(run));
        const verdict = verdictOf(run);
        // Nothing acknowledged or nothing read: not a verdict on the target, like bad input (exit 2).
        if (verdict === 'nothing-checked') {
          io.err(`conform: nothing checked: ${nothingChecked(run)}\n`);
          // Issue 14: kafkajs asks the controller for an idempotent producer's id (InitProducerId).
          if (mockBrokers !== undefined && options.idempotent && (run.stats.completions['send']?.['ok'] ?? 0) === 0) {
            io.err('conform: the librdkafka mock cluster names a controller that is none of its brokers, and kafkajs sends InitProducerId to the controller: --idempotent cannot be tested against --mock-cluster\n');
          }
        }
        setExitCode(verdict === 'valid' ? 0 : verdict === 'nothing-checked' ? 2 : 1);
      } finally {
        await mock?.close();
        await served?.close();
      }
    });
};
