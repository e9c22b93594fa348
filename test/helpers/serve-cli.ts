import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/**
 * `kafka-model serve ...` run in this process, as the binary runs it, with its output captured:
 * resolves once serve has printed its brokers (and, with --control-port, its control URL), so a
 * test can drive real clients at it while it runs. `done` settles when serve stops.
 */
export async function startServeCli(...argv: string[]): Promise<{ brokers: string[]; control: string | undefined; stdout: () => string; stderr: () => string; done: Promise<number> }> {
  const io = captureIo();
  const done = main(['serve', ...argv], io);
  let exited: number | undefined;
  void done.then((code) => (exited = code));
  const wantsControl = argv.includes('--control-port');
  const ready = () => /broker \d+ listening/.test(io.stdout()) && (!wantsControl || /control on http:\/\//.test(io.stdout()));
  const end = Date.now() + 30_000;
  while (!ready() && exited === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  if (!ready()) throw new Error(`serve did not start (exit ${exited}): ${io.stdout()}${io.stderr()}`);
  const brokers = [...io.stdout().matchAll(/broker \d+ listening on (\S+)/g)].map((m) => m[1]!);
  const control = /control on (http:\/\/\S+)/.exec(io.stdout())?.[1];
  return { brokers, control, stdout: io.stdout, stderr: io.stderr, done };
}
