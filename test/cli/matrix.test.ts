import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('kafka-model matrix', () => {
  it('bad input is one line and exit 2', async () => {
    for (const [args, message] of [
      [['matrix', '--kafka', '9.9'], /--kafka: unknown Kafka release "9\.9"/],
      [['matrix', '--only', 'nope'], /--only: no row named nope \(expected some of no-acked-loss@1,/],
      [['matrix', '--check'], /--check needs --out FILE/],
      [['matrix', '--out', 'm.txt'], /--out: expected a \.md file/],
    ] as const) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a refuted cell carries its counterexample, written beside the table; --check finds a stale table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-'));
    const out = join(dir, 'matrix.md');
    // Kafka 2.1 before strict min ISR: the KAFKA-15583 rule is not a row, but no-acked-loss at
    // budget 2 on 0.10.2 is refuted quickly (truncation to the HW), and 4.1 holds.
    const r = await cli('matrix', '--quick', '--only', 'no-acked-loss@2', '--kafka', '0.10.2,4.1', '--out', out, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { cells: { kafka: string; verdict: string; runs: number; replay?: string; scenario: unknown }[] };
    const [old, newest] = json.cells;
    expect(old).toMatchObject({ kafka: '0.10.2', verdict: 'refuted' });
    expect(old!.replay).toBe(`kafka-model replay ${join(dir, 'matrix', 'no-acked-loss-budget-2-kafka-0.10.2.json')}`);
    expect(newest).toMatchObject({ kafka: '4.1', verdict: 'holds', runs: 300, scenario: null });
    const table = readFileSync(out, 'utf8');
    expect(table).toMatch(/\| `no-acked-loss@2`: .* \| \*\*refuted\*\* \(\d+\) \| holds \(300\) \|/);
    expect(JSON.parse(readFileSync(join(dir, 'matrix', 'no-acked-loss-budget-2-kafka-0.10.2.json'), 'utf8'))).toMatchObject({ config: { kafka: '0.10.2' }, expect: { violation: 'no-acked-loss' } });
    // --check on a table of the refuted cell alone (found in a few runs; the 300 runs of the
    // holding cell are not repeated): up to date as written, stale once a verdict is edited.
    const small = join(dir, 'small.md');
    const only = ['matrix', '--quick', '--only', 'no-acked-loss@2', '--kafka', '0.10.2', '--out', small];
    expect((await cli(...only)).code).toBe(0);
    expect((await cli(...only, '--check')).code).toBe(0);
    writeFileSync(small, readFileSync(small, 'utf8').replace(/\*\*refuted\*\* \((\d+)\)/, (_m, n: string) => `**refuted** (${Number(n) + 1})`));
    const check = await cli(...only, '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/matrix: 1 of 2 files out of date: .*small\.md/);
  }, 120_000);
});
