import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { runScenario, type RunSummary } from '../../cluster/run.js';
import { parseScenario, parseScenarioJson, type Scenario } from '../../cluster/scenario.js';
import { InputError } from '../../errors.js';
import type { RegisterCommand } from './index.js';
import { kafkaOption, onRelease, parseSeed } from './options.js';

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read scenario (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScenarioJson(text, file);
}

export function formatSummary(s: RunSummary): string {
  const lines = [
    `Simulated ${s.virtualTimeMs} ms of virtual time (Kafka ${s.kafka}, preset ${s.preset}, seed ${s.seed})`,
    `  nodes         ${s.nodes.join(', ')}`,
    `  events        ${s.events}`,
    `  trace entries ${s.traceEntries}`,
    `  faults        ${s.faults}`,
    ...(s.sends.invoked > 0
      ? [`  sends         ${s.sends.invoked} invoked: ${s.sends.ok} ok, ${s.sends.fail} failed, ${s.sends.info} unknown, ${s.sends.invoked - s.sends.ok - s.sends.fail - s.sends.info} pending`]
      : []),
    ...(s.activeControllers ? [`  controller    ${s.activeControllers.length === 0 ? 'no active controller' : s.activeControllers.map((a) => `${a.node} active at ${a.at} ms (epoch ${a.epoch})`).join(', then ')}`] : []),
    `  trace hash    ${s.traceHash ?? '(trace not kept)'}`,
  ];
  lines.push(s.violation ? `  VIOLATION     ${s.violation.property} at ${s.violation.time} ms: ${s.violation.message}` : '  invariants    all held');
  return lines.join('\n') + '\n';
}

export const registerRun: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('run')
    .description('run one simulation and print a summary (virtual time, events, faults, trace hash)')
    .addOption(new Option('--seed <n>', 'seed of the run (overrides the scenario file)').argParser(parseSeed))
    .option('--scenario <file>', 'scenario JSON file: config, workload, faults, seed')
    .addOption(kafkaOption())
    .option('--json', 'print the summary as JSON')
    .action((opts: { seed?: number; scenario?: string; kafka?: string; json?: boolean }) => {
      const base = onRelease(opts.scenario ? loadScenarioFile(opts.scenario) : parseScenario({}), opts.kafka);
      const scenario = opts.seed === undefined ? base : { ...base, seed: opts.seed };
      const { summary } = runScenario(scenario);
      io.out(opts.json ? JSON.stringify(summary) + '\n' : formatSummary(summary));
      setExitCode(summary.violation ? 1 : 0);
    });
};
