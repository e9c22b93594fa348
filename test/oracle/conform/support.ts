import { Command, CommanderError } from 'commander';
import { InputError } from '../../../src/cli/errors.js';
import { captureIo } from '../../../src/cli/io.js';
import { registerConform } from '../../../src/cli/commands/conform.js';
import { librdkafkaAvailable } from '../../../src/oracle/conform/index.js';

/**
 * The live tests need librdkafka's mock cluster. Locally they skip (saying so) when the
 * Debian package is missing; in CI (.ci/run installs it) they always run, and fail loudly
 * if it is not there.
 */
export const skipLive = !librdkafkaAvailable() && !process.env.CI;
if (skipLive) {
  console.warn('test/oracle/conform: librdkafka-dev is not installed (apt-get install librdkafka-dev); skipping the live mock-cluster tests');
}

/** Runs `kafka-model conform ...` in process, as src/cli/main.ts does, returning exit code and output. */
export async function conform(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  let code = 0;
  const program = new Command('kafka-model')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerConform(program, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(['node', 'kafka-model', 'conform', ...args]);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof InputError) {
      io.err(`kafka-model: ${e.message}\n`);
      code = 2;
    } else throw e;
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}
