import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matrixBudgets, matrixJson, matrixMarkdown, matrixRows } from '../../src/matrix/index.js';
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
    // no-acked-loss at budget 2 on 0.10.2 is refuted quickly (truncation to the HW). A holding
    // cell's 300 runs are left to .ci/run's matrix --check; its text is tested below.
    const args = ['matrix', '--quick', '--only', 'no-acked-loss@2', '--kafka', '0.10.2', '--out', out];
    const r = await cli(...args, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { cells: { kafka: string; verdict: string; runs: number; replay?: string; scenario: unknown }[] };
    expect(json.cells[0]).toMatchObject({ kafka: '0.10.2', verdict: 'refuted' });
    expect(json.cells[0]!.replay).toBe(`kafka-model replay ${join(dir, 'matrix', 'no-acked-loss-budget-2-kafka-0.10.2.json')}`);
    const table = readFileSync(out, 'utf8');
    expect(table).toMatch(/\| `no-acked-loss@2`: .* \| \*\*refuted\*\* \(\d+\) \|/);
    expect(JSON.parse(readFileSync(join(dir, 'matrix', 'no-acked-loss-budget-2-kafka-0.10.2.json'), 'utf8'))).toMatchObject({ config: { kafka: '0.10.2' }, expect: { violation: 'no-acked-loss' } });
    // --check: up to date as written, stale once a verdict is edited.
    expect((await cli(...args, '--check')).code).toBe(0);
    writeFileSync(out, table.replace(/\*\*refuted\*\* \((\d+)\)/, (_m, n: string) => `**refuted** (${Number(n) + 1})`));
    const check = await cli(...args, '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/matrix: 1 of 2 files out of date: .*matrix\.md/);
  }, 120_000);

  it('a holding cell says how many runs held it, in the table and in --json (no scenario)', () => {
    const row = matrixRows.find((r) => r.id === 'no-acked-loss@2')!;
    const cells = [{ row, kafka: '4.1', verdict: 'holds' as const, runs: 300, scenario: undefined, reason: undefined }];
    expect(matrixMarkdown(cells, ['4.1'], matrixBudgets.quick, 'docs')).toMatch(/\| `no-acked-loss@2`: .* \| holds \(300\) \|/);
    expect(JSON.parse(matrixJson(cells, matrixBudgets.quick, 'docs')).cells[0]).toMatchObject({ kafka: '4.1', verdict: 'holds', runs: 300, scenario: null });
  });
});
