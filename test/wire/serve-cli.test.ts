import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliChildWithInput } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wire-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kafka-model serve (command line)', () => {
  it('serves for --duration, names its ports, and reports the history check and the invariants when it stops', async () => {
    const file = join(dir, 'h.jsonl');
    const r = await cli('serve', '--port', '0', '--brokers', '3', '--topics', 'orders:2,audit:1', '--duration', '0.5', '--control', 'none', '--history', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kafka-model serve: Kafka [\d.]+, preset default, seed 1\n/);
    expect(r.stdout.match(/broker \d listening on 127\.0\.0\.1:\d+/g)).toHaveLength(3);
    expect(r.stdout).toContain('topics: t (1 partitions), orders (2 partitions), audit (1 partitions)');
    expect(r.stdout).toMatch(/no invariant broken in \d+ ms of serving \(0 faults\)/);
    expect(r.stdout).toContain('no client operation recorded: nothing to check');
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it.each([
    [['--brokers', '0'], /--brokers must be an integer from 1 to 64, got "0"/],
    [['--topics', 'orders'], /--topics takes NAME:PARTITIONS/],
    [['--topics', '__consumer_offsets:1'], /internal topic name/],
    [['--topics', 't:3'], /named twice \(or is the model's own topic t\)/],
    [['--port', 'x'], /--port must be an integer/],
    [['--config', 'no-such-preset'], /no-such-preset/],
    [['--kafka', '9.9'], /9\.9/],
    [['--duration', '-1'], /--duration must be a number of seconds/],
    [['--control', 'http'], /--control must be stdin or none/],
    [['--timings', 'fast'], /--timings must be kafka or scaled/],
    [['--transactional-ids', 'a,a'], /--transactional-ids takes distinct ids/],
    [['--record', join(dir, 'no', 'such', 'dir', 'r.jsonl')], /--record: cannot write/],
    [['--history', join(dir, 'no', 'such', 'dir', 'h.jsonl')], /--history: cannot write/],
  ])('bad input %j: one line naming it, exit 2', async (args, message) => {
    const r = await cli('serve', '--port', '0', '--duration', '0.1', '--control', 'none', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('replay given a history (serve --history) instead of a recording (serve --record): one line saying which command takes it, exit 2', async () => {
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, `${JSON.stringify({ index: 0, time: 0, process: 0, type: 'invoke', f: 'send', value: [['send', 't-0', 'a']] })}\n`);
    const r = await cli('replay', file);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is a history of client operations .*`kafka-model check` judges; replay takes a scenario \(explore --out\) or a serve recording \(serve --record\)/);
  });

  it('takes control commands on stdin: a status line, an error for a bad command, a fault, the report, and quit', async () => {
    const r = await cliChildWithInput(30_000, 'status\ncrash b9\ncrash b2\nreport\nquit\n', 'serve', '--port', '0', '--duration', '25', '--control', 'stdin');
    expect(r.killed, r.stdout + r.stderr).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: t-0: leader \d, epoch \d+, isr \[[\d,]+\]$/m);
    expect(r.stdout).toMatch(/^error: unknown node "b9"/m);
    expect(r.stdout).toContain('ok: crashed b2 (process crash: its page cache survives)');
    // `report` prints the verdict so far, and quitting prints the final one: two reports, one fault each.
    expect(r.stdout.match(/no invariant broken in \d+ ms of serving \(1 faults\)/g)).toHaveLength(2);
  }, 40_000);
});
