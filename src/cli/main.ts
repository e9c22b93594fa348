import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError } from '../errors.js';
import { type Io, processIo } from './io.js';
import { commands } from './commands/index.js';

/** The package's version, from its package.json (two folders up from src/cli and dist/cli alike). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * The kafka-model command. Returns the exit code instead of exiting, so tests can run it in
 * process: 0 success, 1 a property or check failed, 2 bad input (one line, no stack trace).
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = new Command('kafka-model')
    .description('The reference formal model of Apache Kafka: simulate, explore, check.')
    .version(packageVersion(), '-V, --version', 'print the version of kafka-model')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // One line, named for the tool, like every other input error.
      outputError: (s, write) => write(s.replace(/^error: /, 'kafka-model: ')),
    })
    .showSuggestionAfterError(true);
  let exitCode = 0;
  // A command named first is loaded alone; anything else (--help, a typo to suggest a command for) loads them all.
  const named = commands.filter((c) => c.name === argv[0]);
  for (const c of named.length > 0 ? named : commands) {
    (await c.load())(program, io, (code) => {
      exitCode = code;
    });
  }
  try {
    await program.parseAsync(['node', 'kafka-model', ...argv]);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed its one-line message (or the help text).
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof InputError) {
      io.err(`kafka-model: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
