#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/main.js';

// Exit once the command has reported, after stdout and stderr have drained (every file the CLI
// writes is written synchronously). What could still be pending then is a third-party client's
// reconnect timer (kafkajs in `conform`), which must not keep the process up after its verdict.
const code = await main(process.argv.slice(2));
const drained = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
