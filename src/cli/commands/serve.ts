import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../../errors.js';
import { checkFile } from './check.js';
import { releaseNamed } from '../../config/index.js';
import type { ExtraTopic } from '../../machines/controller.js';
import { DATA_TOPIC } from '../../machines/protocol.js';
import { listenControl, runCommand, type ControlEndpoint } from '../../wire/control-http.js';
import { parseInterval, parseNemesis } from '../../wire/nemesis.js';
import { serve } from '../../wire/server.js';
import type { RegisterCommand } from './index.js';
import { kafkaOption } from './options.js';

interface Flags {
  kafka?: string;
  config: string;
  brokers: string;
  port: string;
  seed: string;
  topics?: string;
  record?: string;
  history?: string;
  transactionalIds?: string;
  offsetsTopicNumPartitions?: string;
  transactionStateLogNumPartitions?: string;
  timings?: string;
  duration?: string;
  control: string;
  controlPort?: string;
  nemesis?: string;
  interval?: string;
  verbose?: boolean;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InputError(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** `--topics orders:3,audit:1`: the topics real clients may use (Kafka topic names, 1-1000 partitions). */
export function parseTopics(text: string): ExtraTopic[] {
  const seen = new Set<string>([DATA_TOPIC]);
  return text.split(',').map((item) => {
    const m = /^([A-Za-z0-9._-]{1,249}):(\d+)$/.exec(item.trim());
    const partitions = Number(m?.[2]);
    if (!m || partitions < 1 || partitions > 1000) throw new InputError(`--topics takes NAME:PARTITIONS[,NAME:PARTITIONS...] (1 to 1000 partitions), got ${JSON.stringify(item)}`);
    if (m[1]!.startsWith('__')) throw new InputError(`--topics: ${m[1]} is an internal topic name (names starting with __ are Kafka's)`);
    if (seen.has(m[1]!)) throw new InputError(`--topics: ${m[1]} is named twice (or is the model's own topic ${DATA_TOPIC})`);
    seen.add(m[1]!);
    return { name: m[1]!, partitions };
  });
}

export const registerServe: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('serve')
    .description("run the model's cluster as a Kafka cluster on loopback, one port per broker, for real clients (wall-clock driven); stops on SIGINT or SIGTERM")
    .addOption(kafkaOption())
    .option('--config <preset>', 'the configuration preset', 'default')
    .option('--brokers <n>', 'brokers (ports port .. port+n-1)', '3')
    .option('--port <port>', "the first broker's port (0: any free ports)", '9092')
    .option('--seed <n>', "the seed of the model's randomness (network latency, elections)", '1')
    .option('--topics <list>', `topics besides the model's own "${DATA_TOPIC}": NAME:PARTITIONS[,...]`)
    .option('--offsets-topic-num-partitions <n>', "partitions of __consumer_offsets (offsets.topic.num.partitions, 1-50; Kafka's default 50): a group's coordinator is the leader of partition abs(hash(group.id)) % n (default: the model's deployment, 1)")
    .option('--transaction-state-log-num-partitions <n>', "partitions of __transaction_state (transaction.state.log.num.partitions, 1-50; Kafka's default 50), chosen by the transactional.id's hash (default 1)")
    .option('--transactional-ids <list>', "transactional.ids real clients may use, comma-separated (each gets the model's transaction coordinator)")
    .option('--timings <kind>', "kafka: Kafka's own time settings (a broker session times out after 9 s); scaled: divided by 100, as searches run (default: the preset's, scaled)")
    .option('--record <file>', 'record what entered the model (each client request as the model message it became, each connection and fault) at its virtual time; `kafka-model replay FILE` re-runs the server side to the same trace hash')
    .option('--history <file>', "write the clients' operations as a JSON Lines history (kafka-model check judges it; serve prints the verdict when it stops)")
    .option('--duration <seconds>', 'stop after this many seconds (default: run until SIGINT, SIGTERM or a quit command)')
    .option('--control <source>', 'where fault commands come from: stdin (one per line: crash b1, restart b1, crash-leader t 0, partition b1 b2,b3, heal, delay b2 200 5, status, report, nemesis stop, quit) or none', 'stdin')
    .option('--control-port <port>', 'also take control commands over HTTP on loopback (0: any free port; the port is printed): POST /control {"command": "crash b1"}, GET /status, GET /faults, POST /report')
    .option('--nemesis <list>', 'a scheduled nemesis: every --interval, the next of crash-leader, power-loss-leader, partition, delay in turn, aimed at the leader of each partition in turn (the previous fault undone first)')
    .option('--interval <duration>', 'the nemesis interval: 5s, 500ms, or a number of seconds (default 5s)')
    .option('--verbose', 'log each connection that is closed or sends an unsupported request')
    .action(async (flags: Flags) => {
      if (flags.kafka !== undefined) releaseNamed(flags.kafka);
      const brokers = integer('brokers', flags.brokers, 1, 64);
      const port = integer('port', flags.port, 0, 65_535 - brokers + 1);
      const seed = integer('seed', flags.seed, 0, Number.MAX_SAFE_INTEGER);
      const offsetsTopicNumPartitions = flags.offsetsTopicNumPartitions === undefined ? undefined : integer('offsets-topic-num-partitions', flags.offsetsTopicNumPartitions, 1, 50);
      const transactionStateLogNumPartitions =
        flags.transactionStateLogNumPartitions === undefined ? undefined : integer('transaction-state-log-num-partitions', flags.transactionStateLogNumPartitions, 1, 50);
      const topics = flags.topics === undefined ? [] : parseTopics(flags.topics);
      const transactionalIds = flags.transactionalIds === undefined ? [] : flags.transactionalIds.split(',').map((id) => id.trim());
      const badId = transactionalIds.find((id, i) => !/^[A-Za-z0-9._-]{1,249}$/.test(id) || transactionalIds.indexOf(id) !== i);
      if (badId !== undefined) throw new InputError(`--transactional-ids takes distinct ids of letters, digits, '.', '_' and '-', got ${JSON.stringify(badId)}`);
      const duration = flags.duration === undefined ? undefined : Number(flags.duration);
      if (duration !== undefined && (!Number.isFinite(duration) || duration <= 0 || duration > 86_400)) throw new InputError(`--duration must be a number of seconds from 0 to 86400, got ${JSON.stringify(flags.duration)}`);
      if (flags.timings !== undefined && flags.timings !== 'kafka' && flags.timings !== 'scaled') throw new InputError(`--timings must be kafka or scaled, got ${JSON.stringify(flags.timings)}`);
      if (flags.control !== 'stdin' && flags.control !== 'none') throw new InputError(`--control must be stdin or none, got ${JSON.stringify(flags.control)}`);
      const controlPort = flags.controlPort === undefined ? undefined : integer('control-port', flags.controlPort, 0, 65_535);
      if (flags.interval !== undefined && flags.nemesis === undefined) throw new InputError('--interval is the nemesis interval: give --nemesis too');
      const nemesis = flags.nemesis === undefined ? undefined : { names: parseNemesis(flags.nemesis), intervalMs: parseInterval(flags.interval ?? '5s') };
      for (const [flag, file] of [['record', flags.record], ['history', flags.history]] as const) {
        if (file === undefined) continue;
        try {
          writeFileSync(file, '');
        } catch (e) {
          throw new InputError(`--${flag}: cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      const server = await serve({ preset: flags.config, kafka: flags.kafka, timings: flags.timings as 'kafka' | 'scaled' | undefined, brokers, seed, port, topics, transactionalIds, offsetsTopicNumPartitions, transactionStateLogNumPartitions, history: flags.history, journal: flags.record, nemesis, onNemesis: (line: string) => io.out(`nemesis: ${line}\n`), ...(flags.verbose ? { log: (l: string) => io.err(`${l}\n`) } : {}) }).catch((e: unknown) => {
        const code = (e as { code?: string }).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError(`--port: cannot listen on ${(e as { port?: number }).port ?? port} (${code})`);
        throw e;
      });
      const { cluster } = server;
      io.out(`kafka-model serve: Kafka ${cluster.kafka}, preset ${flags.config}, seed ${seed}\n`);
      for (const e of server.endpoints) io.out(`broker ${e.brokerId} listening on ${e.host}:${e.port}\n`);
      io.out(`topics: ${[...cluster.topics].map(([n, p]) => `${n} (${p} partitions)`).join(', ')}\n`);
      if (transactionalIds.length > 0) io.out(`transactional.ids: ${transactionalIds.join(', ')}\n`);

      /**
       * The checker's verdict on the history so far, and any invariant that broke: as text (what
       * stdin's `report` and the end of serving print) and as data (POST /report).
       */
      const verdict = async (json: boolean): Promise<{ text: string; valid: boolean } & Record<string, unknown>> => {
        const v = cluster.violation;
        const lines = [v ? `invariant broken while serving: ${v.property} at ${v.time} ms: ${v.message}` : `no invariant broken in ${cluster.world.now} ms of serving (${cluster.world.faults.length} faults)`];
        const base = { timeMs: cluster.world.now, faults: cluster.world.faults.length, invariant: v ?? null };
        if (!server.history) return { ...base, valid: v === undefined, history: null, text: `${lines.join('\n')}\n` };
        const c = server.history.counts;
        lines.push(`history ${server.history.file}: ${c.sendOk} sends ok, ${c.sendInfo} unknown, ${c.polls} polls`);
        const history = { file: server.history.file, sendOk: c.sendOk, sendInfo: c.sendInfo, polls: c.polls };
        // No client did anything: the server ran, and there is no history to judge (check would
        // call it Jepsen's empty-transaction-graph, which is a verdict on a history, not on serving).
        if (readFileSync(server.history.file, 'utf8').trim() === '') {
          lines.push('no client operation recorded: nothing to check');
          return { ...base, valid: v === undefined, history, check: null, text: `${lines.join('\n')}\n` };
        }
        const checked = await checkFile(server.history.file, json ? { json: true } : {});
        const text = `${lines.join('\n')}\n${json ? '' : checked.text.endsWith('\n') ? checked.text : `${checked.text}\n`}`;
        return { ...base, valid: v === undefined && checked.valid, history, check: json ? (JSON.parse(checked.text) as unknown) : null, text };
      };
      const report = async (): Promise<boolean> => {
        const r = await verdict(false);
        io.out(r.text);
        return r.valid;
      };

      let timer: NodeJS.Timeout | undefined;
      let stop = () => undefined as void;
      let http: ControlEndpoint | undefined;
      const stopped = new Promise<void>((resolve) => (stop = () => resolve()));
      if (controlPort !== undefined) {
        http = await listenControl(controlPort, {
          control: (line) => server.control(line),
          status: () => cluster.statusJson(),
          faults: () => cluster.world.faults,
          report: () => verdict(true),
          quit: () => stop(),
        }).catch(async (e: unknown) => {
          await server.close();
          throw new InputError(`--control-port: cannot listen on ${controlPort} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        });
        io.out(`control on http://${http.host}:${http.port} (POST /control, GET /status, GET /faults, POST /report)\n`);
      }
      if (nemesis) io.out(`nemesis: ${nemesis.names.join(', ')} every ${nemesis.intervalMs} ms\n`);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (duration !== undefined) timer = setTimeout(stop, duration * 1000);
      if (flags.control === 'stdin') {
        const lines = createInterface({ input: process.stdin, terminal: false });
        lines.on('line', (line) => {
          const cmd = line.trim();
          if (cmd === '') return;
          void runCommand({ control: (l) => server.control(l), report: () => verdict(false) }, cmd).then((r) => {
            if (r.quit) return stop();
            // A report prints as the final one does; a fault command's answer is one line.
            io.out(cmd === 'report' ? r.text : `${r.ok ? 'ok' : 'error'}: ${r.text}\n`);
          });
        });
        // stdin closing (serve run in the background) does not stop the server.
      }
      // SIGINT, SIGTERM, --duration, or quit (stdin or HTTP).
      await stopped;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer) clearTimeout(timer);
      if (flags.control === 'stdin') process.stdin.pause();
      await http?.close();
      // The nemesis stops first and its last fault is undone, so the final report is on a healed cluster.
      const healed = server.stopNemesis();
      if (nemesis) io.out(`nemesis stopped after ${server.nemesis!.log.length} actions; ${healed.length === 0 ? 'nothing left to heal' : `healed: ${healed.join('; ')}`}\n`);
      await server.close();
      if (flags.record !== undefined) io.out(`recorded ${flags.record}: kafka-model replay ${flags.record} re-runs it\n`);
      const ok = await report();
      setExitCode(ok ? 0 : 1);
    });
};
