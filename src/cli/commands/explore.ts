import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { runExhaustive } from './explore-exhaustive.js';
import { presetNames, releaseFor, releaseNamed } from '../../config/index.js';
import { exploreParallel } from '../../explore/parallel.js';
import { propertyIds, searchSpace, type ExploreOptions, type ExploreResult } from '../../explore/search.js';
import { parseShard, runsInSlice, shardName, type Slice } from '../../explore/slice.js';
import type { ExploreJson } from '../../explore/merge.js';
import { formatStory } from '../../explore/story.js';
import { controllerEpisodeKinds, defaultEpisodeKinds, episodeKinds, type EpisodeKind } from '../../workload/arbitraries.js';
import { InputError } from '../../errors.js';
import { progressLine } from '../progress.js';
import type { RegisterCommand } from './index.js';
import { kafkaOption, parseNonNegativeInt, parseSeed } from './options.js';

function parseFaults(value: string): EpisodeKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!(episodeKinds as readonly string[]).includes(k)) {
      throw new InputError(`--faults: unknown fault kind "${k}" (expected a comma-separated list of ${episodeKinds.join(', ')})`);
    }
  }
  if (kinds.length === 0) throw new InputError(`--faults: empty list (expected some of ${episodeKinds.join(', ')})`);
  return kinds as EpisodeKind[];
}

export function replayCommand(file: string): string {
  return `kafka-model replay ${file}`;
}

/** The run that found a counterexample, named so that any number of workers or shards finds it again. */
export function foundBy(seed: number, runIndex: number | undefined | null): string {
  return runIndex === undefined || runIndex === null ? '' : `Found by run ${runIndex} of seed ${seed} (counted from 0; the same run whatever --workers or --shard)\n`;
}

export function replayLines(out: string | undefined): string {
  return out ? `Scenario written to ${out}\nReplay: ${replayCommand(out)}\n` : `Replay: write it with --out FILE, then ${replayCommand('FILE')}\n`;
}

function report(r: ExploreResult, slice: Slice | undefined, elapsedMs: number, foundMs: number | undefined, out: string | undefined): string {
  const head = `${r.property} on ${r.config}, Kafka ${r.kafka} (fault budget ${r.budget})${slice ? `, shard ${shardName(slice)}` : ''}`;
  if (!r.found) return `${head}: held over ${r.runs} explored runs (${(elapsedMs / 1000).toFixed(1)} s)\n`;
  return (
    `${head}: VIOLATED after ${r.runs} run${r.runs === 1 ? '' : 's'}${foundMs === undefined ? '' : ` (found in ${(foundMs / 1000).toFixed(1)} s)`}, shrunk in ${r.shrinks} steps to ${r.shrunkSteps} story steps (${(elapsedMs / 1000).toFixed(1)} s)\n` +
    foundBy(r.seed, r.runIndex) +
    '\n' +
    formatStory(r.story ?? []) +
    '\n' +
    replayLines(out)
  );
}

function parseWorkers(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
    throw new InputError(`--workers: must be a whole number of threads, at least 1, got "${value}"`);
  }
  return Number(value);
}

export const registerExplore: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('explore')
    .description('search workloads and fault schedules for a run that breaks a property, and shrink it to the shortest story')
    .requiredOption('--property <id>', `the property to break: all, or one of ${propertyIds().join(', ')}`)
    .option('--config <preset>', `the configuration preset: ${presetNames().join(', ')}`, 'default')
    .addOption(kafkaOption())
    .addOption(new Option('--runs <n>', 'runs to explore').default(1000).argParser(parseNonNegativeInt('runs')))
    .addOption(new Option('--seed <n>', 'seed of the search').default(1).argParser(parseSeed))
    .option('--faults <list>', `fault kinds to inject, of ${episodeKinds.join(',')} (default: ${[...defaultEpisodeKinds, ...controllerEpisodeKinds].join(',')}; controller episodes strike KRaft's voters, or in ZooKeeper mode the broker that is the controller)`)
    .addOption(new Option('--budget <n>', 'brokers that may be faulty at once (default: RF - min.insync.replicas)').argParser(parseNonNegativeInt('budget')))
    .option('--correlated', 'also crash every replica of a partition at once (needs a budget of RF), and let brokers lose power together')
    .option('--tear', 'a power loss may keep part of the unflushed writes, and tear the last one')
    .option('--aim', 'also inject faults aimed at roles, resolved from the model\'s state as they strike: the leader, the ISR\'s followers, the whole ISR once it has shrunk, a broker that rejoins the ISR, and the coordinator of a group or transaction property')
    .option('--restart-after-session', 'a crashed broker restarts only once its old ZooKeeper session has expired (Kafka refuses to start a broker whose old registration lingers)')
    .option('--swarm', 'swarm testing: each run injects only a random subset of the fault kinds')
    .addOption(new Option('--max-episodes <n>', 'fault episodes per run (at most)').default(6).argParser(parseNonNegativeInt('max-episodes')))
    .addOption(new Option('--duration <ms>', 'virtual milliseconds per run').default(1500).argParser(parseNonNegativeInt('duration')))
    .addOption(new Option('--max-shrinks <n>', 'shrinking attempts after a violation is found, at most: a shorter wait for a longer story (default: shrink to the end)').argParser(parseNonNegativeInt('max-shrinks')))
    .option('--commit <policy>', 'consumer-group properties: the consumers\' commit policy, after-process (default), before-process or auto')
    .option('--workers <n>', `threads to search on (worker_threads); the verdict and counterexample are the same for any number (default: the machine's cores, ${availableParallelism()})`)
    .option('--shard <K/N>', 'search only the K-th of N disjoint slices of the runs (runs i with i mod N = K-1); combine the --json results with kafka-model merge')
    .option('--exhaustive', 'bounded exhaustive exploration instead of the random search: every run of a small cluster (--brokers, --records) whose choices (the event delivered next among those due at once, a fault episode before any step) leave the kernel\'s own order at most --depth times, each world state once (spec/simulation.md)')
    .addOption(new Option('--depth <n>', 'with --exhaustive: choices per run, at most (depth 2 on 600 virtual ms is some 7 million runs: spec/simulation.md)').default(1).argParser(parseNonNegativeInt('depth')))
    .addOption(new Option('--brokers <n>', 'with --exhaustive: brokers, and replicas of the partition (2 or 3)').default(2).argParser(parseNonNegativeInt('brokers')))
    .addOption(new Option('--records <n>', 'with --exhaustive: records the producer sends (1 or 2)').default(1).argParser(parseNonNegativeInt('records')))
    .addOption(new Option('--max-states <n>', 'with --exhaustive: stop after this many distinct states (the bound is then not exhausted)').argParser(parseNonNegativeInt('max-states')))
    .option('--json', 'print {"property","kafka","config","runs","found","seed","runIndex","shard","search","shrunkSteps","foundMs","elapsedMs","scenario",...}')
    .option('--out <file>', 'write the counterexample scenario to this file')
    .action(async (opts: { property: string; config: string; runs: number; seed: number; faults?: string; budget?: number; correlated?: boolean; tear?: boolean; aim?: boolean; swarm?: boolean; restartAfterSession?: boolean; maxEpisodes: number; duration: number; maxShrinks?: number; commit?: string; workers?: string; shard?: string; json?: boolean; out?: string; kafka?: string; exhaustive?: boolean; depth: number; brokers: number; records: number; maxStates?: number }, cmd: Command) => {
      if (!presetNames().includes(opts.config)) throw new InputError(`--config: unknown preset "${opts.config}" (expected one of ${presetNames().join(', ')})`);
      if (opts.kafka !== undefined) releaseNamed(opts.kafka);
      // A flag of the other mode is a mistake, not a no-op: say so rather than ignore it.
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      if (opts.exhaustive) {
        for (const [flag, name] of [['workers', 'workers'], ['shard', 'shard'], ['swarm', 'swarm'], ['aim', 'aim'], ['correlated', 'correlated'], ['tear', 'tear'], ['commit', 'commit'], ['runs', 'runs'], ['seed', 'seed'], ['maxEpisodes', 'max-episodes'], ['maxShrinks', 'max-shrinks']] as const) {
          if (given(flag)) throw new InputError(`--${name}: not with --exhaustive (it explores every run within its bound, on one thread)`);
        }
        if (opts.duration < 50) throw new InputError('--duration: must be at least 50 ms');
        // A run of the small cluster: 600 virtual ms reach a leader, the record and a fault's repair.
        const durationMs = cmd.getOptionValueSource('duration') === 'default' ? 600 : opts.duration;
        return runExhaustive({ property: opts.property, config: opts.config, ...(opts.kafka ? { kafka: opts.kafka } : {}), depth: opts.depth, brokers: opts.brokers, records: opts.records, ...(opts.budget === undefined ? {} : { budget: opts.budget }), ...(opts.faults === undefined ? {} : { faults: opts.faults }), durationMs, ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }), ...(opts.json ? { json: true } : {}), ...(opts.out ? { out: opts.out } : {}) }, io, setExitCode);
      }
      for (const [flag, name] of [['depth', 'depth'], ['brokers', 'brokers'], ['records', 'records'], ['maxStates', 'max-states']] as const) {
        if (given(flag)) throw new InputError(`--${name}: only with --exhaustive`);
      }
      if (opts.runs < 1) throw new InputError('--runs: must be at least 1');
      if (opts.duration < 50) throw new InputError('--duration: must be at least 50 ms');
      const faults = opts.faults === undefined ? undefined : parseFaults(opts.faults);
      const policies = ['after-process', 'before-process', 'auto'] as const;
      if (opts.commit !== undefined && !(policies as readonly string[]).includes(opts.commit)) {
        throw new InputError(`--commit: expected ${policies.join(', ')}, got "${opts.commit}"`);
      }
      // A bad --workers or --shard is reported like every other flag: one line, exit 2. (Parsed
      // here rather than by commander, whose message for a bad value is longer than one line.)
      const workers = opts.workers === undefined ? availableParallelism() : parseWorkers(opts.workers);
      const slice = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const kafka = releaseFor(opts.config, opts.kafka).version;
      const total = runsInSlice(slice ?? { index: 0, count: 1 }, opts.runs);
      const progress = progressLine(io, `exploring ${opts.property} on ${opts.config}, Kafka ${kafka}${slice ? `, shard ${shardName(slice)}` : ''}${workers > 1 ? `, ${workers} workers` : ''}`);
      /** Wall-clock time to the first run that broke the property, before shrinking. */
      let foundMs: number | undefined;
      const searchOpts: ExploreOptions = {
        property: opts.property,
        kafka,
        preset: opts.config,
        runs: opts.runs,
        seed: opts.seed,
        ...(faults ? { faults } : {}),
        ...(opts.budget === undefined ? {} : { budget: opts.budget }),
        correlated: opts.correlated ?? false,
        ...(opts.tear ? { tear: true } : {}),
        ...(opts.aim ? { aim: true } : {}),
        ...(opts.swarm ? { swarm: true } : {}),
        ...(opts.restartAfterSession ? { restartAfterSession: true } : {}),
        maxEpisodes: opts.maxEpisodes,
        ...(opts.maxShrinks === undefined ? {} : { maxShrinks: opts.maxShrinks }),
        durationMs: opts.duration,
        ...(opts.commit ? { commit: opts.commit as (typeof policies)[number] } : {}),
        ...(slice ? { slice } : {}),
        onProgress: (p) => progress.update(p.runs, total, p.shrinks > 0 ? `, shrinking (${p.shrinks})` : ''),
        onFound: () => (foundMs = Math.round(progress.elapsed())),
      };
      const result = await exploreParallel(searchOpts, workers);
      const elapsedMs = Math.round(progress.done());
      if (result.found && opts.out) writeFileSync(opts.out, JSON.stringify(result.scenario, null, 2) + '\n');
      if (opts.json) {
        const json: ExploreJson = {
          property: result.property,
          kafka: result.kafka,
          config: result.config,
          budget: result.budget,
          runs: result.runs,
          found: result.found,
          seed: result.seed,
          runIndex: result.runIndex ?? null,
          shard: slice ? shardName(slice) : null,
          workers,
          search: {
            property: result.property,
            config: result.config,
            kafka: result.kafka,
            budget: result.budget,
            runs: opts.runs,
            seed: result.seed,
            // The kinds searched: those asked for (with the aimed ones), else the default for this release's mode.
            faults: searchSpace(searchOpts).kinds,
            correlated: opts.correlated ?? false,
            tear: opts.tear ?? false,
            swarm: opts.swarm ?? false,
            restartAfterSession: opts.restartAfterSession ?? false,
            maxEpisodes: opts.maxEpisodes,
            maxShrinks: opts.maxShrinks ?? null,
            duration: opts.duration,
            commit: opts.commit ?? null,
          },
          shrunkSteps: result.shrunkSteps ?? null,
          foundMs: foundMs ?? null,
          elapsedMs,
          scenario: result.scenario ?? null,
          violation: result.violation ?? null,
          story: result.story ?? null,
        };
        io.out(JSON.stringify(json) + '\n');
      } else {
        io.out(report(result, slice, elapsedMs, foundMs, opts.out));
      }
      setExitCode(result.found ? 1 : 0);
    });
};
