import { runScenario } from '../../cluster/run.js';
import { renderScenarioDiagram } from '../../diagrams/index.js';
import { storyFocusOf } from '../../explore/search.js';
import { formatStory, storyOf } from '../../explore/story.js';
import { InputError } from '../../errors.js';
import type { RegisterCommand } from './index.js';
import { loadScenarioFile } from './run.js';
import { kafkaOption, onRelease } from './options.js';
import { releaseFor } from '../../config/index.js';
import { viewerHtml } from '../../viewer/index.js';
import { firstLine, writeFiles } from '../files.js';
import { isJournalHead, replayJournal } from '../../wire/journal.js';

export const registerReplay: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('replay')
    .description('re-run a scenario (a counterexample) and tell its story; --diagram draws it as a sequence diagram')
    .argument('<file>', 'scenario JSON file, as written by explore --out; or a serve recording (serve --record)')
    .option('--json', 'print the summary, story and whether the expected outcome was reproduced, as JSON')
    .option('--diagram <format>', 'print a sequence diagram instead: mermaid or svg')
    .option('--trace', 'print the full trace (JSON Lines) instead')
    .option('--html <out>', 'also write the counterexample viewer: one self-contained HTML page (story, timeline, diagram, each step\'s state)')
    .addOption(kafkaOption())
    .action((file: string, opts: { json?: boolean; diagram?: string; trace?: boolean; html?: string; kafka?: string }) => {
      if (opts.diagram !== undefined && opts.diagram !== 'mermaid' && opts.diagram !== 'svg') {
        throw new InputError(`--diagram: expected mermaid or svg, got "${opts.diagram}"`);
      }
      // What the file is, from its first line only: a large history given by mistake is not read whole.
      const head = firstLine(file);
      // A serve recording (serve --record: its journal) replays the served World, with no sockets.
      if (isJournalHead(head)) {
        const r = replayJournal(file);
        const same = r.expected !== undefined && r.traceHash === r.expected;
        setExitCode(same ? 0 : 1);
        if (opts.json) io.out(JSON.stringify({ journal: file, ...r, reproduced: same }) + '\n');
        else {
          io.out(`${file}: serve recording, ${r.entries} entries, ${r.events} events in ${r.virtualTimeMs} ms; ${r.violation ? `${r.violation.property} broken at ${r.violation.time} ms` : 'no invariant broken'}\n`);
          io.out(`trace hash ${r.traceHash}\n`);
          io.out(same ? 'reproduced: same trace hash\n' : r.expected === undefined ? 'NOT REPRODUCED: the recording has no end (the server did not stop cleanly)\n' : `NOT REPRODUCED: expected trace hash ${r.expected}\n`);
        }
        return;
      }
      if (isHistoryOp(head)) throw new InputError(`${file} is a history of client operations (serve --history, conform, Jepsen), which \`kafka-model check\` judges; replay takes a scenario (explore --out) or a serve recording (serve --record)`);
      const written = loadScenarioFile(file);
      const scenario = onRelease(written, opts.kafka);
      const { world, summary } = runScenario(scenario, 'full', file);
      const story = storyOf(world.trace.events(), summary.violation ? storyFocusOf(summary.violation.property) : 'replication');
      const writtenFor = releaseFor(written.config.preset, written.config.kafka, `${file}: config`).version;
      // On another release than the file's, the file's expectations are about a different Kafka.
      const otherRelease = opts.kafka !== undefined && opts.kafka !== writtenFor;
      const expected = otherRelease ? undefined : scenario.expect;
      const mismatches: string[] = [];
      if (expected?.violation !== undefined && summary.violation?.property !== expected.violation) {
        mismatches.push(`expected ${expected.violation} to break, got ${summary.violation?.property ?? 'no violation'}`);
      }
      if (expected?.traceHash !== undefined && summary.traceHash !== expected.traceHash) {
        mismatches.push(`expected trace hash ${expected.traceHash}, got ${summary.traceHash}`);
      }
      setExitCode(mismatches.length > 0 ? 1 : 0);
      if (opts.html !== undefined) {
        writeFiles(new Map([[opts.html, viewerHtml(scenario, file)]]));
        io.err(`viewer written to ${opts.html}\n`);
      }
      if (opts.trace) {
        io.out(world.trace.serialize());
      } else if (opts.diagram) {
        io.out(renderScenarioDiagram(world.trace.events(), opts.diagram as 'mermaid' | 'svg', summary.violation?.step) + '\n');
      } else if (opts.json) {
        io.out(JSON.stringify({ summary, story, reproduced: otherRelease ? null : mismatches.length === 0, mismatches }) + '\n');
      } else {
        const head = summary.violation
          ? `${file}: ${summary.violation.property} broken at ${summary.violation.time} ms (Kafka ${summary.kafka})`
          : `${file}: no property broken in ${summary.virtualTimeMs} ms (Kafka ${summary.kafka})`;
        if (otherRelease) io.out(`replayed on Kafka ${summary.kafka}, not the file's ${writtenFor}: its expectations are not checked\n`);
        io.out(`${head}\n\n${formatStory(story)}\ntrace hash ${summary.traceHash}\n`);
        io.out(mismatches.length === 0 ? (expected ? 'reproduced: same violation, same trace hash\n' : '') : `NOT REPRODUCED: ${mismatches.join('; ')}\n`);
      }
    });
};

/** Whether a file's first line is one op of a Jepsen-shaped history (JSON Lines), not a scenario. */
function isHistoryOp(first: string): boolean {
  try {
    const op = JSON.parse(first) as unknown;
    return typeof op === 'object' && op !== null && 'type' in op && 'f' in op && 'process' in op;
  } catch {
    return false;
  }
}
