import { dirname, join } from 'node:path';
import { InputError } from '../../errors.js';
import { cellFile, checkReleases, matrixBudgets, matrixJson, matrixMarkdown, matrixReleases, matrixRows, runCell, type MatrixCell } from '../../matrix/index.js';
import { staleFiles, writeFiles } from '../files.js';
import { wallclockMs } from '../wallclock.js';
import type { RegisterCommand } from './index.js';
import { plural } from '../../text.js';

interface MatrixFlags {
  json?: boolean;
  quick?: boolean;
  out?: string;
  check?: boolean;
  kafka?: string;
  only?: string;
}

function list(value: string | undefined, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * `kafka-model matrix`: each main property searched on each release. `--out FILE.md` writes the
 * table and, in FILE's folder under matrix/, every refuted cell's counterexample; `--check`
 * compares instead of writing (CI keeps docs/matrix.md in step with the model).
 */
export const registerMatrix: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('matrix')
    .description('the guarantee matrix: the main properties searched on each Kafka release, each cell holds (over N runs) or refuted (with a replayable counterexample)')
    .option('--quick', `fewer runs a cell (${matrixRows.map((r) => r.runs.quick).join('/')} instead of ${matrixRows.map((r) => r.runs.full).join('/')}, by row)`)
    .option('--json', 'print {"budget","cells":[{property, row, kafka, verdict, runs, replay, scenario}]}')
    .option('--out <file>', 'write the table as Markdown to FILE (.md), and the counterexamples to matrix/ beside it')
    .option('--check', 'write nothing; exit 1 if FILE (--out) or its counterexamples are out of date')
    .option('--kafka <list>', `comma-separated releases (default: ${matrixReleases.join(',')})`)
    .option('--only <rows>', `comma-separated rows: ${matrixRows.map((r) => r.id).join(', ')}`)
    .action(async (flags: MatrixFlags) => {
      const releases = list(flags.kafka, matrixReleases);
      checkReleases(releases);
      if (releases.length === 0) throw new InputError('--kafka: empty list');
      const wanted = list(flags.only, matrixRows.map((r) => r.id));
      const unknown = wanted.filter((w) => !matrixRows.some((r) => r.id === w));
      if (wanted.length === 0 || unknown.length > 0) throw new InputError(`--only: no row named ${unknown.join(', ') || '(empty)'} (expected some of ${matrixRows.map((r) => r.id).join(', ')})`);
      if (flags.out !== undefined && !flags.out.endsWith('.md')) throw new InputError(`--out: expected a .md file, got "${flags.out}"`);
      if (flags.check && flags.out === undefined) throw new InputError('--check needs --out FILE: the matrix to compare');
      const budget = matrixBudgets[flags.quick ? 'quick' : 'full'];
      const rows = matrixRows.filter((r) => wanted.includes(r.id));
      const dir = flags.out === undefined ? undefined : join(dirname(flags.out), 'matrix');

      const cells: MatrixCell[] = [];
      const total = rows.length * releases.length;
      const start = wallclockMs();
      for (const row of rows) {
        for (const kafka of releases) {
          const cellStart = wallclockMs();
          const cell = await runCell(row, kafka, budget);
          cells.push(cell);
          io.err(`matrix: [${cells.length}/${total}] ${row.id} on ${kafka}: ${cell.verdict} (${plural(cell.runs, 'run')}, ${((wallclockMs() - cellStart) / 1000).toFixed(1)} s)\n`);
        }
      }

      const files = new Map<string, string>();
      if (flags.out !== undefined && dir !== undefined) {
        files.set(flags.out, matrixMarkdown(cells, releases, budget, dir));
        for (const c of cells) if (c.scenario) files.set(cellFile(dir, c), JSON.stringify(c.scenario, null, 2) + '\n');
      }
      if (flags.check) {
        const stale = staleFiles(files);
        io.err(stale.length === 0 ? `matrix: ${plural(files.size, 'file')} up to date\n` : `matrix: ${stale.length} of ${plural(files.size, 'file')} out of date: ${stale.join(', ')}\nRun: kafka-model matrix${flags.quick ? ' --quick' : ''} --out ${flags.out}\n`);
        if (stale.length > 0) setExitCode(1);
      } else writeFiles(files);
      io.out(flags.json ? matrixJson(cells, budget, dir) : (flags.out === undefined ? matrixMarkdown(cells, releases, budget, undefined) : `matrix: ${cells.length} cells in ${((wallclockMs() - start) / 1000).toFixed(1)} s${flags.check ? '' : `, written to ${flags.out}`}\n`));
    });
};
