import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** Run the CLI in this process and capture what it prints. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

/** Run the CLI in a separate Node process, from source. */
export function cliProcess(...argv: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...argv], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Run the CLI in a separate Node process, from source, without blocking this one; after
 * `timeoutMs` the process is killed (`killed`), and what it printed so far is returned.
 */
export function cliChild(timeoutMs: number, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; killed: boolean }> {
  return cliChildWithInput(timeoutMs, undefined, ...argv);
}

/** cliChild, with `input` written to the process's stdin (then closed). */
export function cliChildWithInput(timeoutMs: number, input: string | undefined, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...argv]);
    if (input !== undefined) child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, killed });
    });
  });
}
