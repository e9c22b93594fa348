import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDiagrams } from '../../src/cli/commands/diagrams.js';
import { InputError } from '../../src/errors.js';
import { captureIo } from '../../src/cli/io.js';
import { machineToMermaid } from '../../src/diagrams/state-diagram.js';
import { machineRegistry } from '../../src/diagrams/registry.js';

/** The diagrams command on its own program, with main()'s exit-code rules (0, 1, 2 for bad input). */
async function diagrams(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  let code = 0;
  const program = new Command('kafka-model').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerDiagrams(program, io, (c) => (code = c));
  try {
    await program.parseAsync(['node', 'kafka-model', 'diagrams', ...argv]);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`kafka-model: ${e.message}\n`);
      code = 2;
    } else if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else throw e;
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'kafka-model-diagrams-'));

describe('kafka-model diagrams', () => {
  it('writes a .mmd and an .svg per registered machine, and an index embedding the Mermaid', async () => {
    const dir = tmp();
    const r = await diagrams('--out', dir);
    expect(r.code).toBe(0);
    const names = machineRegistry().map((m) => m.name);
    expect(names).toContain('pinger');
    expect(readdirSync(dir).sort()).toEqual(['README.md', ...names.flatMap((n) => [`${n}.mmd`, `${n}.svg`])].sort());
    for (const m of machineRegistry()) {
      const mmd = readFileSync(join(dir, `${m.name}.mmd`), 'utf8');
      expect(mmd).toBe(machineToMermaid(m.machine));
      expect(readFileSync(join(dir, `${m.name}.svg`), 'utf8')).toContain('<svg');
    }
    const index = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(index).toContain('## Pinger (kernel workload)');
    expect(index).toContain('```mermaid\n' + machineToMermaid(machineRegistry().find((m) => m.name === 'pinger')!.machine).trimEnd() + '\n```');
    expect(index).toContain('[SVG](pinger.svg)');
    expect(r.stdout).toMatch(/^Wrote \d+ files to /);
  });

  it('regenerates byte for byte, and --check tells when the files are out of date', async () => {
    const dir = tmp();
    await diagrams('--out', dir, '--only', 'pinger');
    const before = readFileSync(join(dir, 'pinger.svg'), 'utf8');
    expect((await diagrams('--out', dir, '--only', 'pinger', '--check')).code).toBe(0);
    await diagrams('--out', dir, '--only', 'pinger');
    expect(readFileSync(join(dir, 'pinger.svg'), 'utf8')).toBe(before);

    writeFileSync(join(dir, 'pinger.mmd'), 'stale\n');
    const r = await diagrams('--out', dir, '--only', 'pinger', '--check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('out of date: pinger.mmd');
  });

  it('--format mermaid writes no SVG; --format svg embeds the images', async () => {
    const m = tmp();
    await diagrams('--out', m, '--format', 'mermaid', '--only', 'ponger');
    expect(readdirSync(m).sort()).toEqual(['README.md', 'ponger.mmd']);
    const s = tmp();
    await diagrams('--out', s, '--format', 'svg', '--only', 'ponger');
    expect(readdirSync(s).sort()).toEqual(['README.md', 'ponger.svg']);
    expect(readFileSync(join(s, 'README.md'), 'utf8')).toContain('![Ponger (kernel workload)](ponger.svg)');
  });

  it.each([
    [['--format', 'png'], /--format must be one of mermaid, svg, both, got "png"/],
    [['--only', 'nosuch'], /--only: no machine named nosuch \(known: quorum-controller, zk-controller, zookeeper, broker, zk-broker, replica, producer, group-coordinator, consumer-group-coordinator, consumer, txn-coordinator, pinger, ponger/],
  ])('rejects bad input %j with one line and exit 2', async (args, message) => {
    const r = await diagrams('--out', tmp(), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports an unwritable directory as bad input', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    const r = await diagrams('--out', join(dir, 'file', 'sub'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write diagrams \(ENOTDIR\)/);
  });
});
