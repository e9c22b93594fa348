import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/claims/catalogue.js';
import { experiments } from '../../src/claims/experiments/index.js';
import { catalogueMarkdown, reportFiles, resultsJson, summaryTable } from '../../src/claims/report.js';
import { runClaims } from '../../src/claims/runner.js';
import { budgets } from '../../src/claims/types.js';
import { registerClaims } from '../../src/cli/commands/claims.js';
import { InputError } from '../../src/errors.js';
import { captureIo } from '../../src/cli/io.js';

const claims = loadCatalogue();

describe('claims catalogue', () => {
  it('has at least 30 claims, each with a known experiment (test/claims/seed.test.ts checks each quote against the seed)', () => {
    expect(claims.length).toBeGreaterThanOrEqual(30);
    for (const c of claims) expect(experiments[c.experiment], c.id).toBeDefined();
  });

  it('rejects a malformed catalogue with a message naming the claim', () => {
    const one = { id: 'x', section: 's', quote: 'q', statement: 'st', experiment: 'no-such', expected: 'holds' };
    expect(() => loadCatalogue(JSON.stringify({ claims: [one] }))).toThrow(/claim x: unknown experiment/);
    expect(() => loadCatalogue(JSON.stringify({ claims: [{ ...one, experiment: 'performance', expected: 'not-modelled' }] }))).toThrow(/reason/);
  });

  it('spec/claims.md is generated from spec/claims.json', () => {
    expect(readFileSync(new URL('../../spec/claims.md', import.meta.url), 'utf8')).toBe(catalogueMarkdown(claims));
  });

  it('every not-modelled claim says why, in the catalogue and in its result', () => {
    const unchecked = claims.filter((c) => c.expected === 'not-modelled');
    expect(unchecked.length).toBeGreaterThan(0);
    for (const c of unchecked) expect((c.reason ?? '').length, c.id).toBeGreaterThan(20);
    const results = runClaims(unchecked, { budget: budgets.quick, cxDir: 'docs/counterexamples' });
    for (const r of results) {
      expect(r.verdict).toBe('not-modelled');
      expect((r.reason ?? '').length, r.claim.id).toBeGreaterThan(20);
    }
  });
});

describe('experiments can give another verdict', () => {
  it('a claim whose recorded verdict differs is reported as changed', () => {
    const claim = { ...claims.find((c) => c.id === 'idle-consumers')!, expected: 'refuted' as const };
    const [r] = runClaims([claim], { budget: budgets.quick, cxDir: 'cx' });
    expect(r!.verdict).toBe('holds');
    expect(r!.matches).toBe(false);
    expect(summaryTable([r!])).toContain('CHANGED');
  });
});

async function claimsCli(...argv: string[]) {
  const io = captureIo();
  let code = -1;
  const program = new Command('kafka-model').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerClaims(program, io, (c) => (code = c));
  await program.parseAsync(['node', 'kafka-model', 'claims', ...argv]);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('kafka-model claims', () => {
  it('--only runs the named claims; --json has the documented shape; a line per claim on stderr', async () => {
    const r = await claimsCli('--quick', '--json', '--only', 'idle-consumers,follower-becomes-leader,high-throughput', '--cx-dir', '/tmp/kafka-model-claims-test');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { claims: Record<string, unknown>[] };
    expect(out.claims.map((c) => [c.id, c.verdict])).toEqual([
      ['follower-becomes-leader', 'holds-if'],
      ['idle-consumers', 'holds'],
      ['high-throughput', 'not-modelled'],
    ].sort((a, b) => claims.findIndex((c) => c.id === a[0]) - claims.findIndex((c) => c.id === b[0])));
    for (const c of out.claims) for (const k of ['id', 'quote', 'section', 'verdict', 'conditions', 'counterexample']) expect(c).toHaveProperty(k);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('claims: [')).length).toBe(3);
  });

  it('bad input is an InputError', async () => {
    await expect(claimsCli('--only', 'no-such-claim')).rejects.toThrow(InputError);
    await expect(claimsCli('--out', 'report.txt', '--only', 'idle-consumers')).rejects.toThrow(/--out/);
    await expect(claimsCli('--check', '--only', 'idle-consumers')).rejects.toThrow(/--check needs --out/);
  });

  it('a claim\'s measurements are in its JSON, and the report carries their table and plot', () => {
    const [run] = runClaims([claims.find((c) => c.id === 'high-throughput')!], { budget: budgets.quick, cxDir: 'cx' });
    const figure = { caption: 'c', header: ['Mode', 'Partitions'], rows: [['ZooKeeper', '10,000']], svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>\n' };
    const r = { ...run!, claim: claims.find((c) => c.id === 'kraft')!, figure };
    const json = JSON.parse(resultsJson([r])).claims[0] as { measurements: { header: string[]; rows: string[][] } };
    expect(json.measurements).toEqual({ caption: 'c', header: figure.header, rows: figure.rows });
    const files = reportFiles([r], budgets.quick, 'out/claims.md');
    expect(files.get('out/claims-kraft.svg')).toMatch(/^<svg /);
    expect(files.get('out/claims.md')).toContain('| ZooKeeper | 10,000 |');
    expect(files.get('out/claims.md')).toContain('(claims-kraft.svg)');
    expect(files.get('out/claims.html')).toContain('<svg ');
  });

  it('resultsJson gives counterexample null when there is none', () => {
    const [r] = runClaims([claims.find((c) => c.id === 'high-throughput')!], { budget: budgets.quick, cxDir: 'cx' });
    expect(JSON.parse(resultsJson([r!])).claims[0]).toMatchObject({ id: 'high-throughput', verdict: 'not-modelled', counterexample: null });
  });
});
