// Runs the CLI from source in a child process (tests that need a separate process).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
