import { join } from 'node:path';
import { Option } from 'commander';
import { historicalBugs, type HistoricalBug } from '../../bugs/catalogue.js';
import { bugBudgets, maxStorySteps, runBug, type BugResult } from '../../bugs/runner.js';
import { InputError } from '../../errors.js';
import { writeFiles } from '../files.js';
import { wallclockMs } from '../wallclock.js';
import { replayCommand } from './explore.js';
import type { RegisterCommand } from './index.js';
import { parseSeed } from './options.js';
import { plural } from '../../text.js';

interface BugsFlags {
  json?: boolean;
  quick?: boolean;
  only?: string;
  seed?: number;
  outDir?: string;
}

function selected(only: string | undefined): readonly HistoricalBug[] {
  if (only === undefined) return historicalBugs;
  const wanted = only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = wanted.filter((w) => !historicalBugs.some((b) => b.id === w));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new InputError(`--only: no bug named ${unknown.join(', ') || '(empty)'} (expected some of ${historicalBugs.map((b) => b.id).join(', ')})`);
  }
  return historicalBugs.filter((b) => wanted.includes(b.id));
}

/** Where a bug's counterexample is written (with --out-dir). */
const scenarioPath = (dir: string, r: BugResult) => join(dir, `${r.bug.id}.json`);

function searchFlags(b: HistoricalBug, seed: number): string {
  const s = b.search;
  return [
    `--property ${b.property}`,
    `--config ${s.preset}`,
    ...(s.budget === undefined ? [] : [`--budget ${s.budget}`]),
    ...(s.faults === undefined ? [] : [`--faults ${s.faults.join(',')}`]),
    ...(s.correlated ? ['--correlated'] : []),
    ...(s.maxEpisodes === undefined ? [] : [`--max-episodes ${s.maxEpisodes}`]),
    ...(s.durationMs === undefined ? [] : [`--duration ${s.durationMs}`]),
    ...(s.restartAfterSession ? ['--restart-after-session'] : []),
    ...(s.aim ? ['--aim'] : []),
    `--seed ${seed}`,
  ].join(' ');
}

function verdictLine(r: BugResult): string {
  if (r.ok) return 'reproduced on the buggy release, held on the fixed one';
  const why = [
    !r.foundOnBuggy && `not found on ${r.bug.buggy} in ${r.runs} runs`,
    r.foundOnBuggy && !r.replays && 'its counterexample does not replay to the same trace',
    r.foundOnBuggy && !r.fixAloneRepairs && `the fix alone (${r.fix.setting} = ${String(r.fix.value)}) does not repair its counterexample`,
    r.foundOnBuggy && (r.shrunkSteps ?? 0) > maxStorySteps && `shrunk only to ${r.shrunkSteps} story steps (more than ${maxStorySteps})`,
    !r.heldOnFixed && `${r.bug.property} broken on ${r.bug.fixed} too (after ${r.heldRuns} runs)`,
  ].filter(Boolean);
  return `FAILED: ${why.join('; ')}`;
}

function textReport(results: readonly BugResult[], seed: number | undefined, outDir: string | undefined): string {
  const lines: string[] = [];
  for (const r of results) {
    const b = r.bug;
    lines.push(`${b.id}: ${b.title}`);
    lines.push(`  buggy ${b.buggy}, fixed ${b.fixed} by ${r.fix.ref} (${r.fix.setting} = ${String(r.fix.value)}); property ${b.property}`);
    lines.push(
      r.foundOnBuggy
        ? `  Kafka ${b.buggy}: VIOLATED after ${r.runs} runs (found in ${((r.foundMs ?? 0) / 1000).toFixed(1)} s), shrunk to ${r.shrunkSteps} story steps; replays: ${r.replays ? 'yes' : 'NO'}; repaired by the fix alone: ${r.fixAloneRepairs ? 'yes' : 'NO'}`
        : `  Kafka ${b.buggy}: held over ${r.runs} runs (the bug was not found)`,
    );
    lines.push(r.heldOnFixed ? `  Kafka ${b.fixed}: held over ${r.heldRuns} runs` : `  Kafka ${b.fixed}: VIOLATED after ${r.heldRuns} runs`);
    const s = seed ?? b.search.seed;
    lines.push(`  search: kafka-model explore --kafka ${b.buggy} ${searchFlags(b, s)}   (and --kafka ${b.fixed})`);
    if (r.scenario && outDir !== undefined) lines.push(`  replay: ${replayCommand(scenarioPath(outDir, r))}`);
    lines.push(`  ${verdictLine(r)}`, '');
  }
  const ok = results.filter((r) => r.ok).length;
  lines.push(`${plural(results.length, 'bug')}: ${ok} reproduced and fixed as recorded${ok === results.length ? '' : `, ${results.length - ok} not`}`);
  return lines.join('\n') + '\n';
}

function jsonReport(results: readonly BugResult[], outDir: string | undefined): string {
  return (
    JSON.stringify(
      {
        bugs: results.map((r) => ({
          id: r.bug.id,
          title: r.bug.title,
          buggy: r.bug.buggy,
          fixed: r.bug.fixed,
          fix: r.fix,
          property: r.bug.property,
          foundOnBuggy: r.foundOnBuggy,
          heldOnFixed: r.heldOnFixed,
          runs: r.runs,
          heldRuns: r.heldRuns,
          foundMs: r.foundMs ?? null,
          shrunkSteps: r.shrunkSteps ?? null,
          replays: r.replays,
          fixAloneRepairs: r.fixAloneRepairs,
          ok: r.ok,
          scenario: r.scenario ?? null,
          ...(r.scenario && outDir !== undefined ? { file: scenarioPath(outDir, r) } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

/**
 * `kafka-model bugs`: Kafka's historical bugs, each searched for on the last release that had
 * it (it must be found, shrunk and replayable) and on the first that fixed it (it must hold).
 */
export const registerBugs: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('bugs')
    .description("reproduce Kafka's historical bugs: each is searched for on the last release that had it and must be found, then on the first release that fixed it, where it must hold")
    .option('--json', 'print {"bugs":[{id, buggy, fixed, fix, property, foundOnBuggy, heldOnFixed, runs, heldRuns, foundMs, shrunkSteps, replays, fixAloneRepairs, ok, scenario}]}')
    .option('--quick', `hold the fixed release to ${bugBudgets.quick.heldRuns} runs instead of ${bugBudgets.full.heldRuns}`)
    .option('--only <ids>', `comma-separated bug ids: ${historicalBugs.map((b) => b.id).join(', ')}`)
    .addOption(new Option('--seed <n>', "search seed for every bug (default: each bug's recorded one)").argParser(parseSeed))
    .option('--out-dir <dir>', 'write each counterexample as DIR/ID.json (replay it with kafka-model replay)')
    .action(async (flags: BugsFlags) => {
      const bugs = selected(flags.only);
      const budget = bugBudgets[flags.quick ? 'quick' : 'full'];
      const results: BugResult[] = [];
      for (const [i, bug] of bugs.entries()) {
        io.err(`bugs: [${i + 1}/${bugs.length}] ${bug.id}: searching ${bug.buggy}, then ${bug.fixed}\n`);
        let last = '';
        const r = await runBug(bug, {
          budget,
          ...(flags.seed === undefined ? {} : { seed: flags.seed }),
          clock: wallclockMs,
          onPhase: (b, phase, p) => {
            // A line every 250 runs of a long search, so that a log shows the search is alive.
            const at = `${phase}:${p.runs}`;
            if (p.shrinks > 0 || p.runs === 0 || p.runs % 250 !== 0 || at === last) return;
            last = at;
            io.err(`bugs:   ${b.id} on ${phase === 'buggy' ? b.buggy : b.fixed}: ${p.runs} runs\n`);
          },
        });
        io.err(`bugs: [${i + 1}/${bugs.length}] ${bug.id}: ${r.ok ? 'ok' : 'FAILED'}\n`);
        results.push(r);
      }
      if (flags.outDir !== undefined) {
        const dir = flags.outDir;
        writeFiles(new Map(results.filter((r) => r.scenario).map((r) => [scenarioPath(dir, r), JSON.stringify(r.scenario, null, 2) + '\n'])));
      }
      io.out(flags.json ? jsonReport(results, flags.outDir) : textReport(results, flags.seed, flags.outDir));
      setExitCode(results.every((r) => r.ok) ? 0 : 1);
    });
};
