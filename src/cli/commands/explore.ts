import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { presetNames, releaseFor, releaseNamed } from '../../config/index.js';
import { exploreAsync, propertyIds, type ExploreResult } from '../../explore/search.js';
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

function report(r: ExploreResult, elapsedMs: number, foundMs: number | undefined, out: string | undefined): string {
  const head = `${r.property} on ${r.config}, Kafka ${r.kafka} (fault budget ${r.budget})`;
  if (!r.found) return `${head}: held over ${r.runs} explored runs (${(elapsedMs / 1000).toFixed(1)} s)\n`;
  return (
    `${head}: VIOLATED after ${r.runs} run${r.runs === 1 ? '' : 's'}${foundMs === undefined ? '' : ` (found in ${(foundMs / 1000).toFixed(1)} s)`}, shrunk in ${r.shrinks} steps to ${r.shrunkSteps} story steps (${(elapsedMs / 1000).toFixed(1)} s)\n\n` +
    formatStory(r.story ?? []) +
    '\n' +
    (out ? `Scenario written to ${out}\nReplay: ${replayCommand(out)}\n` : `Replay: write it with --out FILE, then ${replayCommand('FILE')}\n`)
  );
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
    .option('--faults <list>', `fault kinds to inject, of ${episodeKinds.join(',')} (default: ${defaultEpisodeKinds.join(',')}, and in KRaft mode ${controllerEpisodeKinds.join(',')})`)
    .addOption(new Option('--budget <n>', 'brokers that may be faulty at once (default: RF - min.insync.replicas)').argParser(parseNonNegativeInt('budget')))
    .option('--correlated', 'also crash every replica of a partition at once (needs a budget of RF), and let brokers lose power together')
    .option('--tear', 'a power loss may keep part of the unflushed writes, and tear the last one')
    .addOption(new Option('--max-episodes <n>', 'fault episodes per run (at most)').default(6).argParser(parseNonNegativeInt('max-episodes')))
    .addOption(new Option('--duration <ms>', 'virtual milliseconds per run').default(1500).argParser(parseNonNegativeInt('duration')))
    .option('--commit <policy>', 'consumer-group properties: the consumers\' commit policy, after-process (default), before-process or auto')
    .option('--json', 'print {"property","kafka","config","runs","found","shrunkSteps","foundMs","elapsedMs","scenario"}')
    .option('--out <file>', 'write the counterexample scenario to this file')
    .action(async (opts: { property: string; config: string; runs: number; seed: number; faults?: string; budget?: number; correlated?: boolean; tear?: boolean; maxEpisodes: number; duration: number; commit?: string; json?: boolean; out?: string; kafka?: string }) => {
      if (!presetNames().includes(opts.config)) throw new InputError(`--config: unknown preset "${opts.config}" (expected one of ${presetNames().join(', ')})`);
      if (opts.kafka !== undefined) releaseNamed(opts.kafka);
      if (opts.runs < 1) throw new InputError('--runs: must be at least 1');
      if (opts.duration < 50) throw new InputError('--duration: must be at least 50 ms');
      const faults = opts.faults === undefined ? undefined : parseFaults(opts.faults);
      const policies = ['after-process', 'before-process', 'auto'] as const;
      if (opts.commit !== undefined && !(policies as readonly string[]).includes(opts.commit)) {
        throw new InputError(`--commit: expected ${policies.join(', ')}, got "${opts.commit}"`);
      }
      const kafka = releaseFor(opts.config, opts.kafka).version;
      const progress = progressLine(io, `exploring ${opts.property} on ${opts.config}, Kafka ${kafka}`);
      /** Wall-clock time to the first run that broke the property, before shrinking. */
      let foundMs: number | undefined;
      const result = await exploreAsync({
        property: opts.property,
        kafka,
        preset: opts.config,
        runs: opts.runs,
        seed: opts.seed,
        ...(faults ? { faults } : {}),
        ...(opts.budget === undefined ? {} : { budget: opts.budget }),
        correlated: opts.correlated ?? false,
        ...(opts.tear ? { tear: true } : {}),
        maxEpisodes: opts.maxEpisodes,
        durationMs: opts.duration,
        ...(opts.commit ? { commit: opts.commit as (typeof policies)[number] } : {}),
        onProgress: (p) => progress.update(p.runs, opts.runs, p.shrinks > 0 ? `, shrinking (${p.shrinks})` : ''),
        onFound: () => (foundMs = Math.round(progress.elapsed())),
      });
      const elapsedMs = Math.round(progress.done());
      if (result.found && opts.out) writeFileSync(opts.out, JSON.stringify(result.scenario, null, 2) + '\n');
      if (opts.json) {
        io.out(
          JSON.stringify({
            property: result.property,
            kafka: result.kafka,
            config: result.config,
            budget: result.budget,
            runs: result.runs,
            found: result.found,
            shrunkSteps: result.shrunkSteps ?? null,
            foundMs: foundMs ?? null,
            elapsedMs,
            scenario: result.scenario ?? null,
            violation: result.violation ?? null,
            story: result.story ?? null,
          }) + '\n',
        );
      } else {
        io.out(report(result, elapsedMs, foundMs, opts.out));
      }
      setExitCode(result.found ? 1 : 0);
    });
};
