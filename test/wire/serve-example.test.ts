import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeCli } from '../helpers/serve-cli.js';

/**
 * Issue 14's bar, as a user meets it: `examples/kafkajs-against-serve.mjs`, a kafkajs
 * application that imports nothing of kafka-model, copied to a directory outside the repository
 * (with only kafkajs beside it) and run by plain `node` against `kafka-model serve`. The script
 * creates a 3-partition topic, produces 300 keyed records with acks=-1, consumes them in a group
 * of two (each partition in order), commits, restarts and resumes, and runs a transactional
 * producer whose aborted records a read_committed consumer never sees; it exits 1 at the first
 * expectation that fails.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'wire-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(script: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: dir });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, out });
    });
  });
}

describe('a kafkajs application outside the repository, against serve', () => {
  it('wire-kafkajs-roundtrip: examples/kafkajs-against-serve.mjs holds every expectation against serve --brokers 3', async () => {
    const script = join(dir, 'app.mjs');
    copyFileSync(join(repo, 'examples', 'kafkajs-against-serve.mjs'), script);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(repo, 'node_modules', 'kafkajs'), join(dir, 'node_modules', 'kafkajs'), 'dir');
    const s = await startServeCli('--brokers', '3', '--port', '0', '--transactional-ids', 'tx-1', '--control', 'none', '--control-port', '0', '--duration', '55');
    const app = await node(script, s.brokers.join(','));
    await fetch(`${s.control}/control`, { method: 'POST', body: JSON.stringify({ command: 'quit' }) });
    const code = await s.done;
    expect(app.out).toContain('all expectations held');
    expect(app.code, app.out).toBe(0);
    expect(app.out).toMatch(/ok: partition 0: \d+ records, in offset order/);
    expect(s.stdout()).toMatch(/no invariant broken in \d+ ms of serving/);
    expect(code).toBe(0);
  }, 60_000);
});
