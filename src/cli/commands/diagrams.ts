import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMachineDiagrams, type DiagramFormat } from '../../diagrams/docs.js';
import { machineRegistry } from '../../diagrams/registry.js';
import { InputError } from '../../errors.js';
import { readOrUndefined } from '../files.js';
import type { RegisterCommand } from './index.js';
import { plural } from '../../text.js';

const formats: readonly DiagramFormat[] = ['mermaid', 'svg', 'both'];

function parseFormat(s: string): DiagramFormat {
  if ((formats as readonly string[]).includes(s)) return s as DiagramFormat;
  throw new InputError(`--format must be one of ${formats.join(', ')}, got "${s}"`);
}

/**
 * `kafka-model diagrams`: state diagrams of every registered machine, drawn from the machine
 * definitions, written to DIR with an index. `--check` writes nothing and fails (exit 1) when
 * the files in DIR are not what the code draws now, for CI.
 */
export const registerDiagrams: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('diagrams')
    .description('write state diagrams of the machines (Mermaid .mmd, SVG, README.md index) to a directory')
    .option('--out <dir>', 'output directory', 'docs/diagrams')
    .option('--format <format>', `what to write: ${formats.join(', ')}`, 'both')
    .option('--only <names>', 'comma-separated machine names (default: all)')
    .option('--check', 'write nothing; exit 1 if the files in the directory are out of date')
    .action(async (opts: { out: string; format: string; only?: string; check?: boolean }) => {
      const format = parseFormat(opts.format);
      let machines = machineRegistry();
      if (opts.only !== undefined) {
        const wanted = opts.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const known = new Set(machines.map((m) => m.name));
        const unknown = wanted.filter((w) => !known.has(w));
        if (unknown.length > 0) throw new InputError(`--only: no machine named ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
        machines = machines.filter((m) => wanted.includes(m.name));
      }
      const files = await renderMachineDiagrams(machines, format);

      if (opts.check) {
        const stale = files.filter((f) => readOrUndefined(join(opts.out, f.path)) !== f.content).map((f) => f.path);
        if (stale.length > 0) {
          io.out(`${stale.length} of ${files.length} diagram files in ${opts.out} are out of date: ${stale.join(', ')}\nRun: kafka-model diagrams --out ${opts.out}${format === 'both' ? '' : ` --format ${format}`}\n`);
          setExitCode(1);
        } else {
          io.out(`${files.length} diagram files in ${opts.out} are up to date\n`);
          setExitCode(0);
        }
        return;
      }

      try {
        mkdirSync(opts.out, { recursive: true });
        for (const f of files) writeFileSync(join(opts.out, f.path), f.content);
      } catch (e) {
        throw new InputError(`${opts.out}: cannot write diagrams (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      io.out(`Wrote ${plural(files.length, 'file')} to ${opts.out}: ${files.map((f) => f.path).join(', ')}\n`);
      setExitCode(0);
    });
};
