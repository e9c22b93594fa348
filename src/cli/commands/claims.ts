import cliProgress from 'cli-progress';
import { loadCatalogue } from '../../claims/catalogue.js';
import { reportFiles, resultsJson, scenarioFiles, summaryTable } from '../../claims/report.js';
import { runClaims, type ClaimResult } from '../../claims/runner.js';
import { viewerFiles } from '../../claims/viewers.js';
import { budgets } from '../../claims/types.js';
import { InputError } from '../../errors.js';
import type { Io } from '../io.js';
import { leftoverFiles, removeFiles, staleFiles, writeFiles } from '../files.js';
import { dirname, join } from 'node:path';
import { wallclockMs } from '../wallclock.js';
import type { RegisterCommand } from './index.js';
import { kafkaOption } from './options.js';
import { releaseNamed } from '../../config/index.js';
import { plural } from '../../text.js';

interface ClaimsFlags {
  json?: boolean;
  out?: string;
  only?: string;
  quick?: boolean;
  check?: boolean;
  kafka?: string;
  cxDir?: string;
}


/** A bar on a terminal; a line per claim otherwise (CI logs). Both on stderr. */
function progress(io: Io, total: number) {
  const start = wallclockMs();
  let claimStart = start;
  const bar = io.errIsTty
    ? new cliProgress.SingleBar(
        { format: 'claims [{bar}] {value}/{total} {claim}', stream: { write: (s: string) => io.err(s), isTTY: true } as unknown as NodeJS.WritableStream, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { claim: '' });
  return {
    start(id: string): void {
      claimStart = wallclockMs();
      bar?.update({ claim: id });
    },
    done(r: ClaimResult, i: number): void {
      if (bar) bar.update(i + 1, { claim: r.claim.id });
      else io.err(`claims: [${i + 1}/${total}] ${r.claim.id}: ${r.verdict}${r.matches ? '' : ` (catalogue: ${r.claim.expected})`} (${((wallclockMs() - claimStart) / 1000).toFixed(1)} s)\n`);
    },
    stop(): number {
      bar?.stop();
      return wallclockMs() - start;
    },
  };
}

/**
 * `kafka-model claims`: runs every claim of spec/claims.json and gives it a verdict; exit 0 when
 * every verdict is the one the catalogue records, 1 when one changed. Counterexamples are
 * written as scenario files (replayable with `kafka-model replay FILE`); --out also writes the
 * report (FILE.md and FILE.html, or FILE.json), --check compares instead of writing.
 */
export const registerClaims: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('claims')
    .description('check the claims catalogue (spec/claims.json): holds, holds-if (conditions), refuted (counterexample), not-modelled')
    .option('--json', 'print {"claims":[{id, quote, section, verdict, conditions, counterexample}]} instead of the table')
    .option('--out <file>', 'also write the report: FILE.md and FILE.html beside it (or FILE.json)')
    .option('--only <ids>', 'comma-separated claim ids')
    .option('--quick', 'the quick budget (fewer runs where a property should hold): about two minutes')
    .option('--check', 'write nothing; exit 1 if the report (--out) or the counterexample files are out of date')
    .option('--cx-dir <dir>', 'where counterexample scenario files and their viewer pages go (default: counterexamples/ beside --out; without either, none are written)')
    .addOption(kafkaOption())
    .action((flags: ClaimsFlags) => {
      if (flags.kafka !== undefined) releaseNamed(flags.kafka);
      let claims = loadCatalogue();
      if (flags.only !== undefined) {
        const wanted = flags.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const unknown = wanted.filter((w) => !claims.some((c) => c.id === w));
        if (wanted.length === 0 || unknown.length > 0) throw new InputError(`--only: no claim named ${unknown.join(', ') || '(empty)'} (see spec/claims.md for the ids)`);
        claims = claims.filter((c) => wanted.includes(c.id));
      }
      if (flags.out !== undefined && !/\.(md|json)$/.test(flags.out)) throw new InputError(`--out: expected a .md or .json file, got "${flags.out}"`);
      if (flags.check && flags.out === undefined) throw new InputError('--check needs --out FILE: the report to compare');
      const budget = budgets[flags.quick ? 'quick' : 'full'];
      // Every path written is one the user named (--out, --cx-dir) or beside it: nothing lands in
      // whatever directory the command happens to run from.
      const cxDir = flags.cxDir !== undefined ? flags.cxDir.replace(/\/+$/, '') || '/' : flags.out !== undefined ? join(dirname(flags.out), 'counterexamples') : undefined;
      const bar = progress(io, claims.length);
      const results = runClaims(claims, { budget, cxDir: cxDir ?? 'docs/counterexamples', ...(flags.kafka === undefined ? {} : { kafka: flags.kafka }), onStart: (c) => bar.start(c.id), onResult: (r, i) => bar.done(r, i) });
      const elapsed = bar.stop();

      const files = flags.out === undefined ? (cxDir === undefined ? new Map<string, string>() : scenarioFiles(results)) : flags.out.endsWith('.json') ? new Map([...scenarioFiles(results), [flags.out, resultsJson(results)]]) : reportFiles(results, budget, flags.out);
      // Each counterexample's viewer page, beside its scenario file (the HTML report links to it).
      if (cxDir !== undefined) for (const [p, c] of viewerFiles(results)) files.set(p, c);
      // A run of every claim owns its counterexample folder: a file there that it did not make
      // (a counterexample of an earlier verdict) would replay to something else.
      const leftovers = cxDir !== undefined && flags.only === undefined ? leftoverFiles(cxDir, files) : [];
      let stale: string[] = [];
      if (flags.check) stale = [...staleFiles(files), ...leftovers];
      else {
        writeFiles(files);
        removeFiles(leftovers);
        for (const f of leftovers) io.err(`claims: removed ${f}, which this run did not generate\n`);
      }

      io.out(flags.json ? resultsJson(results, cxDir !== undefined) : summaryTable(results, cxDir !== undefined));
      if (!flags.json) io.out(`(${(elapsed / 1000).toFixed(1)} s, ${budget.name} budget)\n`);
      if (flags.check) {
        io.err(stale.length === 0 ? `claims: ${plural(files.size, 'report file')} up to date\n` : `claims: ${stale.length} of ${plural(files.size + leftovers.length, 'report file')} out of date${leftovers.length > 0 ? ` or not generated by this run` : ''}: ${stale.join(', ')}\nRun: kafka-model claims${flags.quick ? ' --quick' : ''} --out ${flags.out}\n`);
      }
      setExitCode(results.every((r) => r.matches) && stale.length === 0 ? 0 : 1);
    });
};
