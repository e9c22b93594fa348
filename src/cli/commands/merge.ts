import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { formatStory } from '../../explore/story.js';
import { mergeShards, type ShardResult } from '../../explore/merge.js';
import type { RegisterCommand } from './index.js';
import { foundBy, replayLines } from './explore.js';

function load(file: string): ShardResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot read the file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`${file}: not JSON (expected the output of kafka-model explore --json --shard K/N)`);
  }
  return { file, json };
}

export const registerMerge: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('merge')
    .description('combine the --json results of explore --shard 1/N ... N/N into the verdict of the whole search')
    .argument('<files...>', 'the shards\' explore --json outputs, one file each, every shard of one search exactly once')
    .option('--json', 'print {"property","kafka","config","budget","runs","found","seed","runIndex","shards","explored","search","shrunkSteps","scenario","violation","story"}')
    .option('--out <file>', 'write the counterexample scenario to this file')
    .action((files: string[], opts: { json?: boolean; out?: string }) => {
      const m = mergeShards(files.map(load));
      if (m.found && m.scenario && opts.out) writeFileSync(opts.out, JSON.stringify(m.scenario, null, 2) + '\n');
      setExitCode(m.found ? 1 : 0);
      if (opts.json) {
        io.out(JSON.stringify(m) + '\n');
        return;
      }
      const head = `${m.property} on ${m.config}, Kafka ${m.kafka} (fault budget ${m.budget}), ${m.shards} shard${m.shards === 1 ? '' : 's'} merged`;
      if (!m.found) {
        io.out(`${head}: held over ${m.runs} explored runs\n`);
        return;
      }
      io.out(
        `${head}: VIOLATED after ${m.runs} run${m.runs === 1 ? '' : 's'} of the whole search (${m.explored} run by the shards), shrunk to ${m.shrunkSteps} story steps\n` +
          foundBy(m.seed, m.runIndex) +
          '\n' +
          formatStory(m.story ?? []) +
          '\n' +
          replayLines(opts.out),
      );
    });
};
